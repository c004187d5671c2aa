"""The fake-fix flags (真改了吗) as the supervision board and the dashboard draw them: a count per kind,
one page of flags with the reason of each, and the pager."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth import Identity
from gongzhi.whistle import flags
from ui import pager
from ui.session import t


def show(user: Identity, lang: str, now: dt.datetime, key: str, *, lo: int | None = None, hi: int | None = None,
         page_size: int = flags.PAGE_SIZE) -> None:
    """The flags `user` sees (within lo..hi when given), filtered by kind with a segmented control."""
    kind = st.segmented_control(t("flags.kind_label"), list(flags.KINDS), key=f"{key}_kind",
                                format_func=lambda k: t(f"flags.kind.{k}"))
    asked = pager.current(f"{key}_page", 10**6)
    data = flags.board(user, now, kind=kind, page=asked - 1, page_size=page_size, lo=lo, hi=hi)
    counts = data["counts"]
    shown = counts[kind] if kind else sum(counts.values())
    pages = max(1, -(-shown // page_size))
    if asked > pages:  # the list shrank since the page was chosen: show its last page
        data = flags.board(user, now, kind=kind, page=pages - 1, page_size=page_size, lo=lo, hi=hi)
    st.caption(t("flags.caption", days=flags.WINDOW_DAYS) + " " + flags.as_of_text(data["as_of"], lang))
    columns = st.columns(4)
    for col, k in zip(columns, flags.KINDS[:4]):
        col.metric(t(f"flags.kind.{k}"), counts[k])
    if counts.get("no_after_photo"):
        st.metric(t("flags.kind.no_after_photo"), counts["no_after_photo"])
    if not data["rows"]:
        st.info(t("flags.none"))
        return
    st.dataframe(pd.DataFrame([{t("flags.kind_label"): t(f"flags.kind.{r['kind']}"),
                                t("flags.subject"): flags.subject(r, lang),
                                t("flags.reason_label"): flags.reason(r, lang)} for r in data["rows"]]),
                 hide_index=True, width="stretch")
    pager.pager(f"{key}_page", pages)

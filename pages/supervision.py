"""督办 Supervision: the board of open events by lateness with their lights (red ones escalated to the
street), the ranking by the three rates, the weekly feedback report with its Excel export, and the
fake-fix flags (真改了吗). Under the board, an event named by its number shows its photos and those
taken on the round it came from, to look at, not to change."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.whistle import commands, queries, report
from ui import flags as flag_list
from ui import lights, pager, photos, session
from ui import todo as todo_link
from ui.session import t
from ui.whistle import label


user = session.require_identity()
lang = session.lang()
now = dt.datetime.now(dt.timezone.utc)


def board(card: str | None) -> None:
    departments = {d["id"]: d["name_" + lang] for d in queries.departments(user, active_only=False, units=True)}
    light = st.segmented_control(t("whistle.col.light"), list(queries.LIGHTS), key="sv_light",
                                 format_func=lights.text)
    counts = queries.board(user, now, light=light, page=0, page_size=0, todo_key=card)["counts"]
    shown = counts[light] if light else counts["red"] + counts["yellow"] + counts["green"]
    pages = max(1, -(-shown // queries.PAGE_SIZE))
    data = queries.board(user, now, light=light, page=pager.current("sv_page", pages) - 1, todo_key=card)
    red, yellow, green, escalated = st.columns(4)
    red.metric(lights.text("red"), data["counts"]["red"])
    yellow.metric(lights.text("yellow"), data["counts"]["yellow"])
    green.metric(lights.text("green"), data["counts"]["green"])
    escalated.metric(t("whistle.flag.escalated"), data["counts"]["escalated"])
    st.caption(t("lists.total", n=f"{shown:,}"))
    st.dataframe(lights.styled(pd.DataFrame([{
        t("whistle.col.id"): r["id"], t("whistle.col.light"): lights.text(r["light"]),
        t("field.title"): r["title"], t("whistle.col.step"): label("whistle.step", r["step"]),
        t("whistle.col.lead"): departments.get(r["lead_department_id"], ""),
        t("whistle.col.hours_late"): round(float(r["hours_late"] or 0), 1),
        t("whistle.col.flags"): t("whistle.flag.escalated") if r["escalated"] else ""} for r in data["rows"]]),
        t("whistle.col.light"), [r["light"] for r in data["rows"]]), hide_index=True, width="stretch")
    pager.pager("sv_page", pages)
    _photos()


def _photos() -> None:
    """The photos of one event the user names by its number (the board's first column)."""
    event_id = st.number_input(t("supervision.photos_of"), min_value=1, value=None, step=1, key="sv_photos_event",
                               placeholder=t("supervision.photos_hint"))
    if event_id is None:
        return
    event = queries.event(user, int(event_id), now)
    if event is None:
        st.info(t("supervision.no_event", id=int(event_id)))
        return
    photos.show(user, "event", event["id"], staged=True, editable=False, title="supervision.photos_title")


def ranking(card: str | None) -> None:
    by = st.radio(t("whistle.ui.rank_by"), list(queries.RATE_GROUPS), horizontal=True, key="sv_rank_by",
                  format_func=lambda v: label("whistle.group", v))
    st.dataframe(pd.DataFrame([{
        t("whistle.col.rank"): i + 1, t("whistle.report.name"): r["name_" + lang],
        t("whistle.report.whistled"): r["events"], t("whistle.col.response_rate"): r["response_rate"],
        t("whistle.col.resolution_rate"): r["resolution_rate"],
        t("whistle.col.satisfaction_rate"): r["satisfaction_rate"]} for i, r in enumerate(queries.rates(user, by))]),
        hide_index=True, width="stretch")


def weekly(card: str | None) -> None:
    day = st.date_input(t("whistle.ui.week_of"), value=dt.date.today(), key="sv_week")
    found = queries.weekly(user, queries.week_start(day))
    for title_key, rows, name_of in (("whistle.report.per_department", found["per_department"], lambda r: r["name_" + lang]),
                                     ("whistle.report.per_grid", found["per_grid"], lambda r: r["name"])):
        st.markdown(f"**{t(title_key)}**")
        st.dataframe(pd.DataFrame([{t("whistle.report.name"): name_of(r),
                                    **{label("whistle.report", c): r[c] for c in report.COLUMNS}} for r in rows]),
                     hide_index=True, width="stretch")
    st.markdown(f"**{t('suggestion.report.sheet')}**")
    for col, key in zip(st.columns(3), ("received", "replied_in_time", "to_cases")):
        col.metric(t(f"suggestion.report.{key}"), found["suggestions"][key])
    st.download_button(t("whistle.ui.export"), data=report.weekly_xlsx(found, lang), key="sv_export",
                       file_name=f"weekly-{found['monday'].isoformat()}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def flags(card: str | None) -> None:
    flag_list.show(user, lang, now, "sv_flags")


# One view per run (st.tabs would run every body and its queries on every rerun); the page's reads
# and the escalation of overdue events share one transaction.
VIEWS = {"board": board, "ranking": ranking, "weekly": weekly, "flags": flags}
with session.page_transaction(user):
    st.title(t("page.supervision"))
    commands.escalate_overdue(user, now)
    card = todo_link.from_link(user, "supervision", clear=("sv_light", "sv_page"))
    view = st.radio(t("page.supervision"), list(VIEWS), key="sv_view", horizontal=True, label_visibility="collapsed",
                    format_func={v: t(f"whistle.ui.{v}") for v in VIEWS}.get)
    VIEWS[view](card)

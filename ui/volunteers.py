"""Widgets shared by the volunteer pages: a pager over SQL-paginated lists, field problems in the
user's language, and the public page's sender (the client address the server saw). No SQL, no permission rule."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.session import client_address, t

PAGE_SIZE = 50


def pager(key: str, total: int, size: int = PAGE_SIZE) -> int:
    """A page number input under a list of `total` rows; returns the chosen page."""
    pages = max(1, -(-total // size))
    page = st.number_input(t("volunteers.ui.page", pages=pages, total=f"{total:,}"), min_value=1, max_value=pages,
                           value=1, step=1, key=f"{key}_page")
    return int(page)


def table(rows: list[dict], columns: dict[str, str], key: str | None = None, select: bool = False):
    """`rows` as a table with translated headers (`columns`: row key → i18n key); with `select`,
    returns the indexes of the selected rows."""
    frame = pd.DataFrame([{t(label): r.get(col) for col, label in columns.items()} for r in rows],
                         columns=[t(label) for label in columns.values()])
    if not select:
        st.dataframe(frame, hide_index=True, width="stretch")
        return []
    event = st.dataframe(frame, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="multi-row")
    return list(event.selection.rows)


def field_label(field: str) -> str:
    """The label of a volunteer form's field, for its problems (ui.forms.show)."""
    return t(f"volunteers.field.{field}")


def sender() -> str:
    """The client's address as the server saw it (gongzhi.sender): the sender the database throttles."""
    return client_address()

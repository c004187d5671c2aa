"""Paging controls under an SQL-paginated list: 上一页 / 下一页 buttons and "第 x / y 页", the page
number kept in the session under the list's key (a list resets it to 1 when its filters change)."""
from __future__ import annotations

import streamlit as st

from ui.session import t


def current(key: str, pages: int) -> int:
    """The page `key` is on, within 1..pages."""
    page = st.session_state.get(key, 1)
    page = page if isinstance(page, int) else 1
    return min(max(1, page), max(1, pages))


def _go(key: str, page: int) -> None:
    st.session_state[key] = page


def pager(key: str, pages: int, capped: bool = False) -> int:
    """Previous / next and the position; returns the page shown (1-based). `capped`: the count
    behind `pages` stopped at a cap (a keyword search's "1,000+"), so the position says "20+"."""
    page = current(key, pages)
    st.session_state[key] = page
    if pages > 1:
        position = t("pager.position_capped" if capped else "pager.position", page=page, pages=pages)
        _controls(key, page, page < pages, position)
    return page


def open_ended(key: str, more: bool) -> int:
    """Previous / next under a list whose length is not counted (the query fetched one row past
    the page to learn whether `more` follow); returns the page shown."""
    page = current(key, 10**9)
    st.session_state[key] = page
    if page > 1 or more:
        _controls(key, page, more, t("pager.page", page=page))
    return page


def _controls(key: str, page: int, more: bool, position: str) -> None:
    back, where, forward, _ = st.columns([1, 1, 1, 5], vertical_alignment="center")
    back.button(t("pager.previous"), key=f"{key}_prev", disabled=page <= 1, on_click=_go, args=(key, page - 1),
                icon=":material/chevron_left:")
    where.markdown(position)
    forward.button(t("pager.next"), key=f"{key}_next", disabled=not more, on_click=_go, args=(key, page + 1),
                   icon=":material/chevron_right:")

"""The 待办 filter a home card's link carries (`?todo=<card>`): checked against the role and the
page, its preset widget values applied once, shown as a banner with a way back to the whole list.
A crafted or stale value gets a message and changes nothing."""
from __future__ import annotations

import streamlit as st

from gongzhi import todo
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

PARAM = "todo"
APPLIED = "todo_applied"   # (page, card) whose preset this session applied last


def from_link(user, page: str, clear: tuple[str, ...] = ()) -> str | None:
    """The card key this page is filtered by, or None; call before the page's own widgets. When a
    card is followed, the session keys starting with a prefix in `clear` (the page's own filters
    and page number) are dropped, so the list shows exactly the card's rows."""
    raw = st.query_params.get(PARAM)
    if raw is None:
        st.session_state.pop(APPLIED, None)
        return None
    try:
        found = todo.card(raw, user.role, page)
    except DomainError as exc:
        session.show_error(exc)
        return None
    if st.session_state.get(APPLIED) != (page, found.key):
        if clear:
            for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(clear)]:
                del st.session_state[key]
        for key, value in found.preset.items():
            st.session_state[key] = value
        st.session_state[APPLIED] = (page, found.key)
    text, action = st.columns([5, 1], vertical_alignment="center")
    text.info(t("todo.filtered", card=t(f"home.card.{found.key}")), icon=":material/filter_alt:")
    action.button(t("todo.show_all"), key=f"todo_clear_{page}", on_click=_clear)
    return found.key


def _clear() -> None:
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    st.session_state.pop(APPLIED, None)

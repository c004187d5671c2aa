"""The "查看完整号码" action: a small form asking for the reason, whose callback makes the one call
`gongzhi.personal.unmask` (the database decides, the security log records) and leaves the outcome
in the session for the run that follows to draw once."""
from __future__ import annotations

import streamlit as st

from gongzhi import personal
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

OUTCOME = "unmask_outcome"


def _unmask(user, table: str, row_id, column: str, key: str) -> None:
    reason = st.session_state.get(f"{key}_reason", "")
    row = st.session_state.get(f"{key}_row", row_id)
    try:
        value = personal.unmask(user, table, row, column, reason)
    except DomainError as exc:
        st.session_state[OUTCOME] = (key, "error", exc)
        return
    st.session_state[OUTCOME] = (key, "value", value)


def show(user, table: str, column: str, key: str, row_id=None, choices: dict | None = None) -> None:
    """The form for one row (`row_id`), or for a row picked among `choices` ({id: label})."""
    with st.expander(t("personal.unmask.action")):
        with st.form(key):
            if choices is not None:
                st.selectbox(t("personal.unmask.row"), list(choices), key=f"{key}_row",
                             format_func=lambda i: choices[i])
            st.text_input(t("personal.unmask.reason"), key=f"{key}_reason", max_chars=200)
            st.form_submit_button(t("personal.unmask.submit"), on_click=_unmask,
                                  args=(user, table, row_id, column, key))
        outcome = st.session_state.get(OUTCOME)
        if outcome and outcome[0] == key:
            del st.session_state[OUTCOME]
            if outcome[1] == "error":
                session.show_error(outcome[2])
            elif outcome[2] is None:
                st.info(t("personal.unmask.none"))
            else:
                st.success(t("personal.unmask.shown", value=outcome[2]))

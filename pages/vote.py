"""公议 vote (no login): a resident enters the vote code the community handed them, reads the item's
public notice and votes yes, no or abstain, once. Everything goes through
gongzhi.deliberation.ballot, the one database function the public role may call."""
import time

import streamlit as st

from gongzhi.deliberation import ballot
from gongzhi.deliberation.forms import CHOICES
from gongzhi.errors import DomainError
from gongzhi.volunteers.commands import throttled
from ui import forms
from ui.session import t
from ui.volunteers import sender

WHERE = "vote"
KEPT = "vote_ballot"
THROTTLE = "vote_times"


def _unthrottled(action):
    """`action`, refused when this browser session tried too many codes lately."""
    def run():
        times = st.session_state.setdefault(THROTTLE, [])
        if throttled(times, time.time(), limit=10):
            raise DomainError("deliberation.vote.too_many")
        times.append(time.time())
        return action()
    return run


def _look_up() -> None:
    code = st.session_state["vote_code"]

    def run():
        st.session_state[KEPT] = (code, ballot.look_up(code, sender()))
    st.session_state.pop(KEPT, None)
    forms.submit(WHERE, _unthrottled(run))


def _cast() -> None:
    code, _ = st.session_state[KEPT]

    def run():
        st.session_state[KEPT] = (code, ballot.vote(code, st.session_state["vote_choice"], sender()))
    forms.submit(WHERE, run, "deliberation.vote.thanks")


st.title(t("page.vote"))
st.caption(t("deliberation.vote.intro"))
with st.form("vote_code_form"):
    st.text_input(t("deliberation.vote.code"), key="vote_code", max_chars=40)
    st.form_submit_button(t("deliberation.vote.look_up"), on_click=_look_up, type="primary")
forms.show(WHERE)
kept = st.session_state.get(KEPT)
if kept is not None:
    _, found = kept
    st.subheader(found.title)
    st.caption(t("deliberation.vote.period", community=found.community, start=found.notice_from, end=found.notice_until))
    st.info(found.notice_text)
    if found.voted:
        st.success(t("deliberation.vote.voted"))
    else:
        with st.form("vote_cast_form"):
            st.radio(t("deliberation.vote.choice"), CHOICES, key="vote_choice", horizontal=True,
                     format_func=lambda c: t(f"deliberation.choice.{c}"))
            st.form_submit_button(t("deliberation.vote.cast"), on_click=_cast, type="primary")

"""两步验证: the signed-in user's own second factor (enrol with a QR code, see how many recovery codes
are left, remove it with a current code), and for administrators the reset of another account's.
On hosted Supabase the factor is Supabase Auth's: enrolment only (removal and resets are done in
the project's dashboard)."""
import streamlit as st

from gongzhi.auth import second_factor
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import forms, session
from ui import second_factor as widgets
from ui.session import t

ENROLMENT = "mfa_enrolment"
CODES = "mfa_new_codes"

user = session.require_identity()
auth = st.session_state.get(session.AUTH_SESSION)   # hosted Supabase: its Auth keeps the factors
st.title(t("page.second_factor"))
st.caption(t("mfa.page.intro"))


def _begin() -> None:
    try:
        st.session_state[ENROLMENT] = (auth.begin_enrolment(user) if auth is not None
                                       else second_factor.begin_enrolment(user))
    except DomainError as exc:
        session.show_error(exc)


def _enrolled_here(done) -> None:
    """After the enrolment form's callback: this session is at aal2 (local accounts see their
    recovery codes once)."""
    del st.session_state[ENROLMENT]
    if auth is not None:
        st.session_state[session.IDENTITY] = done
        return
    st.session_state[CODES] = done
    st.session_state[session.IDENTITY] = second_factor.raise_session(st.session_state.get(session.TOKEN), user)


def _enrol() -> None:
    """The enrolment form; once confirmed, this session is at aal2."""
    if ENROLMENT not in st.session_state:
        st.button(t("mfa.page.start"), type="primary", key="mfa_start", on_click=_begin)
        return
    widgets.enrolment_form(user, st.session_state[ENROLMENT], "mfa_enrol", _enrolled_here,
                           confirm=auth.confirm_enrolment if auth is not None else None)


def _codes_seen() -> None:
    st.session_state.pop(CODES, None)


def _remove() -> None:
    code = st.session_state.get("mfa_remove_code", "")
    if forms.submit("mfa_remove", lambda: second_factor.remove(user, code, session.client_address())):
        st.session_state[session.IDENTITY] = second_factor.with_aal(user, second_factor.AAL1)


def _reset() -> None:
    email = st.session_state.get("mfa_reset_email", "")
    forms.submit("mfa_reset", lambda: second_factor.reset_by_email(user, email, session.client_address()),
                 lambda had: t("mfa.reset.done" if had else "mfa.reset.none"))


try:
    state = second_factor.status(user)
    enrolled = auth.has_factor() if auth is not None else state.enrolled
except DomainError as exc:
    session.show_error(exc)
    st.stop()

forms.show("mfa_remove")
if st.session_state.get(CODES):
    widgets.show_recovery_codes(st.session_state[CODES])
    st.button(t("mfa.enrol.continue"), key="mfa_codes_seen", on_click=_codes_seen)
elif enrolled:
    st.success(t("mfa.page.enrolled", n=state.recovery_codes_left) if auth is None else t("mfa.enrol.done"))
    if state.required:
        st.info(t("mfa.page.required"))
    elif auth is None:
        with st.form("mfa_remove"):
            st.text_input(t("mfa.code"), key="mfa_remove_code", max_chars=12)
            st.form_submit_button(t("mfa.page.remove"), on_click=_remove)
else:
    st.info(t("mfa.page.required") if state.required else t("mfa.page.optional"))
    _enrol()

if auth is None and may(user, "mfa.reset"):
    st.divider()
    st.subheader(t("mfa.reset.title"))
    st.caption(t("mfa.reset.hint"))
    with st.form("mfa_reset"):
        st.text_input(t("login.email"), key="mfa_reset_email")
        st.form_submit_button(t("mfa.reset.submit"), on_click=_reset)
    forms.show("mfa_reset")

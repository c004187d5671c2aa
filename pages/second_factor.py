"""两步验证: the signed-in user's own second factor (enrol with a QR code, see how many recovery codes
are left, remove it with a current code), and for administrators the reset of another account's."""
import streamlit as st

from gongzhi.auth import second_factor
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import second_factor as widgets
from ui import session
from ui.session import t

ENROLMENT = "mfa_enrolment"
CODES = "mfa_new_codes"

user = session.require_identity()
st.title(t("page.second_factor"))
st.caption(t("mfa.page.intro"))
state = second_factor.status(user)
required = state.required

if st.session_state.get(CODES):
    widgets.show_recovery_codes(st.session_state[CODES])
    if st.button(t("mfa.enrol.continue"), key="mfa_codes_seen"):
        del st.session_state[CODES]
        st.rerun()
elif state.enrolled:
    st.success(t("mfa.page.enrolled", n=state.recovery_codes_left))
    if required:
        st.info(t("mfa.page.required"))
    else:
        with st.form("mfa_remove"):
            code = st.text_input(t("mfa.code"), key="mfa_remove_code", max_chars=12)
            removed = st.form_submit_button(t("mfa.page.remove"))
        if removed:
            try:
                second_factor.remove(user, code, session.client_address())
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.session_state[session.IDENTITY] = second_factor.with_aal(user, second_factor.AAL1)
                st.rerun()
else:
    st.info(t("mfa.page.required") if required else t("mfa.page.optional"))
    if ENROLMENT not in st.session_state:
        if st.button(t("mfa.page.start"), type="primary", key="mfa_start"):
            try:
                st.session_state[ENROLMENT] = second_factor.begin_enrolment(user)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.rerun()
    else:
        codes = widgets.enrolment_form(user, st.session_state[ENROLMENT], "mfa_enrol")
        if codes is not None:
            del st.session_state[ENROLMENT]
            st.session_state[CODES] = codes
            st.session_state[session.IDENTITY] = second_factor.raise_session(st.session_state.get(session.TOKEN), user)
            st.rerun()

if may(user, "mfa.reset"):
    st.divider()
    st.subheader(t("mfa.reset.title"))
    st.caption(t("mfa.reset.hint"))
    with st.form("mfa_reset"):
        email = st.text_input(t("login.email"), key="mfa_reset_email")
        reset = st.form_submit_button(t("mfa.reset.submit"))
    if reset:
        try:
            had = second_factor.reset_by_email(user, email, session.client_address())
        except DomainError as exc:
            session.show_error(exc)
        else:
            st.success(t("mfa.reset.done" if had else "mfa.reset.none"))

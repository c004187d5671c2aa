"""Sign-in page: local accounts on the embedded server or a plain PostgreSQL; Supabase Auth (with
password reset by e-mailed code) when the backend is a hosted Supabase project."""
import streamlit as st

from gongzhi import config
from gongzhi.auth import demo_mode, supabase_auth
from gongzhi.auth.local import sign_in
from gongzhi.demo_data import DEMO_PASSWORD
from ui import second_factor as second_factor_step
from ui import forms, session
from ui.session import t

SUPABASE = config.backend() == "supabase"


def auth_session() -> supabase_auth.AuthSession:
    if session.AUTH_SESSION not in st.session_state:
        st.session_state[session.AUTH_SESSION] = supabase_auth.AuthSession()
    return st.session_state[session.AUTH_SESSION]


st.title(t("app.title"))
if (waiting := second_factor_step.pending()) is not None:   # the password was right: now the second factor
    second_factor_step.draw_pending(waiting)
    st.stop()
if reason := st.session_state.pop(session.SIGNED_OUT_BECAUSE, None):
    st.warning(t(reason))
DEMO = demo_mode.on()
session.banners(None, demo_mode=DEMO)


def _sign_in() -> None:
    """The sign-in form's callback: the password, then the second factor's step or the session."""
    email, password = st.session_state.get("login_email", ""), st.session_state.get("login_password", "")
    if SUPABASE:
        forms.submit("login", lambda: second_factor_step.after_password(auth_session().sign_in(email, password),
                                                                        auth_session()))
    else:
        forms.submit("login", lambda: second_factor_step.after_password(
            sign_in(email, password, session.client_address())))


def _request_reset() -> None:
    forms.submit("reset_request", lambda: supabase_auth.send_password_reset(st.session_state.get("reset_email", "")),
                 done="supabase_auth.reset_sent")


def _confirm_reset() -> None:
    state = st.session_state
    forms.submit("reset_confirm", lambda: session.sign_in(auth_session().reset_password(
        state.get("reset_email", ""), state.get("reset_code", ""), state.get("reset_password", ""))))


with st.form("login"):
    st.text_input(t("login.email"), key="login_email")
    st.text_input(t("login.password"), type="password", key="login_password")
    st.form_submit_button(t("login.submit"), type="primary", on_click=_sign_in)
forms.show("login")

if SUPABASE:
    st.caption(t("login.supabase_hint"))
    with st.expander(t("login.forgot")):
        with st.form("reset_request"):
            st.text_input(t("login.email"), key="reset_email")
            st.form_submit_button(t("login.reset_submit"), on_click=_request_reset)
        forms.show("reset_request")
        with st.form("reset_confirm"):
            st.text_input(t("login.reset_code"), key="reset_code")
            st.text_input(t("login.new_password"), type="password", key="reset_password")
            st.form_submit_button(t("login.reset_set"), on_click=_confirm_reset)
        forms.show("reset_confirm")
elif DEMO:   # the published password is shown only while demo mode allows it
    st.caption(t("login.demo_hint", password=DEMO_PASSWORD))

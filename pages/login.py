"""Sign-in page: local accounts on the embedded server or a plain PostgreSQL; Supabase Auth (with
password reset by e-mailed code) when the backend is a hosted Supabase project."""
import streamlit as st

from gongzhi import config
from gongzhi.auth import demo_mode, supabase_auth
from gongzhi.auth.local import sign_in
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from ui import second_factor as second_factor_step
from ui import session
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
with st.form("login"):
    email = st.text_input(t("login.email"), key="login_email")
    password = st.text_input(t("login.password"), type="password", key="login_password")
    submitted = st.form_submit_button(t("login.submit"), type="primary")
if submitted:
    try:
        if SUPABASE:
            second_factor_step.after_password(auth_session().sign_in(email, password), auth_session())
        else:
            second_factor_step.after_password(sign_in(email, password, session.client_address()))
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.rerun()

if SUPABASE:
    st.caption(t("login.supabase_hint"))
    with st.expander(t("login.forgot")):
        with st.form("reset_request"):
            reset_email = st.text_input(t("login.email"), key="reset_email")
            requested = st.form_submit_button(t("login.reset_submit"))
        if requested:
            try:
                supabase_auth.send_password_reset(reset_email)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("supabase_auth.reset_sent"))
        with st.form("reset_confirm"):
            code = st.text_input(t("login.reset_code"), key="reset_code")
            new_password = st.text_input(t("login.new_password"), type="password", key="reset_password")
            confirmed = st.form_submit_button(t("login.reset_set"))
        if confirmed:
            try:
                session.sign_in(auth_session().reset_password(reset_email, code, new_password))
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.rerun()
elif DEMO:   # the published password is shown only while demo mode allows it
    st.caption(t("login.demo_hint", password=DEMO_PASSWORD))

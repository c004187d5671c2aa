"""Sign-in page: email and password against the local accounts."""
import streamlit as st

from gongzhi import config
from gongzhi.auth.local import sign_in
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

st.title(t("app.title"))
with st.form("login"):
    email = st.text_input(t("login.email"), key="login_email")
    password = st.text_input(t("login.password"), type="password", key="login_password")
    submitted = st.form_submit_button(t("login.submit"), type="primary")
if submitted:
    try:
        session.sign_in(sign_in(email, password))
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.rerun()
if config.database_url() is None:
    st.caption(t("login.demo_hint", password=DEMO_PASSWORD))

"""账号安全: the signed-in account's own password and sessions — change the password (the only page
while it must be changed: first sign-in, a reset, expiry, demo mode off) and sign out everywhere."""
import streamlit as st

from gongzhi import config
from gongzhi.auth import passwords
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

SUPABASE = config.backend() == "supabase"
DONE, REFUSED = "account_done", "account_refused"


def _change(user) -> None:
    try:
        session.change_password(user, st.session_state.get("account_current", ""),
                                st.session_state.get("account_new", ""), st.session_state.get("account_repeat", ""))
    except DomainError as exc:
        st.session_state[REFUSED] = exc
        return
    st.session_state[DONE] = t("identity.password.done")


def _everywhere(user) -> None:
    try:
        session.sign_out_everywhere(user)
    except DomainError as exc:
        st.session_state[REFUSED] = exc


user = session.require_identity()
st.title(t("page.account"))
if user.must_change:
    st.info(t(f"identity.must_change.{user.must_change}"), icon=":material/lock_reset:")
if message := st.session_state.pop(DONE, None):
    st.success(message)

st.subheader(t("identity.password.title"))
st.caption(t("identity.password.rules", **passwords.rules()))
with st.form("account_password", clear_on_submit=True):
    if not SUPABASE:
        st.text_input(t("identity.password.current"), type="password", key="account_current")
    st.text_input(t("identity.password.new"), type="password", key="account_new")
    st.text_input(t("identity.password.repeat"), type="password", key="account_repeat")
    st.form_submit_button(t("identity.password.submit"), type="primary", on_click=_change, args=(user,))
if refused := st.session_state.pop(REFUSED, None):
    session.show_error(refused)

if not user.must_change:
    st.subheader(t("identity.everywhere.title"))
    st.caption(t("identity.everywhere.help"))
    st.button(t("identity.everywhere.button"), key="account_everywhere", on_click=_everywhere, args=(user,))

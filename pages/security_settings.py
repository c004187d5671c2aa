"""安全设置: the district's password and session policy (gongzhi.security_settings), each setting
shown with its bounds and changed one at a time (every change is logged), and demo mode, which can
only be turned off. Offered to whoever holds the `security.settings` capability."""
import streamlit as st

from gongzhi import security_settings
from gongzhi.auth import demo_mode
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

SHOWN = [k for k in security_settings.DEFAULTS if k.startswith(("password.", "session."))]
DONE, REFUSED = "security_settings_done", "security_settings_refused"


def _save(user, key: str) -> None:
    try:
        security_settings.change(user, key, st.session_state[f"security_setting_{key}"])
    except DomainError as exc:
        st.session_state[REFUSED] = exc
        return
    st.session_state[DONE] = t("identity.settings.saved", name=t(f"identity.settings.name.{key}"))


def _demo_off(user) -> None:
    try:
        demo_mode.turn_off_by(user)
    except DomainError as exc:
        st.session_state[REFUSED] = exc
        return
    st.session_state[DONE] = t("identity.settings.demo_done")


user = session.require_identity()
st.title(t("page.security_settings"))
if not may(user, "security.settings"):
    st.error(t("error.forbidden"))
    st.stop()
st.caption(t("identity.settings.intro"))
if message := st.session_state.pop(DONE, None):
    st.success(message)
if refused := st.session_state.pop(REFUSED, None):
    session.show_error(refused)

current = security_settings.read(user)
for key in SHOWN:
    setting = security_settings.DEFAULTS[key]
    with st.form(f"security_setting_form_{key}"):
        label = t(f"identity.settings.name.{key}")
        if setting.choices:
            st.selectbox(label, setting.choices, index=setting.choices.index(current[key]),
                         format_func=lambda c: t(f"identity.settings.rule.{c}"), key=f"security_setting_{key}")
        else:
            st.number_input(label, min_value=setting.low, max_value=setting.high, value=int(current[key]), step=1,
                            key=f"security_setting_{key}")
        st.form_submit_button(t("identity.settings.save"), on_click=_save, args=(user, key))

if current["demo_mode"]:
    st.warning(t("identity.settings.demo_on"))
    st.button(t("identity.settings.demo_turn_off"), key="security_demo_off", on_click=_demo_off, args=(user,))
else:
    st.caption(t("identity.settings.demo_off"))

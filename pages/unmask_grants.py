"""个人信息查看授权 (安全管理员): which staff may unmask personal data in full, granted with a reason
and withdrawn; each change logged. The database lets only the security administrator write the
grants, and never to an administrator."""
import streamlit as st

from gongzhi.admin import unmask
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

OUTCOME = "unmask_outcome"

user = session.require_identity()
st.title(t("page.unmask_grants"))
st.caption(t("admin.unmask.intro"))
if not may(user, "admin.security"):
    st.error(t("error.forbidden"))
    st.stop()


def _run(action, done_key: str) -> None:
    try:
        action()
    except DomainError as exc:
        st.session_state[OUTCOME] = ("error", t(exc.key, **exc.params))
        return
    st.session_state[OUTCOME] = ("success", t(done_key))


def _grant() -> None:
    _run(lambda: unmask.grant(user, st.session_state["unmask_person"], st.session_state["unmask_reason"]),
         "admin.unmask.granted")


if outcome := st.session_state.pop(OUTCOME, None):
    getattr(st, outcome[0])(outcome[1])
with session.page_transaction(user):
    grants = unmask.grants(user)
    people = unmask.candidates(user)
if grants:
    st.dataframe([{t("admin.unmask.person"): g["display_name"], t("admin.unmask.unit"): g["org_unit_name"],
                   t("admin.unmask.reason"): g["reason"], t("admin.unmask.granted_by"): g["granted_by_name"] or "",
                   t("admin.unmask.granted_at"): g["granted_at"].astimezone().strftime("%Y-%m-%d %H:%M")}
                  for g in grants], hide_index=True, use_container_width=True)
    names = {str(g["user_id"]): f"{g['display_name']}（{g['org_unit_name']}）" for g in grants}
    target = st.selectbox(t("admin.unmask.person"), list(names), format_func=names.get, key="unmask_withdraw_who")
    st.button(t("admin.unmask.withdraw"), key="unmask_withdraw",
              on_click=_run, args=(lambda: unmask.withdraw(user, target), "admin.unmask.withdrawn"))
else:
    st.info(t("admin.unmask.none"))
with st.form("unmask_grant"):
    labels = {str(p["user_id"]): f"{p['display_name']}（{p['org_unit_name']}）" for p in people}
    st.selectbox(t("admin.unmask.person"), list(labels), format_func=labels.get, key="unmask_person")
    st.text_input(t("admin.unmask.reason"), max_chars=unmask.MAX_REASON, key="unmask_reason")
    st.form_submit_button(t("admin.unmask.grant"), type="primary", on_click=_grant)

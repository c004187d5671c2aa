"""长期未登录账号 (系统管理员): active accounts without a sign-in for `accounts.dormant_days`, chosen
and disabled in one step (each logged in the security log). The database lists them to the system
administrator only and lets only the system administrator change accounts."""
import streamlit as st

from gongzhi.admin import dormant
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

OUTCOME = "dormant_outcome"

user = session.require_identity()
st.title(t("page.dormant_accounts"))
if not may(user, "admin.system"):
    st.error(t("error.forbidden"))
    st.stop()


def _disable(user_ids: list[str]) -> None:
    try:
        n = dormant.disable(user, user_ids)
    except DomainError as exc:
        st.session_state[OUTCOME] = ("error", t(exc.key, **exc.params))
        return
    st.session_state[OUTCOME] = ("success", t("admin.dormant.disabled", result=n))


if outcome := st.session_state.pop(OUTCOME, None):
    getattr(st, outcome[0])(outcome[1])
with session.page_transaction(user):
    days = dormant.days(user)
    rows = dormant.accounts(user, days)
st.caption(t("admin.dormant.intro", days=days))
if not rows:
    st.info(t("admin.dormant.none"))
    st.stop()
event = st.dataframe(
    [{t("admin.dormant.column.person"): r["display_name"], t("admin.dormant.column.email"): r["email"],
      t("admin.dormant.column.unit"): r["org_unit_name"],
      t("admin.dormant.column.last_sign_in"): (r["last_sign_in_at"].astimezone().strftime("%Y-%m-%d")
                                               if r["last_sign_in_at"] else t("admin.dormant.never"))}
     for r in rows],
    hide_index=True, use_container_width=True, on_select="rerun", selection_mode="multi-row", key="dormant_table")
picked = event.selection.rows if event and hasattr(event, "selection") else []
chosen = [str(rows[i]["user_id"]) for i in picked if i < len(rows)]
st.caption(t("admin.dormant.choose", n=len(chosen)))
st.button(t("admin.dormant.disable"), type="primary", key="dormant_disable", on_click=_disable, args=(chosen,),
          disabled=not chosen)

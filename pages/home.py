"""Home: who you are, where you work, and what of the three lists you can see."""
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.home import overview
from gongzhi.pitr import last_drill
from ui import session
from ui.session import t

user = session.require_identity()
st.title(t("home.welcome", name=user.display_name))
st.write(t("home.intro", role=t("role." + user.role), unit=user.org_unit_name))
figures = overview(user)
demands, resources, projects = st.columns(3)
demands.metric(t("home.demands"), f"{figures['demands']:,}")
demands.caption(t("home.open_demands", n=f"{figures['open_demands']:,}"))
resources.metric(t("home.resources"), f"{figures['resources']:,}")
projects.metric(t("home.projects"), f"{figures['projects']:,}")
if not may(user, "territory"):
    st.info(t("home.department_note"))
if may(user, "ops.drill_status") and (drill := last_drill(user)) and not drill["ok"]:
    st.error(t("home.drill_failed", at=drill["at"].astimezone().strftime("%Y-%m-%d %H:%M"),
               problems="; ".join(drill["problems"][:3])), icon=":material/error:")

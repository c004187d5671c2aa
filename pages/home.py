"""Home: the signed-in user's work queue (待办), one card per kind of work, most urgent first, each a
count that opens the list of exactly those rows, with what became due since the last visit marked
new; below, what of the three lists the user can see. Read in one transaction."""
import datetime as dt

import streamlit as st

from gongzhi import todo
from gongzhi.auth.capabilities import may
from gongzhi.auth.pages import PAGES
from gongzhi.backup import last_backup
from gongzhi.home import overview
from gongzhi.pitr import last_drill
from gongzhi.clock import BEIJING
from ui import session
from ui.session import t

SINCE = "home_since"   # (previous visit,): read and recorded once per browser session

user = session.require_identity()
st.title(t("home.welcome", name=user.display_name))
if may(user, "ops.drill_status") or may(user, "ops.backup_status"):
    with session.page_transaction(user):
        if may(user, "ops.drill_status") and (drill := last_drill(user)) and not drill["ok"]:
            st.error(t("home.drill_failed", at=drill["at"].astimezone().strftime("%Y-%m-%d %H:%M"),
                       problems="; ".join(drill["problems"][:3])), icon=":material/error:")
        if may(user, "ops.backup_status") and (backup := last_backup(user)) and not backup["ok"]:
            st.error(t("home.backup_failed", at=backup["at"].astimezone().strftime("%Y-%m-%d %H:%M"),
                       problem=t(backup["problem"], **backup["params"]) if backup["problem"] else "-"),
                     icon=":material/error:")
if not may(user, "home.figures"):   # an administrator (三权分立) reads none of the district's data
    st.write(t("admin.home_note"))
    st.stop()
now = dt.datetime.now(dt.timezone.utc)
with session.page_transaction(user):
    if SINCE not in st.session_state:
        st.session_state[SINCE] = (todo.visit(user, now),)
    since = st.session_state[SINCE][0]
    home = todo.home(user, now, since)
    figures = overview(user)

    st.write(t("home.intro", role=t("role." + user.role), unit=user.org_unit_name))
    st.subheader(t("home.todo"))
    if since is not None:
        st.caption(t("home.since", at=since.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")))
    columns = st.columns(3)
    for i, count in enumerate(home["cards"]):
        card = count.card
        with columns[i % 3].container(border=True, key=f"card_{card.key}"):
            st.metric(t(f"home.card.{card.key}"), f"{count.total:,}")
            if count.new:
                st.markdown(f":blue-badge[{t('home.new', n=f'{count.new:,}')}]")
            st.caption(t(f"home.hint.{card.key}"))
            if card.key == "lights_red":
                for street in home["red_by_street"]:
                    st.caption(t("home.red_in", street=street["name"], n=f"{street['n']:,}"))
            st.page_link(PAGES[card.page].path, label=t("home.open_list"), icon=":material/arrow_forward:",
                         query_params={"todo": card.key})
    if not any(c.total for c in home["cards"]):
        st.success(t("home.nothing_to_do"))

    st.subheader(t("home.lists"))
    demands, resources, projects = st.columns(3)
    demands.metric(t("home.demands"), f"{figures['demands']:,}")
    demands.caption(t("home.open_demands", n=f"{figures['open_demands']:,}"))
    resources.metric(t("home.resources"), f"{figures['resources']:,}")
    projects.metric(t("home.projects"), f"{figures['projects']:,}")
    if not may(user, "territory"):
        st.info(t("home.department_note"))

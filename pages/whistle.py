"""吹哨 Whistle: a grid (community, street) escalates an issue to departments, or a demand in one step."""
import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.whistle import commands, queries
from ui import session
from ui.session import t

user = session.require_identity()
lang = session.lang()
st.title(t("page.whistle"))
st.caption(t("whistle.ui.intro"))

if "whistle_done" in st.session_state:
    st.success(t("whistle.ui.whistled", id=st.session_state.pop("whistle_done")))

categories = queries.categories(user)
grids = queries.grids(user)
departments = queries.departments(user)
name = {d["id"]: d["name_" + lang] for d in departments}

category_id = st.selectbox(t("field.category_id"), [c["id"] for c in categories], key="wh_category",
                           format_func=lambda i: next(c["name_" + lang] for c in categories if c["id"] == i))
suggested = queries.suggested_departments(user, category_id) if category_id else []
chosen = st.multiselect(t("whistle.ui.departments"), list(name), default=suggested,
                        placeholder=t("app.choose"), key=f"wh_departments_{category_id}",
                        format_func=name.get, help=t("whistle.ui.departments_help"))
grid_id = st.selectbox(t("whistle.ui.grid"), [g["id"] for g in grids], key="wh_grid",
                       format_func=lambda i: next(g["name"] for g in grids if g["id"] == i))
title = st.text_input(t("field.title"), key="wh_title", max_chars=200)
address = st.text_input(t("field.address"), key="wh_address", max_chars=200)
urgency = st.radio(t("field.urgency"), ["normal", "urgent"], key="wh_urgency", horizontal=True,
                   format_func=lambda u: t("urgency." + u))
description = st.text_area(t("field.description"), key="wh_description", max_chars=5000)

if st.button(t("whistle.ui.blow"), key="wh_submit", type="primary", icon=":material/campaign:"):
    try:
        event_id = commands.whistle(user, {"title": title, "category_id": category_id, "org_unit_id": grid_id,
                                           "address": address, "urgency": urgency, "description": description,
                                           "departments": chosen})
    except commands.FormInvalid as exc:
        for problem in exc.errors:
            label = t("whistle.ui.departments") if problem.field == "departments" else t("field." + problem.field)
            st.error(f"{label}：{t(problem.key)}")
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.session_state["whistle_done"] = event_id
        st.rerun()

st.divider()
st.subheader(t("whistle.ui.from_demand"))
demand_id = st.number_input(t("whistle.ui.demand_id"), min_value=1, step=1, key="wh_demand")
if st.button(t("whistle.ui.escalate_demand"), key="wh_escalate"):
    try:
        st.session_state["whistle_done"] = commands.escalate_demand(user, int(demand_id))
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.rerun()

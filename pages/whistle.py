"""吹哨 Whistle: a grid (community, street) escalates an issue to departments, or a demand in one step."""
import streamlit as st

from gongzhi.whistle import commands, queries
from ui import forms, session
from ui.session import t

user = session.require_identity()
lang = session.lang()


def _field(name: str) -> str:
    return t("whistle.ui.departments") if name == "departments" else t("field." + name)


def _whistled(event_id: int) -> str:
    return t("whistle.ui.whistled", id=event_id)


def _whistle() -> None:
    state = st.session_state
    category_id = state["wh_category"]
    raw = {"title": state["wh_title"], "category_id": category_id, "org_unit_id": state["wh_grid"],
           "address": state["wh_address"], "urgency": state["wh_urgency"], "description": state["wh_description"],
           "departments": (state.get(f"wh_departments_{category_id}") or [])
           + (state.get(f"wh_units_{state['wh_grid']}") or [])}
    forms.submit("whistle", lambda: commands.whistle(user, raw), _whistled)


def _escalate() -> None:
    forms.submit("whistle", lambda: commands.escalate_demand(user, int(st.session_state["wh_demand"])), _whistled)


with session.page_transaction(user):
    st.title(t("page.whistle"))
    st.caption(t("whistle.ui.intro"))
    forms.show("whistle", _field)

    categories = queries.categories(user)
    grids = queries.grids(user)
    departments = queries.departments(user)
    name = {d["id"]: d["name_" + lang] for d in departments}
    category_name = {c["id"]: c["name_" + lang] for c in categories}
    grid_name = {g["id"]: g["name"] for g in grids}

    category_id = st.selectbox(t("field.category_id"), list(category_name), key="wh_category", format_func=category_name.get)
    suggested = queries.suggested_departments(user, category_id) if category_id else []
    st.multiselect(t("whistle.ui.departments"), list(name), default=suggested,
                   placeholder=t("app.choose"), key=f"wh_departments_{category_id}",
                   format_func=name.get, help=t("whistle.ui.departments_help"))
    grid_id = st.selectbox(t("whistle.ui.grid"), list(grid_name), key="wh_grid", format_func=grid_name.get)
    paired = {u["id"]: u["name_" + lang] for u in queries.paired_units(user, grid_id)}
    if paired:
        st.multiselect(t("baolian.whistle.units"), list(paired), placeholder=t("app.choose"),
                       key=f"wh_units_{grid_id}", format_func=paired.get, help=t("baolian.whistle.units_help"))
    st.text_input(t("field.title"), key="wh_title", max_chars=200)
    st.text_input(t("field.address"), key="wh_address", max_chars=200)
    st.radio(t("field.urgency"), ["normal", "urgent"], key="wh_urgency", horizontal=True,
             format_func=lambda u: t("urgency." + u))
    st.text_area(t("field.description"), key="wh_description", max_chars=5000)
    st.button(t("whistle.ui.blow"), key="wh_submit", type="primary", icon=":material/campaign:", on_click=_whistle)

    st.divider()
    st.subheader(t("whistle.ui.from_demand"))
    st.number_input(t("whistle.ui.demand_id"), min_value=1, step=1, key="wh_demand")
    st.button(t("whistle.ui.escalate_demand"), key="wh_escalate", on_click=_escalate)

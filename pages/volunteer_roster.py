"""Registered volunteers and units of the territory, and the ledger of pledged against delivered."""
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.volunteers import commands, queries
from ui import forms, session
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()


def _reset_code() -> None:
    forms.submit("roster_reset", lambda: commands.reset_code(user, st.session_state["roster_choice"]),
                 lambda code: [("info", t("volunteers.apps.code", code=code))])


def people() -> None:
    search = st.text_input(t("volunteers.roster.search"), key="roster_search")
    rows, total = queries.volunteers(user, search, page=st.session_state.get("roster_page", 1))
    for r in rows:
        r["skills"] = "、".join(r["skills"])
    table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "phone": "volunteers.field.phone",
                 "place": "volunteers.field.org_unit_id", "workplace": "volunteers.field.workplace",
                 "unit_name": "volunteers.roster.unit", "skills": "volunteers.field.skills",
                 "hours": "volunteers.roster.hours_this_half", "active": "volunteers.roster.active"})
    pager("roster", total)
    if rows and may(user, "volunteers.reset_code"):
        names = {r["id"]: f"#{r['id']} {r['name']}" for r in rows}
        with st.form("reset_code"):
            st.selectbox(t("volunteers.roster.choose"), list(names), key="roster_choice", format_func=names.get)
            st.form_submit_button(t("volunteers.roster.reset_code"), on_click=_reset_code)
    forms.show("roster_reset")


def units() -> None:
    rows, total = queries.units(user, page=st.session_state.get("units_page", 1))
    for r in rows:
        r["unit_type"] = t(f"volunteers.unit_type.{r['unit_type']}")
    table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "unit_type": "volunteers.field.unit_type",
                 "place": "volunteers.field.org_unit_id", "contact_name": "volunteers.field.contact_name",
                 "phone": "volunteers.field.phone", "members": "volunteers.roster.members",
                 "resources": "volunteers.ledger.pledged_resources", "pledged_hours": "volunteers.field.pledged_hours"})
    pager("units", total)


def ledger() -> None:
    subject = st.radio(t("volunteers.assess.subject"), ["unit", "volunteer"], horizontal=True, key="ledger_subject",
                       format_func=lambda s: t(f"volunteers.subject.{s}"))
    rows, total = queries.ledger(user, subject, page=st.session_state.get("ledger_page", 1))
    table(rows, {"name": "volunteers.column.name", "place": "volunteers.field.org_unit_id",
                 "pledged_hours": "volunteers.field.pledged_hours", "delivered_hours": "volunteers.ledger.delivered_hours",
                 "pledged_resources": "volunteers.ledger.pledged_resources",
                 "pledged_capacity": "volunteers.ledger.pledged_capacity", "matches": "volunteers.column.matches"})
    pager("ledger", total)


# One view per run (st.tabs would run every body and its queries on every rerun).
VIEWS = {"volunteers": people, "units": units, "ledger": ledger}
with session.page_transaction(user):
    st.title(t("page.volunteer_roster"))
    view = st.radio(t("page.volunteer_roster"), list(VIEWS), key="roster_view", horizontal=True,
                    label_visibility="collapsed", format_func={v: t(f"volunteers.roster.{v}") for v in VIEWS}.get)
    VIEWS[view]()

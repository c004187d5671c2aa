"""Registered volunteers and units of the territory, and the ledger of pledged against delivered."""
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.volunteers import commands, queries
from ui import session, unmask
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()
st.title(t("page.volunteer_roster"))
people, units, ledger = st.tabs([t("volunteers.roster.volunteers"), t("volunteers.roster.units"),
                                 t("volunteers.roster.ledger")])
with people:
    search = st.text_input(t("volunteers.roster.search"), key="roster_search")
    rows, total = queries.volunteers(user, search, page=st.session_state.get("roster_page", 1))
    for r in rows:
        r["skills"] = "、".join(r["skills"])
    table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "phone": "volunteers.field.phone",
                 "place": "volunteers.field.org_unit_id", "workplace": "volunteers.field.workplace",
                 "unit_name": "volunteers.roster.unit", "skills": "volunteers.field.skills",
                 "hours": "volunteers.roster.hours_this_half", "active": "volunteers.roster.active"})
    pager("roster", total)
    if rows:
        unmask.show(user, "volunteer", "phone", "roster_unmask",
                    choices={r["id"]: f"#{r['id']} {r['name']} {r['phone']}" for r in rows})
    if rows and may(user, "volunteers.reset_code"):
        with st.form("reset_code"):
            chosen = st.selectbox(t("volunteers.roster.choose"), [r["id"] for r in rows], key="roster_choice",
                                  format_func=lambda i: next(f"#{r['id']} {r['name']}" for r in rows if r["id"] == i))
            if st.form_submit_button(t("volunteers.roster.reset_code")):
                try:
                    st.info(t("volunteers.apps.code", code=commands.reset_code(user, chosen)))
                except DomainError as exc:
                    session.show_error(exc)
with units:
    rows, total = queries.units(user, page=st.session_state.get("units_page", 1))
    for r in rows:
        r["unit_type"] = t(f"volunteers.unit_type.{r['unit_type']}")
    table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "unit_type": "volunteers.field.unit_type",
                 "place": "volunteers.field.org_unit_id", "contact_name": "volunteers.field.contact_name",
                 "phone": "volunteers.field.phone", "members": "volunteers.roster.members",
                 "resources": "volunteers.ledger.pledged_resources", "pledged_hours": "volunteers.field.pledged_hours"})
    pager("units", total)
with ledger:
    subject = st.radio(t("volunteers.assess.subject"), ["unit", "volunteer"], horizontal=True, key="ledger_subject",
                       format_func=lambda s: t(f"volunteers.subject.{s}"))
    rows, total = queries.ledger(user, subject, page=st.session_state.get("ledger_page", 1))
    table(rows, {"name": "volunteers.column.name", "place": "volunteers.field.org_unit_id",
                 "pledged_hours": "volunteers.field.pledged_hours", "delivered_hours": "volunteers.ledger.delivered_hours",
                 "pledged_resources": "volunteers.ledger.pledged_resources",
                 "pledged_capacity": "volunteers.ledger.pledged_capacity", "matches": "volunteers.column.matches"})
    pager("ledger", total)

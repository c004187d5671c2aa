"""Community staff: applications from the public sign-up page, approved or rejected."""
import streamlit as st

from gongzhi.volunteers import commands, queries
from ui import forms, session
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()


def _decide(approve: bool) -> None:
    """Approve or reject the chosen application; an approval shows the volunteer's sign-up code."""
    def done(code) -> list:
        said = [("success", t("volunteers.apps.approved" if approve else "volunteers.apps.rejected"))]
        return said + ([("info", t("volunteers.apps.code", code=code))] if code else [])
    state = st.session_state
    forms.submit("apps", lambda: commands.decide_application(user, state["apps_choice"], approve=approve,
                                                             reason=state["apps_reason"]), done)


with session.page_transaction(user):
    st.title(t("page.volunteer_applications"))
    status = st.radio(t("volunteers.field.status"), ["pending", "approved", "rejected"], horizontal=True,
                      key="apps_status", format_func=lambda s: t(f"volunteers.application_status.{s}"))
    rows, total = queries.applications(user, status, page=st.session_state.get("apps_page", 1))
    for r in rows:
        r["kind"] = t(f"volunteers.kind.{r['kind']}")
        r["skills"] = "、".join(r["skills"])
        r["duplicate"] = "⚠" if r["duplicate"] else ""
    table(rows, {"id": "volunteers.column.id", "duplicate": "volunteers.column.duplicate",
                 "kind": "volunteers.field.kind", "place": "volunteers.field.org_unit_id",
                 "name": "volunteers.column.name", "phone": "volunteers.field.phone",
                 "workplace": "volunteers.field.workplace", "skills": "volunteers.field.skills",
                 "pledged_hours": "volunteers.field.pledged_hours", "created_at": "volunteers.column.created_at"})
    pager("apps", total)
    if status == "pending" and rows:
        names = {r["id"]: f"#{r['id']} {r['name']}" for r in rows}
        with st.form("decide"):
            st.selectbox(t("volunteers.apps.choose"), list(names), key="apps_choice", format_func=names.get)
            st.text_input(t("volunteers.apps.reason"), key="apps_reason")
            approve, reject = st.columns(2)
            approve.form_submit_button(t("volunteers.apps.approve"), type="primary", on_click=_decide, args=(True,))
            reject.form_submit_button(t("volunteers.apps.reject"), on_click=_decide, args=(False,))
    forms.show("apps")

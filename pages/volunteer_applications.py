"""Community staff: applications from the public sign-up page, approved or rejected."""
import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.volunteers import commands, queries
from ui import session
from ui import todo as todo_link
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()
st.title(t("page.volunteer_applications"))
todo_link.from_link(user, "volunteer_applications")
status = st.radio(t("volunteers.field.status"), ["pending", "approved", "rejected"], horizontal=True,
                  key="apps_status", format_func=lambda s: t(f"volunteers.application_status.{s}"))
rows, total = queries.applications(user, status, page=st.session_state.get("apps_page", 1))
for r in rows:
    r["kind"] = t(f"volunteers.kind.{r['kind']}")
    r["skills"] = "、".join(r["skills"])
    r["duplicate"] = "⚠" if r["duplicate"] else ""
table(rows, {"id": "volunteers.column.id", "duplicate": "volunteers.column.duplicate",
             "kind": "volunteers.field.kind", "place": "volunteers.field.org_unit_id",
             "name": "volunteers.column.name", "phone": "volunteers.field.phone", "workplace": "volunteers.field.workplace",
             "skills": "volunteers.field.skills", "pledged_hours": "volunteers.field.pledged_hours",
             "created_at": "volunteers.column.created_at"})
pager("apps", total)
if status == "pending" and rows:
    with st.form("decide"):
        chosen = st.selectbox(t("volunteers.apps.choose"), [r["id"] for r in rows], key="apps_choice",
                              format_func=lambda i: next(f"#{r['id']} {r['name']}" for r in rows if r["id"] == i))
        reason = st.text_input(t("volunteers.apps.reason"), key="apps_reason")
        approve, reject = st.columns(2)
        approved = approve.form_submit_button(t("volunteers.apps.approve"), type="primary")
        rejected = reject.form_submit_button(t("volunteers.apps.reject"))
    if approved or rejected:
        try:
            code = commands.decide_application(user, chosen, approve=approved, reason=reason)
        except DomainError as exc:
            session.show_error(exc)
        else:
            st.success(t("volunteers.apps.approved" if approved else "volunteers.apps.rejected"))
            if code:
                st.info(t("volunteers.apps.code", code=code))

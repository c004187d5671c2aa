"""Service records (服务纪实): record hours, verify them, see what is waiting for verification."""
import datetime as dt

import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.lists import lookups
from gongzhi.lists.forms import FormError
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import RATED_BY, ServiceLogForm
from ui import session
from ui import todo as todo_link
from ui.session import t
from ui.volunteers import pager, show_field_errors, table

user = session.require_identity()
st.title(t("page.volunteer_hours"))
with st.expander(t("volunteers.hours.new")):
    search = st.text_input(t("volunteers.posts.find_volunteer"), key="hours_find")
    options = {v["id"]: f"{v['name']} {v['phone']}" for v in queries.volunteer_choices(user, search)}
    with st.form("new_log"):
        volunteer = st.selectbox(t("volunteers.posts.volunteer"), list(options), format_func=options.get, key="hours_volunteer")
        served_on = st.date_input(t("volunteers.field.served_on"), dt.date.today(), key="hours_day")
        hours = st.number_input(t("volunteers.field.hours"), 0.5, 24.0, 2.0, step=0.5, key="hours_hours")
        rating = st.selectbox(t("volunteers.field.rating"), [None, 5, 4, 3, 2, 1], key="hours_rating",
                              format_func=lambda r: "—" if r is None else "★" * r)
        rated_by = st.selectbox(t("volunteers.field.rated_by"), ["", *RATED_BY], key="hours_rated_by",
                                format_func=lambda r: "—" if not r else t(f"volunteers.rated_by.{r}"))
        note = st.text_input(t("volunteers.field.note"), key="hours_note")
        verified = st.checkbox(t("volunteers.hours.verify_now"), key="hours_verified")
        if st.form_submit_button(t("volunteers.hours.record"), type="primary"):
            form = ServiceLogForm(volunteer_id=volunteer, served_on=served_on, hours=hours, rating=rating,
                                  rated_by=rated_by, note=note, verified=verified)
            try:
                commands.record_service(user, form, lookups.load(user))
            except FormError as exc:
                show_field_errors(exc.errors)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("volunteers.hours.recorded"))

todo_link.from_link(user, "volunteer_hours")
which = st.radio(t("volunteers.field.status"), ["unverified", "verified"], horizontal=True, key="hours_which",
                 format_func=lambda w: t(f"volunteers.hours.{w}"))
rows, total = queries.service_logs(user, which == "verified", page=st.session_state.get("hours_page", 1))
picked = table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "post": "volunteers.field.post",
                      "served_on": "volunteers.field.served_on", "hours": "volunteers.field.hours",
                      "rating": "volunteers.field.rating", "note": "volunteers.field.note"},
               key="hours_table", select=which == "unverified")
pager("hours", total)
if which == "unverified" and st.button(t("volunteers.hours.verify_selected", n=len(picked)), key="hours_verify",
                                       disabled=not picked):
    try:
        n = commands.verify_service(user, [rows[i]["id"] for i in picked])
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.success(t("volunteers.hours.verified_n", n=n))

"""Service records (服务纪实): record hours, verify them, see what is waiting for verification."""
import datetime as dt

import streamlit as st

from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import RATED_BY, ServiceLogForm
from ui import forms, session
from ui.session import t
from ui.volunteers import field_label, pager, table

user = session.require_identity()


def _record() -> None:
    state = st.session_state
    form = ServiceLogForm(volunteer_id=state["hours_volunteer"], served_on=state["hours_day"], hours=state["hours_hours"],
                          rating=state["hours_rating"], rated_by=state["hours_rated_by"], note=state["hours_note"],
                          verified=state["hours_verified"])
    forms.submit("hours_new", lambda: commands.record_service(user, form), "volunteers.hours.recorded")


def _verify(ids: list[int]) -> None:
    forms.submit("hours_verify", lambda: commands.verify_service(user, ids), lambda n: t("volunteers.hours.verified_n", n=n))


with session.page_transaction(user):
    st.title(t("page.volunteer_hours"))
    with st.expander(t("volunteers.hours.new")):
        search = st.text_input(t("volunteers.posts.find_volunteer"), key="hours_find")
        options = {v["id"]: f"{v['name']} {v['phone']}" for v in queries.volunteer_choices(user, search)}
        with st.form("new_log"):
            st.selectbox(t("volunteers.posts.volunteer"), list(options), format_func=options.get, key="hours_volunteer")
            st.date_input(t("volunteers.field.served_on"), dt.date.today(), key="hours_day")
            st.number_input(t("volunteers.field.hours"), 0.5, 24.0, 2.0, step=0.5, key="hours_hours")
            st.selectbox(t("volunteers.field.rating"), [None, 5, 4, 3, 2, 1], key="hours_rating",
                         format_func=lambda r: "—" if r is None else "★" * r)
            rated_by = {r: t(f"volunteers.rated_by.{r}") for r in RATED_BY}
            st.selectbox(t("volunteers.field.rated_by"), ["", *RATED_BY], key="hours_rated_by",
                         format_func=lambda r: rated_by.get(r, "—"))
            st.text_input(t("volunteers.field.note"), key="hours_note")
            st.checkbox(t("volunteers.hours.verify_now"), key="hours_verified")
            st.form_submit_button(t("volunteers.hours.record"), type="primary", on_click=_record)
        forms.show("hours_new", field_label)

    which = st.radio(t("volunteers.field.status"), ["unverified", "verified"], horizontal=True, key="hours_which",
                     format_func=lambda w: t(f"volunteers.hours.{w}"))
    rows, total = queries.service_logs(user, which == "verified", page=st.session_state.get("hours_page", 1))
    picked = table(rows, {"id": "volunteers.column.id", "name": "volunteers.column.name", "post": "volunteers.field.post",
                          "served_on": "volunteers.field.served_on", "hours": "volunteers.field.hours",
                          "rating": "volunteers.field.rating", "note": "volunteers.field.note"},
                   key="hours_table", select=which == "unverified")
    pager("hours", total)
    if which == "unverified":
        st.button(t("volunteers.hours.verify_selected", n=len(picked)), key="hours_verify", disabled=not picked,
                  on_click=_verify, args=([rows[i]["id"] for i in picked if i < len(rows)],))
    forms.show("hours_verify")

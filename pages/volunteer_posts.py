"""Service posts and activities: publish, see sign-ups and the waitlist, assign a volunteer (with a
warning when the time overlaps another activity), withdraw."""
import datetime as dt

import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.lists import lookups
from gongzhi.lists.forms import FormError
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import POST_KINDS, PostForm
from ui import session
from ui.session import t
from ui.volunteers import pager, show_field_errors, table

user = session.require_identity()
st.title(t("page.volunteer_posts"))
upcoming = st.toggle(t("volunteers.posts.upcoming"), value=True, key="posts_upcoming")
rows, total = queries.posts(user, upcoming, page=st.session_state.get("posts_page", 1))
for r in rows:
    r["kind_label"] = t(f"volunteers.post_kind.{r['kind']}")
    r["status_label"] = t(f"volunteers.post_status.{r['status']}")
table(rows, {"id": "volunteers.column.id", "kind_label": "volunteers.field.kind", "title": "volunteers.field.title",
             "place": "volunteers.field.place", "starts_at": "volunteers.field.starts_at",
             "ends_at": "volunteers.field.ends_at", "capacity": "volunteers.field.capacity",
             "taken": "volunteers.posts.taken", "waitlisted": "volunteers.posts.waitlisted",
             "status_label": "volunteers.field.status"})
pager("posts", total)

with st.expander(t("volunteers.posts.new")):
    with st.form("new_post"):
        look = lookups.load(user)
        places = sorted({v: k for k, v in look.org_units.items()}.items(), key=lambda kv: kv[0])
        kind = st.selectbox(t("volunteers.field.kind"), POST_KINDS, key="post_kind",
                            format_func=lambda k: t(f"volunteers.post_kind.{k}"))
        org_unit = st.selectbox(t("volunteers.field.org_unit_id"), [k for k, _ in places], key="post_unit",
                                format_func=dict(places).get)
        title = st.text_input(t("volunteers.field.title"), key="post_title")
        place = st.text_input(t("volunteers.field.place"), key="post_place")
        day = st.date_input(t("volunteers.field.starts_at"), dt.date.today() + dt.timedelta(days=3), key="post_day")
        start = st.time_input(t("volunteers.posts.start_time"), dt.time(9, 0), key="post_start")
        hours = st.number_input(t("volunteers.posts.duration"), 0.5, 24.0 * 365, 2.0, key="post_hours")
        capacity = st.number_input(t("volunteers.field.capacity"), 1, 10000, 10, key="post_capacity")
        description = st.text_area(t("volunteers.field.description"), key="post_description")
        if st.form_submit_button(t("volunteers.posts.publish"), type="primary"):
            starts = dt.datetime.combine(day, start).astimezone()
            form = PostForm(kind=kind, org_unit_id=org_unit, title=title, place=place, capacity=capacity,
                            description=description, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours))
            try:
                commands.create_post(user, form, look)
            except FormError as exc:
                show_field_errors(exc.errors)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("volunteers.posts.published"))

if rows:
    post = st.selectbox(t("volunteers.field.post"), [r["id"] for r in rows], key="posts_choice",
                        format_func=lambda i: next(f"#{r['id']} {r['title']} {r['starts_at']:%m-%d %H:%M}"
                                                   for r in rows if r["id"] == i))
    signups = queries.signups(user, post)
    for s in signups:
        s["status_label"] = t(f"volunteers.signup_status.{s['status']}")
    table(signups, {"name": "volunteers.column.name", "phone": "volunteers.field.phone",
                    "status_label": "volunteers.field.status", "created_at": "volunteers.column.created_at"})
    search = st.text_input(t("volunteers.posts.find_volunteer"), key="posts_find")
    options = {v["id"]: f"{v['name']} {v['phone']}" for v in queries.volunteer_choices(user, search)}
    if options:
        volunteer = st.selectbox(t("volunteers.posts.volunteer"), list(options), format_func=options.get,
                                 key="posts_volunteer")
        clash = queries.overlaps(user, volunteer, post)
        if clash:
            st.warning(t("volunteers.posts.overlap_warning", titles="、".join(c["title"] for c in clash)))
        if st.button(t("volunteers.posts.assign"), key="posts_assign", disabled=bool(clash)):
            try:
                status = commands.sign_up(user, post, volunteer)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t(f"volunteers.posts.assigned_{status}"))
    active = {s["id"]: s["name"] for s in signups if s["status"] != "withdrawn"}
    if active:
        leaving = st.selectbox(t("volunteers.posts.withdraw_who"), list(active), format_func=active.get,
                               key="posts_leaving")
        if st.button(t("volunteers.posts.withdraw"), key="posts_withdraw"):
            try:
                commands.withdraw(user, leaving)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("volunteers.posts.withdrawn"))

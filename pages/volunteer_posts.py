"""Service posts and activities: publish, see sign-ups and the waitlist, assign a volunteer (with a
warning when the time overlaps another activity), withdraw."""
import datetime as dt

import streamlit as st

from gongzhi.lists import lookups
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import POST_KINDS, PostForm
from ui import forms, session
from ui.session import t
from ui.volunteers import field_label, pager, table

user = session.require_identity()


def _publish() -> None:
    state = st.session_state
    starts = dt.datetime.combine(state["post_day"], state["post_start"]).astimezone()
    form = PostForm(kind=state["post_kind"], org_unit_id=state["post_unit"], title=state["post_title"],
                    place=state["post_place"], capacity=state["post_capacity"], description=state["post_description"],
                    starts_at=starts, ends_at=starts + dt.timedelta(hours=state["post_hours"]))
    forms.submit("posts_new", lambda: commands.create_post(user, form), "volunteers.posts.published")


def _assign(post: int, volunteer: int) -> None:
    forms.submit("posts_signups", lambda: commands.sign_up(user, post, volunteer),
                 lambda status: t(f"volunteers.posts.assigned_{status}"))


def _withdraw(signup: int) -> None:
    forms.submit("posts_signups", lambda: commands.withdraw(user, signup), "volunteers.posts.withdrawn")


with session.page_transaction(user):
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
            places = dict(sorted({v: k for k, v in lookups.load(user).org_units.items()}.items()))
            st.selectbox(t("volunteers.field.kind"), POST_KINDS, key="post_kind",
                         format_func=lambda k: t(f"volunteers.post_kind.{k}"))
            st.selectbox(t("volunteers.field.org_unit_id"), list(places), key="post_unit", format_func=places.get)
            st.text_input(t("volunteers.field.title"), key="post_title")
            st.text_input(t("volunteers.field.place"), key="post_place")
            st.date_input(t("volunteers.field.starts_at"), dt.date.today() + dt.timedelta(days=3), key="post_day")
            st.time_input(t("volunteers.posts.start_time"), dt.time(9, 0), key="post_start")
            st.number_input(t("volunteers.posts.duration"), 0.5, 24.0 * 365, 2.0, key="post_hours")
            st.number_input(t("volunteers.field.capacity"), 1, 10000, 10, key="post_capacity")
            st.text_area(t("volunteers.field.description"), key="post_description")
            st.form_submit_button(t("volunteers.posts.publish"), type="primary", on_click=_publish)
        forms.show("posts_new", field_label)

    if rows:
        titles = {r["id"]: f"#{r['id']} {r['title']} {r['starts_at']:%m-%d %H:%M}" for r in rows}
        post = st.selectbox(t("volunteers.field.post"), list(titles), key="posts_choice", format_func=titles.get)
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
            st.button(t("volunteers.posts.assign"), key="posts_assign", disabled=bool(clash), on_click=_assign,
                      args=(post, volunteer))
        active = {s["id"]: s["name"] for s in signups if s["status"] != "withdrawn"}
        if active:
            leaving = st.selectbox(t("volunteers.posts.withdraw_who"), list(active), format_func=active.get,
                                   key="posts_leaving")
            st.button(t("volunteers.posts.withdraw"), key="posts_withdraw", on_click=_withdraw, args=(leaving,))
    forms.show("posts_signups")

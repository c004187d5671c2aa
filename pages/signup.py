"""Public sign-up (no login): a unit or volunteer applies to register at a community, and a
registered volunteer signs up for a post with their phone and sign-up code."""
import time

import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import OFFER_KINDS, UNIT_TYPES, ApplicationForm
from ui import forms, session
from ui.session import t
from ui.volunteers import field_label, sender

THROTTLE = "signup_times"


def _unthrottled(action):
    """`action`, refused when this browser session already submitted too often."""
    def run():
        times = st.session_state.setdefault(THROTTLE, [])
        if commands.throttled(times, time.time()):
            raise DomainError("application.too_many")
        times.append(time.time())
        return action()
    return run


def _apply() -> None:
    state = st.session_state
    kind = state["apply_kind"]
    values = {"pledged_hours": state["apply_hours"]}
    if kind == "unit":
        values.update(unit_type=state["apply_unit_type"], contact_name=state["apply_contact"],
                      offers=[{"kind": state["apply_offer_kind"], "category": state["apply_offer_category"],
                               "name": state["apply_offer_name"], "capacity": state["apply_offer_capacity"]}])
    else:
        values.update(workplace=state["apply_workplace"], skills=state["apply_skills"],
                      availability=state["apply_availability"])
    form = ApplicationForm(kind=kind, org_unit_id=state["apply_community"], name=state["apply_name"],
                           phone=state["apply_phone"], **values)
    forms.submit("apply", _unthrottled(lambda: commands.submit_application(form, None, sender())),
                 "volunteers.public.received")


def _join() -> None:
    state = st.session_state
    forms.submit("join", _unthrottled(lambda: commands.public_sign_up(state["join_post"], state["join_phone"],
                                                                       state["join_code"])),
                 "volunteers.public.joined")


def apply() -> None:
    kind = st.radio(t("volunteers.field.kind"), ["volunteer", "unit"], key="apply_kind", horizontal=True,
                    format_func=lambda k: t(f"volunteers.kind.{k}"))
    with st.form("apply"):
        st.selectbox(t("volunteers.field.org_unit_id"), list(communities), format_func=communities.get,
                     key="apply_community")
        st.text_input(t(f"volunteers.field.name_{kind}"), key="apply_name")
        st.text_input(t("volunteers.field.phone"), key="apply_phone")
        if kind == "unit":
            st.selectbox(t("volunteers.field.unit_type"), UNIT_TYPES, key="apply_unit_type",
                         format_func=lambda k: t(f"volunteers.unit_type.{k}"))
            st.text_input(t("volunteers.field.contact_name"), key="apply_contact")
            st.markdown(t("volunteers.public.offer"))
            st.selectbox(t("volunteers.field.offer_kind"), OFFER_KINDS, key="apply_offer_kind",
                         format_func=lambda k: t(f"resource_kind.{k}"))
            st.selectbox(t("volunteers.field.skills"), list(categories), format_func=categories.get,
                         key="apply_offer_category")
            st.text_input(t("volunteers.field.offer_name"), key="apply_offer_name")
            st.number_input(t("volunteers.field.capacity"), 1, 100000, 10, key="apply_offer_capacity")
        else:
            st.text_input(t("volunteers.field.workplace"), key="apply_workplace")
            st.multiselect(t("volunteers.field.skills"), list(categories), format_func=categories.get,
                           placeholder=t("app.choose"), key="apply_skills")
            st.text_input(t("volunteers.field.availability"), key="apply_availability")
        st.number_input(t("volunteers.field.pledged_hours"), 0, 2000, 20, key="apply_hours")
        st.form_submit_button(t("volunteers.public.submit"), type="primary", on_click=_apply)
    forms.show("apply", field_label)


def join() -> None:
    community = st.selectbox(t("volunteers.field.org_unit_id"), list(communities), format_func=communities.get,
                             key="join_community")
    posts = queries.public_posts(community)
    if not posts:
        st.info(t("volunteers.public.no_posts"))
    else:
        labels = {p["id"]: t("volunteers.public.post_label", title=p["title"], when=f"{p['starts_at']:%Y-%m-%d %H:%M}",
                             place=p["place"] or "", left=max(p["capacity"] - p["taken"], 0)) for p in posts}
        with st.form("join"):
            st.selectbox(t("volunteers.field.post"), list(labels), format_func=labels.get, key="join_post")
            st.text_input(t("volunteers.field.phone"), key="join_phone")
            st.text_input(t("volunteers.field.code"), type="password", key="join_code")
            st.form_submit_button(t("volunteers.public.join_submit"), type="primary", on_click=_join)
    forms.show("join")


# One view per run: st.tabs would read the posts of the join view on every rerun.
VIEWS = {"apply": apply, "join": join}
st.title(t("volunteers.public.title"))
st.caption(t("volunteers.public.intro"))
choices = queries.public_choices()
communities = {c["id"]: f"{c['street']} · {c['name']}" for c in choices["communities"]}
categories = {c["code"]: c["name_zh" if session.lang() == "zh" else "name_en"] for c in choices["categories"]}
view = st.radio(t("volunteers.public.title"), list(VIEWS), key="signup_view", horizontal=True,
                label_visibility="collapsed", format_func={v: t(f"volunteers.public.{v}") for v in VIEWS}.get)
VIEWS[view]()

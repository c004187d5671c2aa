"""Public sign-up (no login): a unit or volunteer applies to register at a community, and a
registered volunteer signs up for a post with their phone and sign-up code; each form shows its
notice (告知) and goes in only once the resident confirms reading it."""
import time

import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.lists.forms import FormError
from gongzhi.personal import notices
from gongzhi.volunteers import commands, queries
from gongzhi.volunteers.forms import OFFER_KINDS, UNIT_TYPES, ApplicationForm
from ui import session
from ui.session import t
from ui.volunteers import sender, show_field_errors

THROTTLE = "signup_times"

st.title(t("volunteers.public.title"))
st.caption(t("volunteers.public.intro"))
st.page_link("pages/privacy.py", label=t("page.privacy"), icon=":material/shield_person:")
choices = queries.public_choices()
communities = {c["id"]: f"{c['street']} · {c['name']}" for c in choices["communities"]}
categories = {c["code"]: c["name_zh" if session.lang() == "zh" else "name_en"] for c in choices["categories"]}
apply_tab, join_tab = st.tabs([t("volunteers.public.apply"), t("volunteers.public.join")])


def _throttled() -> bool:
    if commands.throttled(st.session_state.setdefault(THROTTLE, []), time.time()):
        st.error(t("application.too_many"))
        return True
    st.session_state[THROTTLE].append(time.time())
    return False


with apply_tab:
    kind = st.radio(t("volunteers.field.kind"), ["volunteer", "unit"], key="apply_kind", horizontal=True,
                    format_func=lambda k: t(f"volunteers.kind.{k}"))
    with st.form("apply"):
        community = st.selectbox(t("volunteers.field.org_unit_id"), list(communities), format_func=communities.get,
                                 key="apply_community")
        name = st.text_input(t(f"volunteers.field.name_{kind}"), key="apply_name")
        phone = st.text_input(t("volunteers.field.phone"), key="apply_phone")
        values = {}
        if kind == "unit":
            values["unit_type"] = st.selectbox(t("volunteers.field.unit_type"), UNIT_TYPES, key="apply_unit_type",
                                               format_func=lambda k: t(f"volunteers.unit_type.{k}"))
            values["contact_name"] = st.text_input(t("volunteers.field.contact_name"), key="apply_contact")
            st.markdown(t("volunteers.public.offer"))
            offer_kind = st.selectbox(t("volunteers.field.offer_kind"), OFFER_KINDS, key="apply_offer_kind",
                                      format_func=lambda k: t(f"resource_kind.{k}"))
            offer_category = st.selectbox(t("volunteers.field.skills"), list(categories), format_func=categories.get,
                                          key="apply_offer_category")
            offer_name = st.text_input(t("volunteers.field.offer_name"), key="apply_offer_name")
            offer_capacity = st.number_input(t("volunteers.field.capacity"), 1, 100000, 10, key="apply_offer_capacity")
            values["offers"] = [{"kind": offer_kind, "category": offer_category, "name": offer_name,
                                 "capacity": offer_capacity}]
        else:
            values["workplace"] = st.text_input(t("volunteers.field.workplace"), key="apply_workplace")
            values["skills"] = st.multiselect(t("volunteers.field.skills"), list(categories), format_func=categories.get,
                                              placeholder=t("app.choose"), key="apply_skills")
            values["availability"] = st.text_input(t("volunteers.field.availability"), key="apply_availability")
        values["pledged_hours"] = st.number_input(t("volunteers.field.pledged_hours"), 0, 2000, 20, key="apply_hours")
        st.info(notices.text("application", session.lang()))
        apply_seen = st.checkbox(t("privacy.notice.seen"), key="apply_notice_seen")
        submitted = st.form_submit_button(t("volunteers.public.submit"), type="primary")
    if submitted and not _throttled():
        form = ApplicationForm(kind=kind, org_unit_id=community, name=name, phone=phone, **values)
        try:
            commands.submit_application(form, queries.public_lookups(), sender(), apply_seen)
        except FormError as exc:
            show_field_errors(exc.errors)
        except DomainError as exc:
            session.show_error(exc)
        else:
            st.success(t("volunteers.public.received"))

with join_tab:
    community = st.selectbox(t("volunteers.field.org_unit_id"), list(communities), format_func=communities.get,
                             key="join_community")
    posts = queries.public_posts(community)
    if not posts:
        st.info(t("volunteers.public.no_posts"))
    else:
        labels = {p["id"]: t("volunteers.public.post_label", title=p["title"], when=f"{p['starts_at']:%Y-%m-%d %H:%M}",
                             place=p["place"] or "", left=max(p["capacity"] - p["taken"], 0)) for p in posts}
        with st.form("join"):
            post = st.selectbox(t("volunteers.field.post"), list(labels), format_func=labels.get, key="join_post")
            phone = st.text_input(t("volunteers.field.phone"), key="join_phone")
            code = st.text_input(t("volunteers.field.code"), type="password", key="join_code")
            st.info(notices.text("claim", session.lang()))
            join_seen = st.checkbox(t("privacy.notice.seen"), key="join_notice_seen")
            joined = st.form_submit_button(t("volunteers.public.join_submit"), type="primary")
        if joined and not _throttled():
            try:
                commands.public_sign_up(post, phone, code, join_seen)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("volunteers.public.joined"))

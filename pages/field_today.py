"""今日走访: the grid worker's day, phone first (one column, big buttons, no wide tables): the
people due and overdue with their lights, logging a visit or a round with its findings (solved on
the spot, or reported up as a demand or an event in the same tap), the day's rounds with their
photos and their findings' photos (taken on the phone: the uploader opens its camera), the ledger
of people to look after, and the daily summary."""
import datetime as dt

import streamlit as st

from gongzhi import clock
from gongzhi.auth.capabilities import may
from gongzhi.fieldwork import commands, queries
from gongzhi.fieldwork.forms import MAX_FINDINGS, OUTCOMES, FindingForm, PersonForm, RoundForm
from gongzhi.whistle import queries as whistle_queries
from gongzhi.clock import BEIJING
from ui import forms, lights, pager, photos, session
from ui import todo as todo_link
from ui import unmask as unmask_form
from ui.session import t

user = session.require_identity()
VIEWS = ("due", "log", "rounds", "ledger", "summary")
FINDINGS_SHOWN = 3


def _label(field: str) -> str:
    return t(f"fieldwork.field.{field}")


def _category_name(c: dict) -> str:
    return c["name_zh"] if session.lang() == "zh" else c["name_en"]


def _start_visit(person_id: int) -> None:
    st.session_state["field_view"] = "log"
    st.session_state["field_kind"] = "visit"
    st.session_state["field_person"] = person_id


def _log() -> None:
    s = st.session_state
    findings = [FindingForm(what=s.get(f"field_finding_{i}", ""), outcome=s.get(f"field_outcome_{i}", "on_spot"),
                            campaign_item=s.get(f"field_item_{i}") or None, category_id=s.get("field_report_category"))
                for i in range(FINDINGS_SHOWN)]
    form = RoundForm(kind=s.get("field_kind", "visit"), org_unit_id=s.get("field_place_unit"),
                     place=s.get("field_place", ""), people_met=s.get("field_met", ""), note=s.get("field_note", ""),
                     care_person_id=s.get("field_person"), campaign_id=s.get("field_campaign"), findings=findings)
    forms.submit("field_round", lambda: commands.log_round(user, form), "fieldwork.logged",
                 clear=("field_place", "field_met", "field_note",
                        *(f"field_finding_{i}" for i in range(FINDINGS_SHOWN))))


def _report(finding_id: int, outcome: str) -> None:
    category = st.session_state.get("field_up_category")
    forms.submit("field_up", lambda: commands.report_up(user, finding_id, outcome, category),
                 f"fieldwork.reported.{outcome}")


def _add_person() -> None:
    s = st.session_state
    form = PersonForm(org_unit_id=s.get("person_unit"), category_id=s.get("person_category"),
                      person_name=s.get("person_name", ""), phone=s.get("person_phone", ""),
                      id_number=s.get("person_id_number", ""), home_address=s.get("person_address", ""),
                      note=s.get("person_note", ""))
    forms.submit("field_person", lambda: commands.add_person(user, form), "fieldwork.person_added",
                 clear=("person_name", "person_phone", "person_id_number", "person_address", "person_note"))


def _export() -> None:
    """Made on request (the export is a logged act), then offered for download."""
    st.session_state["field_export"] = queries.export_csv(user, session.lang())


def _due(day: dict, card: str | None) -> None:
    counts = day["counts"]
    if card:
        st.caption(t("lists.total", n=f"{counts['listed']:,}"))
    st.markdown(f"{lights.badge('red')} {t('fieldwork.overdue_n', n=counts['overdue'])}　"
                f"{lights.badge('yellow')} {t('fieldwork.due_today_n', n=counts['due_today'])}")
    st.caption(t("fieldwork.people_n", n=counts["people"]))
    if not day["people"]:
        st.success(t("fieldwork.nothing_due"))
    for p in day["people"]:
        with st.container(border=True, key=f"due_{p['id']}"):
            st.markdown(f"{lights.badge(p['light'])} **{p['person_name']}** · {_category_name(p)}")
            st.caption(t("fieldwork.due_line", place=p["place"], due=p["next_due_on"],
                         last=p["last_visit_on"] or t("fieldwork.never")))
            st.button(t("fieldwork.visit_now"), key=f"visit_{p['id']}", on_click=_start_visit, args=(p["id"],),
                      use_container_width=True, icon=":material/directions_walk:")


def _log_form(day: dict, report_cats: list[dict]) -> None:
    kinds = {k: t(f"fieldwork.kind.{k}") for k in ("visit", "patrol", "campaign")}
    st.radio(t("fieldwork.field.kind"), list(kinds), format_func=kinds.get, key="field_kind", horizontal=True)
    kind = st.session_state.get("field_kind", "visit")
    units = {u["id"]: u["name"] for u in queries.places(user)}
    people = {p["id"]: f"{p['person_name']} · {p['place']}" for p in day["people"]}
    campaigns = {c["id"]: c for c in day["campaigns"]}
    with st.form("field_round_form"):
        if kind == "visit":
            if st.session_state.get("field_person") not in people:
                st.session_state.pop("field_person", None)
            st.selectbox(_label("care_person_id"), list(people), format_func=people.get, key="field_person")
        else:
            st.selectbox(_label("org_unit_id"), list(units), format_func=units.get, key="field_place_unit")
        if kind == "campaign":
            st.selectbox(_label("campaign_id"), list(campaigns), format_func=lambda i: campaigns[i]["name"],
                         key="field_campaign")
        st.text_input(_label("place"), key="field_place", placeholder=t("fieldwork.place_hint"))
        st.text_input(_label("people_met"), key="field_met")
        st.text_area(_label("note"), key="field_note", height=80)
        outcomes = {o: t(f"fieldwork.outcome.{o}") for o in OUTCOMES}
        items = sorted({i for c in campaigns.values() for i in c["items"]})
        for i in range(FINDINGS_SHOWN):
            st.text_input(t("fieldwork.finding_n", n=i + 1), key=f"field_finding_{i}")
            st.radio(t("fieldwork.field.outcome"), list(outcomes), format_func=outcomes.get, horizontal=True,
                     key=f"field_outcome_{i}", label_visibility="collapsed")
            if kind == "campaign" and items:
                st.selectbox(_label("campaign_item"), ["", *items], key=f"field_item_{i}")
        category = {c["id"]: _category_name(c) for c in report_cats}
        st.selectbox(t("fieldwork.report_category"), list(category), format_func=category.get,
                     key="field_report_category")
        st.form_submit_button(t("fieldwork.log"), type="primary", on_click=_log, use_container_width=True)
    forms.show("field_round", _label)
    st.caption(t("fieldwork.max_findings", n=MAX_FINDINGS))


def _rounds(day: dict, report_cats: list[dict]) -> None:
    if not day["rounds"]:
        st.info(t("fieldwork.no_rounds"))
        return
    category = {c["id"]: _category_name(c) for c in report_cats}
    st.selectbox(t("fieldwork.report_category"), list(category), format_func=category.get, key="field_up_category")
    forms.show("field_up")
    for r in day["rounds"]:
        with st.container(border=True, key=f"round_{r['id']}"):
            at = r["visited_at"].astimezone(BEIJING).strftime("%H:%M")
            kind = t(f"fieldwork.kind.{r['kind']}")
            st.markdown(f"**{at} {kind}** · {r['place']}")
            if r["campaign"]:
                st.caption(r["campaign"])
            if r["people_met"]:
                st.caption(t("fieldwork.met", who=r["people_met"]))
            if st.toggle(t("fieldwork.photos.round"), key=f"round_photos_{r['id']}"):
                photos.show(user, "visit", r["id"])
            for f in r["findings"]:
                link = (t("fieldwork.linked_demand", id=f["demand_id"]) if f["demand_id"]
                        else t("fieldwork.linked_event", id=f["event_id"]) if f["event_id"] else "")
                outcome = t(f"fieldwork.outcome.{f['outcome']}")
                st.markdown(f"- {f['what']} — {outcome} {link}")
                if st.toggle(t("fieldwork.photos.finding"), key=f"finding_photos_{f['id']}"):
                    photos.show(user, "finding", f["id"])
                if f["outcome"] == "on_spot":
                    st.button(t("fieldwork.up.demand"), key=f"up_d_{f['id']}", on_click=_report,
                              args=(f["id"], "demand"), use_container_width=True)
                    st.button(t("fieldwork.up.event"), key=f"up_e_{f['id']}", on_click=_report,
                              args=(f["id"], "event"), use_container_width=True)


def _ledger(cats: list[dict]) -> None:
    with st.expander(t("fieldwork.add_person")):
        units = {u["id"]: u["name"] for u in queries.places(user)}
        category = {c["id"]: f"{_category_name(c)}（{t('fieldwork.every_n', n=c['visit_every_days'])}）" for c in cats}
        with st.form("field_person_form"):
            st.selectbox(_label("org_unit_id"), list(units), format_func=units.get, key="person_unit")
            st.selectbox(_label("category_id"), list(category), format_func=category.get, key="person_category")
            st.text_input(_label("person_name"), key="person_name")
            st.text_input(_label("phone"), key="person_phone")
            st.text_input(_label("id_number"), key="person_id_number")
            st.text_input(_label("home_address"), key="person_address")
            st.text_input(_label("note"), key="person_note")
            st.form_submit_button(t("fieldwork.add"), on_click=_add_person, use_container_width=True)
        forms.show("field_person", _label)
    size = 20
    page_no = st.session_state.get("field_ledger_page", 1)
    rows, total = queries.ledger(user, page_no - 1, size)
    for p in rows:
        with st.container(border=True):
            st.markdown(f"**{p['person_name']}** · {p['name_zh'] if session.lang() == 'zh' else p['name_en']}")
            st.caption(" · ".join(x for x in (p["place"], p["home_address"], p["phone"], p["id_number"]) if x))
    pager.pager("field_ledger_page", max(1, -(-total // size)))
    visible = {p["id"]: p["person_name"] for p in rows if p["personal_visible"]}
    if visible:
        for column in ("phone", "id_number"):
            st.caption(_label(column))
            unmask_form.show(user, "care_person", column, f"field_unmask_{column}", choices=visible)
    st.button(t("fieldwork.export"), key="field_export_make", on_click=_export, use_container_width=True)
    if (data := st.session_state.get("field_export")) is not None:
        st.download_button(t("fieldwork.download"), data=data, file_name="care_people.csv", mime="text/csv",
                           key="field_export_get", use_container_width=True)


def _summary() -> None:
    levels = {lv: t(f"fieldwork.level.{lv}") for lv in queries.LEVELS}
    level = st.radio(t("fieldwork.level.label"), list(levels), format_func=levels.get, horizontal=True,
                     key="field_level")
    end = clock.today()
    rows = queries.summary(user, end - dt.timedelta(days=6), end, level)
    if not rows:
        st.info(t("fieldwork.no_rounds"))
        return
    st.dataframe([{t(f"fieldwork.column.{k}"): v for k, v in r.items()} for r in rows], hide_index=True,
                 use_container_width=True)


with session.page_transaction(user):
    st.title(t("page.field_today"))
    if not may(user, "fieldwork.rounds"):
        st.info(t("fieldwork.not_for_you"))
        st.stop()
    card = todo_link.from_link(user, "field_today", clear=("field_view",))
    day = queries.today(user, todo_key=card)
    st.caption(t("fieldwork.today_is", day=day["day"].isoformat()))
    views = {v: t(f"fieldwork.view.{v}") for v in VIEWS}
    st.session_state.setdefault("field_view", "due")
    view = st.segmented_control(t("fieldwork.view.label"), list(views), format_func=views.get, key="field_view",
                                label_visibility="collapsed") or "due"
    if view == "due":
        _due(day, card)
    elif view == "log":
        _log_form(day, whistle_queries.categories(user))
    elif view == "rounds":
        _rounds(day, whistle_queries.categories(user))
    elif view == "ledger":
        _ledger(queries.categories(user))   # the people's categories; a finding goes up under an event's
    else:
        _summary()

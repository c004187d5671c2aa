"""事件办理 Events: the events of the user's territory, or those summoned to their department; one
event's steps, timeline and the actions the user's role may take on it."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.whistle import commands, queries
from ui import forms, lights, pager, photos, session
from ui import todo as todo_link
from ui.session import t
from ui.whistle import label


user = session.require_identity()
lang = session.lang()
now = dt.datetime.now(dt.timezone.utc)


def _act(action, event_id: int, *keys: str) -> None:
    """Button callback: one step on the event, with the values the widgets `keys` hold now."""
    values = [st.session_state.get(k) for k in keys]
    forms.submit("events", lambda: action(user, event_id, *values), "whistle.ui.saved")


def _not_fixed(event_id: int) -> None:
    note = st.session_state.get("ev_evaluate_note") or t("whistle.ui.not_fixed")
    forms.submit("events", lambda: commands.not_fixed(user, event_id, note), "whistle.ui.saved")


def _light(value: str) -> str:
    return lights.text(value)


def show_list(rows: list[dict], departments: dict) -> None:
    st.dataframe(lights.styled(pd.DataFrame([{
        t("whistle.col.id"): r["id"], t("whistle.col.light"): _light(r["light"]), t("field.title"): r["title"],
        t("whistle.col.step"): label("whistle.step", r["step"]), t("field.urgency"): t("urgency." + r["urgency"]),
        t("whistle.col.lead"): departments.get(r["lead_department_id"], ""),
        t("whistle.col.deadline"): r["deadline"], t("whistle.col.flags"): " ".join(
            ([t("whistle.flag.escalated")] if r["escalated"] else []) + ([t("whistle.flag.repeat")] if r["repeat_of"] else [])
            + ([t("whistle.flag.reopened")] if r["reopen_count"] else []))} for r in rows]),
        t("whistle.col.light"), [r["light"] for r in rows]), hide_index=True, width="stretch")


def show_event(event: dict) -> None:
    st.subheader(f"#{event['id']} {event['title']}")
    st.markdown(lights.badge(event["light"]))
    st.write(t("whistle.ui.summary", light=_light(event["light"]), step=label("whistle.step", event["step"]),
               grid=event["grid_name"], address=event["address"], category=event["category_" + lang]))
    if event["description"]:
        st.write(event["description"])
    st.progress(queries.STEPS.index(event["step"]) / 5, text=" → ".join(label("whistle.step", s) for s in queries.STEPS))
    st.markdown(f"**{t('whistle.ui.summons')}**")
    st.dataframe(pd.DataFrame([{
        t("whistle.col.department"): s["name_" + lang] + (" ★" if s["department_id"] == event["lead_department_id"] else ""),
        t("whistle.col.deadline"): s["report_deadline"], t("whistle.col.reported"): s["reported_at"],
        t("whistle.col.note"): s["report_note"], t("whistle.col.not_fixed"): s["not_fixed"]} for s in event["summons"]]),
        hide_index=True, width="stretch")
    with st.expander(t("whistle.ui.timeline"), expanded=True):
        for line in event["timeline"]:
            who = line["name_" + lang] or ""
            st.markdown(f"- `{line['at']:%Y-%m-%d %H:%M}` **{label('whistle.kind', line['kind'])}** {who} {line['note']}")


def show_actions(event: dict, departments: dict) -> None:
    """The steps the user may take on `event`; each button's callback makes the step."""
    event_id, step = event["id"], event["step"]
    mine = queries.my_department(user)
    for name, action, note_input in (("report", commands.report, st.text_input),
                                     ("implement", commands.implement, st.text_area),
                                     ("feedback", commands.feedback, st.text_area)):
        if may(user, f"whistle.{name}", event, mine):
            note_input(t(f"whistle.ui.{name}_note"), key=f"ev_{name}_note")
            st.button(t(f"whistle.ui.{name}"), key=f"ev_{name}", type="primary", on_click=_act,
                      args=(action, event_id, f"ev_{name}_note"))
    if may(user, "whistle.hand_on", event, mine):
        others = [d for d in departments if d != mine]
        st.selectbox(t("whistle.ui.hand_on_to"), others, format_func=departments.get, key="ev_hand_on_to")
        st.button(t("whistle.ui.hand_on"), key="ev_hand_on", on_click=_act,
                  args=(commands.hand_on, event_id, "ev_hand_on_to"))
    if may(user, "whistle.evaluate", event, mine):
        st.radio(t("whistle.ui.score"), [5, 4, 3, 2, 1], horizontal=True, key="ev_score",
                 format_func=lambda s: t(f"whistle.score.s{s}"))
        st.text_input(t("whistle.ui.evaluate_note"), key="ev_evaluate_note")
        close, reopen = st.columns(2)
        close.button(t("whistle.ui.evaluate"), key="ev_evaluate", type="primary", on_click=_act,
                     args=(commands.evaluate, event_id, "ev_score", "ev_evaluate_note"))
        if may(user, "whistle.not_fixed", event, mine):
            reopen.button(t("whistle.ui.not_fixed"), key="ev_not_fixed", on_click=_not_fixed, args=(event_id,))
    if step in ("report", "consult"):
        with st.expander(t("whistle.ui.consult"), expanded=step == "report"):
            st.text_input(t("whistle.ui.attendees"), key="ev_attendees")
            st.text_area(t("whistle.ui.decision"), key="ev_decision")
            st.button(t("whistle.ui.record_consult"), key="ev_consult", on_click=_act,
                      args=(commands.consult, event_id, "ev_attendees", "ev_decision"))
        for c in event["consults"]:
            st.caption(f"{c['created_at']:%Y-%m-%d %H:%M} {c['attendees']}：{c['decision']}")
    if may(user, "whistle.spawn_demand", event):
        with st.expander(t("whistle.ui.spawn")):
            st.text_input(t("field.title"), key="ev_spawn_title")
            st.button(t("whistle.ui.spawn_button"), key="ev_spawn", on_click=_act,
                      args=(commands.spawn_demand, event_id, "ev_spawn_title"))
    for link in event["demands"]:
        st.caption(t("whistle.ui.linked_demand", id=link["demand_id"], relation=label("whistle.relation", link["relation"]),
                     title=link["title"] or ""))


with session.page_transaction(user):
    st.title(t("page.events"))
    forms.show("events")
    card = todo_link.from_link(user, "events", clear=("ev_page", "ev_selected"))
    open_only = st.toggle(t("whistle.ui.open_only"), value=True, key="ev_open")
    total = queries.events_total(user, now, open_only=open_only, todo_key=card)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    st.caption(t("lists.total", n=f"{total:,}"))
    rows = queries.events(user, now, open_only=open_only, page=pager.current("ev_page", pages) - 1, todo_key=card)
    departments = {d["id"]: d["name_" + lang] for d in queries.departments(user, active_only=False, units=True)}
    if not rows:
        st.info(t("whistle.ui.none"))
        st.stop()
    show_list(rows, departments)
    pager.pager("ev_page", pages)
    titles = {r["id"]: f"#{r['id']} {r['title']}" for r in rows}
    event_id = st.selectbox(t("whistle.ui.open_event"), list(titles), key="ev_selected", format_func=titles.get)
    event = queries.event(user, event_id, now)
    show_event(event)
    photos.show(user, "event", event_id, staged=True)
    show_actions(event, departments)

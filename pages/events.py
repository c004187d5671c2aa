"""事件办理 Events: the events of the user's territory, or those summoned to their department; one
event's steps, timeline and the actions the user's role may take on it."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.whistle import commands, queries
from ui import lights, pager, session
from ui import todo as todo_link
from ui.session import t


def label(family: str, value) -> str:
    """The catalogue label of `value` in a family of keys, e.g. ("whistle.step", "report")."""
    return t(f"{family}.{value}")


user = session.require_identity()
lang = session.lang()
now = dt.datetime.now(dt.timezone.utc)
st.title(t("page.events"))
if "events_done" in st.session_state:
    st.success(t(st.session_state.pop("events_done")))

card = todo_link.from_link(user, "events", clear=("ev_page", "ev_selected"))
open_only = st.toggle(t("whistle.ui.open_only"), value=True, key="ev_open")
total = queries.events_total(user, now, open_only=open_only, todo_key=card)
pages = max(1, -(-total // queries.PAGE_SIZE))
st.caption(t("lists.total", n=f"{total:,}"))
rows = queries.events(user, now, open_only=open_only, page=pager.current("ev_page", pages) - 1, todo_key=card)
departments = {d["id"]: d["name_" + lang] for d in queries.departments(user, active_only=False)}


def _light(value: str) -> str:
    return lights.text(value)


if not rows:
    st.info(t("whistle.ui.none"))
    st.stop()
st.dataframe(lights.styled(pd.DataFrame([{
    t("whistle.col.id"): r["id"], t("whistle.col.light"): _light(r["light"]), t("field.title"): r["title"],
    t("whistle.col.step"): label("whistle.step", r["step"]), t("field.urgency"): t("urgency." + r["urgency"]),
    t("whistle.col.lead"): departments.get(r["lead_department_id"], ""),
    t("whistle.col.deadline"): r["deadline"], t("whistle.col.flags"): " ".join(
        ([t("whistle.flag.escalated")] if r["escalated"] else []) + ([t("whistle.flag.repeat")] if r["repeat_of"] else [])
        + ([t("whistle.flag.reopened")] if r["reopen_count"] else []))} for r in rows]),
    t("whistle.col.light"), [r["light"] for r in rows]), hide_index=True, width="stretch")
pager.pager("ev_page", pages)

event_id = st.selectbox(t("whistle.ui.open_event"), [r["id"] for r in rows], key="ev_selected",
                        format_func=lambda i: f"#{i} " + next(r["title"] for r in rows if r["id"] == i))
event = queries.event(user, event_id, now)
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


def act(fn, *args, done: str = "whistle.ui.saved") -> None:
    try:
        fn(user, event_id, *args)
    except DomainError as exc:
        session.show_error(exc)
    else:
        st.session_state["events_done"] = done
        st.rerun()


step = event["step"]
mine = queries.my_department(user)
if may(user, "whistle.report", event, mine):
    note = st.text_input(t("whistle.ui.report_note"), key="ev_report_note")
    if st.button(t("whistle.ui.report"), key="ev_report", type="primary"):
        act(commands.report, note)
if may(user, "whistle.implement", event, mine):
    note = st.text_area(t("whistle.ui.implement_note"), key="ev_implement_note")
    if st.button(t("whistle.ui.implement"), key="ev_implement", type="primary"):
        act(commands.implement, note)
if may(user, "whistle.feedback", event, mine):
    note = st.text_area(t("whistle.ui.feedback_note"), key="ev_feedback_note")
    if st.button(t("whistle.ui.feedback"), key="ev_feedback", type="primary"):
        act(commands.feedback, note)
if may(user, "whistle.hand_on", event, mine):
    others = [d for d in departments if d != mine]
    target = st.selectbox(t("whistle.ui.hand_on_to"), others, format_func=departments.get, key="ev_hand_on_to")
    if st.button(t("whistle.ui.hand_on"), key="ev_hand_on"):
        act(commands.hand_on, target)
if may(user, "whistle.evaluate", event, mine):
    score = st.radio(t("whistle.ui.score"), [5, 4, 3, 2, 1], horizontal=True, key="ev_score",
                     format_func=lambda s: t(f"whistle.score.s{s}"))
    note = st.text_input(t("whistle.ui.evaluate_note"), key="ev_evaluate_note")
    close, reopen = st.columns(2)
    if close.button(t("whistle.ui.evaluate"), key="ev_evaluate", type="primary"):
        act(commands.evaluate, score, note)
    if may(user, "whistle.not_fixed", event, mine) and reopen.button(t("whistle.ui.not_fixed"), key="ev_not_fixed"):
        act(commands.not_fixed, note or t("whistle.ui.not_fixed"))
if step in ("report", "consult"):
    with st.expander(t("whistle.ui.consult"), expanded=step == "report"):
        attendees = st.text_input(t("whistle.ui.attendees"), key="ev_attendees")
        decision = st.text_area(t("whistle.ui.decision"), key="ev_decision")
        if st.button(t("whistle.ui.record_consult"), key="ev_consult"):
            act(commands.consult, attendees, decision)
    for c in event["consults"]:
        st.caption(f"{c['created_at']:%Y-%m-%d %H:%M} {c['attendees']}：{c['decision']}")
if may(user, "whistle.spawn_demand", event):
    with st.expander(t("whistle.ui.spawn")):
        title = st.text_input(t("field.title"), key="ev_spawn_title")
        if st.button(t("whistle.ui.spawn_button"), key="ev_spawn"):
            act(commands.spawn_demand, title)
for link in event["demands"]:
    st.caption(t("whistle.ui.linked_demand", id=link["demand_id"], relation=label("whistle.relation", link["relation"]),
                 title=link["title"] or ""))

"""吹哨设置 Whistle settings (district only): the departments, the routing of categories to the
departments they summon (the first leads), the time allowed per step and urgency, and the work
calendar (holidays, 调休 working days). Every write goes through gongzhi.whistle.commands as the
signed-in district staff member, under row-level security."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.whistle import commands, forms, queries
from ui import forms as outcome, session
from ui.session import t

user = session.require_identity()
lang = session.lang()


def _field(name: str) -> str:
    return t(f"whistle.settings.field.{name}")


def _run(view: str, action, done_key: str, clear: tuple[str, ...] = (), **params) -> None:
    """Run a command from a widget callback; `view` shows what happened (ui.forms)."""
    outcome.submit(f"ws_{view}", action, done_key, clear, **params)


def _show_outcome(view: str) -> None:
    outcome.show(f"ws_{view}", _field)

# ---------------------------------------------------------------- departments
def _add_department() -> None:
    state = st.session_state
    _run("departments", lambda: commands.add_department(user, state["ws_code"], state["ws_name_zh"], state["ws_name_en"]),
         "whistle.settings.department_added", clear=("ws_code", "ws_name_zh", "ws_name_en"),
         name=(state["ws_name_zh"] or "").strip())


def _change_department(department_id: int) -> None:
    state = st.session_state
    name_zh, active = state[f"ws_edit_name_zh_{department_id}"], state[f"ws_edit_active_{department_id}"]
    _run("departments", lambda: commands.change_department(user, department_id, name_zh,
                                                           state[f"ws_edit_name_en_{department_id}"], active),
         "whistle.settings.department_saved" if active else "whistle.settings.department_retired",
         name=(name_zh or "").strip())


def departments_view() -> None:
    _show_outcome("departments")
    st.dataframe(pd.DataFrame([{
        _field("code"): d["code"], _field("name_zh"): d["name_zh"], _field("name_en"): d["name_en"],
        t("whistle.settings.status"): t("whistle.settings.active" if d["active"] else "whistle.settings.inactive")}
        for d in departments]), hide_index=True, width="stretch", key="ws_departments")
    with st.form("ws_add_department"):
        st.subheader(t("whistle.settings.add_department"))
        st.text_input(_field("code"), key="ws_code", max_chars=32, help=t("whistle.settings.code_help"))
        st.text_input(_field("name_zh"), key="ws_name_zh", max_chars=50)
        st.text_input(_field("name_en"), key="ws_name_en", max_chars=80)
        st.form_submit_button(t("whistle.settings.add_department"), type="primary", on_click=_add_department)
    st.subheader(t("whistle.settings.edit_department"))
    st.caption(t("whistle.settings.edit_help"))
    by_id = {d["id"]: d for d in departments}
    editing = st.selectbox(_field("department"), list(by_id), format_func=dept_name.get, key="ws_edit_id")
    if editing is not None:
        with st.form("ws_edit_department"):
            current = by_id[editing]
            st.text_input(_field("name_zh"), value=current["name_zh"], key=f"ws_edit_name_zh_{editing}", max_chars=50)
            st.text_input(_field("name_en"), value=current["name_en"], key=f"ws_edit_name_en_{editing}", max_chars=80)
            st.checkbox(t("whistle.settings.in_use"), value=current["active"], key=f"ws_edit_active_{editing}")
            st.form_submit_button(t("whistle.settings.save_department"), type="primary",
                                  on_click=_change_department, args=(editing,))

# ---------------------------------------------------------------- routing
def _save_routing(category_id: int) -> None:
    chosen = st.session_state[f"ws_route_{category_id}"]
    _run("routing", lambda: commands.set_routing(user, category_id, chosen), "whistle.settings.routing_saved",
         category=category_name.get(category_id, ""))


def routing_view() -> None:
    _show_outcome("routing")
    routes = queries.routing(user)
    st.dataframe(pd.DataFrame([{
        _field("category_id"): c["name_" + lang],
        t("whistle.settings.routed"): " → ".join(dept_name.get(d, "") for d in routes.get(c["id"], [])) or "—"}
        for c in categories]), hide_index=True, width="stretch", key="ws_routing_table")
    category_id = st.selectbox(_field("category_id"), list(category_name), format_func=category_name.get,
                               key="ws_route_category")
    if category_id is not None:
        with st.form("ws_routing"):
            st.multiselect(_field("departments"), active, default=[d for d in routes.get(category_id, []) if d in active],
                           format_func=dept_name.get, placeholder=t("app.choose"), key=f"ws_route_{category_id}",
                           help=t("whistle.settings.routing_help"))
            st.form_submit_button(t("whistle.settings.save"), type="primary", on_click=_save_routing, args=(category_id,))

# ---------------------------------------------------------------- deadlines
# Labels are looked up now, in this run's language: AppTest calls format_func outside the run.
basis_label = {True: t("whistle.settings.working_time"), False: t("whistle.settings.clock_time")}.__getitem__
urgency_label = {u: t(f"urgency.{u}") for u in forms.URGENCY}.__getitem__
step_label = {s: t(f"whistle.step.{s}") for s in forms.DEADLINE_STEPS}.__getitem__


def _save_deadline(urgency: str, step: str) -> None:
    hours = st.session_state[f"ws_hours_{urgency}_{step}"]
    working = st.session_state[f"ws_basis_{urgency}_{step}"]
    _run("deadlines", lambda: commands.set_deadline(user, urgency, step, hours, working), "whistle.settings.deadline_saved",
         urgency=urgency_label(urgency), step=step_label(step), hours=f"{hours:g}", basis=basis_label(working))


def deadlines_view() -> None:
    _show_outcome("deadlines")
    deadlines = queries.deadlines(user)
    st.dataframe(pd.DataFrame([{
        _field("urgency"): urgency_label(r["urgency"]), _field("step"): step_label(r["step"]),
        _field("hours"): float(r["hours"]), _field("working_time"): basis_label(r["working_time"])} for r in deadlines]),
        hide_index=True, width="stretch", key="ws_deadlines")
    st.caption(t("whistle.settings.applies_from_now"))
    left, right = st.columns(2)
    urgency = left.selectbox(_field("urgency"), forms.URGENCY, format_func=urgency_label,
                             key="ws_deadline_urgency")
    step = right.selectbox(_field("step"), forms.DEADLINE_STEPS, format_func=step_label,
                           key="ws_deadline_step")
    current = next((r for r in deadlines if r["urgency"] == urgency and r["step"] == step), None)
    with st.form("ws_deadline"):
        st.number_input(_field("hours"), value=float(current["hours"]) if current else 24.0, step=1.0, format="%.2f",
                        key=f"ws_hours_{urgency}_{step}")
        st.radio(_field("working_time"), [True, False], index=0 if current is None or current["working_time"] else 1,
                 format_func=basis_label, horizontal=True, key=f"ws_basis_{urgency}_{step}")
        st.form_submit_button(t("whistle.settings.save"), type="primary", on_click=_save_deadline, args=(urgency, step))

# ---------------------------------------------------------------- work calendar
kind_label = {True: t("whistle.settings.workday"), False: t("whistle.settings.holiday")}.__getitem__


def _add_day() -> None:
    state = st.session_state
    day, working, note = state["ws_new_day"], state["ws_new_working"], state["ws_new_note"]
    _run("calendar", lambda: commands.add_calendar_day(user, day, working, note), "whistle.settings.day_saved",
         clear=("ws_new_note",), day=str(day), kind=kind_label(working))


def _change_day(day: dt.date) -> None:
    working, note = st.session_state[f"ws_working_{day}"], st.session_state[f"ws_note_{day}"]
    _run("calendar", lambda: commands.set_calendar_day(user, day, working, note), "whistle.settings.day_saved",
         day=str(day), kind=kind_label(working))


def _remove_day(day: dt.date) -> None:
    _run("calendar", lambda: commands.remove_calendar_day(user, day), "whistle.settings.day_removed", day=str(day))


def calendar_view() -> None:
    _show_outcome("calendar")
    st.caption(t("whistle.settings.calendar_help"))
    today = dt.date.today()
    year = st.number_input(t("whistle.settings.year"), min_value=2000, max_value=2100, value=today.year, step=1,
                           key="ws_year")
    days = queries.calendar(user, int(year))
    if days:
        st.dataframe(pd.DataFrame([{_field("day"): r["day"].isoformat(), _field("working"): kind_label(r["working"]),
                                    _field("note"): r["note"]} for r in days]),
                     hide_index=True, width="stretch", key="ws_calendar")
    else:
        st.info(t("whistle.settings.no_days", year=int(year)))
    with st.form("ws_add_day"):
        st.subheader(t("whistle.settings.add_day"))
        st.date_input(_field("day"), value=today, key="ws_new_day")
        st.radio(_field("working"), [False, True], format_func=kind_label, horizontal=True, key="ws_new_working")
        st.text_input(_field("note"), key="ws_new_note", max_chars=forms.MAX_CALENDAR_NOTE,
                      placeholder=t("whistle.settings.note_example"))
        st.form_submit_button(t("whistle.settings.add_day"), type="primary", on_click=_add_day)
    if days:
        st.subheader(t("whistle.settings.change_day"))
        by_day = {r["day"]: r for r in days}
        chosen = st.selectbox(_field("day"), list(by_day), key="ws_change_day",
                              format_func=lambda d: f"{d.isoformat()} {kind_label(by_day[d]['working'])} {by_day[d]['note']}")
        with st.form("ws_change"):
            st.radio(_field("working"), [False, True], index=int(by_day[chosen]["working"]), format_func=kind_label,
                     horizontal=True, key=f"ws_working_{chosen}")
            st.text_input(_field("note"), value=by_day[chosen]["note"], key=f"ws_note_{chosen}",
                          max_chars=forms.MAX_CALENDAR_NOTE)
            save, remove = st.columns(2)
            save.form_submit_button(t("whistle.settings.save"), type="primary", on_click=_change_day, args=(chosen,))
            remove.form_submit_button(t("whistle.settings.remove_day"), on_click=_remove_day, args=(chosen,))


# One view per run (st.tabs would run every body and its queries on every rerun), read in one transaction.
VIEWS = {"departments": departments_view, "routing": routing_view, "deadlines": deadlines_view,
         "calendar": calendar_view}
with session.page_transaction(user):
    st.title(t("page.whistle_settings"))
    st.caption(t("whistle.settings.intro"))
    if not queries.can_configure(user):   # RLS refuses every write here; say so instead of failing later
        st.error(t("error.forbidden"))
        st.stop()
    departments = queries.departments(user, active_only=False)
    active = [d["id"] for d in departments if d["active"]]
    dept_name = {d["id"]: d["name_" + lang] for d in departments}
    categories = queries.categories(user)
    category_name = {c["id"]: c["name_" + lang] for c in categories}
    view = st.radio(t("page.whistle_settings"), list(VIEWS), key="ws_view", horizontal=True,
                    label_visibility="collapsed", format_func={v: t(f"whistle.settings.tab.{v}") for v in VIEWS}.get)
    VIEWS[view]()

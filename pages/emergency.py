"""平战结合: declare an emergency, set up shifts and temporary organisations, call people up, check
them in and out, follow a street's live board, end the emergency and read its record."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.emergency import commands, queries
from ui import forms, lights, session
from ui.pager import pager
from ui.session import t

user = session.require_identity()
VIEWS = ("board", "roster", "plan", "record")


def _declare() -> None:
    s = st.session_state
    forms.submit("emergency_declare", lambda: commands.declare(user, s["em_place"], s["em_name"], s["em_kind"], s["em_summary"]),
                 "emergency.declared")


def _end(emergency_id: int) -> None:
    forms.submit("emergency_end", lambda: commands.end(user, emergency_id), "emergency.ended_now")


def _shifts(emergency_id: int) -> None:
    s = st.session_state
    start = dt.datetime.combine(s["em_day"], s["em_start"]).astimezone()
    forms.submit("emergency_shifts", lambda: commands.add_shifts(
        user, emergency_id, s["em_task"], s["em_places"], start, start + dt.timedelta(hours=s["em_hours"]),
        s["em_capacity"]), "emergency.shifts_added")


def _callup(emergency_id: int, lo: int, hi: int) -> None:
    forms.submit("emergency_callup", lambda: commands.run_callup(user, emergency_id, lo, hi),
                 lambda r: t("emergency.called_up", filled=r["filled"], seats=r["seats"], greedy=r["greedy"]))


def _org(emergency_id: int) -> None:
    s = st.session_state
    forms.submit("emergency_org", lambda: commands.set_up_org(user, emergency_id, s["em_grid"], s["em_org_name"],
                                                              s.get("em_head")), "emergency.org_set_up")


def _request(emergency_id: int) -> None:
    s = st.session_state
    due = dt.datetime.now().astimezone() + dt.timedelta(hours=s["em_due"])
    forms.submit("emergency_request", lambda: commands.add_request(user, emergency_id, s["em_req_place"], s["em_req_kind"],
                                                                   s["em_req_detail"], due), "emergency.request_added")


def _check(callup_id: int, move: str) -> None:
    action = {"in": commands.check_in, "out": commands.check_out}[move]
    forms.submit("emergency_roster", lambda: action(user, callup_id), f"emergency.checked_{move}")


def _close(request_id: int) -> None:
    forms.submit("emergency_board", lambda: commands.close_request(user, request_id), "emergency.request_closed")


def _board(emergency: dict, street: dict) -> None:
    b = queries.board(user, emergency["id"], street["terr"], street["terr_hi"])
    st.caption(t("emergency.board_at", at=f"{b['at']:%Y-%m-%d %H:%M}"))
    on_duty = sum(c["on_duty"] for c in b["communities"])
    a, c, d = st.columns(3)
    a.metric(t("emergency.on_duty"), on_duty)
    c.metric(t("emergency.uncovered"), len(b["uncovered"]))
    d.metric(t("emergency.open_requests"), len(b["requests"]))
    st.dataframe(pd.DataFrame([{t("emergency.community"): r["name"], t("emergency.shifts"): r["shifts"],
                                t("emergency.seats"): r["seats"], t("emergency.called"): r["called"],
                                t("emergency.on_duty"): r["on_duty"]} for r in b["communities"]]), hide_index=True)
    if b["requests"]:
        st.subheader(t("emergency.open_requests"))
        frame = pd.DataFrame([{t("emergency.light"): lights.text(r["light"]), t("emergency.place"): r["place"],
                               t("emergency.kind"): t(f"emergency.request_kind.{r['kind']}"),
                               t("emergency.detail"): r["detail"], t("emergency.due"): f"{r['due_at']:%m-%d %H:%M}"}
                              for r in b["requests"]])
        st.dataframe(lights.styled(frame, t("emergency.light"), [r["light"] for r in b["requests"]]), hide_index=True)
        if emergency["status"] == "active":
            done = st.selectbox(t("emergency.close_request"), [r["id"] for r in b["requests"]], key="em_close",
                                format_func=lambda i: next(f"{r['place']} {r['detail']}" for r in b["requests"] if r["id"] == i))
            st.button(t("emergency.close_request"), key="em_close_go", on_click=_close, args=(done,))
    forms.show("emergency_board")
    if b["uncovered"]:
        st.subheader(t("emergency.uncovered"))
        st.write("、".join(f"{r['name']}" for r in b["uncovered"][:200]))


def _roster(emergency: dict) -> None:
    total = queries.roster(user, emergency["id"], size=1)[1]
    page = pager("em_roster_page", max(1, -(-total // queries.PAGE_SIZE)))
    rows, _ = queries.roster(user, emergency["id"], page=page)
    st.dataframe(pd.DataFrame([{t("emergency.person"): r["person"], t("emergency.task"): r["task"],
                                t("emergency.place"): r["place"], t("emergency.from"): f"{r['starts_at']:%m-%d %H:%M}",
                                t("emergency.to"): f"{r['ends_at']:%m-%d %H:%M}",
                                t("emergency.status"): t(f"emergency.callup_status.{r['status']}"),
                                t("emergency.hours"): r["hours"]} for r in rows]), hide_index=True)
    movable = [r for r in rows if r["status"] in ("assigned", "on_duty")]
    if emergency["status"] == "active" and movable:
        pick = st.selectbox(t("emergency.person"), [r["id"] for r in movable], key="em_pick",
                            format_func=lambda i: next(f"{r['person']} · {r['place']} · {r['task']}" for r in movable if r["id"] == i))
        row = next(r for r in movable if r["id"] == pick)
        move = "in" if row["status"] == "assigned" else "out"
        st.button(t(f"emergency.check_{move}"), key="em_check", on_click=_check, args=(pick, move))
    forms.show("emergency_roster")


def _plan(emergency: dict, street: dict) -> None:
    places = queries.places(user, street["terr"], street["terr_hi"])
    names = {p["id"]: p["name"] for p in places}
    tasks = {x["id"]: x["name"] for x in queries.tasks(user, emergency["id"])}
    with st.form("em_shift_form"):
        st.selectbox(t("emergency.task"), list(tasks), format_func=tasks.get, key="em_task")
        st.multiselect(t("emergency.places"), list(names), format_func=names.get, key="em_places")
        st.date_input(t("emergency.day"), dt.date.today() + dt.timedelta(days=1), key="em_day")
        st.time_input(t("emergency.from"), dt.time(8, 0), key="em_start")
        st.number_input(t("emergency.length"), 1, 24, 6, key="em_hours")
        st.number_input(t("emergency.seats"), 1, 50, 2, key="em_capacity")
        st.form_submit_button(t("emergency.add_shifts"), on_click=_shifts, args=(emergency["id"],))
    forms.show("emergency_shifts")
    st.button(t("emergency.run_callup"), key="em_callup", type="primary", on_click=_callup,
              args=(emergency["id"], street["terr"], street["terr_hi"]))
    forms.show("emergency_callup")
    grids = {p["id"]: p["name"] for p in places if p["kind"] == "grid"}
    if grids:
        grid = st.selectbox(t("emergency.xiaoqu"), list(grids), format_func=grids.get, key="em_grid")
        heads = {r["id"]: r["name"] for r in queries.residents(user, grid)}
        with st.form("em_org_form"):
            st.text_input(t("emergency.org_name"), f"{grids[grid]}临时党支部", key="em_org_name")
            st.selectbox(t("emergency.head"), [None, *heads], format_func=lambda i: heads.get(i, "—"), key="em_head")
            st.form_submit_button(t("emergency.set_up_org"), on_click=_org, args=(emergency["id"],))
        forms.show("emergency_org")
    with st.form("em_request_form"):
        st.selectbox(t("emergency.place"), list(names), format_func=names.get, key="em_req_place")
        st.selectbox(t("emergency.kind"), commands.REQUEST_KINDS, key="em_req_kind",
                     format_func=lambda k: t(f"emergency.request_kind.{k}"))
        st.text_input(t("emergency.detail"), key="em_req_detail", help=t("emergency.detail_help"))
        st.number_input(t("emergency.due_in"), 1, 72, 4, key="em_due")
        st.form_submit_button(t("emergency.add_request"), on_click=_request, args=(emergency["id"],))
    forms.show("emergency_request")


def _record(emergency: dict) -> None:
    r = queries.record(user, emergency["id"])
    cols = st.columns(5)
    for col, key in zip(cols, ("orgs", "shifts", "people", "hours", "requests_done")):
        col.metric(t(f"emergency.record.{key}"), r[key])
    if emergency["summary"]:
        st.write(emergency["summary"])


def _label(emergency: dict) -> str:
    state = t(f"emergency.state.{emergency['status']}")
    declared = t(f"emergency.declared_by.{emergency['declared_level']}")
    return f"{emergency['name']}（{emergency['place']} · {declared} · {state}）"


with session.page_transaction(user):
    st.title(t("page.emergency"))
    forms.show("emergency_declare")
    forms.show("emergency_end")
    if may(user, "emergency.declare"):
        with st.expander(t("emergency.declare")):
            places = {p["id"]: p["name"] for p in queries.declarable_places(user)}
            with st.form("em_declare_form"):
                st.selectbox(t("emergency.territory"), list(places), format_func=places.get, key="em_place")
                st.text_input(t("emergency.name"), key="em_name")
                st.selectbox(t("emergency.kind"), commands.KINDS, key="em_kind", format_func=lambda k: t(f"emergency.kinds.{k}"))
                st.text_area(t("emergency.summary"), key="em_summary")
                st.form_submit_button(t("emergency.declare"), type="primary", on_click=_declare)
    found = queries.emergencies(user)
    if not found:
        st.info(t("emergency.none"))
        st.stop()
    by_id = {e["id"]: e for e in found}
    chosen = st.selectbox(t("emergency.which"), list(by_id), key="em_which", format_func=lambda i: _label(by_id[i]))
    emergency = by_id[chosen]
    streets = queries.streets(user, chosen)
    if not streets:
        st.info(t("emergency.no_street"))
        st.stop()
    street_names = {s["id"]: s["name"] for s in streets}
    street_id = st.selectbox(t("emergency.street"), list(street_names), format_func=street_names.get, key="em_street")
    street = next(s for s in streets if s["id"] == street_id)
    views = VIEWS if emergency["status"] == "active" else ("board", "roster", "record")
    view = st.radio(t("emergency.view"), views, horizontal=True, key="em_view", format_func=lambda v: t(f"emergency.views.{v}"))
    if view == "board":
        _board(emergency, street)
    elif view == "roster":
        _roster(emergency)
    elif view == "plan":
        _plan(emergency, street)
    else:
        _record(emergency)
    if may(user, "emergency.declare") and commands.may_end(user, emergency):
        st.divider()
        st.button(t("emergency.end"), key="em_end", on_click=_end, args=(chosen,))

"""Writes of whistle and report, one transaction each as the signed-in user: whistle, escalate a
demand, report, consult, implement, feedback, evaluate, "not fixed", hand on, summon, spawn a
demand, escalate overdue events, and the district's settings. Row-level security and the event's
triggers decide who may do what; a refusal comes back as a DomainError with an i18n key."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Mapping

import psycopg

from gongzhi import db, statuses
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.lists import lookups
from gongzhi.whistle import forms, queries


class FormInvalid(DomainError):
    """A form with problems: `errors` lists every FieldError."""

    def __init__(self, errors):
        super().__init__(errors[0].key)
        self.errors = errors


@contextmanager
def _session(user: Identity):
    try:
        with user.session() as conn:
            yield conn
    except psycopg.Error as exc:
        raise from_db(exc) from None


def _one(cur) -> None:
    if cur.rowcount != 1:
        raise DomainError("error.forbidden")


def _note(value: str | None) -> str:
    try:
        return forms.check_text(value)
    except ValueError as exc:
        raise DomainError(str(exc)) from None


def whistle(user: Identity, raw: Mapping[str, Any]) -> int:
    """Blow the whistle: an event in a grid of `user`'s territory summoning the chosen departments.
    The checks of the form and the insert are one transaction."""
    with user.one_transaction(), _session(user) as conn:
        known = {d["id"] for d in queries.departments(user, units=True)}
        clean, errors = forms.parse_whistle(raw, lookups.load(user), known)
        if errors:
            raise FormInvalid(errors)
        return conn.execute(
            """insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)
               values (%(org_unit_id)s, %(category_id)s, %(title)s, %(description)s, %(address)s, %(urgency)s,
                       %(departments)s) returning id""", clean).fetchone()["id"]


def escalate_demand(user: Identity, demand_id: int, departments: list[int] | None = None) -> int:
    """A demand beyond the grid's power becomes an event in one step: the event takes the demand's
    grid, category, title and address, summons the routed departments (or `departments`), links the
    demand as its source and puts the demand in progress."""
    with _session(user) as conn:
        demand = conn.execute("""select id, grid_id, category_id, title, description, address, urgency, status
                                 from public.demand where id = %s""", (demand_id,)).fetchone()
        if demand is None:
            raise DomainError("error.forbidden")
        if demand["grid_id"] is None:
            raise DomainError("whistle.form.demand_without_grid")
        if not departments:
            departments = [r["department_id"] for r in conn.execute(
                "select department_id from public.event_routing where category_id = %s order by position",
                (demand["category_id"],))]
        if not departments:
            raise DomainError("whistle.form.no_department")
        event_id = conn.execute(
            """insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)
               values (%s, %s, %s, %s, %s, %s, %s) returning id""",
            (demand["grid_id"], demand["category_id"], demand["title"], demand["description"],
             demand["address"] or demand["title"], "urgent" if demand["urgency"] in ("high", "urgent") else "normal",
             departments)).fetchone()["id"]
        conn.execute("insert into public.event_demand (event_id, demand_id, relation) values (%s, %s, 'source')",
                     (event_id, demand_id))
        if demand["status"] in statuses.INITIAL["demand"]:   # not yet taken in hand
            conn.execute("update public.demand set status = 'in_progress' where id = %s", (demand_id,))
        return event_id


def spawn_demand(user: Identity, event_id: int, title: str) -> int:
    """A demand raised from an event (e.g. help for the residents affected), in the event's grid."""
    title = _note(title)
    with _session(user) as conn:
        event = conn.execute("select org_unit_id, category_id, address from public.event where id = %s",
                             (event_id,)).fetchone()
        if event is None:
            raise DomainError("error.forbidden")
        demand_id = conn.execute(
            """insert into public.demand (org_unit_id, category_id, title, address) values (%s, %s, %s, %s)
               returning id""", (event["org_unit_id"], event["category_id"], title[:200], event["address"])
        ).fetchone()["id"]
        conn.execute("insert into public.event_demand (event_id, demand_id, relation) values (%s, %s, 'spawned')",
                     (event_id, demand_id))
        return demand_id


def report(user: Identity, event_id: int, note: str = "") -> None:
    """报到: the signed-in department accepts the event (once; timestamped by the database)."""
    with _session(user) as conn:
        _one(conn.execute("""update public.event_department set reported_at = now(), report_note = %s
                             where event_id = %s and department_id = (select private.department_id())""",
                          ((note or "").strip()[:2000], event_id)))


def consult(user: Identity, event_id: int, attendees: str, decision: str) -> None:
    """会商: who met and what they decided."""
    attendees, decision = _note(attendees), _note(decision)
    with _session(user) as conn:
        conn.execute("insert into public.event_consult (event_id, attendees, decision) values (%s, %s, %s)",
                     (event_id, attendees[:500], decision))


def _step(user: Identity, event_id: int, step: str, **columns) -> None:
    sets = ", ".join(f"{name} = %({name})s" for name in columns)
    with _session(user) as conn:
        _one(conn.execute(f"update public.event set step = %(step)s{', ' + sets if sets else ''} where id = %(id)s",
                          {"step": step, "id": event_id, **columns}))


def implement(user: Identity, event_id: int, note: str) -> None:
    """落实: the lead department records what was done."""
    _step(user, event_id, "implement", implement_note=_note(note))


def feedback(user: Identity, event_id: int, note: str) -> None:
    """反馈: the lead department tells the resident the outcome."""
    _step(user, event_id, "feedback", feedback_note=_note(note))


def evaluate(user: Identity, event_id: int, score: int, note: str = "") -> None:
    """评价: the grid (for the resident) scores the outcome 1–5, which closes the event."""
    if score not in forms.SCORES:
        raise DomainError("whistle.form.score")
    _step(user, event_id, "evaluate", satisfaction=score, evaluate_note=(note or "").strip()[:2000])


def not_fixed(user: Identity, event_id: int, reason: str) -> None:
    """"Not fixed": reopens an answered event and counts against its lead department."""
    _step(user, event_id, "consult", evaluate_note=_note(reason))


def hand_on(user: Identity, event_id: int, department_id: int) -> None:
    """The lead department formally hands the lead to another department (summoned if need be)."""
    with _session(user) as conn:
        _one(conn.execute("update public.event set lead_department_id = %s where id = %s", (department_id, event_id)))


def summon(user: Identity, event_id: int, department_ids: list[int]) -> None:
    """Summon more departments to an event."""
    with _session(user) as conn:
        _one(conn.execute("update public.event set departments = departments || %s::bigint[] where id = %s",
                          (list(department_ids), event_id)))


def escalate_overdue(user: Identity, now: dt.datetime) -> int:
    """Flag the events whose deadline passed (red) for the street; returns how many were flagged."""
    with _session(user) as conn:
        return conn.execute("select private.escalate_overdue(%s) as n", (now,)).fetchone()["n"]


def escalate_due() -> int:
    """The scheduled job: flag every event whose deadline has passed, as the owner at the database's
    clock, so that the street hears of it even when nobody opens the board; returns how many."""
    with db.owner() as conn, conn.transaction():
        return conn.execute("select private.escalate_overdue(now()) as n").fetchone()["n"]


# ---------------------------------------------------------------- district settings
def _check(result: tuple[dict, list]) -> dict:
    clean, errors = result
    if errors:
        raise FormInvalid(errors)
    return clean


def set_routing(user: Identity, category_id: int, department_ids: list[int]) -> None:
    """The departments a category summons by default, the lead first (an empty list clears them)."""
    clean = _check(forms.check_routing(category_id, department_ids, {c["id"] for c in queries.categories(user)},
                                       {d["id"] for d in queries.departments(user)}))
    with _session(user) as conn:
        routed = conn.execute("select count(*) as n from public.event_routing where category_id = %s",
                              (category_id,)).fetchone()["n"]
        if conn.execute("delete from public.event_routing where category_id = %s", (category_id,)).rowcount != routed:
            raise DomainError("error.forbidden")   # row-level security kept rows this user may only read
        for position, department_id in enumerate(clean["departments"]):
            conn.execute("insert into public.event_routing (category_id, department_id, position) values (%s, %s, %s)",
                         (category_id, department_id, position))


def set_deadline(user: Identity, urgency: str, step: str, hours: float, working_time: bool) -> None:
    """The time allowed to reach `step` at `urgency`; applies to steps started from now on."""
    clean = _check(forms.check_deadline(urgency, step, hours))
    with _session(user) as conn:
        _one(conn.execute("""insert into public.event_deadline (urgency, step, hours, working_time)
                             values (%s, %s, %s, %s) on conflict (urgency, step)
                             do update set hours = excluded.hours, working_time = excluded.working_time""",
                          (clean["urgency"], clean["step"], clean["hours"], bool(working_time))))


def add_calendar_day(user: Identity, day: dt.date, working: bool, note: str = "") -> None:
    """A new exception to the Monday–Friday rule; a day already in the calendar is refused (change it instead)."""
    clean = _check(forms.check_calendar_day(day, note))
    try:
        with user.session() as conn:
            conn.execute("insert into public.work_calendar (day, working, note) values (%s, %s, %s)",
                         (clean["day"], bool(working), clean["note"]))
    except psycopg.errors.UniqueViolation:
        raise DomainError("whistle.settings.day_taken", day=clean["day"].isoformat()) from None
    except psycopg.Error as exc:
        raise from_db(exc) from None


def set_calendar_day(user: Identity, day: dt.date, working: bool, note: str = "") -> None:
    """Mark `day` a holiday or a working day, overriding the Monday–Friday rule."""
    clean = _check(forms.check_calendar_day(day, note))
    with _session(user) as conn:
        _one(conn.execute("""insert into public.work_calendar (day, working, note) values (%s, %s, %s)
                             on conflict (day) do update set working = excluded.working, note = excluded.note""",
                          (clean["day"], bool(working), clean["note"])))


def remove_calendar_day(user: Identity, day: dt.date) -> None:
    """`day` follows the Monday–Friday rule again."""
    with _session(user) as conn:
        if conn.execute("select 1 from public.work_calendar where day = %s", (day,)).fetchone() is None:
            raise DomainError("whistle.settings.day_not_set", day=day.isoformat())
        _one(conn.execute("delete from public.work_calendar where day = %s", (day,)))


def change_department(user: Identity, department_id: int, name_zh: str, name_en: str, active: bool) -> int:
    """Rename a department, or take it out of use (or back). A department taken out of use leaves
    the routing of every category, in the same transaction, and can no longer be summoned; the
    events it already has stay with it. Returns how many categories it left."""
    clean = _check(forms.check_department_change(department_id, name_zh, name_en, active,
                                                 queries.departments(user, active_only=False)))
    with _session(user) as conn:
        _one(conn.execute("update public.department set name_zh = %(name_zh)s, name_en = %(name_en)s,"
                          " active = %(active)s where id = %(id)s", clean))
        if clean["active"]:
            return 0
        return conn.execute("delete from public.event_routing where department_id = %s", (department_id,)).rowcount


def add_department(user: Identity, code: str, name_zh: str, name_en: str) -> int:
    """A new department, last in the district's order; returns its id."""
    clean = _check(forms.check_department(code, name_zh, name_en, queries.departments(user, active_only=False)))
    try:
        with user.session() as conn:
            return conn.execute("""insert into public.department (code, name_zh, name_en, position)
                                   values (%(code)s, %(name_zh)s, %(name_en)s,
                                           (select coalesce(max(position), 0) + 1 from public.department))
                                   returning id""", clean).fetchone()["id"]
    except psycopg.errors.UniqueViolation:
        raise DomainError("whistle.settings.code_taken") from None
    except psycopg.Error as exc:
        raise from_db(exc) from None

"""Writes of the emergency mode: one transaction each, as the signed-in user, so row-level security
and the migration's triggers decide; refusals become DomainError with an i18n key."""
from __future__ import annotations

import datetime as dt

import numpy as np

from gongzhi.auth import Identity
from gongzhi.emergency import callup
from gongzhi.errors import DomainError, translated

KINDS = ("epidemic", "flood", "fire", "earthquake", "other")
REQUEST_KINDS = ("medicine", "food", "care", "other")
# The task types an emergency starts with, and the volunteer skills (category codes) each needs.
DEFAULT_TASKS = (("采样扫码", ["health"]), ("送菜送药", []), ("值守", []), ("宣传", []))
_CONSTRAINTS = {"callup_no_double_booking": "emergency.double_booked",
                "emergency_org_emergency_id_org_unit_id_key": "emergency.org_exists",
                "emergency_task_emergency_id_name_key": "emergency.task_exists"}


def _translated():
    return translated(_CONSTRAINTS)


def declare(user: Identity, org_unit_id: int, name: str, kind: str, summary: str = "") -> int:
    """A new emergency over the territory of `org_unit_id` (the district or a street), with the
    default task types."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("emergency.name_required")
    if kind not in KINDS:
        raise DomainError("error.invalid_value")
    with _translated(), user.session() as conn:
        emergency_id = conn.execute(
            "insert into public.emergency (org_unit_id, name, kind, summary) values (%s, %s, %s, %s) returning id",
            (org_unit_id, name, kind, (summary or "").strip()[:2000])).fetchone()["id"]
        for task, skills in DEFAULT_TASKS:
            conn.execute("insert into public.emergency_task (emergency_id, name, skills) values (%s, %s, %s)",
                         (emergency_id, task, skills))
        return emergency_id


def may_end(user: Identity, emergency: dict) -> bool:
    """Only the level that declared an active emergency ends it (the database holds the same rule)."""
    level = "district" if user.role == "district" else "street"
    return emergency["status"] == "active" and emergency["declared_level"] == level


def end(user: Identity, emergency_id: int) -> None:
    """Ends the emergency: the database cancels shifts not begun, checks out those on duty (their
    hours go to the service records) and closes the temporary organisations; the record is kept."""
    with _translated(), user.session() as conn:
        if conn.execute("update public.emergency set status = 'ended' where id = %s and status = 'active'",
                        (emergency_id,)).rowcount == 1:
            return
        active = conn.execute("select status = 'active' as active from public.emergency where id = %s",
                              (emergency_id,)).fetchone()
        raise DomainError("emergency.not_declarer" if active and active["active"] else "emergency.ended")


def set_up_org(user: Identity, emergency_id: int, grid_id: int, name: str, head_volunteer_id: int | None) -> int:
    """The temporary organisation of one 小区 (grid), its head a registered member living there."""
    name = (name or "").strip()
    if not name:
        raise DomainError("emergency.name_required")
    with _translated(), user.session() as conn:
        return conn.execute(
            "insert into public.emergency_org (emergency_id, org_unit_id, name, head_volunteer_id)"
            " values (%s, %s, %s, %s) returning id", (emergency_id, grid_id, name, head_volunteer_id)).fetchone()["id"]


def add_shifts(user: Identity, emergency_id: int, task_id: int, places: list[int], starts_at: dt.datetime,
               ends_at: dt.datetime, capacity: int) -> int:
    """One shift of `task_id` at each place (小区 or 楼栋) over the same time; how many were added."""
    if not places:
        raise DomainError("emergency.no_places")
    if ends_at <= starts_at or ends_at - starts_at > dt.timedelta(hours=24):
        raise DomainError("emergency.bad_time")
    if not 1 <= int(capacity) <= 50:
        raise DomainError("emergency.bad_capacity")
    with _translated(), user.session() as conn:
        return conn.execute(
            "insert into public.shift (emergency_id, task_id, org_unit_id, starts_at, ends_at, capacity)"
            " select %s, %s, p, %s, %s, %s from unnest(%s::bigint[]) p",
            (emergency_id, task_id, starts_at, ends_at, int(capacity), list(places))).rowcount


_CANDIDATES = """
with s as (
  select s.id, s.grid_id, s.community_id, s.during, lower(s.during) as starts_at, upper(s.during) as ends_at,
         t.skills, s.capacity - (select count(*) from public.callup c where c.shift_id = s.id
                                  and c.status <> 'cancelled') as room
  from public.shift s join public.emergency_task t on t.id = s.task_id
  where s.emergency_id = %(emergency)s and (not %(upcoming)s or s.starts_at > now())
    and (%(lo)s::bigint is null or s.terr between %(lo)s and %(hi)s)
)
select s.id as shift, v.id as person,
       case when v.grid_id = s.grid_id then 3 else 1 end + case when cardinality(s.skills) > 0 then 2 else 0 end as score
from s join public.volunteer v
  on v.active and v.community_id = s.community_id and (v.grid_id = s.grid_id or v.grid_id is null)
where s.room > 0 and (cardinality(s.skills) = 0 or v.skills && s.skills)
  and not exists (select from public.callup c where c.volunteer_id = v.id and c.status <> 'cancelled'
                  and c.during && s.during)
"""


def load_problem(conn, emergency_id: int, lo: int | None = None, hi: int | None = None,
                 per_person: int = 1, upcoming: bool = True) -> tuple[callup.Problem, np.ndarray, np.ndarray]:
    """The call-up's arrays for the shifts not begun (every shift, without `upcoming`; in terr lo..hi
    when given) and the people who live where they lie and can do the task; with the shift and
    person ids of the indices."""
    params = {"emergency": emergency_id, "lo": lo, "hi": hi, "upcoming": upcoming}
    shifts = conn.execute(
        "select s.id, s.starts_at, s.ends_at, s.capacity - (select count(*) from public.callup c"
        " where c.shift_id = s.id and c.status <> 'cancelled') as room from public.shift s"
        " where s.emergency_id = %(emergency)s and (not %(upcoming)s or s.starts_at > now())"
        " and (%(lo)s::bigint is null or s.terr between %(lo)s and %(hi)s) order by s.id",
        params).fetchall()
    edges = conn.execute(_CANDIDATES, params).fetchall()
    shift_ids = np.array([r["id"] for r in shifts], dtype=np.int64)
    index = {sid: i for i, sid in enumerate(shift_ids.tolist())}
    persons = np.array(sorted({r["person"] for r in edges}), dtype=np.int64)
    person_index = {pid: i for i, pid in enumerate(persons.tolist())}
    problem = callup.Problem(
        room=np.array([r["room"] for r in shifts], dtype=np.int64),
        group=callup.overlap_groups([r["starts_at"] for r in shifts], [r["ends_at"] for r in shifts]),
        edge_person=np.array([person_index[r["person"]] for r in edges], dtype=np.int64),
        edge_shift=np.array([index[r["shift"]] for r in edges], dtype=np.int64),
        edge_score=np.array([r["score"] for r in edges], dtype=np.int64), per_person=per_person)
    return problem, shift_ids, persons


def run_callup(user: Identity, emergency_id: int, lo: int | None = None, hi: int | None = None,
               per_person: int = 1) -> dict:
    """Calls up the available people to the free seats of the shifts not begun: the optimal
    assignment written in one transaction. Returns seats, filled, and the greedy baseline's filled."""
    if not 1 <= int(per_person) <= 3:
        raise DomainError("error.invalid_value")
    with _translated(), user.session() as conn:
        active = conn.execute("select status = 'active' as on from public.emergency where id = %s",
                              (emergency_id,)).fetchone()
        if active is None or not active["on"]:
            raise DomainError("emergency.ended")
        problem, shift_ids, persons = load_problem(conn, emergency_id, lo, hi, int(per_person))
        seats = int(np.maximum(problem.room, 0).sum())
        if len(problem.edge_score) == 0:
            return {"seats": seats, "filled": 0, "greedy": 0}
        chosen = callup.optimal(problem)
        conn.execute("insert into public.callup (shift_id, volunteer_id) select * from unnest(%s::bigint[], %s::bigint[])",
                     (shift_ids[problem.edge_shift[chosen]].tolist(), persons[problem.edge_person[chosen]].tolist()))
        return {"seats": seats, "filled": int(chosen.sum()), "greedy": int(callup.greedy(problem).sum())}


def call_up(user: Identity, shift_id: int, volunteer_id: int) -> int:
    """One person called up to one shift by hand."""
    with _translated(), user.session() as conn:
        return conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s) returning id",
                            (shift_id, volunteer_id)).fetchone()["id"]


def _move(user: Identity, callup_id: int, status: str, column: str, at: dt.datetime | None) -> None:
    with _translated(), user.session() as conn:
        if conn.execute(f"update public.callup set status = %s, {column} = %s where id = %s",
                        (status, at, callup_id)).rowcount != 1:
            raise DomainError("error.forbidden")


def check_in(user: Identity, callup_id: int, at: dt.datetime | None = None) -> None:
    """On duty from now (or from `at`, an hour before the shift at the earliest)."""
    _move(user, callup_id, "on_duty", "checked_in_at", at)


def check_out(user: Identity, callup_id: int, at: dt.datetime | None = None) -> None:
    """Off duty now (or at `at`); the database writes the hours to the service record."""
    _move(user, callup_id, "done", "checked_out_at", at)


def cancel(user: Identity, callup_id: int) -> None:
    with _translated(), user.session() as conn:
        if conn.execute("update public.callup set status = 'cancelled' where id = %s", (callup_id,)).rowcount != 1:
            raise DomainError("error.forbidden")


def add_request(user: Identity, emergency_id: int, org_unit_id: int, kind: str, detail: str,
                due_at: dt.datetime) -> int:
    """An open request (送药、送菜 …) at a 小区 or 楼栋; detail holds no name or phone."""
    detail = (detail or "").strip()
    if kind not in REQUEST_KINDS:
        raise DomainError("error.invalid_value")
    if not detail or len(detail) > 200:
        raise DomainError("emergency.detail_required")
    with _translated(), user.session() as conn:
        return conn.execute(
            "insert into public.emergency_request (emergency_id, org_unit_id, kind, detail, due_at)"
            " values (%s, %s, %s, %s, %s) returning id", (emergency_id, org_unit_id, kind, detail, due_at)).fetchone()["id"]


def close_request(user: Identity, request_id: int, done: bool = True) -> None:
    with _translated(), user.session() as conn:
        if conn.execute("update public.emergency_request set status = %s where id = %s",
                        ("done" if done else "cancelled", request_id)).rowcount != 1:
            raise DomainError("error.forbidden")

"""Rows of the emergency tables, made as the table owner for the RLS matrices and domain tests.

An emergency is declared at the district or a street: a maker asked for one at a place below a
street declares it at that place's street. `level` says who declared it: by default the level of
the unit it covers (a street's own emergency), or 'district' for one the district declared over a
street. Every maker of an emergency's part takes the same `level`. Organisations, shifts, call-ups and requests lie at a
小区 (grid) or 楼栋 (building); asked for one elsewhere, a maker returns the key of no row (id -1)."""
from __future__ import annotations

import datetime as dt

from tests.db.rls import INSIDE, NONE, NOTHING
from tests.volunteers.makers import new_volunteer

NO_ROW = {"id": -1}
# The RLS matrix of an emergency's parts at a 小区 or 楼栋 (temporary organisations, shifts, call-ups,
# requests): staff whose territory holds the row read, add and change it, nobody deletes it; the
# district nothing of a street's own emergency (PART_MATRIX), inside and beside its streets in the
# emergencies it declared (PART_MATRIX_DISTRICT).
_TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
_IN_OUT = frozenset({"inside", "outside"})
PART_MATRIX = {"district": NOTHING, "street": _TERRITORY, "community": _TERRITORY, "grid": _TERRITORY,
               "department": NOTHING, "anon": NOTHING}
PART_MATRIX_DISTRICT = {**PART_MATRIX, "district": dict(select=_IN_OUT, insert=_IN_OUT, update=_IN_OUT, delete=NONE)}


def _unit(conn, unit: int) -> dict:
    return conn.execute("select id, kind, street_id, grid_id from public.org_unit where id = %s", (unit,)).fetchone()


def declaring(conn, unit: int) -> int:
    o = _unit(conn, unit)
    return o["id"] if o["kind"] in ("district", "street") else o["street_id"]


def new_emergency(conn, unit: int, name: str = "测试应急", level: str | None = None) -> int:
    return conn.execute("insert into public.emergency (org_unit_id, name, kind, declared_level)"
                        " values (%s, %s, 'epidemic', %s) returning id",
                        (declaring(conn, unit), name, level)).fetchone()["id"]


def new_task(conn, emergency: int, name: str = "值守", skills: list[str] | None = None) -> int:
    return conn.execute("insert into public.emergency_task (emergency_id, name, skills) values (%s, %s, %s) returning id",
                        (emergency, name, skills or [])).fetchone()["id"]


def at_place(conn, unit: int) -> bool:
    return _unit(conn, unit)["kind"] in ("grid", "building")


def new_shift(conn, unit: int, emergency: int | None = None, task: int | None = None, hours_from_now: float = 24,
              hours: float = 6, capacity: int = 3, level: str | None = None) -> int:
    emergency = emergency or new_emergency(conn, unit, level=level)
    task = task or new_task(conn, emergency)
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours_from_now)
    return conn.execute("insert into public.shift (emergency_id, task_id, org_unit_id, starts_at, ends_at, capacity)"
                        " values (%s, %s, %s, %s, %s, %s) returning id",
                        (emergency, task, unit, start, start + dt.timedelta(hours=hours), capacity)).fetchone()["id"]


def task_key(conn, unit: int, level: str | None = None) -> dict:
    emergency = new_emergency(conn, unit, level=level)
    return {"id": new_task(conn, emergency, "测试任务"), "emergency": emergency}


def org_key(conn, unit: int, level: str | None = None) -> dict:
    if _unit(conn, unit)["kind"] != "grid":
        return NO_ROW
    emergency = new_emergency(conn, unit, level=level)
    return {"id": conn.execute("insert into public.emergency_org (emergency_id, org_unit_id, name) values (%s, %s, '临时党支部')"
                               " returning id", (emergency, unit)).fetchone()["id"], "emergency": emergency}


def shift_key(conn, unit: int, level: str | None = None) -> dict:
    return {"id": new_shift(conn, unit, level=level)} if at_place(conn, unit) else NO_ROW


def callup_key(conn, unit: int, level: str | None = None) -> dict:
    if not at_place(conn, unit):
        return NO_ROW
    shift = new_shift(conn, unit, level=level)
    volunteer = new_volunteer(conn, unit)
    return {"id": conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s) returning id",
                               (shift, volunteer)).fetchone()["id"], "shift": shift, "volunteer": volunteer}


def request_key(conn, unit: int, level: str | None = None) -> dict:
    if not at_place(conn, unit):
        return NO_ROW
    emergency = new_emergency(conn, unit, level=level)
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=3)
    return {"id": conn.execute("insert into public.emergency_request (emergency_id, org_unit_id, kind, detail, due_at)"
                               " values (%s, %s, 'medicine', '降压药两盒', %s) returning id",
                               (emergency, unit, due)).fetchone()["id"], "emergency": emergency}

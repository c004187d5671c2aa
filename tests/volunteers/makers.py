"""Rows of the volunteer tables, made as the table owner for the RLS matrices and domain tests.

Volunteers, units, posts and applications sit at a community or below; at a street or the district
there is no such row, so a maker asked for one there returns the key of no row (id -1)."""
from __future__ import annotations

import datetime as dt
import uuid

from tests.personal import columns, sealed, values

NO_ROW = {"id": -1}


def place_kind(conn, unit: int) -> str:
    return conn.execute("select kind from public.org_unit where id = %s", (unit,)).fetchone()["kind"]


def registrable(conn, unit: int) -> bool:
    return place_kind(conn, unit) in ("community", "grid", "building")


def phone() -> str:
    return "139" + str(uuid.uuid4().int % 10**8).zfill(8)


def new_application(conn, unit: int, kind: str = "volunteer", phone_number: str | None = None) -> int:
    return conn.execute(
        f"insert into public.application (kind, org_unit_id, name, {columns()}, unit_type, fingerprint)"
        f" values (%(kind)s, %(unit)s, '测试申请人', {values()}, %(type)s, %(fp)s) returning id",
        {"kind": kind, "unit": unit, **sealed(phone_number or phone()), "type": "enterprise" if kind == "unit" else None,
         "fp": uuid.uuid4().hex}).fetchone()["id"]


def new_volunteer(conn, unit: int, name: str = "测试志愿者", unit_id: int | None = None,
                  phone_number: str | None = None) -> int:
    return conn.execute(f"insert into public.volunteer (org_unit_id, name, {columns()}, unit_id)"
                        f" values (%(unit)s, %(name)s, {values()}, %(unit_id)s) returning id",
                        {"unit": unit, "name": name, **sealed(phone_number or phone()), "unit_id": unit_id}
                        ).fetchone()["id"]


def new_unit(conn, unit: int, name: str = "测试单位") -> int:
    return conn.execute(f"insert into public.unit (org_unit_id, name, unit_type, {columns()})"
                        f" values (%(unit)s, %(name)s, 'enterprise', {values()}) returning id",
                        {"unit": unit, "name": name, **sealed(phone())}).fetchone()["id"]


def new_post(conn, unit: int, capacity: int = 5, starts_in_days: float = 3, hours: float = 2,
             kind: str = "activity") -> int:
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=starts_in_days)
    return conn.execute(
        "insert into public.post (org_unit_id, kind, title, place, starts_at, ends_at, capacity)"
        " values (%s, %s, '文明劝导', '社区广场', %s, %s, %s) returning id",
        (unit, kind, start, start + dt.timedelta(hours=hours) if kind == "activity" or hours else None,
         capacity)).fetchone()["id"]


def new_signup(conn, unit: int) -> dict:
    key = {"post": new_post(conn, unit), "volunteer": new_volunteer(conn, unit)}
    key["id"] = conn.execute("insert into public.signup (post_id, volunteer_id) values (%(post)s, %(volunteer)s)"
                             " returning id", key).fetchone()["id"]
    return key


def new_service_log(conn, unit: int, volunteer: int | None = None, hours: float = 2, served_on=None,
                    rating: int | None = None, verified: bool = False, post: int | None = None) -> int:
    volunteer = volunteer or new_volunteer(conn, unit)
    return conn.execute(
        "insert into public.service_log (volunteer_id, post_id, served_on, hours, rating, rated_by, verified_at)"
        " values (%s, %s, %s, %s, %s, %s, case when %s then now() end) returning id",
        (volunteer, post, served_on or dt.date.today(), hours, rating, "resident" if rating else None,
         verified)).fetchone()["id"]


def new_assessment(conn, unit: int, period: str = "2026H1") -> int:
    volunteer = new_volunteer(conn, unit)
    return conn.execute("insert into public.assessment (period, subject, volunteer_id, org_unit_id)"
                        " values (%s, 'volunteer', %s, 0) returning id", (period, volunteer)).fetchone()["id"]


def at(conn, unit: int, make) -> dict:
    """make(conn, unit) → {"id": …} where the row can exist; NO_ROW elsewhere."""
    if not registrable(conn, unit):
        return dict(NO_ROW)
    made = make(conn, unit)
    return made if isinstance(made, dict) else {"id": made}

"""Rows holding personal data in every table of the inventory, made as the owner, with the day their
case closed set by hand so that tests can put them either side of a retention boundary."""
from __future__ import annotations

import datetime as dt

from gongzhi.personal import crypto
from tests.conftest import unit_id
from tests.db.rls import new_auth_user
from tests.personal import columns, sealed, values
from tests.volunteers.makers import new_application, new_unit, new_volunteer, phone

GRID = "丽水社区第一网格"
COMMUNITY = "丽水社区"


def _untriggered(conn, statement: str, params) -> None:
    """A back-dating update past the triggers that would stamp the present time."""
    conn.execute("set local session_replication_role = replica")
    conn.execute(statement, params)
    conn.execute("set local session_replication_role = origin")


def category(conn) -> int:
    return conn.execute("select id from public.category order by id limit 1").fetchone()["id"]


def closed_demand(conn, closed_at: dt.datetime | None, number: str | None = None, status: str = "done") -> int:
    grid = unit_id(conn, GRID)
    demand = conn.execute(
        "insert into public.demand (org_unit_id, category_id, title, beneficiary_name,"
        f" {columns('beneficiary_phone')}) values (%(grid)s, %(category)s, '独居老人助餐', '王秀英',"
        f" {values('beneficiary_phone')}) returning id",
        {"grid": grid, "category": category(conn), **sealed(number or phone(), "beneficiary_phone")}).fetchone()["id"]
    if closed_at is not None:
        if status == "done":
            conn.execute("update public.demand set status = 'in_progress' where id = %s", (demand,))
        conn.execute("update public.demand set status = %s where id = %s", (status, demand))
        conn.execute("update public.demand set closed_at = %s where id = %s", (closed_at, demand))
    return demand


def decided_application(conn, decided_at: dt.datetime | None, number: str | None = None) -> int:
    community = unit_id(conn, COMMUNITY)
    app = new_application(conn, community, phone_number=number)
    if decided_at is not None:
        conn.execute("update public.application set status = 'rejected' where id = %s", (app,))
        _untriggered(conn, "update public.application set decided_at = %s where id = %s", (decided_at, app))
    return app


def _inactive(conn, table: str, key: str, value, since: dt.datetime | None) -> None:
    if since is not None:
        conn.execute(f"update public.{table} set active = false where {key} = %s", (value,))
        _untriggered(conn, f"update public.{table} set inactive_since = %s where {key} = %s", (since, value))


def inactive_volunteer(conn, since: dt.datetime | None, number: str | None = None) -> int:
    volunteer = new_volunteer(conn, unit_id(conn, COMMUNITY), phone_number=number)
    _inactive(conn, "volunteer", "id", volunteer, since)
    return volunteer


def inactive_unit(conn, since: dt.datetime | None, number: str | None = None) -> int:
    unit = new_unit(conn, unit_id(conn, COMMUNITY))
    conn.execute("update public.unit set contact_name = '赵经理' where id = %s", (unit,))
    if number:
        conn.execute(f"update public.unit set ({columns()}) = ({values()}) where id = %(id)s",
                     {"id": unit, **sealed(number)})
    _inactive(conn, "unit", "id", unit, since)
    return unit


def retired_resource(conn, since: dt.datetime | None, number: str | None = None) -> int:
    resource = conn.execute(
        f"insert into public.resource (org_unit_id, kind, category_id, name, provider, {columns('contact_phone')})"
        f" values (%(grid)s, 'venue', %(category)s, '活动室', '社区', {values('contact_phone')}) returning id",
        {"grid": unit_id(conn, GRID), "category": category(conn), **sealed(number or phone(), "contact_phone")}
    ).fetchone()["id"]
    if since is not None:
        conn.execute("update public.resource set status = 'retired' where id = %s", (resource,))
        _untriggered(conn, "update public.resource set updated_at = %s where id = %s", (since, resource))
    return resource


def inactive_staff(conn, since: dt.datetime | None, number: str | None = None) -> str:
    user = new_auth_user(conn)
    conn.execute(f"insert into public.staff (user_id, org_unit_id, role, display_name, {columns()})"
                 f" values (%(user)s, %(unit)s, 'grid', '测试员', {values()})",
                 {"user": user, "unit": unit_id(conn, GRID), **sealed(number or phone())})
    _inactive(conn, "staff", "user_id", user, since)
    return user


def inactive_care_person(conn, since: dt.datetime | None, number: str | None = None) -> int:
    """A person to look after whose entry ended at `since` (None: still looked after), with a phone,
    an ID number, a name and an address."""
    from gongzhi.personal import crypto
    ident = crypto.seal("id_number", "11010519491231002X")
    person = conn.execute(
        f"""insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked, home_address,
                                            id_number_enc, id_number_bidx, id_number_masked, {columns()})
            values (%(unit)s, (select min(id) from public.care_category), '测试老人', '测**', '1号楼101室',
                    %(ienc)s, %(ibidx)s, %(imasked)s, {values()}) returning id""",
        {"unit": unit_id(conn, GRID), "ienc": ident.enc, "ibidx": ident.bidx, "imasked": ident.masked,
         **sealed(number or phone())}).fetchone()
    person = person["id"] if isinstance(person, dict) else person[0]
    _inactive(conn, "care_person", "id", person, since)
    return person
def closed_suggestion(conn, closed_at: dt.datetime | None, number: str | None = None) -> int:
    """A message of the suggestion box with a phone, through its public function; closed with a
    reply at `closed_at` (its last step) when given."""
    community = conn.execute("select code from public.org_unit where name = %s", (COMMUNITY,)).fetchone()["code"]
    s = crypto.seal("phone", number or phone())
    row = conn.execute("select id from public.submit_suggestion(%s, 'repair', 'need', '楼下路灯坏了很久没人修',"
                       " %s, %s, %s, 'suggestion_v1')", (community, s.enc, s.bidx, s.masked)).fetchone()
    if closed_at is not None:
        conn.execute("update public.suggestion set status = 'closed', reply = '已修复' where id = %s", (row["id"],))
        _untriggered(conn, "update public.suggestion set updated_at = %s where id = %s", (closed_at, row["id"]))
    return row["id"]


MAKERS = {
    "demand": closed_demand,
    "application": decided_application,
    "volunteer": inactive_volunteer,
    "unit": inactive_unit,
    "resource": retired_resource,
    "staff": inactive_staff,
    "care_person": inactive_care_person,
    "suggestion": closed_suggestion,
}

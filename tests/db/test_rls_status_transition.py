"""RLS matrix: the status machine is read by all staff and changed only by a migration."""
import uuid

import pytest

from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test


def _status():
    return {"to": "t" + uuid.uuid4().hex[:8]}


def _make(conn, unit):
    key = _status()
    conn.execute("insert into public.status_transition (entity, from_status, to_status) values ('demand', 'new', %(to)s)",
                 key)
    return key


SPEC = Spec(
    table="status_transition",
    key="entity = 'demand' and from_status = 'new' and to_status = %(to)s",
    make=_make,
    prepare=lambda conn, unit: _status(),
    insert="insert into public.status_transition (entity, from_status, to_status) values ('demand', 'new', %(to)s)",
    update_set="to_status = to_status || 'x'",
)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {role: READ_ONLY for role in ("district", "street", "community", "grid", "department")}
MATRIX["anon"] = NOTHING


test_cell = cell_test(SPEC, MATRIX)


def test_a_demand_cannot_skip_to_done(conn):
    from psycopg import errors
    from tests.conftest import unit_id
    from tests.db.rls import new_demand
    demand = new_demand(conn, unit_id(conn, "丽水社区第一网格"))
    with pytest.raises(errors.CheckViolation, match="status.invalid_transition"), conn.transaction():
        conn.execute("update public.demand set status = 'done' where id = %s", (demand,))


def test_a_demand_cannot_start_as_done(conn):
    from psycopg import errors
    from tests.conftest import unit_id
    from tests.db.rls import category_id
    with pytest.raises(errors.CheckViolation, match="status.invalid_transition"), conn.transaction():
        conn.execute("insert into public.demand (org_unit_id, category_id, title, status) values (%s, %s, 'x', 'done')",
                     (unit_id(conn, "丽水社区第一网格"), category_id(conn)))

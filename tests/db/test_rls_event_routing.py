"""RLS matrix: the routing category → departments is read by all staff and edited by the district."""
import pytest

from tests.db.rls import ALL, NONE, Spec, check_cell, category_id, matrix_cases
from tests.db.test_rls_department import _make as new_department


def _prepare(conn, unit):
    return {"category": category_id(conn), "department": new_department(conn, unit)["id"]}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.event_routing (category_id, department_id) values (%(category)s, %(department)s)", key)
    return key


SPEC = Spec(
    table="event_routing",
    key="category_id = %(category)s and department_id = %(department)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.event_routing (category_id, department_id) values (%(category)s, %(department)s)",
    update_set="position = position + 1",
)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=ALL),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY, "department": READ_ONLY,
    "anon": dict(select=NONE, insert=NONE, update=NONE, delete=NONE),
}


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])

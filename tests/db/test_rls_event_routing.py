"""RLS matrix: the routing category → departments is read by all staff and edited by the system administrator (三权分立)."""

from tests.db.rls import SETTINGS_MATRIX, SYSTEM_KEEPS_ALONE, Spec, admin_cell_test, category_id, cell_test
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
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = SYSTEM_KEEPS_ALONE


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

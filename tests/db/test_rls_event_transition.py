"""RLS matrix: the step machine is read by all staff and changed by nobody (a migration changes it)."""
import pytest

from tests.db.rls import ALL, NONE, Spec, check_cell, matrix_cases

SPEC = Spec(
    table="event_transition",
    key="from_step = %(from)s and to_step = %(to)s",
    make=lambda conn, unit: {"from": "whistle", "to": "report"},
    prepare=lambda conn, unit: {"from": "whistle", "to": "evaluate"},
    insert="insert into public.event_transition (from_step, to_step, actor) values (%(from)s, %(to)s, 'territory')",
    update_set="actor = 'territory'",
)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {role: READ_ONLY for role in ("district", "street", "community", "grid", "department")}
MATRIX["anon"] = dict(select=NONE, insert=NONE, update=NONE, delete=NONE)


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])

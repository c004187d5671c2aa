"""RLS matrix: the step machine is read by all staff and changed by nobody (a migration changes it)."""

from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test

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
MATRIX["anon"] = NOTHING


test_cell = cell_test(SPEC, MATRIX)

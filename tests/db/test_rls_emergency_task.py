"""RLS matrix: an emergency's task types follow the emergency (declaring level and below read,
declaring level writes; the district nothing of a street's own emergency); never deleted."""
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.emergency.makers import new_emergency, new_task, task_key


def _spec(level: str | None) -> Spec:
    return Spec(
        table="emergency_task",
        key="id = %(id)s",
        make=lambda conn, unit: task_key(conn, unit, level),
        prepare=lambda conn, unit: {"emergency": new_emergency(conn, unit, level=level)},
        insert="insert into public.emergency_task (emergency_id, name) values (%(emergency)s, '环境消杀')",
        update_set="skills = '{health}'",
    )


ABOVE = frozenset({"above"})
SPEC = _spec(None)
MATRIX = {
    "district": dict(select=ABOVE, insert=ABOVE, update=ABOVE, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=NONE),
    "community": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}
MATRIX_DISTRICT = {**MATRIX, "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE)}

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_another_streets_task_types_stay_hidden(conn):
    act_as_owner(conn)
    task = new_task(conn, new_emergency(conn, unit_id(conn, "新华街道")), "采样扫码")
    act_as(conn, "community")
    assert conn.execute("select count(*) as n from public.emergency_task where id = %s", (task,)).fetchone()["n"] == 0
    act_as_owner(conn)

"""RLS matrix: an emergency's task types follow the emergency (declaring level and below read,
declaring level writes); never deleted."""
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.emergency.makers import new_emergency, new_task, task_key

SPEC = Spec(
    table="emergency_task",
    key="id = %(id)s",
    make=task_key,
    prepare=lambda conn, unit: {"emergency": new_emergency(conn, unit)},
    insert="insert into public.emergency_task (emergency_id, name) values (%(emergency)s, '环境消杀')",
    update_set="skills = '{health}'",
)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=NONE),
    "community": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def test_another_streets_task_types_stay_hidden(conn):
    act_as_owner(conn)
    task = new_task(conn, new_emergency(conn, unit_id(conn, "新华街道")), "采样扫码")
    act_as(conn, "community")
    assert conn.execute("select count(*) as n from public.emergency_task where id = %s", (task,)).fetchone()["n"] == 0
    act_as_owner(conn)

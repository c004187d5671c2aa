"""RLS matrix: a shift lies at its 小区 or 楼栋; staff whose territory holds it read, add and change
it, the district only in the emergencies it declared; nobody deletes it, and it cannot be moved out
of the territory."""
from tests.db.rls import Spec, cell_test, check_move_out
from tests.emergency.makers import PART_MATRIX, PART_MATRIX_DISTRICT, at_place, new_emergency, new_task, shift_key


def _spec(level: str | None) -> Spec:
    def prepare(conn, unit):
        if not at_place(conn, unit):
            return {"emergency": -1, "task": -1, "unit": -1}
        emergency = new_emergency(conn, unit, level=level)
        return {"emergency": emergency, "task": new_task(conn, emergency), "unit": unit}
    return Spec(
        table="shift",
        key="id = %(id)s",
        make=lambda conn, unit: shift_key(conn, unit, level),
        prepare=prepare,
        insert="insert into public.shift (emergency_id, task_id, org_unit_id, starts_at, ends_at, capacity)"
               " values (%(emergency)s, %(task)s, %(unit)s, now() + interval '1 day', now() + interval '30 hours', 2)",
        update_set="capacity = 4",
        move="update public.shift set org_unit_id = %(unit)s where id = %(id)s",
    )


SPEC = _spec(None)
MATRIX = PART_MATRIX
MATRIX_DISTRICT = PART_MATRIX_DISTRICT

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_grid_staff_cannot_move_a_shift_out(conn):
    check_move_out(conn, SPEC, "grid")

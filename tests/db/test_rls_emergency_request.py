"""RLS matrix: a request lies at its 小区 or 楼栋; staff whose territory holds it record and close it,
the district only in the emergencies it declared; nobody deletes one, and it cannot be moved out of
the territory."""
from tests.db.rls import Spec, cell_test, check_move_out
from tests.emergency.makers import PART_MATRIX, PART_MATRIX_DISTRICT, at_place, new_emergency, request_key


def _spec(level: str | None) -> Spec:
    def prepare(conn, unit):
        if not at_place(conn, unit):
            return {"emergency": -1, "unit": -1}
        return {"emergency": new_emergency(conn, unit, level=level), "unit": unit}
    return Spec(
        table="emergency_request",
        key="id = %(id)s",
        make=lambda conn, unit: request_key(conn, unit, level),
        prepare=prepare,
        insert="insert into public.emergency_request (emergency_id, org_unit_id, kind, detail, due_at)"
               " values (%(emergency)s, %(unit)s, 'food', '老人需要代购蔬菜', now() + interval '4 hours')",
        update_set="status = 'done'",
        move="update public.emergency_request set org_unit_id = %(unit)s where id = %(id)s",
    )


SPEC = _spec(None)
MATRIX = PART_MATRIX
MATRIX_DISTRICT = PART_MATRIX_DISTRICT

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_community_staff_cannot_move_a_request_out(conn):
    check_move_out(conn, SPEC, "community")

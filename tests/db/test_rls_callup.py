"""RLS matrix: a call-up lies where its shift lies; staff whose territory holds it call people up
and check them in and out, the district only in the emergencies it declared; nobody deletes one,
and it cannot be moved to a shift elsewhere."""
from tests.db.rls import Spec, cell_test, check_move_out
from tests.emergency.makers import PART_MATRIX, PART_MATRIX_DISTRICT, at_place, callup_key, new_shift
from tests.volunteers.makers import new_volunteer


def _spec(level: str | None) -> Spec:
    def prepare(conn, unit):
        if not at_place(conn, unit):
            return {"shift": -1, "volunteer": -1}
        return {"shift": new_shift(conn, unit, level=level), "volunteer": new_volunteer(conn, unit)}
    return Spec(
        table="callup",
        key="id = %(id)s",
        make=lambda conn, unit: callup_key(conn, unit, level),
        prepare=prepare,
        insert="insert into public.callup (shift_id, volunteer_id) values (%(shift)s, %(volunteer)s)",
        update_set="status = 'cancelled'",
        move="update public.callup set shift_id = (select min(id) from public.shift where org_unit_id = %(unit)s)"
             " where id = %(id)s",
    )


SPEC = _spec(None)
MATRIX = PART_MATRIX
MATRIX_DISTRICT = PART_MATRIX_DISTRICT

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_street_staff_cannot_move_a_callup_to_another_streets_shift(conn):
    check_move_out(conn, SPEC, "street")

"""RLS matrix: a temporary organisation lies at its 小区; staff whose territory holds it read and
change it, the district only in the emergencies it declared; nobody deletes it, and it cannot be
moved to another 小区."""
from tests.db.rls import Spec, cell_test, check_move_out
from tests.emergency.makers import PART_MATRIX, PART_MATRIX_DISTRICT, at_place, new_emergency, org_key


def _spec(level: str | None) -> Spec:
    def prepare(conn, unit):
        if not at_place(conn, unit):
            return {"emergency": -1, "grid": -1}
        return {"emergency": new_emergency(conn, unit, level=level), "grid": unit}
    return Spec(
        table="emergency_org",
        key="id = %(id)s",
        make=lambda conn, unit: org_key(conn, unit, level),
        prepare=prepare,
        insert="insert into public.emergency_org (emergency_id, org_unit_id, name) values (%(emergency)s, %(grid)s, '临时党支部')",
        update_set="name = '小区临时党支部'",
        move="update public.emergency_org set org_unit_id = %(unit)s where id = %(id)s",
    )


SPEC = _spec(None)
MATRIX = PART_MATRIX
MATRIX_DISTRICT = PART_MATRIX_DISTRICT

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_community_staff_cannot_move_an_organisation_out(conn):
    check_move_out(conn, SPEC, "community")

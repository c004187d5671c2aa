"""RLS matrix: a temporary organisation lies at its 小区; staff whose territory holds it read and
change it, the district only in the emergencies it declared; nobody deletes it, and it cannot be
moved to another 小区."""
from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.emergency.makers import at_place, new_emergency, org_key

IN_OUT = frozenset({"inside", "outside"})


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
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": NOTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}
MATRIX_DISTRICT = {**MATRIX, "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=NONE)}

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(_spec("district"), MATRIX_DISTRICT)


def test_community_staff_cannot_move_an_organisation_out(conn):
    check_move_out(conn, SPEC, "community")

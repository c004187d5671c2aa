"""RLS matrix: a temporary organisation lies at its 小区; staff whose territory holds it read and
change it; nobody deletes it, and it cannot be moved to another 小区."""
from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.emergency.makers import at_place, new_emergency, org_key

IN_OUT = frozenset({"inside", "outside"})


def _prepare(conn, unit):
    return {"emergency": new_emergency(conn, unit), "grid": unit} if at_place(conn, unit) else {"emergency": -1, "grid": -1}


SPEC = Spec(
    table="emergency_org",
    key="id = %(id)s",
    make=org_key,
    prepare=_prepare,
    insert="insert into public.emergency_org (emergency_id, org_unit_id, name) values (%(emergency)s, %(grid)s, '临时党支部')",
    update_set="name = '小区临时党支部'",
    move="update public.emergency_org set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=NONE),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def test_community_staff_cannot_move_an_organisation_out(conn):
    check_move_out(conn, SPEC, "community")

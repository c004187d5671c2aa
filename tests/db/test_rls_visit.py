"""RLS matrix: rounds (visits, patrols, campaign rounds) are read, logged and corrected by staff
whose territory holds them and by the district; nobody deletes one; department staff and anon see
none. Crafted moves out of the territory are refused."""
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out


def _make(conn, unit):
    return {"id": conn.execute(
        "insert into public.visit (kind, org_unit_id, place) values ('patrol', %s, '小区东门') returning id",
        (unit,)).fetchone()["id"]}


SPEC = Spec(
    table="visit",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.visit (kind, org_unit_id, place, people_met) values ('patrol', %(unit)s, '地下车库', '保安')",
    update_set="note = '补记：照明已修复'",
    move="update public.visit set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": TERRITORY,
    "community": TERRITORY,
    "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def test_grid_staff_cannot_move_a_round_out_of_their_grid(conn):
    check_move_out(conn, SPEC, "grid")

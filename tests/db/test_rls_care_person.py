"""RLS matrix: people to look after are read, entered and changed by staff whose territory holds
them and by the district; nobody deletes one (an entry is ended); department staff and anon see none.
Crafted moves out of the territory are refused."""
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out

CATEGORY = "(select id from public.care_category where code = 'elderly_alone')"


def _make(conn, unit):
    return {"id": conn.execute(
        f"insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked)"
        f" values (%s, {CATEGORY}, '王秀英', '王**') returning id", (unit,)).fetchone()["id"]}


SPEC = Spec(
    table="care_person",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"unit": unit},
    insert=f"insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked)"
           f" values (%(unit)s, {CATEGORY}, '李桂兰', '李**')",
    update_set="note = '已电话联系家属'",
    move="update public.care_person set org_unit_id = %(unit)s where id = %(id)s",
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


def test_grid_staff_cannot_move_a_person_out_of_their_grid(conn):
    check_move_out(conn, SPEC, "grid")


def test_community_staff_cannot_move_a_person_out_of_their_community(conn):
    check_move_out(conn, SPEC, "community")

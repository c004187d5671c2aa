"""RLS matrix: an emergency is seen by the declaring level and everyone below it, declared and ended
by the district or its own street; never deleted. Crafted: another street's staff see nothing of it."""
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.emergency.makers import declaring, new_emergency

SPEC = Spec(
    table="emergency",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": new_emergency(conn, unit)},
    prepare=lambda conn, unit: {"unit": declaring(conn, unit)},
    insert="insert into public.emergency (org_unit_id, name, kind) values (%(unit)s, '防汛应急', 'flood')",
    update_set="summary = '已部署'",
    move="update public.emergency set org_unit_id = %(unit)s where id = %(id)s",
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


def test_street_staff_cannot_move_an_emergency_to_another_street(conn):
    check_move_out(conn, SPEC, "street")


def test_staff_of_another_street_see_nothing_of_a_street_emergency(conn):
    act_as_owner(conn)
    other = new_emergency(conn, unit_id(conn, "新华街道"), "新华街道疫情防控")
    mine = new_emergency(conn, unit_id(conn, "长江路街道"), "长江路街道疫情防控")
    for role in ("street", "community", "grid"):
        act_as(conn, role)
        seen = {r["id"] for r in conn.execute("select id from public.emergency where id in (%s, %s)", (other, mine))}
        assert seen == {mine}, role
        act_as_owner(conn)

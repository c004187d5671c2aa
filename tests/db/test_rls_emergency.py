"""RLS matrix: an emergency is seen by the declaring level and everyone below it, never above:
a street's own emergency is hidden from the district, and one the district declared over a street
is the district's to end. Declared by the district or its own street; never deleted. Crafted:
another street's staff see nothing of it."""
import pytest
from psycopg import errors as pgerr

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.emergency.makers import declaring, new_emergency


def _spec(level: str | None) -> Spec:
    return Spec(
        table="emergency",
        key="id = %(id)s",
        make=lambda conn, unit: {"id": new_emergency(conn, unit, level=level)},
        prepare=lambda conn, unit: {"unit": declaring(conn, unit)},
        insert="insert into public.emergency (org_unit_id, name, kind) values (%(unit)s, '防汛应急', 'flood')",
        update_set="summary = '已部署'",
        move="update public.emergency set org_unit_id = %(unit)s where id = %(id)s",
    )


ABOVE = frozenset({"above"})
# Each emergency declared by the level of the unit it covers: streets' own inside and outside,
# the district's over the whole district above.
SPEC = _spec(None)
MATRIX = {
    "district": dict(select=ABOVE, insert=ALL, update=ABOVE, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=NONE),
    "community": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}
# Every emergency declared by the district, over a street or the whole district.
SPEC_DISTRICT = _spec("district")
MATRIX_DISTRICT = {
    **MATRIX,
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=INSIDE, update=NONE, delete=NONE),
}

test_cell = cell_test(SPEC, MATRIX)
test_cell_declared_by_the_district = cell_test(SPEC_DISTRICT, MATRIX_DISTRICT)


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


def _declare(conn, role: str, unit: str) -> dict:
    act_as(conn, role)
    row = conn.execute("insert into public.emergency (org_unit_id, name, kind)"
                       " values (%s, '防汛应急', 'flood') returning id, declared_level",
                       (unit_id(conn, unit),)).fetchone()
    act_as_owner(conn)
    return row


def test_the_declaring_level_is_the_signed_in_staff_members(conn):
    assert _declare(conn, "street", "长江路街道")["declared_level"] == "street"
    assert _declare(conn, "district", "长江路街道")["declared_level"] == "district"


def test_staff_cannot_say_who_declared(conn):
    for role in ("street", "district"):
        act_as(conn, role)
        with pytest.raises(pgerr.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("insert into public.emergency (org_unit_id, name, kind, declared_level)"
                             " values (%s, '防汛应急', 'flood', 'district')", (unit_id(conn, "长江路街道"),))
        act_as_owner(conn)


def test_a_street_emergency_is_hidden_from_the_district_and_a_district_one_is_not(conn):
    street = _declare(conn, "street", "长江路街道")["id"]
    district = _declare(conn, "district", "长江路街道")["id"]
    act_as(conn, "district")
    seen = {r["id"] for r in conn.execute("select id from public.emergency where id in (%s, %s)", (street, district))}
    assert seen == {district}
    act_as(conn, "street")
    seen = {r["id"] for r in conn.execute("select id from public.emergency where id in (%s, %s)", (street, district))}
    assert seen == {street, district}
    act_as_owner(conn)


def test_nobody_changes_who_declared_an_emergency(conn):
    emergency = _declare(conn, "district", "长江路街道")["id"]
    act_as(conn, "district")
    with pytest.raises(pgerr.InsufficientPrivilege):
        with conn.transaction():
            conn.execute("update public.emergency set declared_level = 'street' where id = %s", (emergency,))
    act_as_owner(conn)
    with pytest.raises(pgerr.RaiseException, match="emergency.place_fixed"):
        with conn.transaction():
            conn.execute("update public.emergency set declared_level = 'street' where id = %s", (emergency,))


def test_a_street_level_declaration_covers_a_street_only(conn):
    act_as_owner(conn)
    with pytest.raises(pgerr.RaiseException, match="emergency.bad_place"):
        with conn.transaction():
            new_emergency(conn, unit_id(conn, "滨江区"), level="street")

"""RLS matrix: demands are read and written only inside the staff member's own territory."""
import pytest

from tests.db.rls import EVERYTHING, INSIDE, NOTHING, Spec, category_id, cell_test, check_move_out, new_demand

SPEC = Spec(
    table="demand",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": new_demand(conn, unit)},
    prepare=lambda conn, unit: {"unit": unit, "category": category_id(conn)},
    insert="insert into public.demand (org_unit_id, category_id, title) values (%(unit)s, %(category)s, '新需求')",
    update_set="title = title || '（更新）'",
    move="update public.demand set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": EVERYTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_a_demand_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)


def test_forged_territory_columns_are_recomputed(conn):
    from tests.conftest import act_as, act_as_owner, unit_id
    inside, outside = unit_id(conn, "丽水社区第一网格"), unit_id(conn, "新华里社区第一网格")
    outside_terr = conn.execute("select terr from public.org_unit where id = %s", (outside,)).fetchone()["terr"]
    act_as(conn, "grid")
    row = conn.execute(
        "insert into public.demand (org_unit_id, category_id, title, terr, street_id, grid_id)"
        " values (%s, %s, '伪造辖区', %s, %s, %s) returning terr, grid_id",
        (inside, category_id(conn), outside_terr, outside, outside)).fetchone()
    act_as_owner(conn)
    assert row["grid_id"] == inside and row["terr"] != outside_terr

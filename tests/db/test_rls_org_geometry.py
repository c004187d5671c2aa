"""RLS matrix: staff read the map of their territory and the outlines of the units above it (a
grid worker sees their grid, their community's and street's boundary, not the next grid); the
district reads the whole map; only the system administrator draws it (三权分立); department staff
and anon read nothing."""
import json

import pytest
from psycopg import errors

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import (ALL, INSIDE_ABOVE, NONE, NOTHING, READ_ONLY, SYSTEM_KEEPS_ALONE, Spec, admin_cell_test,
                          cell_test)

SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[114.3, 30.5], [114.31, 30.5], [114.31, 30.51],
                                                          [114.3, 30.51], [114.3, 30.5]]]})


def _make(conn, unit):
    conn.execute("""insert into public.org_geometry (org_unit_id, geom, source) values (%s, %s::jsonb, 'matrix')
                    on conflict (org_unit_id) do update set source = 'matrix'""", (unit, SQUARE))
    return {"unit": unit}


def _prepare(conn, unit):
    conn.execute("delete from public.org_geometry where org_unit_id = %s", (unit,))
    return {"unit": unit, "geom": SQUARE}


SPEC = Spec(
    table="org_geometry",
    key="org_unit_id = %(unit)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.org_geometry (org_unit_id, geom) values (%(unit)s, %(geom)s::jsonb)",
    update_set="source = 'changed'",
)
TERRITORY_AND_ABOVE = dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": READ_ONLY,
    "street": TERRITORY_AND_ABOVE,
    "community": TERRITORY_AND_ABOVE,
    "grid": TERRITORY_AND_ABOVE,
    "department": NOTHING,
    "anon": NOTHING,
}
ADMIN_MATRIX = SYSTEM_KEEPS_ALONE
assert MATRIX["district"]["select"] == ALL

test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)


def test_the_demo_district_is_on_the_map(conn):
    kinds = conn.execute("""select o.kind, count(*) as n from public.org_unit o
                            join public.org_geometry g on g.org_unit_id = o.id group by o.kind""").fetchall()
    assert {r["kind"]: r["n"] for r in kinds} == {"district": 1, "street": 4, "community": 16, "grid": 80,
                                                  "building": 240}


def test_the_box_is_computed_and_cannot_be_forged(conn):
    grid = unit_id(conn, "丽水社区第一网格")
    conn.execute("update public.org_geometry set geom = %s::jsonb, min_lon = 0, max_lat = 0 where org_unit_id = %s",
                 (SQUARE, grid))
    box = conn.execute("select min_lon, min_lat, max_lon, max_lat from public.org_geometry where org_unit_id = %s",
                       (grid,)).fetchone()
    assert (box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"]) == (114.3, 30.5, 114.31, 30.51)
    act_as(conn, "system")
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("update public.org_geometry set min_lon = 1 where org_unit_id = %s", (grid,))


@pytest.mark.parametrize("geom, key", [
    ({"type": "Polygon", "coordinates": [[[500000, 3380000], [501000, 3380000], [501000, 3381000], [500000, 3380000]]]},
     "geo.projected"),
    ({"type": "Point", "coordinates": [114.3, 30.5]}, "geo.wrong_type"),
    ({"type": "Polygon", "coordinates": [[["a", 1], [2, 3], [4, 5], ["a", 1]]]}, "geo.invalid.bad_position"),
])
def test_the_database_refuses_what_it_can_judge_alone(conn, geom, key):
    act_as_owner(conn)
    grid = unit_id(conn, "丽水社区第一网格")
    with pytest.raises(errors.CheckViolation, match=key), conn.transaction():
        conn.execute("update public.org_geometry set geom = %s::jsonb where org_unit_id = %s", (json.dumps(geom), grid))


def test_a_grid_worker_cannot_read_the_next_grid_even_by_joining(conn):
    act_as(conn, "grid")
    rows = conn.execute("""select o.name from public.org_geometry g join public.org_unit o on o.id = g.org_unit_id
                           where o.kind = 'grid'""").fetchall()
    assert [r["name"] for r in rows] == ["丽水社区第一网格"]

"""RLS matrix: every staff member reads the org tree (names of streets, communities and grids are
public administrative facts); only the system administrator changes it (三权分立); anon reads nothing."""
import uuid

import pytest

from tests.db.rls import SETTINGS_MATRIX, SYSTEM_KEEPS, Spec, admin_cell_test, cell_test


def _building(conn, unit):
    """A building under the place's grid (or under the first grid below a wider place)."""
    grid = conn.execute("select id from public.org_unit where kind = 'grid' and terr between"
                        " (select terr from public.org_unit where id = %s) and (select terr_hi from public.org_unit"
                        " where id = %s) order by terr limit 1", (unit, unit)).fetchone()["id"]
    return {"grid": grid, "code": "T" + uuid.uuid4().hex[:10]}


def _make(conn, unit):
    key = _building(conn, unit)
    key["id"] = conn.execute("insert into public.org_unit (parent_id, kind, name, code) values"
                             " (%(grid)s, 'building', '测试楼', %(code)s) returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="org_unit",
    key="id = %(id)s",
    make=_make,
    prepare=_building,
    insert="insert into public.org_unit (parent_id, kind, name, code) values (%(grid)s, 'building', '新楼', %(code)s)",
    update_set="name = name || '（更名）'",
)
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = SYSTEM_KEEPS


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)


def test_units_get_nested_territory_codes(conn):
    rows = conn.execute("select kind, terr, terr_hi from public.org_unit where name in"
                        " ('滨江区', '长江路街道', '丽水社区', '丽水社区第一网格') order by terr, terr_hi desc").fetchall()
    assert [r["kind"] for r in rows] == ["district", "street", "community", "grid"]
    for outer, inner in zip(rows, rows[1:]):
        assert outer["terr"] <= inner["terr"] and inner["terr_hi"] <= outer["terr_hi"]


def test_the_tree_cannot_be_rearranged(conn):
    from psycopg import errors
    grid = conn.execute("select id from public.org_unit where name = '丽水社区第一网格'").fetchone()["id"]
    other = conn.execute("select id from public.org_unit where name = '江滩社区'").fetchone()["id"]
    with pytest.raises(errors.CheckViolation, match="org_unit.immutable"), conn.transaction():
        conn.execute("update public.org_unit set parent_id = %s where id = %s", (other, grid))


def test_a_grid_cannot_sit_under_a_street(conn):
    from psycopg import errors
    street = conn.execute("select id from public.org_unit where name = '长江路街道'").fetchone()["id"]
    with pytest.raises(errors.CheckViolation, match="org_unit.bad_parent"), conn.transaction():
        conn.execute("insert into public.org_unit (parent_id, kind, name, code) values (%s, 'grid', '错层网格', 'BAD1')",
                     (street,))

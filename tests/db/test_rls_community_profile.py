"""RLS matrix: communities' needs profiles (population, old estates) are read by every staff
member and kept by the district."""
from tests.db.rls import REFERENCE_MATRIX, Spec, cell_test


def _clear(conn, unit):
    conn.execute("delete from public.community_profile where community_id = %s", (unit,))
    return {"id": unit}


def _make(conn, unit):
    _clear(conn, unit)
    conn.execute("insert into public.community_profile (community_id, population, old_estates) values (%s, 8000, 2)",
                 (unit,))
    return {"id": unit}


SPEC = Spec(
    table="community_profile",
    key="community_id = %(id)s",
    make=_make,
    prepare=_clear,
    insert="insert into public.community_profile (community_id, population, old_estates) values (%(id)s, 9000, 1)",
    update_set="population = population + 1",
)
MATRIX = REFERENCE_MATRIX

test_cell = cell_test(SPEC, MATRIX)

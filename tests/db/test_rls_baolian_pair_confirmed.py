"""RLS matrix of confirmed 包联 pairs: besides the territory's own reads (test_rls_baolian_pair), a
grid reads the confirmed pairs of its community (the units its whistle may summon). A confirmed
pair is final, so not even the district removes it. The crafted read of another community's pair
by a grid is in tests/levers/test_baolian_whistle.py."""
from tests.db.rls import ALL, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.levers.makers import a_community, baolian_unit, confirmed_pair

SPEC = Spec(
    table="baolian_pair",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": confirmed_pair(conn, baolian_unit(conn, unit), a_community(conn, unit))},
    prepare=lambda conn, unit: {"bu": baolian_unit(conn, unit), "unit": a_community(conn, unit)},
    insert="insert into public.baolian_pair (baolian_unit_id, org_unit_id, score) values (%(bu)s, %(unit)s, 50)",
    update_set="score = score + 1",
)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "community": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)

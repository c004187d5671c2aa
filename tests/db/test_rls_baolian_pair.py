"""RLS matrix: 包联 pairs are read inside the territory and proposed, adjusted and removed by the
district. Pairs exist only at communities: a grid place stands for its community, a place above
communities for its first community (so a community's "above" is its own pairs)."""
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.levers.makers import a_community, baolian_unit

READ_ALL = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)


def _make(conn, unit):
    return {"id": conn.execute("insert into public.baolian_pair (baolian_unit_id, org_unit_id) values (%s, %s)"
                               " returning id", (baolian_unit(conn, unit), a_community(conn, unit))).fetchone()["id"]}


SPEC = Spec(
    table="baolian_pair",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"bu": baolian_unit(conn, unit), "unit": a_community(conn, unit)},
    insert="insert into public.baolian_pair (baolian_unit_id, org_unit_id, score) values (%(bu)s, %(unit)s, 50)",
    update_set="score = score + 1",
)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=ALL),
    "street": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "community": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "grid": NOTHING,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)

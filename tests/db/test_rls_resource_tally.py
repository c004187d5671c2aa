"""RLS matrix: the resource tally is read exactly like the resources it sums (inside the territory
and from the units above), and written by nobody but the triggers on resource."""

from tests.db.rls import ALL, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, new_resource


def _tally_row(conn, unit: int) -> dict:
    """As owner: a resource at `unit`; the tally row it added is the row the cell works on."""
    resource = new_resource(conn, unit)
    return conn.execute("""select t.id from public.resource_tally t join public.resource r
                           on t.terr = r.terr and t.kind = r.kind and t.status = r.status
                           where r.id = %s order by t.id desc limit 1""", (resource,)).fetchone()


SPEC = Spec(
    table="resource_tally",
    key="id = %(id)s",
    make=_tally_row,
    prepare=lambda conn, unit: {"terr": conn.execute("select terr from public.org_unit where id = %s",
                                                     (unit,)).fetchone()["terr"]},
    insert="insert into public.resource_tally (terr, kind, status, n) values (%(terr)s, 'venue', 'forged', 1)",
    update_set="n = n + 1",
)
READ_ONLY = dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

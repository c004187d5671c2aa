"""RLS matrix: the resource tally is read exactly like the resources it sums (inside the territory
and from the units above), and written by nobody but the triggers on resource."""

from tests.db.rls import INSIDE_ABOVE, Spec, cell_test, new_resource, tally_matrix, unit_terr


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
    prepare=unit_terr,
    insert="insert into public.resource_tally (terr, kind, status, n) values (%(terr)s, 'venue', 'forged', 1)",
    update_set="n = n + 1",
)
MATRIX = tally_matrix(INSIDE_ABOVE)


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the demand count tally is read exactly like the demands it sums, and written by nobody
but the triggers on demand."""

from tests.db.rls import INSIDE, Spec, cell_test, new_demand, tally_matrix, unit_terr


def _tally_row(conn, unit: int) -> dict:
    """As owner: a demand at `unit`; the delta row it added is the row the cell works on."""
    demand = new_demand(conn, unit)
    return conn.execute("""select t.id from public.demand_count_tally t join public.demand d on d.terr = t.terr
                           where d.id = %s order by t.id desc limit 1""", (demand,)).fetchone()


SPEC = Spec(
    table="demand_count_tally",
    key="id = %(id)s",
    make=_tally_row,
    prepare=unit_terr,
    insert="insert into public.demand_count_tally (terr, n) values (%(terr)s, 1)",
    update_set="n = n + 1",
)
MATRIX = tally_matrix(INSIDE)


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the demand tally is read exactly like the demands it sums, and written by nobody but
the triggers on demand."""

from tests.db.rls import INSIDE, Spec, category_id, cell_test, new_demand, tally_matrix, unit_terr


def _tally_row(conn, unit: int) -> dict:
    """As owner: a demand at `unit`; the tally row it added is the row the cell works on."""
    demand = new_demand(conn, unit)
    return conn.execute("""select t.id from public.demand_tally t join public.demand d
                           on t.terr = d.terr and t.category_id = d.category_id
                          and t.day = (d.created_at at time zone 'Asia/Shanghai')::date
                           where d.id = %s order by t.id desc limit 1""", (demand,)).fetchone()


SPEC = Spec(
    table="demand_tally",
    key="id = %(id)s",
    make=_tally_row,
    prepare=lambda conn, unit: {**unit_terr(conn, unit), "category": category_id(conn)},
    insert="insert into public.demand_tally (terr, category_id, day, created_n)"
           " values (%(terr)s, %(category)s, '2000-01-01', 1)",
    update_set="created_n = created_n + 1",
)
MATRIX = tally_matrix(INSIDE)


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the close tally (the dashboard's median time to close) is read exactly like the demands
it counts, and written by nobody but the triggers on demand."""

from tests.db.rls import INSIDE, Spec, cell_test, new_demand, tally_matrix, unit_terr


def _tally_row(conn, unit: int) -> dict:
    """As owner: a demand at `unit` taken to done; the delta row its close added is the row the cell
    works on."""
    demand = new_demand(conn, unit)
    conn.execute("update public.demand set status = 'in_progress' where id = %s", (demand,))
    conn.execute("update public.demand set status = 'done' where id = %s", (demand,))
    return conn.execute("""select t.id from public.demand_close_tally t join public.demand d on d.terr = t.terr
                           where d.id = %s order by t.id desc limit 1""", (demand,)).fetchone()


SPEC = Spec(
    table="demand_close_tally",
    key="id = %(id)s",
    make=_tally_row,
    prepare=unit_terr,
    insert="insert into public.demand_close_tally (terr, day, days, n) values (%(terr)s, current_date, 0, 1)",
    update_set="n = n + 1",
)
MATRIX = tally_matrix(INSIDE)


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the 五议 history is read like its item and written by the database alone."""
from tests.db.rls import INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.deliberation.makers import at, new_item, placeable

IN_OUT = frozenset({"inside", "outside"})
READ = dict(insert=NONE, update=NONE, delete=NONE)


def _make(conn, unit):
    item = new_item(conn, unit, "accepted")
    return {"id": conn.execute("select max(id) as id from public.deliberation_step where deliberation_id = %s",
                               (item,)).fetchone()["id"], "item": item}


SPEC = Spec(
    table="deliberation_step",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, _make),
    prepare=lambda conn, unit: {"item": new_item(conn, unit) if placeable(conn, unit) else -1},
    insert="insert into public.deliberation_step (deliberation_id, status, note) values (%(item)s, 'approved', '伪造')",
    update_set="note = '改写'",
)
MATRIX = {
    "district": dict(select=IN_OUT, **READ),
    "street": dict(select=INSIDE, **READ),
    "community": dict(select=INSIDE, **READ),
    "grid": dict(select=INSIDE_ABOVE, **READ),
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: 五议 items are read in their territory and by the grids of their community, proposed
and moved by community staff of their territory; street and district staff read; nobody deletes;
anon reaches nothing (the public vote goes through private.deliberation_ballot)."""
from tests.db.rls import INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.deliberation.makers import at, new_item

IN_OUT = frozenset({"inside", "outside"})
READ = dict(insert=NONE, update=NONE, delete=NONE)
SPEC = Spec(
    table="deliberation",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, lambda c, u: {"id": new_item(c, u)}),
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.deliberation (org_unit_id, title, proposer_kind, proposer)"
           " values (%(unit)s, '小区停车改造', 'party', '社区党委')",
    update_set="title = '小区停车改造（修订）'",
    move="update public.deliberation set org_unit_id = %(unit)s where id = %(id)s",
)
MATRIX = {
    "district": dict(select=IN_OUT, **READ),
    "street": dict(select=INSIDE, **READ),
    "community": dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE),
    "grid": dict(select=INSIDE_ABOVE, **READ),
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_community_staff_cannot_move_an_item_out_of_the_territory(conn):
    check_move_out(conn, SPEC, "community")

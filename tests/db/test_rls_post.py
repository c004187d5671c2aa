"""RLS matrix: posts are read inside their territory and by the grids of their community, changed
inside the territory; anon reads and changes nothing (the public page lists open posts itself)."""
import datetime as dt

import pytest

from tests.db.rls import INSIDE, INSIDE_ABOVE, NOTHING, Spec, cell_test, check_move_out
from tests.volunteers.makers import at, new_post

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="post",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_post),
    prepare=lambda conn, unit: {"unit": unit, "start": dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)},
    insert="insert into public.post (org_unit_id, kind, title, starts_at, ends_at, capacity)"
           " values (%(unit)s, 'activity', '义诊', %(start)s, %(start)s + interval '2 hours', 10)",
    update_set="place = '社区活动室'",
    move="update public.post set org_unit_id = %(unit)s where id = %(id)s",
)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=IN_OUT),
    "street": dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE),
    "community": dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE),
    "grid": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=INSIDE),
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_a_post_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

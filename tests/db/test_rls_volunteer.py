"""RLS matrix: volunteers are read inside their territory and by the grids of their community,
changed only inside the territory; anon cannot insert one directly (only an application)."""
import pytest

from tests.db.rls import INSIDE, INSIDE_ABOVE, NOTHING, Spec, cell_test, check_move_out
from tests.personal import sealed
from tests.volunteers.makers import at, new_volunteer, phone

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="volunteer",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_volunteer),
    prepare=lambda conn, unit: {"unit": unit, **sealed(phone())},
    insert="insert into public.volunteer (org_unit_id, name, phone_enc, phone_bidx, phone_masked)"
           " values (%(unit)s, '陈静', %(phone_enc)s, %(phone_bidx)s, %(phone_masked)s)",
    update_set="workplace = '区人民医院'",
    move="update public.volunteer set org_unit_id = %(unit)s where id = %(id)s",
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
def test_cannot_move_a_volunteer_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

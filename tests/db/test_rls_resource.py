"""RLS matrix: a resource is visible inside the area it serves (so wider-area resources are seen
below), but editable only inside its owner's territory."""
import pytest

from tests.db.rls import (EVERYTHING, INSIDE, INSIDE_ABOVE, NOTHING, Spec, category_id, cell_test,
                          check_move_out, new_resource)

SPEC = Spec(
    table="resource",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": new_resource(conn, unit)},
    prepare=lambda conn, unit: {"unit": unit, "category": category_id(conn)},
    insert="insert into public.resource (org_unit_id, kind, category_id, name, provider)"
           " values (%(unit)s, 'venue', %(category)s, '活动室', '社区')",
    update_set="name = name || '（更新）'",
    move="update public.resource set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": EVERYTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_a_resource_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

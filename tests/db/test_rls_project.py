"""RLS matrix: projects, like resources, are seen inside the area they serve and edited by their owner's territory."""
import pytest

from tests.db.rls import (EVERYTHING, INSIDE, INSIDE_ABOVE, NOTHING, Spec, cell_test, check_move_out,
                          new_project)

SPEC = Spec(
    table="project",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": new_project(conn, unit)},
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.project (org_unit_id, kind, name) values (%(unit)s, 'secretary', '书记项目')",
    update_set="progress = 50",
    move="update public.project set org_unit_id = %(unit)s where id = %(id)s",
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
def test_cannot_move_a_project_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

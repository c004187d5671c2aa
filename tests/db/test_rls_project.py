"""RLS matrix: projects, like resources, are seen inside the area they serve and edited by their owner's territory."""
import pytest

from tests.db.rls import (ALL, INSIDE, INSIDE_ABOVE, NONE, Spec, check_cell, check_move_out, matrix_cases,
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
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=ALL),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": dict(select=NONE, insert=NONE, update=NONE, delete=NONE),
    "anon": dict(select=NONE, insert=NONE, update=NONE, delete=NONE),
}


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_a_project_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

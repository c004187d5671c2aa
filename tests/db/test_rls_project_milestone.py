"""RLS matrix: a project's milestones follow the project."""
import pytest

from tests.db.rls import (ALL, INSIDE, INSIDE_ABOVE, NONE, Spec, check_cell, check_move_out, matrix_cases,
                          new_project)


def _make(conn, unit):
    project = new_project(conn, unit)
    row = conn.execute("insert into public.project_milestone (project_id, title) values (%s, '立项') returning id",
                       (project,)).fetchone()
    return {"id": row["id"]}


SPEC = Spec(
    table="project_milestone",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"project": new_project(conn, unit)},
    insert="insert into public.project_milestone (project_id, title) values (%(project)s, '验收')",
    update_set="title = '方案公示'",
    move="update public.project_milestone set project_id = (select id from public.project where org_unit_id = %(unit)s"
         " order by id desc limit 1) where id = %(id)s",
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


def test_cannot_move_a_milestone_to_a_project_outside(conn):
    from tests.conftest import unit_id
    new_project(conn, unit_id(conn, "丽水社区第二网格"))
    check_move_out(conn, SPEC, "grid")

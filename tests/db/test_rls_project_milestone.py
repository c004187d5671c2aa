"""RLS matrix: a project's milestones follow the project."""

from tests.db.rls import (EVERYTHING, INSIDE, INSIDE_ABOVE, NOTHING, Spec, cell_test, check_move_out,
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
    "district": EVERYTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_cannot_move_a_milestone_to_a_project_outside(conn):
    from tests.conftest import unit_id
    new_project(conn, unit_id(conn, "丽水社区第二网格"))
    check_move_out(conn, SPEC, "grid")

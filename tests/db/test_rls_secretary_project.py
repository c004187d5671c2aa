"""RLS matrix: secretary projects (书记项目) are read inside the territory and by the levels below;
claimed and changed by their own unit only (the guard refuses the level above's edits: its moves are
the review, tests/levers/test_secretary_machine.py); withdrawn only with their project. A grid place
stands for its community's claim."""
import pytest

from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.levers.makers import level_unit, secretary_project

ABOVE = frozenset({"above"})


def _prepare(conn, unit):
    at = level_unit(conn, unit)
    project = conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'secretary', '认领测试')"
                           " returning id", (at,)).fetchone()["id"]
    return {"project": project, "unit": at}


SPEC = Spec(
    table="secretary_project",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": secretary_project(conn, unit)},
    prepare=_prepare,
    insert="insert into public.secretary_project (project_id, org_unit_id, secretary, goal, targets, deadline)"
           " values (%(project)s, %(unit)s, '测试书记', '目标', '指标', current_date + 30)",
    update_set="goal = '调整后的目标'",
    move="update public.secretary_project set org_unit_id = %(unit)s where id = %(id)s",
)
MATRIX = {
    "district": dict(select=ALL, insert=ABOVE, update=ABOVE, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "community": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["community"])
def test_cannot_move_a_claim_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

"""RLS matrix: a project's demand links follow the project; only visible demands can be linked."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import (EVERYTHING, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, new_demand,
                          new_project)


def _make(conn, unit):
    key = {"project": new_project(conn, unit), "demand": new_demand(conn, unit)}
    conn.execute("insert into public.project_demand (project_id, demand_id) values (%(project)s, %(demand)s)", key)
    return key


SPEC = Spec(
    table="project_demand",
    key="project_id = %(project)s and demand_id = %(demand)s",
    make=_make,
    prepare=lambda conn, unit: {"project": new_project(conn, unit), "demand": new_demand(conn, unit)},
    insert="insert into public.project_demand (project_id, demand_id) values (%(project)s, %(demand)s)",
    update_set="demand_id = demand_id",
)
MATRIX = {
    "district": EVERYTHING,
    **{role: dict(select=INSIDE_ABOVE, insert=INSIDE, update=NONE, delete=INSIDE)
       for role in ("street", "community", "grid")},
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_cannot_link_a_demand_of_another_grid(conn):
    from psycopg import errors
    project = new_project(conn, unit_id(conn, "丽水社区第一网格"))
    foreign = new_demand(conn, unit_id(conn, "丽水社区第二网格"))
    act_as(conn, "grid")
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.project_demand (project_id, demand_id) values (%s, %s)", (project, foreign))
    act_as_owner(conn)

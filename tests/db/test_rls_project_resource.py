"""RLS matrix: a project's resource links follow the project; only visible resources can be linked."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import EVERYTHING, INSIDE, INSIDE_ABOVE, NOTHING, Spec, cell_test, new_project, new_resource


def _make(conn, unit):
    key = {"project": new_project(conn, unit), "resource": new_resource(conn, unit)}
    conn.execute("insert into public.project_resource (project_id, resource_id) values (%(project)s, %(resource)s)",
                 key)
    return key


SPEC = Spec(
    table="project_resource",
    key="project_id = %(project)s and resource_id = %(resource)s",
    make=_make,
    prepare=lambda conn, unit: {"project": new_project(conn, unit), "resource": new_resource(conn, unit)},
    insert="insert into public.project_resource (project_id, resource_id) values (%(project)s, %(resource)s)",
    update_set="quantity = quantity + 1",
)
TERRITORY = dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": EVERYTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_cannot_link_a_resource_it_cannot_see(conn):
    from psycopg import errors
    project = new_project(conn, unit_id(conn, "丽水社区第一网格"))
    foreign = new_resource(conn, unit_id(conn, "丽水社区第二网格"))
    act_as(conn, "grid")
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.project_resource (project_id, resource_id) values (%s, %s)",
                     (project, foreign))
    act_as_owner(conn)

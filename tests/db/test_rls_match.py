"""RLS matrix: a match is made by the demand's side with a resource it can see, and is visible to
both the demand's and the resource's side."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import EVERYTHING, INSIDE, NOTHING, Spec, cell_test, new_demand, new_resource


def _prepare(conn, unit):
    return {"demand": new_demand(conn, unit), "resource": new_resource(conn, unit)}


def _make(conn, unit):
    key = _prepare(conn, unit)
    key["id"] = conn.execute("insert into public.match (demand_id, resource_id) values (%(demand)s, %(resource)s)"
                             " returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="match",
    key="id = %(id)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.match (demand_id, resource_id) values (%(demand)s, %(resource)s)",
    update_set="quantity = 1",  # the score and reasons are fixed when the match is made
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": EVERYTHING,
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_cannot_match_own_demand_to_a_resource_of_another_grid(conn):
    from psycopg import errors
    demand = new_demand(conn, unit_id(conn, "丽水社区第一网格"))
    foreign = new_resource(conn, unit_id(conn, "丽水社区第二网格"))
    act_as(conn, "grid")
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.match (demand_id, resource_id) values (%s, %s)", (demand, foreign))
    act_as_owner(conn)


def test_resource_side_sees_the_match_of_another_grid(conn):
    demand = new_demand(conn, unit_id(conn, "丽水社区第二网格"))
    resource = new_resource(conn, unit_id(conn, "丽水社区第一网格"))
    match = conn.execute("insert into public.match (demand_id, resource_id) values (%s, %s) returning id",
                         (demand, resource)).fetchone()["id"]
    act_as(conn, "grid")
    seen = conn.execute("select count(*) as n from public.match where id = %s", (match,)).fetchone()["n"]
    act_as_owner(conn)
    assert seen == 1

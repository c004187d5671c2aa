"""The demand list's newest page found by walking the created_at index (the planner's sort turned
off for that statement) when the territory holds enough of the table: the same rows in the same
order as the planner's own plan, for every role and page, and the walk chosen only where it reads
fewer rows than the territory holds."""
import pytest

from gongzhi.db import as_user, owner
from gongzhi.lists import queries
from gongzhi.lists.queries import ListFilters

ROLES = ("district", "street", "community", "grid")


def _pages(user, walk: bool, monkeypatch) -> list[list[int]]:
    monkeypatch.setattr(queries, "_walks", lambda *a: walk)
    return [[r["id"] for r in queries.list_page(user, "demand", ListFilters(), page=p, per_page=10).rows]
            for p in (1, 3, 7)]


@pytest.mark.parametrize("role", ROLES)
def test_the_walk_gives_the_planners_rows_in_its_order(users, role, monkeypatch):
    walked = _pages(users[role], True, monkeypatch)
    planned = _pages(users[role], False, monkeypatch)
    assert walked == planned and walked[0]


def test_the_walk_is_taken_where_the_territory_holds_enough_of_the_table(users):
    with owner() as conn:
        conn.execute("analyze public.demand")
    with as_user(users["street"].user_id) as conn:
        table = conn.execute("select reltuples::bigint as n from pg_class where oid = 'public.demand'::regclass").fetchone()["n"]
        assert table > 0
        street = queries.list_page(users["street"], "demand", ListFilters(), per_page=50).total
        assert queries._walks(conn, "demand", "created_at", street, 50)          # a street: a quarter of the table
        assert not queries._walks(conn, "demand", "created_at", 20, 50)         # a handful: read them and sort
        assert not queries._walks(conn, "demand", "title", street, 50)          # another order: no index to walk
        assert not queries._walks(conn, "resource", "created_at", street, 50)

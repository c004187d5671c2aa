"""A demand list filtered by territory alone says its total from the tally kept by triggers
(public.demand_count_tally): it must equal a count of the demands the user may read, for every
role and for each unit of the user's territory, exact and never estimated, also after demands are
added, moved and deleted."""
import pytest

from gongzhi.db import as_user, owner
from gongzhi.lists import queries
from gongzhi.lists.queries import ListFilters
from tests.conftest import DEMO_EMAILS
from tests.db.rls import category_id

ROLES = [role for role in DEMO_EMAILS if role != "department"]


def _counted(user, unit: int | None) -> int:
    with as_user(user.user_id) as conn:
        if unit is None:
            return conn.execute("select count(*) as n from public.demand").fetchone()["n"]
        return conn.execute("select count(*) as n from public.demand d join public.org_unit o on o.id = %s"
                            " where d.terr between o.terr and o.terr_hi", (unit,)).fetchone()["n"]


def _check(user) -> None:
    units = [None, *(u["id"] for u in queries.territory_options(user))]
    for unit in units:
        page = queries.list_page(user, "demand", ListFilters(org_unit_id=unit), per_page=10)
        assert (page.total, page.estimated) == (_counted(user, unit), False), (user.role, unit)


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_total_for_each_unit_is_the_count_it_may_read(users, role):
    _check(users[role])


def test_the_total_follows_demands_added_moved_and_deleted(users):
    with owner() as conn:
        grids = [r["id"] for r in conn.execute(
            "select g.id from public.org_unit g join public.org_unit s on s.id = g.street_id"
            " where g.kind = 'grid' and s.name = '长江路街道' order by g.terr limit 2")]
        ids = [conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '测试')"
                            " returning id", (grids[0], category_id(conn))).fetchone()["id"] for _ in range(3)]
        conn.execute("update public.demand set org_unit_id = %s where id = %s", (grids[1], ids[0]))
        conn.execute("delete from public.demand where id = %s", (ids[1],))
    _check(users["street"])
    _check(users["grid"])

"""The home's counting paths at scale give exactly what row-level security gives: the demand count
tally (kept by triggers on demand) sums to the demands each role may read, through inserts, moves
and deletes; and a card of a territory's staff that names its range itself (todo.RANGE_OR_SUMMONS)
counts exactly the rows its list shows under the policies alone."""
import datetime as dt

import pytest

from gongzhi import todo
from gongzhi.whistle import demo as whistle_demo
from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import PLACES, category_id

NOW = dt.datetime.now(dt.timezone.utc)
ROLES = ["district", "street", "community", "grid", "department"]


def _tallied(conn) -> dict[int, int]:
    return {r["terr"]: r["n"] for r in conn.execute(
        "select terr, sum(n)::int as n from public.demand_count_tally group by 1 having sum(n) <> 0")}


def _counted(conn) -> dict[int, int]:
    return {r["terr"]: r["n"] for r in conn.execute("select terr, count(*)::int as n from public.demand group by 1")}


def _as(conn, role, sql, params=None):
    act_as(conn, role)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        act_as_owner(conn)


def test_the_tally_follows_inserts_moves_and_deletes(conn):
    assert _tallied(conn) == _counted(conn) and _tallied(conn)
    inside, outside = (unit_id(conn, PLACES["grid"][p]) for p in ("inside", "outside"))
    added = [r["id"] for r in conn.execute(
        """insert into public.demand (org_unit_id, category_id, title)
           select %s, %s, '楼道灯不亮' from generate_series(1, 3) returning id""", (inside, category_id(conn)))]
    assert _tallied(conn) == _counted(conn)
    conn.execute("update public.demand set org_unit_id = %s where id = any(%s)", (outside, added[:2]))
    conn.execute("update public.demand set title = '楼道灯不亮了' where id = any(%s)", (added,))  # no move: no change
    assert _tallied(conn) == _counted(conn)
    conn.execute("delete from public.demand where id = any(%s)", (added,))
    assert _tallied(conn) == _counted(conn)


def test_compaction_folds_the_deltas_and_keeps_the_sums(conn):
    # A territory code whose only demand came and went: its deltas fold to nothing.
    lone = conn.execute("""insert into public.demand (org_unit_id, category_id, title)
                           values (%s, %s, '独居老人助浴') returning terr""",
                        (unit_id(conn, "丽水社区"), category_id(conn))).fetchone()["terr"]
    conn.execute("delete from public.demand where terr = %s", (lone,))
    conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '代购药品')",
                 (unit_id(conn, PLACES["grid"]["inside"]), category_id(conn)))
    rows = conn.execute("select count(*) as n from public.demand_count_tally").fetchone()["n"]
    conn.execute("select private.compact_demand_count_tally()")
    assert _tallied(conn) == _counted(conn)
    codes = conn.execute("select count(*) as n, count(distinct terr) as terrs, count(*) filter (where n = 0) as zero,"
                         " count(*) filter (where terr = %s) as lone from public.demand_count_tally", (lone,)).fetchone()
    assert codes["n"] == codes["terrs"] == len(_counted(conn)) < rows
    assert codes["zero"] == 0 and codes["lone"] == 0


def test_a_bulk_load_with_the_triggers_off_is_tallied_when_they_come_back(conn):
    conn.execute("alter table public.demand disable trigger user")
    conn.execute("""insert into public.demand (org_unit_id, street_id, community_id, grid_id, terr, category_id, title)
                    select id, street_id, community_id, grid_id, terr, %s, '批量导入' from public.org_unit
                    where kind = 'grid'""", (category_id(conn),))
    assert _tallied(conn) != _counted(conn)
    conn.execute("alter table public.demand enable trigger user")
    assert _tallied(conn) == _counted(conn)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sums_the_demands_it_may_read(conn, role):
    tally = "select coalesce(sum(n), 0)::bigint as n from public.demand_count_tally"
    count = "select count(*) as n from public.demand"
    before = _as(conn, role, count)["n"]
    assert _as(conn, role, tally)["n"] == before
    for place in ("inside", "outside"):   # a demand of the territory counts, one beside it does not
        conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '代购药品')",
                     (unit_id(conn, PLACES[role][place]), category_id(conn)))
    after = _as(conn, role, count)["n"]
    assert _as(conn, role, tally)["n"] == after
    assert after - before == {"district": 2, "department": 0}.get(role, 1)


@pytest.fixture
def events(conn):
    act_as_owner(conn)
    whistle_demo.add_events(conn, 400)
    # An open event of another street, summoned to the demo department: readable by the
    # department only; a street's, a community's or a grid's card must not count it.
    conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments)
                    values (%s, (select min(id) from public.category), '占道经营', '江滩路 1 号',
                            array[(select department_id from public.staff s join auth.users u on u.id = s.user_id
                                   where u.email = 'bumen@demo.gongzhi.cn')])""",
                 (unit_id(conn, "新华里社区第一网格"),))


@pytest.mark.parametrize("role", ROLES)
def test_each_card_counts_what_its_predicate_reads_under_the_policies_alone(conn, events, role):
    act_as(conn, role)
    counted = {c.card.key: c.total for c in todo.counts_on(conn, role, NOW, None)}
    params = todo.params(NOW)
    listed = {c.key: conn.execute(f"select count(*) as n from {c.rows} where {c.where}", params).fetchone()["n"]
              for c in todo.cards_for(role)}
    act_as_owner(conn)
    assert counted == listed
    if role in ("street", "community", "grid"):
        assert any(listed[c.key] for c in todo.cards_for(role) if c.table == "event"), role

"""The median time to close read from `public.demand_close_tally` equals the exact percentile_cont over
the demands themselves (the query the dashboard ran before the tally, kept here as the reference),
for every leader's role and several periods, after the writes that move a demand in or out of the
histogram: inserts, closes (one by one and many in one statement), reopens, moves, re-dated closes
and deletes."""
import datetime as dt

import pytest

from gongzhi.dashboard import median, queries
from gongzhi.dashboard.periods import Period, period_for
from tests.conftest import act_as, act_as_owner, unit_id
from tests.dashboard.test_figures import LEADERS, identity, periods, today
from tests.db.rls import category_id

TZ = "Asia/Shanghai"

# gongzhi/dashboard/median.py before the tally: an exact percentile_cont over the demands closed done.
REFERENCE = f"""
select percentile_cont(0.5) within group (
         order by (closed_at at time zone '{TZ}')::date - (created_at at time zone '{TZ}')::date) as days
from public.demand
where status = 'done' and terr between %(lo)s and %(hi)s
  and closed_at >= %(s)s::date::timestamp at time zone '{TZ}'
  and closed_at < (%(e)s::date + 1)::timestamp at time zone '{TZ}'
"""

# The tally against a recount from the demands: every key's sum, as the owner.
TALLY_DRIFT = f"""
with t as (select terr, day, days, sum(n) as n from public.demand_close_tally group by 1, 2, 3 having sum(n) <> 0),
d as (select terr, (closed_at at time zone '{TZ}')::date as day,
             (closed_at at time zone '{TZ}')::date - (created_at at time zone '{TZ}')::date as days, count(*) as n
      from public.demand where status = 'done' and closed_at is not null group by 1, 2, 3)
select count(*) as n from t full join d using (terr, day, days) where t.n is distinct from d.n
"""


def _demand(conn, unit: int, created: dt.datetime) -> int:
    return conn.execute("insert into public.demand (org_unit_id, category_id, title, created_at)"
                        " values (%s, %s, '测试：楼道灯不亮', %s) returning id",
                        (unit, category_id(conn), created)).fetchone()["id"]


def _close(conn, ids: list[int], closed: dt.datetime | None = None) -> None:
    """One statement per step of the state machine, each over all `ids`."""
    conn.execute("update public.demand set status = 'in_progress' where id = any(%s) and status = 'new'", (ids,))
    conn.execute("update public.demand set status = 'done', closed_at = %s where id = any(%s)", (closed, ids))


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _periods(conn) -> list[Period]:
    now = periods(conn)
    return now + [p.previous() for p in now]


def _assert_same(conn, role: str, step: str) -> None:
    user = identity(conn, role)
    act_as(conn, role)
    scope = queries.resolve_scope(conn, user, None)
    checked = 0
    for period in _periods(conn):
        p = scope.params() | {"s": period.start, "e": period.end}
        want = conn.execute(REFERENCE, p).fetchone()["days"]
        got = conn.execute(median._MEDIAN, p).fetchone()["days"]
        assert got == want, (step, role, period)
        checked += want is not None
    assert checked, "no period had a closed demand to compare"
    act_as_owner(conn)


def _one_done_demand(conn, unit: int) -> int:
    """A done demand of the demo under `unit`'s territory that no other row refers to."""
    return conn.execute("""select d.id from public.demand d join public.org_unit o on o.id = %s
                           where d.status = 'done' and d.terr between o.terr and o.terr_hi
                             and not exists (select from public.match m where m.demand_id = d.id)
                           order by d.id limit 1""", (unit,)).fetchone()["id"]


@pytest.mark.parametrize("role", LEADERS)
def test_the_tallied_median_equals_percentile_cont_after_every_kind_of_write(conn, role):
    grid, other_street = unit_id(conn, "丽水社区第一网格"), unit_id(conn, "新华街道")
    now = today(conn)
    _assert_same(conn, role, "demo")

    new = [_demand(conn, grid, _at(now - dt.timedelta(days=k))) for k in (0, 3, 3, 8, 21, 40)]
    _assert_same(conn, role, "inserted, still open")
    _close(conn, new[:1])
    _close(conn, new[1:4], _at(now - dt.timedelta(days=1), 20))   # several in one statement
    _close(conn, new[4:], _at(now - dt.timedelta(days=35)))
    _assert_same(conn, role, "closed")

    reopened = _one_done_demand(conn, grid)
    conn.execute("update public.demand set status = 'in_progress' where id = %s", (reopened,))
    _assert_same(conn, role, "reopened")
    conn.execute("update public.demand set status = 'done' where id = %s", (reopened,))
    _assert_same(conn, role, "closed again today")

    conn.execute("update public.demand set org_unit_id = %s where id = any(%s)", (other_street, new[1:3]))
    _assert_same(conn, role, "moved out of the grid's street")
    conn.execute("update public.demand set closed_at = closed_at - interval '90 days' where id = %s", (new[3],))
    _assert_same(conn, role, "close re-dated into an earlier period")
    conn.execute("update public.demand set title = '测试：楼道灯已修好' where id = any(%s)", (new,))
    conn.execute("delete from public.demand where id = any(%s)", (new[3:],))
    _assert_same(conn, role, "deleted")

    assert conn.execute(TALLY_DRIFT).fetchone()["n"] == 0


def test_the_median_takes_the_mean_of_the_two_middle_values_and_none_for_no_demand(conn):
    """Known values on days with no other closes (1 January 2001): 1, 2, 4, 7 days → 3; one more → 4."""
    grid = unit_id(conn, "丽水社区第一网格")
    closed = _at(dt.date(2001, 1, 20))
    p = {"lo": 0, "hi": 2**62, "s": dt.date(2001, 1, 1), "e": dt.date(2001, 1, 31)}

    def both():
        return (conn.execute(median._MEDIAN, p).fetchone()["days"],
                conn.execute(REFERENCE, p).fetchone()["days"])

    assert both() == (None, None)
    ids = [_demand(conn, grid, closed - dt.timedelta(days=k)) for k in (7, 1, 4, 2)]
    _close(conn, ids, closed)
    assert both() == (3.0, 3.0)
    _close(conn, [_demand(conn, grid, closed - dt.timedelta(days=30))], closed)
    assert both() == (4.0, 4.0)
    conn.execute("update public.demand set status = 'in_progress' where id = any(%s)", (ids,))
    assert both() == (30.0, 30.0)


def test_compaction_folds_the_deltas_and_keeps_every_sum(conn):
    grid = unit_id(conn, "丽水社区第一网格")
    ids = [_demand(conn, grid, _at(today(conn) - dt.timedelta(days=2))) for _ in range(3)]
    _close(conn, ids)
    conn.execute("update public.demand set status = 'in_progress' where id = %s", (ids[0],))
    rows = conn.execute("select count(*) as n from public.demand_close_tally").fetchone()["n"]
    conn.execute("select private.compact_demand_close_tally()")
    assert conn.execute("select count(*) as n from public.demand_close_tally").fetchone()["n"] < rows
    assert conn.execute("select count(*) as n from public.demand_close_tally where n = 0").fetchone()["n"] == 0
    assert conn.execute(TALLY_DRIFT).fetchone()["n"] == 0


def test_the_dashboard_card_reads_the_tally(conn):
    """The card is the tally's median, rounded: a done demand only in the tally moves it."""
    user = identity(conn, "grid")
    act_as(conn, "grid")
    period = period_for("year", today(conn))
    before = {f.key: f for f in queries.load_in(conn, user, None, period).figures}["median_days_to_close"]
    act_as_owner(conn)
    terr = conn.execute("select terr from public.org_unit where id = %s",
                        (unit_id(conn, "丽水社区第一网格"),)).fetchone()["terr"]
    conn.execute("insert into public.demand_close_tally (terr, day, days, n) values (%s, %s, 999, 100000)",
                 (terr, today(conn)))
    act_as(conn, "grid")
    after = {f.key: f for f in queries.load_in(conn, user, None, period).figures}["median_days_to_close"]
    assert before.value != 999.0 and after.value == 999.0

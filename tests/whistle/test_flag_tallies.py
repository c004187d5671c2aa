"""The district-wide fake-fix flags read from tallies (migration `…_flag_tallies.sql`): the tallies
stay equal to a recount after every kind of change (whistle, close, score, a "not fixed", a move, a
withdrawn summons, a deleted event), `private.event_aggregate_flags` returns exactly what the rules
computed over the events as the caller give (every role, windows with partial days at both ends,
a scope), each kind appears and disappears live with its cause, and the board's pages, read kind
by kind through the index, are the ordered list of every flag cut into pages.
"""
import datetime as dt

import pytest
from psycopg import errors as pgerr

from gongzhi.whistle import flags
from tests.conftest import act_as, act_as_owner, unit_id
from tests.whistle.helpers import HOME_GRID, department_id
from tests.whistle.test_flags import OTHER_COMMUNITY, _category, _event, _now, _whistle_in, closed_event

# The two kinds as the fake-fix flags migration computed them, over the events as the caller sees them.
REFERENCE = """
select 'satisfaction_lags' as kind, s.department_id, null::bigint as community_id,
       jsonb_build_object('events', s.events, 'scored', s.scored, 'closure_rate', r.closure,
                          'satisfaction_rate', r.satisfaction) as detail
from (select ed.department_id, count(*) as events,
             count(*) filter (where e.closed_at is not null and ed.not_fixed = 0) as resolved,
             count(e.satisfaction) as scored, count(*) filter (where e.satisfaction >= 4) as satisfied
      from public.event_department ed join public.event e on e.id = ed.event_id
      where e.created_at > %(since)s and e.created_at <= %(now)s and e.terr between %(lo)s and %(hi)s
      group by ed.department_id) s
cross join lateral (select round(100.0 * s.resolved / s.events, 1) as closure,
                           round(100.0 * s.satisfied / nullif(s.scored, 0), 1) as satisfaction) r
where s.scored >= 10 and r.closure - r.satisfaction >= 20
union all
select 'whistle_rate', null, c.community_id,
       jsonb_build_object('events', c.events, 'grids', c.grids, 'days', %(days)s, 'expected', round(x.expected, 1),
                          'z', round((c.events - x.expected) / sqrt(x.expected), 1))
from private.community_whistle_counts(%(since)s, %(now)s, %(lo)s, %(hi)s) c
cross join lateral (select (c.district_events - c.events)::numeric
                           / nullif(c.district_grids - c.grids, 0) * c.grids as expected) x
where x.expected > 0 and abs(c.events - x.expected) >= 3 * sqrt(x.expected)
"""
TALLIES = ("select 'd' as t, day, terr as k, department_id as k2, events, resolved, scored, satisfied"
           " from private.event_department_tally where events > 0"
           " union all select 'c', day, community_id, null, events, null, null, null from private.event_community_tally"
           " order by 1, 2, 3, 4")


def _key(row) -> tuple:
    return row["kind"], row["department_id"], row["community_id"], repr(sorted(row["detail"].items()))


def _grids(conn, community: str) -> list[int]:
    return [r["id"] for r in conn.execute(
        "select g.id from public.org_unit g join public.org_unit c on c.id = g.community_id"
        " where c.name = %s and g.kind = 'grid' order by g.terr", (community,))]


@pytest.fixture
def churned(conn):
    """As the owner, in the test's transaction: a department lagging at the window's ends, a busy
    community, and every kind of change the tallies must follow."""
    now = _now(conn)
    home, repair = unit_id(conn, HOME_GRID), _category(conn)
    lagging = conn.execute("insert into public.department (code, name_zh, name_en) values ('tally_a', '测试部门甲',"
                           " 'Test A') returning id").fetchone()["id"]
    gongan = department_id(conn, "gongan")
    ends = [now - dt.timedelta(hours=1), now - dt.timedelta(days=89, hours=23), now - dt.timedelta(days=90, hours=1)]
    events = [closed_event(conn, grid=home, category=repair, address=f"统计测试 {i} 号", hours=0.5,
                           created=ends[i % 3] - dt.timedelta(minutes=i), departments=[lagging, gongan], satisfaction=2)
              for i in range(24)]
    _whistle_in(conn, OTHER_COMMUNITY, 40, [gongan], repair, now)
    conn.execute("update public.event set satisfaction = 5 where id = any(%s)", (events[:3],))
    conn.execute("update public.event_department set not_fixed = 1 where event_id = any(%s) and department_id = %s",
                 (events[3:6], gongan))
    elsewhere = _grids(conn, OTHER_COMMUNITY)[0]
    conn.execute("update public.event set org_unit_id = %s where id = any(%s)", (elsewhere, events[6:8]))
    conn.execute("delete from public.event_department where event_id = %s and department_id = %s", (events[8], gongan))
    conn.execute("delete from public.event where id = any(%s)", (events[9:11],))
    return {"now": now, "lagging": lagging, "events": events}


def test_the_tallies_stay_equal_to_a_recount_after_every_kind_of_change(conn, churned):
    kept = conn.execute(TALLIES).fetchall()
    conn.execute("select private.rebuild_flag_tallies()")
    assert conn.execute(TALLIES).fetchall() == kept
    assert any(r["k2"] == churned["lagging"] for r in kept)


@pytest.mark.parametrize("who", ["district", "street", "community", "grid", "department"])
@pytest.mark.parametrize("days", [1, 2, 90, 366])
def test_the_tallies_give_what_the_rules_give_over_the_events(conn, churned, who, days):
    now, kinds = churned["now"], set()
    for lo, hi in ((0, 9_999_999), _street_range(conn)):
        act_as(conn, who)
        params = {"now": now, "since": now - dt.timedelta(days=days), "days": days, "lo": lo, "hi": hi}
        expected = sorted(_key(r) for r in conn.execute(REFERENCE, params).fetchall())
        got = sorted(_key(r) for r in conn.execute(
            "select * from private.event_aggregate_flags(%(now)s, %(days)s, %(lo)s, %(hi)s)", params).fetchall())
        act_as_owner(conn)
        assert got == expected, (who, days, lo)
        kinds |= {k[0] for k in expected}
    if who == "district" and days == 90:  # not a comparison of two empty sets
        assert kinds == {"satisfaction_lags", "whistle_rate"}


def _street_range(conn) -> tuple[int, int]:
    row = conn.execute("select s.terr, s.terr_hi from public.org_unit s join public.org_unit c on c.street_id = s.id"
                       " where c.name = %s", (OTHER_COMMUNITY,)).fetchone()
    return row["terr"], row["terr_hi"]


def _aggregate(conn, who: str, now) -> list[dict]:
    act_as(conn, who)
    rows = conn.execute("select * from private.event_aggregate_flags(%s, 90)", (now,)).fetchall()
    act_as_owner(conn)
    return rows


def test_a_lagging_department_is_flagged_live_and_cleared_when_residents_are_satisfied(conn, churned):
    def lagging():
        return [r for r in _aggregate(conn, "district", churned["now"])
                if r["kind"] == "satisfaction_lags" and r["department_id"] == churned["lagging"]]
    assert lagging() and lagging()[0]["detail"]["satisfaction_rate"] < 30
    conn.execute("update public.event set satisfaction = 4 where id = any(%s)", (churned["events"],))
    assert lagging() == []


def test_a_busy_community_is_flagged_live_and_cleared_when_its_events_move_away(conn, churned):
    other = unit_id(conn, OTHER_COMMUNITY)

    def busy():
        return [r for r in _aggregate(conn, "district", churned["now"])
                if r["kind"] == "whistle_rate" and r["community_id"] == other]
    assert busy() and busy()[0]["detail"]["z"] >= 3
    home = unit_id(conn, HOME_GRID)
    conn.execute("update public.event set org_unit_id = %s where community_id = %s and address like '异常测试%%'",
                 (home, other))
    assert busy() == []


def test_the_board_pages_are_the_ordered_flags_cut_into_pages(conn, churned):
    now = churned["now"]
    act_as_owner(conn)
    flags.refresh_on(conn, now)
    act_as(conn, "district")
    every = conn.execute("select * from private.event_flags(%s, 90)", (now,)).fetchall()
    order = {k: i for i, k in enumerate(flags.KINDS)}
    expected = [(r["kind"], r["event_id"], r["department_id"], r["community_id"]) for r in sorted(
        every, key=lambda r: (order[r["kind"]], -(r["at"].timestamp() if r["at"] else float("-inf")),
                              r["event_id"] or 0, r["department_id"] or 0, r["community_id"] or 0))]
    size, seen, page = 7, [], 0
    while True:
        board = flags.board_on(conn, now, page=page, page_size=size)
        assert sum(board["counts"].values()) == len(expected)
        if not board["rows"]:
            break
        seen += [(r["kind"], r["event_id"], r["department_id"], r["community_id"]) for r in board["rows"]]
        page += 1
    assert seen == expected and len({k for k, *_ in seen}) >= 3
    only = flags.board_on(conn, now, kind="satisfaction_lags")
    assert [r["department_id"] for r in only["rows"]] == [d for k, _, d, _ in expected if k == "satisfaction_lags"]
    assert only["rows"][0]["department_zh"]
    act_as(conn, None)


def test_the_tallies_and_the_function_are_for_staff_only(conn):
    act_as(conn, None)
    with pytest.raises(pgerr.InsufficientPrivilege):
        conn.execute("select * from private.event_aggregate_flags(now(), 90)")


def test_a_bad_window_is_refused(conn):
    act_as(conn, "district")
    with pytest.raises(pgerr.RaiseException, match="flags.bad_window"):
        conn.execute("select * from private.event_aggregate_flags(now(), 367)")

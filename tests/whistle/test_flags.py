"""The fake-fix flags (真改了吗), read through private.event_flags as the caller: for each flag a case
that must raise it and one that must not, the territory limits, the scope, and the photos' seam.

Events are written as the owner through the real triggers, with times in the past (as the demo does),
in the test's rolled-back transaction; the stored flags are refreshed as the owner (the job's
private.refresh_event_flags) and the flags are read as demo staff.
"""
import datetime as dt

import pytest
from psycopg import errors as pgerr

from gongzhi.whistle import flags
from tests.conftest import act_as, act_as_owner, unit_id
from tests.whistle.helpers import HOME_GRID, department_id

OTHER_COMMUNITY = "翠柳社区"   # a demo community of another street than the demo accounts'


def _now(conn) -> dt.datetime:
    return conn.execute("select now() as t").fetchone()["t"]


def _category(conn, code: str = "repair") -> int:
    return conn.execute("select id from public.category where code = %s", (code,)).fetchone()["id"]


def _event(conn, grid: int, category: int, address: str, created: dt.datetime, departments: list[int]) -> int:
    return conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments, created_at)
                           values (%s, %s, '楼道灯不亮', %s, %s, %s) returning id""",
                        (grid, category, address, departments, created)).fetchone()["id"]


def closed_event(conn, *, grid: int, category: int, address: str, created: dt.datetime, hours: float,
                 departments: list[int], satisfaction: int = 5) -> int:
    """As the owner: an event whistled at `created` and moved through every step, closed `hours` later."""
    event = _event(conn, grid, category, address, created, departments)
    at = [created + dt.timedelta(hours=hours * k / 5) for k in range(1, 6)]
    conn.execute("update public.event_department set reported_at = %s where event_id = %s", (at[0], event))
    conn.execute("insert into public.event_consult (event_id, attendees, decision, created_at)"
                 " values (%s, '各方', '整改', %s)", (event, at[1]))
    conn.execute("update public.event set step = 'implement', step_at = %s, implement_note = '已整改' where id = %s",
                 (at[2], event))
    conn.execute("update public.event set step = 'feedback', step_at = %s, feedback_note = '已告知' where id = %s",
                 (at[3], event))
    conn.execute("update public.event set step = 'evaluate', step_at = %s, satisfaction = %s where id = %s",
                 (at[4], satisfaction, event))
    return event


def _flags(conn, who: str, now: dt.datetime, **scope) -> list[dict]:
    act_as_owner(conn)
    flags.refresh_on(conn, now)
    act_as(conn, who)
    rows = conn.execute("select * from private.event_flags(%(now)s, 90, %(lo)s, %(hi)s)",
                        {"now": now, "lo": scope.get("lo", 0), "hi": scope.get("hi", 9_999_999)}).fetchall()
    act_as_owner(conn)
    return rows


def _of(rows, kind: str) -> list[dict]:
    return [r for r in rows if r["kind"] == kind]


@pytest.fixture
def home(conn):
    return {"grid": unit_id(conn, HOME_GRID), "departments": [department_id(conn, "chengguan")],
            "category": _category(conn), "now": _now(conn)}


# ---------------------------------------------------------------- reported again within 30 days
def test_an_event_reported_again_at_the_same_address_within_30_days_is_flagged(conn, home):
    now, days = home["now"], dt.timedelta(days=1)
    fixed = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 3 号楼",
                         created=now - 20 * days, hours=48, departments=home["departments"])
    again = _event(conn, home["grid"], home["category"], "丽水花园3号楼", now - 5 * days, home["departments"])
    flagged = {r["event_id"]: r for r in _of(_flags(conn, "grid", now), "reported_again")}
    assert fixed in flagged and flagged[fixed]["detail"]["again_id"] == again
    assert 12 < flagged[fixed]["detail"]["days"] < 14
    text = flags.reason(flagged[fixed] | {"title": ""})
    assert f"#{again}" in text and "再次上报" in text


def test_a_later_report_or_another_kind_of_problem_at_the_address_is_not_flagged(conn, home):
    now, days = home["now"], dt.timedelta(days=1)
    late = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 8 号楼",
                        created=now - 80 * days, hours=48, departments=home["departments"])
    _event(conn, home["grid"], home["category"], "丽水花园 8 号楼", now - 40 * days, home["departments"])  # 38 days on
    other = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 9 号楼",
                         created=now - 20 * days, hours=48, departments=home["departments"])
    _event(conn, home["grid"], _category(conn, "safety"), "丽水花园 9 号楼", now - 10 * days, home["departments"])
    flagged = {r["event_id"] for r in _of(_flags(conn, "district", now), "reported_again")}
    assert late not in flagged and other not in flagged


# ---------------------------------------------------------------- far faster than the category's usual time
def _usual(conn, home, count: int = 10, hours: float = 48) -> None:
    for i in range(count):
        closed_event(conn, grid=home["grid"], category=home["category"], address=f"测试路 {i} 号",
                     created=home["now"] - dt.timedelta(days=30 + i), hours=hours, departments=home["departments"])


def test_an_event_closed_in_under_a_quarter_of_the_usual_time_is_flagged(conn, home):
    _usual(conn, home)
    quick = closed_event(conn, grid=home["grid"], category=home["category"], address="测试路 99 号",
                         created=home["now"] - dt.timedelta(days=3), hours=2, departments=home["departments"])
    flagged = {r["event_id"]: r for r in _of(_flags(conn, "community", home["now"]), "too_fast")}
    assert quick in flagged
    assert flagged[quick]["detail"]["hours"] == 2 and flagged[quick]["detail"]["median_hours"] >= 40
    assert "中位数" in flags.reason(flagged[quick]) and "median" in flags.reason(flagged[quick], "en")


def test_a_brisk_but_ordinary_closure_or_a_category_with_too_few_events_is_not_flagged(conn, home):
    _usual(conn, home)
    brisk = closed_event(conn, grid=home["grid"], category=home["category"], address="测试路 98 号",
                         created=home["now"] - dt.timedelta(days=3), hours=20, departments=home["departments"])
    rare = closed_event(conn, grid=home["grid"], category=_category(conn, "legal"), address="测试路 97 号",
                        created=home["now"] - dt.timedelta(days=3), hours=0.5, departments=home["departments"])
    flagged = {r["event_id"] for r in _of(_flags(conn, "district", home["now"]), "too_fast")}
    assert brisk not in flagged and rare not in flagged


# ---------------------------------------------------------------- satisfaction lagging closure
def _department(conn, code: str) -> int:
    return conn.execute("insert into public.department (code, name_zh, name_en) values (%s, %s, %s) returning id",
                        (code, f"测试部门{code[-1]}", f"Test {code}")).fetchone()["id"]


def _closed_for(conn, home, department: int, count: int, satisfaction: int) -> None:
    for i in range(count):
        closed_event(conn, grid=home["grid"], category=home["category"], address=f"部门测试 {department}-{i}",
                     created=home["now"] - dt.timedelta(days=10 + i), hours=48, departments=[department],
                     satisfaction=satisfaction)


def test_a_department_closing_everything_with_unhappy_residents_is_flagged(conn, home):
    lagging = _department(conn, "test_a")
    _closed_for(conn, home, lagging, 10, satisfaction=2)
    flagged = {r["department_id"]: r for r in _of(_flags(conn, "district", home["now"]), "satisfaction_lags")}
    assert lagging in flagged
    assert flagged[lagging]["detail"]["closure_rate"] == 100 and flagged[lagging]["detail"]["satisfaction_rate"] == 0
    assert flags.subject(flagged[lagging] | {"department_zh": "测试部门a"}) == "测试部门a"


def test_a_department_whose_residents_agree_or_with_too_few_scores_is_not_flagged(conn, home):
    content, few = _department(conn, "test_b"), _department(conn, "test_c")
    _closed_for(conn, home, content, 10, satisfaction=5)
    _closed_for(conn, home, few, 9, satisfaction=1)
    flagged = {r["department_id"] for r in _of(_flags(conn, "district", home["now"]), "satisfaction_lags")}
    assert content not in flagged and few not in flagged


# ---------------------------------------------------------------- a community's whistle rate for its size
def _whistle_in(conn, community: str, count: int, departments: list[int], category: int, now) -> None:
    grids = [r["id"] for r in conn.execute(
        "select g.id from public.org_unit g join public.org_unit c on c.id = g.community_id"
        " where c.name = %s and g.kind = 'grid' order by g.terr", (community,))]
    for i in range(count):
        _event(conn, grids[i % len(grids)], category, f"异常测试 {i} 号", now - dt.timedelta(days=1 + i % 60), departments)


def test_a_community_whistling_far_more_than_its_size_suggests_is_flagged_and_one_in_line_is_not(conn, home):
    community = unit_id(conn, OTHER_COMMUNITY)
    before = {r["community_id"] for r in _of(_flags(conn, "district", home["now"]), "whistle_rate")}
    assert community not in before
    _whistle_in(conn, OTHER_COMMUNITY, 40, home["departments"], home["category"], home["now"])
    after = {r["community_id"]: r for r in _of(_flags(conn, "district", home["now"]), "whistle_rate")}
    assert community in after
    detail = after[community]["detail"]
    assert detail["events"] >= 40 and detail["z"] >= 3 and detail["expected"] < 40
    assert "偏多" in flags.reason(after[community]) and "too many" in flags.reason(after[community], "en")


# ---------------------------------------------------------------- territory, scope and the seam
def test_flags_are_limited_to_the_territory_like_every_list(conn, home):
    now = home["now"]
    closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 5 号楼",
                 created=now - 20 * dt.timedelta(days=1), hours=48, departments=home["departments"])
    _event(conn, home["grid"], home["category"], "丽水花园 5 号楼", now - dt.timedelta(days=3), home["departments"])
    _whistle_in(conn, OTHER_COMMUNITY, 40, [department_id(conn, "gongan")], home["category"], now)
    other = unit_id(conn, OTHER_COMMUNITY)
    district = _flags(conn, "district", now)
    assert other in {r["community_id"] for r in _of(district, "whistle_rate")}
    for who in ("street", "community", "grid"):
        mine = _flags(conn, who, now)
        assert _of(mine, "reported_again"), who
        assert other not in {r["community_id"] for r in mine}, who
    # department staff have no territory: events summoned to them only, and no community's rate
    assert _of(_flags(conn, "department", now), "whistle_rate") == []
    act_as(conn, None)
    with pytest.raises(pgerr.InsufficientPrivilege):
        conn.execute("select * from private.event_flags(now(), 90)")


def test_the_scope_narrows_to_a_unit_and_a_bad_window_is_refused(conn, home):
    now = home["now"]
    _whistle_in(conn, OTHER_COMMUNITY, 40, home["departments"], home["category"], now)
    other = conn.execute("select terr, terr_hi from public.org_unit where name = %s", (OTHER_COMMUNITY,)).fetchone()
    home_unit = conn.execute("select c.terr, c.terr_hi from public.org_unit g join public.org_unit c on c.id = g.community_id"
                             " where g.id = %s", (home["grid"],)).fetchone()
    assert _of(_flags(conn, "district", now, lo=other["terr"], hi=other["terr_hi"]), "whistle_rate")
    assert all(home_unit["terr"] <= r["terr"] <= home_unit["terr_hi"]
               for r in _flags(conn, "district", now, lo=home_unit["terr"], hi=home_unit["terr_hi"]) if r["terr"])
    act_as(conn, "district")
    with pytest.raises(pgerr.RaiseException, match="gongzhi:flags.bad_window"):
        conn.execute("select * from private.event_flags(now(), 0)")


def test_a_closed_event_without_a_photo_after_the_fix_is_flagged_until_one_is_added(conn, home):
    now = home["now"]
    event = closed_event(conn, grid=home["grid"], category=home["category"], address="丽水花园 6 号楼",
                         created=now - dt.timedelta(days=5), hours=48, departments=home["departments"])
    flagged = {r["event_id"]: r for r in _of(_flags(conn, "district", now), "no_after_photo")}
    assert event in flagged and flags.reason(flagged[event]) == "已办结，但没有整改后的照片"
    for stage in ("before", "after"):
        conn.execute("insert into public.photo (subject_kind, subject_id, stage, object_key, thumb_key, content_type,"
                     " size_bytes, width, height) values ('event', %s, %s, %s, %s, 'image/jpeg', 1000, 64, 48)",
                     (event, stage, f"event/{event}/{stage[0] * 32}.jpg", f"event/{event}/{stage[0] * 32}.thumb.jpg"))
        still = event in {r["event_id"] for r in _of(_flags(conn, "district", now), "no_after_photo")}
        assert still == (stage == "before"), stage


def test_the_kinds_the_database_raises_are_the_ones_the_board_knows(conn):
    import re
    source = conn.execute("select prosrc from pg_proc where proname = 'event_aggregate_flags'"
                          " and pronamespace = 'private'::regnamespace").fetchone()["prosrc"]
    raised = set(re.findall(r"'+(\w+)'+::text, (?:a|e|null)", source))
    stored = conn.execute("select pg_get_constraintdef(oid) as c from pg_constraint"
                          " where conrelid = 'public.event_flag'::regclass and contype = 'c'").fetchone()["c"]
    refreshed = conn.execute("select prosrc from pg_proc where proname = 'refresh_event_flags'"
                             " and pronamespace = 'private'::regnamespace").fetchone()["prosrc"]
    assert set(re.findall(r"select '(\w+)'(?: as kind)?, ", refreshed)) == set(re.findall(r"'(\w+)'::text", stored))
    assert raised | set(re.findall(r"'(\w+)'::text", stored)) == set(flags.KINDS)
    assert raised.isdisjoint(re.findall(r"'(\w+)'::text", stored))

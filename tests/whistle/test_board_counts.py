"""The supervision board's counts: a department's come from private.department_board_counts (its open
events found by index), everyone else's from the events their policies let them read; both give
exactly what row-level security gives, and the function tells nothing to anyone but a department."""
import datetime as dt

import pytest

from gongzhi.whistle import demo
from gongzhi.whistle.queries import _COUNTS, _COUNTS_WHERE, board_on
from tests.conftest import act_as, act_as_owner, require_second_factor

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def events(conn):
    act_as_owner(conn)
    demo.add_events(conn, 600)
    open_events = conn.execute("select count(*) as n from public.event where closed_at is null").fetchone()["n"]
    assert open_events > 20
    return open_events


def _under_rls(conn) -> dict:
    return dict(conn.execute(_COUNTS_WHERE.format(where="true"), {"now": NOW}).fetchone())


@pytest.mark.parametrize("role", ["department", "district", "street", "community", "grid"])
def test_every_role_counts_what_its_policies_let_it_read(conn, events, role):
    act_as(conn, role)
    expected = _under_rls(conn)
    assert dict(conn.execute(_COUNTS, {"now": NOW}).fetchone()) == expected
    assert board_on(conn, NOW)["counts"] == expected
    if role in ("department", "district"):
        assert sum(expected[k] for k in ("red", "yellow", "green")) > 0


def test_the_department_sees_its_own_open_events_not_all(conn, events):
    act_as(conn, "department")
    mine = conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchone()
    assert 0 < mine["red"] + mine["yellow"] + mine["green"] < events


@pytest.mark.parametrize("role", ["district", "street", "grid"])
def test_the_function_tells_other_roles_nothing(conn, events, role):
    act_as(conn, role)
    assert conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchall() == []


def test_without_the_second_factor_a_department_counts_nothing(conn, events):
    require_second_factor(conn, everyone=True)
    act_as(conn, "department", aal="aal1")
    assert conn.execute("select * from private.department_board_counts(%s)", (NOW,)).fetchall() == []
    assert board_on(conn, NOW)["counts"] == {"red": 0, "yellow": 0, "green": 0, "escalated": 0}


def test_anon_may_not_call_it(conn):
    act_as(conn, None)
    with pytest.raises(Exception, match="permission denied"):
        conn.execute("select * from private.department_board_counts(%s)", (NOW,))


# ---------------------------------------------------------------- the tally behind the counts
# private.department_board_counts sums private.department_open_tally (per department, UTC day and
# hour of each deadline and yellow time) and reads the current hour's events. Below: after each
# kind of change the tally equals one rebuilt from the events, and every department's counts equal
# what its policies give, at moments on and around the deadlines, hours and days.


def _tally(conn) -> list[tuple]:
    act_as_owner(conn)
    return [tuple(r.values()) for r in conn.execute(
        "select * from private.department_open_tally order by department_id, axis, span, starts nulls first")]


def _assert_tally_is_rebuilt(conn) -> None:
    kept = _tally(conn)
    conn.execute("select private.recount_department_open_tally()")
    assert kept == _tally(conn)


def _moments(conn) -> list[dt.datetime]:
    """Now, hour and day boundaries, a deadline and a yellow time exactly and a microsecond either side."""
    act_as_owner(conn)
    row = conn.execute("""
        select (select deadline from public.event where closed_at is null and deadline is not null
                order by abs(extract(epoch from deadline - now())) limit 1) as deadline,
               (select yellow_at from public.event where closed_at is null and yellow_at is not null
                order by abs(extract(epoch from yellow_at - now())) limit 1) as yellow_at""").fetchone()
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    tick = dt.timedelta(microseconds=1)
    moments = [NOW, hour, hour - tick, NOW - dt.timedelta(days=3), NOW + dt.timedelta(days=2, hours=5)]
    for at in (row["deadline"], row["yellow_at"]):
        moments += [at - tick, at, at + tick]
    return moments


def _departments(conn) -> list[int]:
    act_as_owner(conn)
    return [r["id"] for r in conn.execute("select id from public.department order by id")]


def _assert_every_department_counts_its_policies(conn, moments=None) -> int:
    """For every department (the demo department account moved to each in turn): the function's
    counts equal those under row-level security; returns how many open events they covered."""
    moments = moments or _moments(conn)
    user = conn.execute("select user_id from public.staff where role = 'department' and active limit 1").fetchone()["user_id"]
    covered = 0
    for department in _departments(conn):
        act_as_owner(conn)
        conn.execute("update public.staff set department_id = %s where user_id = %s", (department, user))
        act_as(conn, "department")
        for at in moments:
            expected = dict(conn.execute(_COUNTS_WHERE.format(where="true"), {"now": at}).fetchone())
            got = conn.execute("select * from private.department_board_counts(%s)", (at,)).fetchone()
            assert dict(got) == expected, (department, at)
        covered += sum(expected[k] for k in ("red", "yellow", "green"))
    return covered


def test_the_tally_is_the_events_counted_again(conn, events):
    _assert_tally_is_rebuilt(conn)
    assert len(_tally(conn)) > 0


def test_every_department_at_every_moment(conn, events):
    assert _assert_every_department_counts_its_policies(conn) > 0


def _open_event(conn, departments_at_least: int = 1) -> dict:
    act_as_owner(conn)
    return conn.execute("""select id, departments, deadline from public.event
                           where closed_at is null and deadline is not null
                             and cardinality(departments) >= %s order by id limit 1""",
                        (departments_at_least,)).fetchone()


def test_summons_to_several_departments_and_a_baolian_units_department(conn, events):
    act_as_owner(conn)
    paired = conn.execute("""
        select b.department_id, e.id, e.departments from public.baolian_unit b
        join public.baolian_pair p on p.baolian_unit_id = b.id and p.status = 'confirmed'
        join public.event e on e.community_id = p.org_unit_id and e.closed_at is null and e.deadline is not null
        where b.department_id is not null and b.active and not b.department_id = any (e.departments)
        order by e.id limit 1""").fetchone()
    unit_department, event = paired["department_id"], paired
    assert conn.execute("select private.answers_for_baolian_unit(%s) as yes", (unit_department,)).fetchone()["yes"]
    others = [d for d in _departments(conn)
              if d not in event["departments"] and not conn.execute(
                  "select private.answers_for_baolian_unit(%s) as yes", (d,)).fetchone()["yes"]][:2]
    act_as(conn, "district")
    conn.execute("update public.event set departments = departments || %s::bigint[] where id = %s",
                 (others + [unit_department], event["id"]))
    _assert_tally_is_rebuilt(conn)
    assert _assert_every_department_counts_its_policies(conn) > 0
    act_as_owner(conn)
    assert conn.execute("""select sum(events) as n from private.department_open_tally
                           where department_id = %s and axis = 'deadline' and span = 'day'""",
                        (unit_department,)).fetchone()["n"] == conn.execute(
        "select count(*) as n from public.event where closed_at is null and %s = any (departments)",
        (unit_department,)).fetchone()["n"] > 0


def test_closing_reopening_and_escalating(conn, events):
    act_as_owner(conn)
    event = conn.execute("""select id from public.event where closed_at is null and step = 'consult'
                            order by id limit 1""").fetchone()
    act_as(conn, "district")
    for step, extra in (("implement", {"implement_note": "已整改"}), ("feedback", {"feedback_note": "已反馈"}),
                        ("consult", {"evaluate_note": "仍未解决"}), ("implement", {"implement_note": "再次整改"}),
                        ("feedback", {"feedback_note": "已反馈"}), ("evaluate", {"satisfaction": 4})):
        act_as_owner(conn)  # the lead department's steps and the grid's evaluation, as the owner writes them
        sets = "".join(f", {k} = %({k})s" for k in extra)
        conn.execute(f"update public.event set step = %(step)s{sets} where id = %(id)s",
                     {"step": step, "id": event["id"], **extra})
        closed = conn.execute("select closed_at is not null as c from public.event where id = %s",
                              (event["id"],)).fetchone()["c"]
        assert closed == (step == "evaluate")
        _assert_tally_is_rebuilt(conn)
        _assert_every_department_counts_its_policies(conn, [NOW])
    act_as(conn, "district")
    conn.execute("select private.escalate_overdue(now())")
    act_as_owner(conn)
    assert conn.execute("select sum(escalated) as n from private.department_open_tally").fetchone()["n"] > 0
    _assert_tally_is_rebuilt(conn)
    _assert_every_department_counts_its_policies(conn)


def test_deadlines_moved_across_now_and_across_hours(conn, events):
    act_as_owner(conn)
    ids = [r["id"] for r in conn.execute("""select id from public.event where closed_at is null and deadline is not null
                                            order by id limit 20""")]
    # As the owner (a loader or a job): deadlines pulled to straddle now, the hour and the day.
    conn.execute("""update public.event set deadline = %(now)s + (id %% 7 - 3) * interval '40 minutes',
                                          yellow_at = %(now)s + (id %% 7 - 3) * interval '40 minutes' - interval '90 minutes'
                    where id = any(%(ids)s)""", {"now": NOW, "ids": ids})
    conn.execute("update public.event set deadline = null, yellow_at = null where id = %s", (ids[0],))
    _assert_tally_is_rebuilt(conn)
    _assert_every_department_counts_its_policies(conn)


def test_irregular_times_are_counted_one_by_one(conn, events):
    """Times written by hand (a deadline moved without its yellow time, one without the other) leave
    the tally and are counted with the lights' own definition, and come back when made regular."""
    act_as_owner(conn)
    ids = [r["id"] for r in conn.execute("""select id from public.event where closed_at is null and deadline is not null
                                            order by id desc limit 4""")]
    conn.execute("update public.event set deadline = %s - interval '1 hour', yellow_at = %s + interval '1 hour' where id = %s",
                 (NOW, NOW, ids[0]))
    conn.execute("update public.event set yellow_at = null where id = %s", (ids[1],))
    conn.execute("update public.event set deadline = null where id = %s", (ids[2],))
    conn.execute("update public.event set escalated_at = now(), deadline = yellow_at - interval '1 minute' where id = %s",
                 (ids[3],))
    assert conn.execute("""select count(*) as n from public.event where closed_at is null
                           and ((deadline is null) <> (yellow_at is null) or yellow_at > deadline)""").fetchone()["n"] == 4
    _assert_tally_is_rebuilt(conn)
    _assert_every_department_counts_its_policies(conn)
    conn.execute("update public.event set deadline = yellow_at + interval '2 hours' where id = any(%s) and yellow_at is not null",
                 (ids,))
    conn.execute("update public.event set yellow_at = deadline - interval '2 hours' where id = %s", (ids[1],))
    _assert_tally_is_rebuilt(conn)
    _assert_every_department_counts_its_policies(conn)


@pytest.mark.parametrize("bucket", ["deadline-day", "deadline-hour", "yellow-day", "yellow-hour"])
def test_a_bucket_off_by_one_shows_in_the_counts(conn, events, bucket):
    """The equality above is not vacuous: one event more in one bucket the board reads changes the counts."""
    axis, span = bucket.split("-")
    act_as_owner(conn)
    # A moment whose day rows (for `day`) or today's hour rows (for `hour`) are read by the sum.
    row = conn.execute("""
        select t.department_id, t.starts from private.department_open_tally t
        where t.axis = %s and t.span = %s and t.starts is not null
          and extract(hour from t.starts at time zone 'UTC') < 22 order by t.starts limit 1""",
                       (axis, span)).fetchone()
    at = row["starts"] + (dt.timedelta(days=1, hours=1) if span == "day" else dt.timedelta(hours=1, minutes=1))
    user = conn.execute("select user_id from public.staff where role = 'department' and active limit 1").fetchone()["user_id"]
    conn.execute("update public.staff set department_id = %s where user_id = %s", (row["department_id"], user))
    act_as(conn, "department")
    expected = dict(conn.execute(_COUNTS_WHERE.format(where="true"), {"now": at}).fetchone())
    assert dict(conn.execute("select * from private.department_board_counts(%s)", (at,)).fetchone()) == expected
    act_as_owner(conn)
    conn.execute("""update private.department_open_tally set events = events + 1
                    where department_id = %s and axis = %s and span = %s and starts = %s""",
                 (row["department_id"], axis, span, row["starts"]))
    act_as(conn, "department")
    assert dict(conn.execute("select * from private.department_board_counts(%s)", (at,)).fetchone()) != expected

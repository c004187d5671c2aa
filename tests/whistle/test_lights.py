"""Deadlines and lights at fixed clock times (nothing sleeps): green, yellow (less than a quarter of
the time left), red (overdue), working days and holidays, and escalation of red events."""
import datetime as dt

from gongzhi.whistle.queries import LIGHT_SQL
from tests.conftest import act_as, act_as_owner, unit_id
from tests.whistle.helpers import HOME_GRID

CST = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=CST)
FRIDAY = dt.datetime(2026, 11, 27, 16, 0, tzinfo=CST)
H = dt.timedelta(hours=1)


def light(conn, event, now):
    return conn.execute(f"select {LIGHT_SQL} as light from public.event e where e.id = %(id)s",
                        {"id": event, "now": now}).fetchone()["light"]


def whistled(conn, at, urgency="normal"):
    """As the owner: an event whistled at the clock time `at`."""
    return conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments, urgency, created_at)
                        select %s, (select min(id) from public.category), '测试', '1号楼',
                               array[(select id from public.department where code = 'chengguan')], %s, %s
                        returning id""", (unit_id(conn, HOME_GRID), urgency, at)).fetchone()["id"]


def add(conn, start, hours, working=True):
    return conn.execute("select private.add_work_hours(%s, %s, %s) as t", (start, hours, working)).fetchone()["t"]


def test_a_normal_event_is_green_then_yellow_then_red_within_24_working_hours(conn):
    event = whistled(conn, WEDNESDAY)
    assert light(conn, event, WEDNESDAY + 1 * H) == "green"
    assert light(conn, event, WEDNESDAY + 17.9 * H) == "green"
    assert light(conn, event, WEDNESDAY + 18.5 * H) == "yellow"   # less than 6 of 24 hours left
    assert light(conn, event, WEDNESDAY + 24.1 * H) == "red"


def test_an_urgent_event_must_be_reported_within_two_clock_hours(conn):
    event = whistled(conn, WEDNESDAY, "urgent")
    assert conn.execute("select deadline from public.event where id = %s", (event,)).fetchone()["deadline"] == WEDNESDAY + 2 * H
    assert light(conn, event, WEDNESDAY + 1.4 * H) == "green"
    assert light(conn, event, WEDNESDAY + 1.6 * H) == "yellow"
    assert light(conn, event, WEDNESDAY + 2.01 * H) == "red"


def test_weekends_do_not_count(conn):
    event = whistled(conn, FRIDAY)
    assert conn.execute("select deadline from public.event where id = %s", (event,)).fetchone()["deadline"] == FRIDAY + 72 * H
    assert light(conn, event, FRIDAY + 44 * H) == "green"    # Sunday noon: 24 clock hours gone, 4 working hours
    assert light(conn, event, FRIDAY + 67 * H) == "yellow"   # Monday 11:00: 5 of 24 working hours left
    assert light(conn, event, FRIDAY + 73 * H) == "red"


def test_holidays_and_weekend_working_days_from_the_calendar(conn):
    conn.execute("insert into public.work_calendar (day, working, note) values ('2026-11-30', false, '假日'),"
                 " ('2026-11-28', true, '调休')")
    assert add(conn, FRIDAY, 24) == FRIDAY + 24 * H                   # Saturday is worked
    conn.execute("delete from public.work_calendar where day = '2026-11-28'")
    assert add(conn, FRIDAY, 24) == FRIDAY + 96 * H                   # Monday is a holiday: Tuesday 16:00
    assert add(conn, FRIDAY, 2, False) == FRIDAY + 2 * H              # clock hours ignore the calendar
    assert add(conn, dt.datetime(2026, 11, 28, 10, tzinfo=CST), 1) == dt.datetime(2026, 12, 1, 1, tzinfo=CST)


def test_deadlines_are_configurable_per_step_and_urgency(conn):
    conn.execute("update public.event_deadline set hours = 4, working_time = false where urgency = 'normal' and step = 'report'")
    event = whistled(conn, FRIDAY)
    assert conn.execute("select deadline from public.event where id = %s", (event,)).fetchone()["deadline"] == FRIDAY + 4 * H


def test_red_events_escalate_to_the_street_with_a_flag_and_a_timeline_line(conn):
    event = whistled(conn, WEDNESDAY)
    assert conn.execute("select private.escalate_overdue(%s) as n", (WEDNESDAY + 23 * H,)).fetchone()["n"] >= 0
    assert conn.execute("select escalated_at from public.event where id = %s", (event,)).fetchone()["escalated_at"] is None
    conn.execute("select private.escalate_overdue(%s)", (WEDNESDAY + 25 * H,))
    act_as(conn, "street")
    row = conn.execute("select escalated_at from public.event where id = %s", (event,)).fetchone()
    line = conn.execute("select count(*) as n from public.event_timeline where event_id = %s and kind = 'escalate'",
                        (event,)).fetchone()
    act_as_owner(conn)
    assert row["escalated_at"] == WEDNESDAY + 25 * H and line["n"] == 1


def test_a_signed_in_user_cannot_escalate_the_future(conn):
    event = whistled(conn, dt.datetime.now(CST))
    act_as(conn, "grid")
    conn.execute("select private.escalate_overdue(%s)", (dt.datetime.now(CST) + 1000 * H,))
    act_as_owner(conn)
    assert conn.execute("select escalated_at from public.event where id = %s", (event,)).fetchone()["escalated_at"] is None

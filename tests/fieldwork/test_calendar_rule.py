"""The rule for the work calendar (README, 今日走访): a due date is computed when it is written — at
entry, when a visit is logged, when the person's row is changed — with the calendar as it is then.
A change to the calendar moves no stored due date: the lights, the home card and the map keep
counting against the old one until the next visit (or change) computes it again."""
from __future__ import annotations

import datetime as dt

from gongzhi.fieldwork import map as overdue
from tests.conftest import act_as_owner, unit_id

GRID = "丽水社区第一网格"
FRIDAY = dt.date(2026, 11, 27)


def _person(conn, name: str) -> int:
    return conn.execute("""insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked)
                           values (%s, 1, %s, '测*') returning id""", (unit_id(conn, GRID), name)).fetchone()["id"]


def _visit(conn, person: int, day: dt.date) -> None:
    conn.execute("""insert into public.visit (kind, org_unit_id, care_person_id, visited_at, visited_on, place)
                    select 'visit', org_unit_id, id, %s::date + time '10:00', %s, '家中'
                    from public.care_person where id = %s""", (day, day, person))


def _due(conn, person: int) -> dt.date:
    return conn.execute("select next_due_on from public.care_person where id = %s", (person,)).fetchone()["next_due_on"]


def test_a_calendar_change_moves_only_due_dates_computed_after_it(conn):
    act_as_owner(conn)
    conn.execute("delete from public.work_calendar where day between '2026-11-27' and '2026-12-31'")
    visited, edited = _person(conn, "甲"), _person(conn, "乙")
    for person in (visited, edited):
        _visit(conn, person, FRIDAY)
        assert _due(conn, person) == dt.date(2026, 12, 4)          # 独居老人: 5 working days
    overdue_on_the_4th = overdue.overdue_visits(conn, 0, 10**12, dt.datetime(2026, 12, 5, 2, tzinfo=dt.timezone.utc))

    # a holiday on Wednesday 2 December: nothing stored moves, nothing counted moves
    conn.execute("insert into public.work_calendar (day, working, note) values ('2026-12-02', false, '测试假日')")
    assert _due(conn, visited) == _due(conn, edited) == dt.date(2026, 12, 4)
    assert overdue.overdue_visits(conn, 0, 10**12, dt.datetime(2026, 12, 5, 2, tzinfo=dt.timezone.utc)) \
        == overdue_on_the_4th

    # the next visit computes with the new calendar: 1 Dec + 5 working days skips the holiday
    _visit(conn, visited, dt.date(2026, 12, 1))
    assert _due(conn, visited) == dt.date(2026, 12, 9)                # 12-08 without the holiday
    # so does any other change of the row (here a note): 27 Nov + 5 working days skips it too
    conn.execute("update public.care_person set note = '改了备注' where id = %s", (edited,))
    assert _due(conn, edited) == dt.date(2026, 12, 7)

    # a 调休 working Saturday (5 December) likewise waits for the next computation
    conn.execute("insert into public.work_calendar (day, working, note) values ('2026-12-05', true, '调休上班')")
    assert _due(conn, visited) == dt.date(2026, 12, 9)
    _visit(conn, visited, dt.date(2026, 12, 3))
    assert _due(conn, visited) == dt.date(2026, 12, 9)                # 4, 5(Sat), 7, 8, 9
    _visit(conn, visited, dt.date(2026, 12, 4))
    assert _due(conn, visited) == dt.date(2026, 12, 10)               # 5(Sat), 7, 8, 9, 10

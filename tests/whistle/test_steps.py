"""The step machine, enforced by the database: every step change tried by every kind of actor.

Actors: district, street, community and grid staff of the event's territory; the lead department
(城管, first summoned), another summoned department (公安) and a department not summoned (水务).
A change succeeds exactly when public.event_transition allows it and names the actor's kind.
"""
import itertools

import pytest
from psycopg import errors as pgerr

from tests.conftest import act_as, act_as_owner, unit_id
from tests.whistle.helpers import HOME_GRID, department_id, new_event, report_all

STEPS = ("whistle", "report", "consult", "implement", "feedback", "evaluate")
ALLOWED = {("whistle", "report"): "department", ("report", "consult"): "department",
           ("consult", "implement"): "lead", ("implement", "feedback"): "lead",
           ("feedback", "evaluate"): "territory", ("feedback", "consult"): "territory"}
ACTORS = {"district": "district", "street": "street", "community": "community", "grid": "grid",
          "lead": "bumen@demo.gongzhi.cn", "summoned": "dept-gongan@demo.gongzhi.cn",
          "stranger": "dept-shuiwu@demo.gongzhi.cn"}
KINDS = {"territory": {"street", "community", "grid"}, "department": {"lead", "summoned"}, "lead": {"lead"}}
VALUES = "implement_note = '已整改', feedback_note = '已告知居民', satisfaction = 5"


def advance(conn, event: int, target: str) -> None:
    """As the owner: move `event` from whistle up to `target`."""
    for step in STEPS[1:STEPS.index(target) + 1]:
        if step == "report":
            report_all(conn, event)
        elif step == "consult":
            conn.execute("insert into public.event_consult (event_id, attendees, decision) values (%s, '各方', '整改')",
                         (event,))
        else:
            conn.execute(f"update public.event set step = %s, {VALUES} where id = %s", (step, event))
    assert conn.execute("select step from public.event where id = %s", (event,)).fetchone()["step"] == target


def test_the_machine_in_the_database_is_the_one_tested(conn):
    rows = conn.execute("select from_step, to_step, actor from public.event_transition where from_step is not null")
    assert {(r["from_step"], r["to_step"]): r["actor"] for r in rows} == ALLOWED


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("from_step,to_step", [p for p in itertools.permutations(STEPS, 2)])
def test_step_change(conn, actor, from_step, to_step):
    event = new_event(conn, unit_id(conn, HOME_GRID),
                      departments=[department_id(conn, "chengguan"), department_id(conn, "gongan")])
    advance(conn, event, from_step)
    act_as(conn, ACTORS[actor])
    try:
        with conn.transaction():
            moved = conn.execute(f"update public.event set step = %s, {VALUES} where id = %s",
                                 (to_step, event)).rowcount == 1
    except pgerr.RaiseException as exc:
        assert str(exc).split("\n")[0] in ("gongzhi:whistle.invalid_step", "gongzhi:whistle.not_entitled")
        moved = False
    act_as_owner(conn)
    kind = ALLOWED.get((from_step, to_step))
    assert moved == (kind is not None and actor in KINDS[kind]), (actor, from_step, to_step)


def test_a_skip_is_refused_with_a_message_naming_the_order(conn):
    event = new_event(conn, unit_id(conn, HOME_GRID))
    act_as(conn, "bumen@demo.gongzhi.cn")
    with pytest.raises(pgerr.RaiseException, match="whistle.invalid_step"), conn.transaction():
        conn.execute(f"update public.event set step = 'implement', {VALUES} where id = %s", (event,))
    act_as_owner(conn)


def test_the_event_reaches_report_only_when_every_summoned_department_reported(conn):
    event = new_event(conn, unit_id(conn, HOME_GRID),
                      departments=[department_id(conn, "chengguan"), department_id(conn, "gongan")])
    for account, expected in (("bumen@demo.gongzhi.cn", "whistle"), ("dept-gongan@demo.gongzhi.cn", "report")):
        act_as(conn, account)
        assert conn.execute("update public.event_department set reported_at = now() where event_id = %s",
                            (event,)).rowcount == 1  # its own row only
        act_as_owner(conn)
        assert conn.execute("select step from public.event where id = %s", (event,)).fetchone()["step"] == expected
    act_as(conn, "bumen@demo.gongzhi.cn")
    with pytest.raises(pgerr.RaiseException, match="already_reported"), conn.transaction():
        conn.execute("update public.event_department set reported_at = now() where event_id = %s", (event,))
    act_as_owner(conn)
    kinds = [r["kind"] for r in conn.execute("select kind from public.event_timeline where event_id = %s order by id",
                                             (event,))]
    assert kinds == ["whistle", "report", "report", "step"]


def test_implementation_and_feedback_need_a_note_and_evaluation_a_score(conn):
    event = new_event(conn, unit_id(conn, HOME_GRID))
    advance(conn, event, "consult")
    act_as(conn, "bumen@demo.gongzhi.cn")
    with pytest.raises(pgerr.RaiseException, match="note_required"), conn.transaction():
        conn.execute("update public.event set step = 'implement' where id = %s", (event,))
    act_as_owner(conn)
    advance(conn, event, "feedback")
    conn.execute("update public.event set satisfaction = null where id = %s", (event,))
    act_as(conn, "grid")
    with pytest.raises(pgerr.RaiseException, match="score_required"), conn.transaction():
        conn.execute("update public.event set step = 'evaluate' where id = %s", (event,))
    act_as_owner(conn)


def test_not_fixed_reopens_and_counts_against_the_lead_department(conn):
    event = new_event(conn, unit_id(conn, HOME_GRID),
                      departments=[department_id(conn, "chengguan"), department_id(conn, "gongan")])
    advance(conn, event, "feedback")
    act_as(conn, "grid")
    conn.execute("update public.event set step = 'consult', evaluate_note = '仍未修好' where id = %s", (event,))
    act_as_owner(conn)
    row = conn.execute("select step, reopen_count, satisfaction, deadline from public.event where id = %s",
                       (event,)).fetchone()
    assert (row["step"], row["reopen_count"], row["satisfaction"]) == ("consult", 1, None) and row["deadline"]
    counts = {r["code"]: r["not_fixed"] for r in conn.execute(
        "select d.code, ed.not_fixed from public.event_department ed join public.department d"
        " on d.id = ed.department_id where ed.event_id = %s", (event,))}
    assert counts == {"chengguan": 1, "gongan": 0}


def test_the_first_receiver_leads_until_it_hands_on(conn):
    chengguan, gongan, zhujian = (department_id(conn, c) for c in ("chengguan", "gongan", "zhujian"))
    event = new_event(conn, unit_id(conn, HOME_GRID), departments=[chengguan, gongan])
    assert conn.execute("select lead_department_id from public.event where id = %s", (event,)).fetchone()[
        "lead_department_id"] == chengguan
    act_as(conn, "dept-gongan@demo.gongzhi.cn")
    with pytest.raises(pgerr.RaiseException, match="only_lead"), conn.transaction():
        conn.execute("update public.event set lead_department_id = %s where id = %s", (gongan, event))
    act_as(conn, "bumen@demo.gongzhi.cn")
    conn.execute("update public.event set lead_department_id = %s where id = %s", (zhujian, event))
    act_as_owner(conn)
    row = conn.execute("select lead_department_id, departments from public.event where id = %s", (event,)).fetchone()
    assert row["lead_department_id"] == zhujian and zhujian in row["departments"]
    summons = conn.execute("select count(*) as n from public.event_department where event_id = %s", (event,)).fetchone()
    assert summons["n"] == 3
    kinds = {r["kind"] for r in conn.execute("select kind from public.event_timeline where event_id = %s", (event,))}
    assert {"hand_on", "summon"} <= kinds


def test_repeat_events_at_the_same_address_and_category_are_flagged(conn):
    grid = unit_id(conn, HOME_GRID)
    first = new_event(conn, grid)
    second = conn.execute(
        "insert into public.event (org_unit_id, category_id, title, address, departments)"
        " select org_unit_id, category_id, '又被占用', ' 测试小区 1号楼', departments from public.event where id = %s"
        " returning repeat_of", (first,)).fetchone()
    assert second["repeat_of"] == first


def test_events_sit_in_grids_and_the_district_does_not_whistle(conn):
    from tests.db.rls import category_id
    row = {"category": category_id(conn), "departments": [department_id(conn, "chengguan")]}
    sql = ("insert into public.event (org_unit_id, category_id, title, address, departments)"
           " values (%(unit)s, %(category)s, '占道', '1号楼', %(departments)s)")
    act_as(conn, "community")
    with pytest.raises(pgerr.RaiseException, match="not_a_grid"), conn.transaction():
        conn.execute(sql, row | {"unit": unit_id(conn, "丽水社区")})
    act_as(conn, "district")
    with pytest.raises(pgerr.RaiseException, match="not_entitled"), conn.transaction():
        conn.execute(sql, row | {"unit": unit_id(conn, HOME_GRID)})
    act_as_owner(conn)

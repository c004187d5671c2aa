"""The emergency mode end to end against the database: the call-up never double-books a person
(the database refuses, whatever Python does), a shift never overfills, ending keeps the record and
returns everyone to peace time, and the hours on duty reach the volunteers' service records."""
import datetime as dt

import psycopg
import pytest
from psycopg import errors

from gongzhi.emergency import commands, queries
from gongzhi.errors import DomainError
from tests.conftest import act_as, act_as_owner, unit_id
from tests.emergency.makers import new_emergency, new_shift, new_task
from tests.pages.conftest import identity_of
from tests.volunteers.makers import new_volunteer

STREET = "jiedao@demo.gongzhi.cn"
COMMUNITY = "shequ@demo.gongzhi.cn"
NOW = dt.datetime.now(dt.timezone.utc)


def test_the_database_refuses_overlapping_shifts_of_one_person(conn):
    grid = unit_id(conn, "丽水社区第一网格")
    emergency = new_emergency(conn, grid)
    task = new_task(conn, emergency)
    morning = new_shift(conn, grid, emergency, task, hours_from_now=24, hours=6)
    overlapping = new_shift(conn, grid, emergency, task, hours_from_now=28, hours=6)
    later = new_shift(conn, grid, emergency, task, hours_from_now=40, hours=6)
    person = new_volunteer(conn, grid)
    conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)", (morning, person))
    with pytest.raises(errors.ExclusionViolation), conn.transaction():
        conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)", (overlapping, person))
    conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)", (later, person))
    # A cancelled call-up frees the time.
    conn.execute("update public.callup set status = 'cancelled' where shift_id = %s", (morning,))
    conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)", (overlapping, person))


def test_a_shift_never_holds_more_than_its_capacity(conn):
    grid = unit_id(conn, "丽水社区第一网格")
    shift = new_shift(conn, grid, capacity=2)
    for i in range(2):
        conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)",
                     (shift, new_volunteer(conn, grid, name=f"党员{i}")))
    with pytest.raises(errors.RaiseException, match="emergency.shift_full"), conn.transaction():
        conn.execute("insert into public.callup (shift_id, volunteer_id) values (%s, %s)", (shift, new_volunteer(conn, grid)))


def test_places_outside_the_territory_and_heads_living_elsewhere_are_refused(conn):
    grid = unit_id(conn, "丽水社区第一网格")
    emergency = new_emergency(conn, grid)                 # declared at 长江路街道
    task = new_task(conn, emergency)
    with pytest.raises(errors.RaiseException, match="emergency.place_outside"), conn.transaction():
        new_shift(conn, unit_id(conn, "新华里社区第一网格"), emergency, task)
    elsewhere = new_volunteer(conn, unit_id(conn, "丽水社区第二网格"))
    with pytest.raises(errors.RaiseException, match="emergency.head_not_resident"), conn.transaction():
        conn.execute("insert into public.emergency_org (emergency_id, org_unit_id, name, head_volunteer_id)"
                     " values (%s, %s, '临时党支部', %s)", (emergency, grid, elsewhere))
    with pytest.raises(errors.RaiseException, match="emergency.bad_place"), conn.transaction():
        conn.execute("insert into public.emergency (org_unit_id, name, kind) values (%s, '社区应急', 'flood')",
                     (unit_id(conn, "丽水社区"),))


def test_callup_check_in_out_and_end_keep_the_record_and_count_the_hours(fresh_db):
    street, community = identity_of(STREET), identity_of(COMMUNITY)
    with psycopg.connect(fresh_db, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        street_unit = unit_id(conn, "长江路街道")
        grid = unit_id(conn, "丽水社区第一网格")
        buildings = [r["id"] for r in conn.execute(
            "select id from public.org_unit where parent_id = %s and kind = 'building' order by terr", (grid,))]
    emergency = commands.declare(street, street_unit, "长江路街道疫情防控", "epidemic", "全街道静态管理")
    tasks = {t["name"]: t["id"] for t in queries.tasks(street, emergency)}
    assert set(tasks) == {"采样扫码", "送菜送药", "值守", "宣传"}
    soon = NOW + dt.timedelta(minutes=30)
    assert commands.add_shifts(community, emergency, tasks["值守"], buildings, soon, soon + dt.timedelta(hours=6), 2) == 3
    later = NOW + dt.timedelta(days=1)
    commands.add_shifts(community, emergency, tasks["值守"], buildings, later, later + dt.timedelta(hours=6), 2)
    outcome = commands.run_callup(community, emergency)
    assert outcome["filled"] >= outcome["greedy"] and outcome["filled"] > 0
    assert outcome["filled"] <= outcome["seats"] == 12
    # Running it again adds nobody twice: the people called up are busy at those times.
    again = commands.run_callup(community, emergency)
    rows, total = queries.roster(community, emergency, size=500)
    assert total == outcome["filled"] + again["filled"] <= 12
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        assert conn.execute("select count(*) as n from public.callup a join public.callup b on a.volunteer_id = b.volunteer_id"
                            " and a.id < b.id and a.during && b.during where a.emergency_id = %s",
                            (emergency,)).fetchone()["n"] == 0
    # By hand, a person already on an overlapping shift is refused with a message.
    first = min(rows, key=lambda r: (r["starts_at"], r["id"]))
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        person, other_shift = conn.execute(
            "select c.volunteer_id, (select s.id from public.shift s where s.emergency_id = c.emergency_id"
            " and s.starts_at = (select starts_at from public.shift where id = c.shift_id) and s.id <> c.shift_id"
            " order by s.id limit 1) as other from public.callup c where c.id = %s", (first["id"],)).fetchone().values()
    with pytest.raises(DomainError) as refused:
        commands.call_up(community, other_shift, person)
    assert refused.value.key in ("emergency.double_booked", "emergency.shift_full")

    on_duty = [r for r in rows if r["starts_at"] <= soon][:2]
    commands.check_in(community, on_duty[0]["id"])
    commands.check_out(community, on_duty[0]["id"])
    commands.check_in(community, on_duty[1]["id"])
    commands.set_up_org(community, emergency, grid, "丽水社区第一网格临时党支部", None)
    request = commands.add_request(community, emergency, buildings[0], "medicine", "2单元独居老人需要降压药", NOW)
    board = queries.board(street, emergency, *_street_range(fresh_db, street_unit))
    assert any(r["id"] == request and r["light"] == "red" for r in board["requests"])

    commands.end(street, emergency)
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        statuses = {r["id"]: r["status"] for r in conn.execute(
            "select id, status from public.callup where emergency_id = %s", (emergency,))}
        assert len(statuses) == total                                   # nothing deleted
        assert statuses[on_duty[0]["id"]] == statuses[on_duty[1]["id"]] == "done"
        assert set(statuses.values()) == {"done", "cancelled"}          # nobody left on call
        logs = conn.execute(
            "select c.id, c.hours, l.hours as logged, l.volunteer_id = c.volunteer_id as same, l.verified_at is not null as verified,"
            " l.note from public.callup c join public.service_log l on l.id = c.service_log_id"
            " where c.emergency_id = %s", (emergency,)).fetchall()
        assert {r["id"] for r in logs} == {on_duty[0]["id"], on_duty[1]["id"]}
        assert all(r["same"] and r["verified"] and r["logged"] == r["hours"] > 0 and "长江路街道疫情防控" in r["note"]
                   for r in logs)
        assert conn.execute("select ended_at is not null as closed from public.emergency_org where emergency_id = %s",
                            (emergency,)).fetchone()["closed"]
    record = queries.record(street, emergency)
    assert record["shifts"] == 6 and record["orgs"] == 1 and record["hours"] > 0
    # The record is closed: nothing is added or changed, and the emergency cannot start again.
    for attempt in (lambda: commands.add_shifts(community, emergency, tasks["宣传"], buildings, later,
                                                later + dt.timedelta(hours=2), 1),
                    lambda: commands.add_request(community, emergency, buildings[1], "food", "代购蔬菜", later),
                    lambda: commands.run_callup(community, emergency),
                    lambda: commands.end(street, emergency)):
        with pytest.raises(DomainError) as closed:
            attempt()
        assert closed.value.key == "emergency.ended"


def _street_range(url, street_unit):
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        r = conn.execute("select terr, terr_hi from public.org_unit where id = %s", (street_unit,)).fetchone()
    return r["terr"], r["terr_hi"]


def test_bad_input_changes_nothing(fresh_db):
    street = identity_of(STREET)
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        street_unit, other_street = unit_id(conn, "长江路街道"), unit_id(conn, "新华街道")
        before = conn.execute("select count(*) as n from public.emergency").fetchone()["n"]
    for attempt, key in ((lambda: commands.declare(street, street_unit, "  ", "flood"), "emergency.name_required"),
                         (lambda: commands.declare(street, street_unit, "防汛", "tsunami"), "error.invalid_value"),
                         (lambda: commands.declare(street, other_street, "防汛", "flood"), "error.forbidden")):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.key == key
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        assert conn.execute("select count(*) as n from public.emergency").fetchone()["n"] == before


def test_the_board_of_the_ended_demo_emergency_keeps_to_each_users_part(fresh_db):
    street, community = identity_of(STREET), identity_of(COMMUNITY)
    emergency = next(e for e in queries.emergencies(street) if e["name"] == "长江路街道疫情防控应急响应")
    assert emergency["status"] == "ended"
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        lo, hi = _street_range(fresh_db, unit_id(conn, "长江路街道"))
        mine = {r["name"] for r in conn.execute("select name from public.org_unit where kind = 'community' and street_id ="
                                                " (select id from public.org_unit where name = '长江路街道')")}
    at = emergency["declared_at"] + dt.timedelta(hours=12)     # during the first day's first shifts
    whole = queries.board(street, emergency["id"], lo, hi, at)
    assert {c["name"] for c in whole["communities"]} == mine
    assert sum(c["called"] for c in whole["communities"]) > 0
    part = queries.board(community, emergency["id"], lo, hi, at)
    assert [c["name"] for c in part["communities"]] == ["丽水社区"]
    assert all(r["community"] == "丽水社区" for r in part["uncovered"])
    record = queries.record(street, emergency["id"])
    assert record["hours"] > 0 and record["requests"] == record["requests_done"] == 24


def test_the_declaring_level_and_below_see_an_emergency_and_only_it_ends_one(fresh_db):
    district, street, community = identity_of("qu@demo.gongzhi.cn"), identity_of(STREET), identity_of(COMMUNITY)
    with psycopg.connect(fresh_db, row_factory=psycopg.rows.dict_row) as conn:
        place = unit_id(conn, "长江路街道")
    own = commands.declare(street, place, "长江路街道防汛应急", "flood")
    ordered = commands.declare(district, place, "区防汛指挥部：长江路街道防汛应急", "flood")
    seen = {who: {e["id"]: e for e in queries.emergencies(user)}
            for who, user in (("district", district), ("street", street), ("community", community))}
    assert ordered in seen["district"] and own not in seen["district"]
    assert {own, ordered} <= set(seen["street"]) and {own, ordered} <= set(seen["community"])
    assert commands.may_end(street, seen["street"][own]) and not commands.may_end(street, seen["street"][ordered])
    assert commands.may_end(district, seen["district"][ordered])
    with pytest.raises(DomainError) as refused:
        commands.end(street, ordered)
    assert refused.value.key == "emergency.not_declarer"
    assert next(e for e in queries.emergencies(street) if e["id"] == ordered)["status"] == "active"
    commands.end(district, ordered)
    assert next(e for e in queries.emergencies(street) if e["id"] == ordered)["status"] == "ended"

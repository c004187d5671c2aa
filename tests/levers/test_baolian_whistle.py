"""包联 units answer the whistle: each unit answers as its own department, made and renamed with it;
a whistle in a community summons the community's confirmed units beside departments, and nowhere
else; the unit's account sees and answers only the events it was summoned to."""
import datetime as dt

import psycopg
import pytest

from gongzhi.db import owner
from gongzhi.errors import DomainError
from gongzhi.levers.whistle_demo import EMAIL as UNIT_ACCOUNT, UNIT
from gongzhi.whistle import commands, queries
from tests.conftest import ACCOUNTS, act_as, act_as_owner, unit_id
from tests.levers.makers import baolian_unit, confirmed_pair
from tests.pages.conftest import identity_of

NOW = dt.datetime.now(dt.timezone.utc)


def _unit_department(conn, name: str = UNIT) -> int:
    return conn.execute("select department_id from public.baolian_unit where name = %s", (name,)).fetchone()["department_id"]


def _zhujian(conn) -> int:
    return conn.execute("select id from public.department where code = 'zhujian'").fetchone()["id"]


def _whistle(conn, grid: str, departments: list[int]) -> int:
    return conn.execute("""insert into public.event (org_unit_id, category_id, title, address, departments)
                           values (%s, (select id from public.category where code = 'repair'), '配电箱跳闸',
                                   '测试小区1号楼', %s) returning id""",
                        (unit_id(conn, grid), departments)).fetchone()["id"]


def test_every_unit_answers_as_a_department_kept_with_it(conn):
    act_as_owner(conn)
    rows = conn.execute("""select b.id, b.name, d.code, d.name_zh, d.active from public.baolian_unit b
                           join public.department d on d.id = b.department_id""").fetchall()
    assert len(rows) == conn.execute("select count(*) as n from public.baolian_unit").fetchone()["n"] > 0
    assert all(r["code"] == f"baolian_{r['id']}" and r["name_zh"] == r["name"] and r["active"] for r in rows)
    act_as(conn, "district")
    new = conn.execute("""insert into public.baolian_unit (name, functions, strength, capacity, located_at)
                          values ('区数据局', '{legal}', 30, 1, %s) returning id, department_id""",
                       (unit_id(conn, "丽水社区"),)).fetchone()
    assert new["department_id"] is not None
    conn.execute("update public.baolian_unit set name = '区政务服务和数据管理局', active = false where id = %s", (new["id"],))
    act_as_owner(conn)
    department = conn.execute("select name_zh, active from public.department where id = %s",
                              (new["department_id"],)).fetchone()
    assert department == {"name_zh": "区政务服务和数据管理局", "active": False}
    act_as(conn, "district")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("update public.baolian_unit set department_id = %s where id = %s", (_zhujian(conn), new["id"]))


def test_a_grid_summons_its_communitys_unit_beside_a_department(conn):
    unit = _unit_department(conn)
    act_as(conn, "grid")
    event = _whistle(conn, "丽水社区第一网格", [_zhujian(conn), unit])
    summons = conn.execute("select department_id, report_deadline from public.event_department where event_id = %s",
                           (event,)).fetchall()
    assert {s["department_id"] for s in summons} == {_zhujian(conn), unit}
    assert all(s["report_deadline"] is not None for s in summons)


def test_a_unit_is_not_summoned_where_it_is_not_paired(conn):
    unit = _unit_department(conn)
    act_as(conn, "street")
    with pytest.raises(psycopg.errors.CheckViolation, match="baolian.not_paired_here"), conn.transaction():
        _whistle(conn, "江滩社区第一网格", [_zhujian(conn), unit])
    event = _whistle(conn, "江滩社区第一网格", [_zhujian(conn)])
    with pytest.raises(psycopg.errors.CheckViolation, match="baolian.not_paired_here"), conn.transaction():
        conn.execute("update public.event set departments = departments || %s::bigint where id = %s", (unit, event))
    act_as_owner(conn)   # a proposed pair is not enough
    other = conn.execute("select id from public.baolian_unit where name = '区司法局'").fetchone()["id"]
    conn.execute("insert into public.baolian_pair (baolian_unit_id, org_unit_id) values (%s, %s)",
                 (other, unit_id(conn, "江滩社区")))
    act_as(conn, "street")
    with pytest.raises(psycopg.errors.CheckViolation, match="baolian.not_paired_here"), conn.transaction():
        _whistle(conn, "江滩社区第一网格", [_unit_department(conn, "区司法局")])


def test_a_unit_is_never_routed_by_category(conn):
    act_as_owner(conn)
    with pytest.raises(psycopg.errors.CheckViolation, match="baolian.not_routable"), conn.transaction():
        conn.execute("insert into public.event_routing (category_id, department_id, position)"
                     " select id, %s, 9 from public.category where code = 'repair'", (_unit_department(conn),))


def test_the_units_account_sees_and_answers_only_its_summons(conn):
    unit = _unit_department(conn)
    act_as(conn, "grid")
    mine = _whistle(conn, "丽水社区第一网格", [_zhujian(conn), unit])
    other = _whistle(conn, "丽水社区第一网格", [_zhujian(conn)])
    act_as_owner(conn)
    summoned = {r["id"] for r in conn.execute("select id from public.event where %s = any (departments)", (unit,))}
    assert mine in summoned and other not in summoned
    act_as(conn, UNIT_ACCOUNT)
    assert {r["id"] for r in conn.execute("select id from public.event")} == summoned
    assert {r["event_id"] for r in conn.execute("select event_id from public.event_department")} == summoned
    assert conn.execute("update public.event_department set reported_at = now(), report_note = '已派抢修班组'"
                        " where event_id = %s", (mine,)).rowcount == 1
    assert conn.execute("update public.event_department set reported_at = now() where event_id = %s",
                        (other,)).rowcount == 0
    act_as_owner(conn)
    timeline = conn.execute("select department_id, note from public.event_timeline where event_id = %s and kind = 'report'",
                            (mine,)).fetchall()
    assert timeline == [{"department_id": unit, "note": "已派抢修班组"}]


def test_a_grid_reads_only_its_own_communitys_confirmed_units(conn):
    act_as_owner(conn)
    elsewhere = confirmed_pair(conn, baolian_unit(conn, unit_id(conn, "江滩社区")), unit_id(conn, "江滩社区"))
    here = conn.execute("select p.id from public.baolian_pair p join public.baolian_unit b on b.id = p.baolian_unit_id"
                        " where b.name = %s", (UNIT,)).fetchone()["id"]
    act_as(conn, "grid")
    visible = {r["id"] for r in conn.execute("select id from public.baolian_pair")}
    assert here in visible and elsewhere not in visible


def test_the_whistle_offers_paired_units_and_refuses_others_in_the_users_language(fresh_db):
    grid, street = identity_of(ACCOUNTS["grid"]), identity_of(ACCOUNTS["street"])
    unit_account = identity_of(UNIT_ACCOUNT)
    with owner() as conn:
        home = unit_id(conn, "丽水社区第一网格")
        jiangtan = unit_id(conn, "江滩社区第一网格")
        unit = _unit_department(conn)
        repair = conn.execute("select id from public.category where code = 'repair'").fetchone()["id"]
        zhujian = _zhujian(conn)
    assert [u["id"] for u in queries.paired_units(grid, home)] == [unit]
    assert queries.paired_units(street, jiangtan) == []
    assert unit not in {d["id"] for d in queries.departments(grid)}
    raw = {"title": "配电箱跳闸", "category_id": repair, "org_unit_id": home, "address": "丽水小区3号楼",
           "urgency": "urgent", "description": "", "departments": [zhujian, unit]}
    event = commands.whistle(grid, raw)
    with pytest.raises(DomainError) as refused:
        commands.whistle(street, {**raw, "org_unit_id": jiangtan})
    assert refused.value.key == "baolian.not_paired_here"
    assert event in {e["id"] for e in queries.events(unit_account, NOW)}
    commands.report(unit_account, event, "已派抢修班组")
    details = queries.event(unit_account, event, NOW)
    assert [(s["department_id"], s["reported_at"] is not None) for s in details["summons"]] == [(unit, True)]

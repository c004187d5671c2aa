"""The grid worker's day against the real database: the ID number's check digit, sealed and masked
personal data (never in exports or the audit), due dates in working days of the district calendar,
findings reported up as linked demands and events, campaign counts and the rolled-up summary."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import clock
from gongzhi.auth import load_identity
from gongzhi.errors import DomainError
from gongzhi.fieldwork import commands, queries
from gongzhi.fieldwork.demo import id_number
from gongzhi.fieldwork.forms import FindingForm, PersonForm, RoundForm, id_number_problem
from gongzhi.lists.forms import FormError
from gongzhi.personal import unmask
from gongzhi.clock import BEIJING
from tests.conftest import DEMO_EMAILS, unit_id, user_id

GRID = "丽水社区第一网格"
VALID_ID = "11010519491231002X"     # the standard's own example


def test_the_id_number_check_digit():
    assert id_number_problem(VALID_ID) is None
    assert id_number_problem("110105194912310021") == "fieldwork.error.id_checksum"
    assert id_number_problem("11010519491331002X") == "fieldwork.error.id_birth"
    assert id_number_problem("1101051949123100") == "fieldwork.error.id_shape"
    import random
    rng = random.Random(1)
    assert all(id_number_problem(id_number(rng, dt.date(1940 + i, 1 + i % 12, 1 + i))) is None for i in range(20))


def test_lights():
    day = dt.date(2026, 12, 7)
    assert queries.light(dt.date(2026, 12, 4), day) == "red"
    assert queries.light(day, day) == "yellow"
    assert queries.light(dt.date(2026, 12, 8), day) == "green"


@pytest.fixture
def db(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row, autocommit=True) as c:
        yield c, {role: load_identity(user_id(c, role)) for role in DEMO_EMAILS}


def _person(user, unit, **extra) -> int:
    values = dict(org_unit_id=unit, category_id=1, person_name="张秀英", phone="13912345678", id_number=VALID_ID,
                  home_address="丽水社区1号楼2单元302室")
    values.update(extra)
    return commands.add_person(user, PersonForm(**values))


def test_a_bad_id_number_is_refused_with_its_message_and_nothing_is_written(db):
    c, users = db
    before = c.execute("select count(*) as n from public.care_person").fetchone()["n"]
    with pytest.raises(FormError) as refused:
        _person(users["grid"], unit_id(c, GRID), id_number="110105194912310021")
    assert [(e.field, e.key) for e in refused.value.errors] == [("id_number", "fieldwork.error.id_checksum")]
    assert c.execute("select count(*) as n from public.care_person").fetchone()["n"] == before


def test_personal_data_is_sealed_masked_and_kept_out_of_exports_and_the_audit(db):
    c, users = db
    pid = _person(users["grid"], unit_id(c, GRID))
    stored = c.execute("select * from public.care_person where id = %s", (pid,)).fetchone()
    assert stored["id_number_masked"] == "1101**********002X" and stored["phone_masked"] == "139****5678"
    assert VALID_ID.encode() not in bytes(stored["id_number_enc"]) and stored["person_name_masked"] == "张**"
    # the owning grid reads the name in full, the community only its masked copy; ID number always masked
    grid_rows, _ = queries.ledger(users["grid"], 0, 500)
    community_rows, _ = queries.ledger(users["community"], 0, 500)
    mine = next(r for r in grid_rows if r["id"] == pid)
    theirs = next(r for r in community_rows if r["id"] == pid)
    assert (mine["person_name"], mine["id_number"], mine["home_address"]) == ("张秀英", "1101**********002X",
                                                                              "丽水社区1号楼2单元302室")
    assert (theirs["person_name"], theirs["home_address"]) == ("张**", "")
    for user in (users["grid"], users["district"]):
        data = queries.export_csv(user).decode("utf-8-sig")
        assert "1101**********002X" in data and VALID_ID not in data and "13912345678" not in data
    assert "张秀英" not in queries.export_csv(users["community"]).decode("utf-8-sig")
    audit = c.execute("select * from public.audit_log where table_name = 'care_person' and row_id = %s",
                      (str(pid),)).fetchall()
    assert audit, "the entry is audited"
    text = str(audit)
    for secret in (VALID_ID, "002X", "张秀英", "13912345678", "5678", "302室"):
        assert secret not in text
    # unmasking: the owning grid may, with a reason, logged without the value; the community may not
    assert unmask(users["grid"], "care_person", pid, "id_number", "核对低保材料") == VALID_ID
    with pytest.raises(DomainError):
        unmask(users["community"], "care_person", pid, "id_number", "核对")
    logged = c.execute("select kind, object, details::text as d from private.security_log"
                       " where kind in ('unmask', 'export') order by id").fetchall()
    assert any(r["kind"] == "unmask" and r["object"] == f"care_person:{pid}" for r in logged)
    assert sum(r["kind"] == "export" for r in logged) == 3
    assert not any(VALID_ID in r["d"] for r in logged)


def test_due_dates_count_working_days_of_the_district_calendar(db):
    c, users = db
    pid = _person(users["grid"], unit_id(c, GRID))     # 独居老人: every 5 working days
    assert c.execute("select next_due_on from public.care_person where id = %s", (pid,)).fetchone()["next_due_on"] \
        == dt.date.today()
    friday = dt.datetime(2026, 11, 27, 10, tzinfo=BEIJING)
    commands.log_round(users["grid"], RoundForm(kind="visit", org_unit_id=None, care_person_id=pid, place="家中",
                                                visited_at=friday))
    due = c.execute("select last_visit_on, next_due_on from public.care_person where id = %s", (pid,)).fetchone()
    assert due == {"last_visit_on": dt.date(2026, 11, 27), "next_due_on": dt.date(2026, 12, 4)}
    # a holiday on the Wednesday: the next visit's due date is a working day later; an older visit
    # entered late leaves the newer one standing
    c.execute("insert into public.work_calendar (day, working, note) values ('2026-12-09', false, '测试假日')")
    commands.log_round(users["grid"], RoundForm(kind="visit", org_unit_id=None, care_person_id=pid, place="家中",
                                                visited_at=friday + dt.timedelta(days=7)))
    commands.log_round(users["grid"], RoundForm(kind="visit", org_unit_id=None, care_person_id=pid, place="家中",
                                                visited_at=friday - dt.timedelta(days=7)))
    due = c.execute("select last_visit_on, next_due_on from public.care_person where id = %s", (pid,)).fetchone()
    assert due == {"last_visit_on": dt.date(2026, 12, 4), "next_due_on": dt.date(2026, 12, 14)}
    def light_on(day):
        return next((p["light"] for p in queries.today(users["grid"], day)["people"] if p["id"] == pid), None)
    assert (light_on(dt.date(2026, 12, 15)), light_on(dt.date(2026, 12, 14)), light_on(dt.date(2026, 12, 11))) \
        == ("red", "yellow", "green")
    assert light_on(dt.date(2026, 12, 8)) is None     # not yet within the days the page looks ahead


def test_findings_go_up_as_linked_demands_and_events(db):
    c, users = db
    grid = unit_id(c, GRID)
    safety = c.execute("select id from public.category where code = 'safety'").fetchone()["id"]
    visit = commands.log_round(users["grid"], RoundForm(
        kind="patrol", org_unit_id=grid, place="3号楼楼道", people_met="保安老周",
        findings=[FindingForm("楼道纸箱堆放", "on_spot"),
                  FindingForm("消防通道被占用", "demand", category_id=safety),
                  FindingForm("电动车飞线充电", "event", category_id=safety)]))
    found = c.execute("""select f.what, f.outcome, d.title as demand, d.grid_id as demand_grid, e.title as event,
                                e.grid_id as event_grid
                         from public.finding f left join public.demand d on d.id = f.demand_id
                         left join public.event e on e.id = f.event_id
                         where f.visit_id = %s order by f.id""", (visit,)).fetchall()
    assert [(f["outcome"], f["demand"], f["event"]) for f in found] == [
        ("on_spot", None, None), ("demand", "消防通道被占用", None), ("event", None, "电动车飞线充电")]
    assert found[1]["demand_grid"] == grid and found[2]["event_grid"] == grid
    on_spot = c.execute("select id from public.finding where visit_id = %s and outcome = 'on_spot'",
                        (visit,)).fetchone()["id"]
    demand = commands.report_up(users["grid"], on_spot, "demand", safety)
    assert c.execute("select demand_id from public.finding where id = %s", (on_spot,)).fetchone()["demand_id"] == demand
    with pytest.raises(DomainError) as again:
        commands.report_up(users["grid"], on_spot, "event", safety)
    assert again.value.key == "fieldwork.already_reported"
    with pytest.raises(FormError):
        commands.log_round(users["grid"], RoundForm(kind="patrol", org_unit_id=grid, place="车棚",
                                                    findings=[FindingForm("路灯坏", "demand")]))
    # another grid's worker cannot log a round in this grid
    other = c.execute("select count(*) as n from public.visit").fetchone()["n"]
    with pytest.raises(DomainError):
        commands.log_round(users["grid"], RoundForm(kind="patrol", org_unit_id=unit_id(c, "丽水社区第二网格"),
                                                    place="东门"))
    assert c.execute("select count(*) as n from public.visit").fetchone()["n"] == other


def test_campaign_rounds_and_findings_count_against_the_campaign(db):
    c, users = db
    street = unit_id(c, "长江路街道")
    today = clock.today()
    campaign = commands.set_campaign(users["street"], street, "飞线充电整治（测试）", ["飞线充电", "杂物堆积"],
                                     today - dt.timedelta(days=3), today + dt.timedelta(days=10))
    grid = unit_id(c, GRID)
    for items in (["飞线充电", "飞线充电"], ["杂物堆积"]):
        commands.log_round(users["grid"], RoundForm(
            kind="campaign", org_unit_id=grid, campaign_id=campaign, place="非机动车棚",
            findings=[FindingForm(f"发现{i}", "on_spot", campaign_item=i) for i in items]))
    with pytest.raises(DomainError) as refused:
        commands.log_round(users["grid"], RoundForm(kind="campaign", org_unit_id=grid, campaign_id=campaign,
                                                    place="车棚", findings=[FindingForm("x", "on_spot",
                                                                                        campaign_item="乱停车")]))
    assert refused.value.key == "fieldwork.unknown_item"
    counts = queries.campaign_counts(users["street"], campaign)
    assert counts["rounds"] == 2
    assert {r["item"]: (r["on_spot"], r["reported"]) for r in counts["items"]} == {"飞线充电": (2, 0),
                                                                                   "杂物堆积": (1, 0)}
    assert queries.campaign_counts(users["grid"], campaign)["rounds"] == 2
    with pytest.raises(DomainError):   # grid staff do not set campaigns
        commands.set_campaign(users["grid"], grid, "网格自设", ["x"], today, today)


def test_the_summary_rolls_up_grid_community_street(db):
    c, users = db
    end = clock.today()
    start = end - dt.timedelta(days=30)
    totals = {}
    for level in queries.LEVELS:
        rows = queries.summary(users["street"], start, end, level)
        totals[level] = tuple(sum(r[k] for r in rows) for k in ("visits", "rounds", "on_spot", "reported"))
    assert totals["grid"] == totals["community"] == totals["street"]
    assert totals["grid"][0] > 0 and totals["grid"][2] > 0
    with users["street"].session() as conn:
        assert tuple(queries.totals(conn, start, end).values()) == totals["street"]
    grid_only = queries.summary(users["grid"], start, end, "grid")
    assert {r["unit"] for r in grid_only} == {GRID}


def test_the_weekly_feedback_and_the_monthly_bulletin_carry_the_rounds(db):
    import io

    from openpyxl import load_workbook

    from gongzhi.dashboard import bulletin
    from gongzhi.whistle import queries as whistle_queries
    from gongzhi.whistle.report import weekly_xlsx
    c, users = db
    today = clock.today()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    report = whistle_queries.weekly(users["community"], monday)
    mine = {r["name"]: r for r in report["rounds"]}
    assert set(mine) <= {f"丽水社区{n}" for n in ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格")}
    expected = c.execute("""select count(*) as n from public.visit v join public.org_unit o on o.id = v.grid_id
                            where o.name = %s and v.kind = 'visit' and v.visited_on between %s and %s""",
                         (GRID, monday, monday + dt.timedelta(days=6))).fetchone()["n"]
    assert mine[GRID]["visits"] == expected > 0
    book = load_workbook(io.BytesIO(weekly_xlsx(report)))
    sheet = book["网格巡访"]
    assert [row for row in sheet.iter_rows(values_only=True) if row[0] == GRID][0][1] == expected
    b = bulletin.build(users["street"], None, today.year, today.month)
    with users["street"].session() as conn:
        period = (dt.date(today.year, today.month, 1), today.replace(day=28) + dt.timedelta(days=4))
        assert b.rounds == queries.totals(conn, period[0], period[1] - dt.timedelta(days=period[1].day))
    assert "网格巡访" in str([cell.value for row in load_workbook(io.BytesIO(bulletin.to_xlsx(b, "zh", with_charts=False))
                                                         ).active.iter_rows() for cell in row])

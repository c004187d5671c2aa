"""The community's triage, through gongzhi.suggest as the portal calls it: every path (reply,
close, turn into a demand with the phone sealed along, into a whistle event, merge into a message,
a demand or an event, the 五议 seam), each visible to the resident by code; refusals — a jump the
status machine forbids, a link to another community, closing without a reply, grid staff — change
nothing. The counts for the reports and the board's light come last."""
import datetime as dt

import psycopg
import pytest

from gongzhi import clock, db
from gongzhi.errors import DomainError
from gongzhi.suggest import commands, queries
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of


def _community(name="丽水社区") -> dict:
    with db.owner() as conn:
        return conn.execute("select id, code from public.org_unit where name = %s", (name,)).fetchone()


def _new(phone: str | None = None, name="丽水社区", body="5号楼楼道里堆满纸箱，还有电动车在楼道充电。") -> commands.Submitted:
    return commands.submit(_community(name)["code"], "safety", "complaint", body, phone, True, "198.51.100.7")


def _status(code: str) -> str:
    return queries.lookup(code)["status"]


@pytest.fixture
def staff(fresh_db):
    return identity_of(DEMO_EMAILS["community"])


def _grid(user) -> int:
    return queries.grids_of(user, _community()["id"])[0]["id"]


def test_a_reply_accepts_and_the_resident_reads_it_by_code(staff):
    new = _new()
    assert _status(new.code) == "received"
    commands.reply(staff, new.id, "已收到，明天安排网格员上门查看。")
    found = queries.lookup(new.code)
    assert found["status"] == "accepted" and found["reply"] == "已收到，明天安排网格员上门查看。"
    assert [s["status"] for s in found["steps"]] == ["received", "accepted"]


def test_closing_needs_a_reply_and_then_closes(staff):
    new = _new()
    with pytest.raises(DomainError) as refused:
        commands.close(staff, new.id, "  ")
    assert refused.value.key == "suggestion.reply_required" and _status(new.code) == "received"
    commands.close(staff, new.id, "楼道已清理，电动车已劝离。")
    assert _status(new.code) == "closed"


def test_the_database_itself_refuses_to_close_without_a_reply(staff):
    new = _new()
    with pytest.raises(psycopg.Error) as refused, staff.session() as conn:
        conn.execute("update public.suggestion set status = 'closed' where id = %s", (new.id,))
    assert refused.value.diag.message_primary == "gongzhi:suggestion.reply_required"
    assert _status(new.code) == "received"


def test_a_demand_takes_the_message_and_its_phone_masked(staff):
    new = _new(phone="13600001234")
    demand_id = commands.to_demand(staff, new.id, _grid(staff), "楼道堆物清理", "high", "已转为需求办理。")
    with db.owner() as conn:
        demand = conn.execute("select title, description, urgency, beneficiary_phone_masked, beneficiary_phone_bidx"
                              " from public.demand where id = %s", (demand_id,)).fetchone()
        message = conn.execute("select status, demand_id, phone_bidx from public.suggestion where id = %s",
                               (new.id,)).fetchone()
    assert demand["title"] == "楼道堆物清理" and demand["urgency"] == "high" and "电动车" in demand["description"]
    assert demand["beneficiary_phone_masked"] == "136****1234" and demand["beneficiary_phone_bidx"] == message["phone_bidx"]
    assert message["status"] == "demand" and message["demand_id"] == demand_id
    found = queries.lookup(new.code)
    assert found["status"] == "demand" and found["reply"] == "已转为需求办理。"


def test_an_event_is_whistled_from_the_message(staff):
    new = _new()
    with db.owner() as conn:
        department = conn.execute("select id from public.department order by position limit 1").fetchone()["id"]
    event_id = commands.to_event(staff, new.id, _grid(staff), "楼道电动车充电隐患", "丽水社区5号楼", [department])
    with db.owner() as conn:
        event = conn.execute("select title, step, departments from public.event where id = %s", (event_id,)).fetchone()
    assert event == {"title": "楼道电动车充电隐患", "step": "whistle", "departments": [department]}
    assert _status(new.code) == "event"


@pytest.mark.parametrize("target", ["suggestion", "demand", "event"])
def test_a_message_merges_into_a_message_demand_or_event_of_its_community(staff, target):
    first, second = _new(), _new(body="5号楼楼道的电动车又在充电了，很危险。")
    with db.owner() as conn:
        ids = {"suggestion": first.id,
               "demand": conn.execute("select id from public.demand where community_id = %s limit 1",
                                      (_community()["id"],)).fetchone()["id"],
               "event": conn.execute("select id from public.event where community_id = %s limit 1",
                                     (_community()["id"],)).fetchone()["id"]}
    commands.merge(staff, second.id, text="与此前同类问题合并办理。", **{f"into_{target}": ids[target]})
    found = queries.lookup(second.code)
    assert found["status"] == "merged" and found["reply"] == "与此前同类问题合并办理。"


def test_a_merge_into_another_community_or_itself_is_refused(staff, fresh_db):
    mine, theirs = _new(), _new(name="新华里社区")
    for kwargs, key in ((dict(into_suggestion=theirs.id), "suggestion.other_community"),
                        (dict(into_suggestion=mine.id), "suggestion.merge_itself"),
                        (dict(), "suggestion.merge_one_target")):
        with pytest.raises(DomainError) as refused:
            commands.merge(staff, mine.id, **kwargs)
        assert refused.value.key == key
    assert _status(mine.code) == "received"


def test_a_jump_the_status_machine_forbids_is_refused_by_the_database(staff):
    new = _new()
    commands.close(staff, new.id, "已处理完毕。")
    with pytest.raises(DomainError) as refused:
        commands.to_demand(staff, new.id, _grid(staff), "楼道堆物清理")
    assert refused.value.key == "status.invalid_transition"
    assert _status(new.code) == "closed"
    with db.owner() as conn:   # the demand made in the same transaction went back with it
        assert conn.execute("select count(*) as n from public.demand where title = '楼道堆物清理'").fetchone()["n"] == 0
    commands.reopen(staff, new.id, "居民反映仍未解决，重新受理。")
    assert _status(new.code) == "accepted"


def test_a_message_becomes_a_five_step_agenda_item_and_each_names_the_other(staff):
    new = _new(body="小区停车位太少，建议把闲置绿地改成停车位，请居民一起商议。")
    item = commands.to_agenda(staff, new.id, "闲置绿地改停车位", "已列入五议议题，请关注公示。")
    with db.owner() as conn:
        assert conn.execute("select status, deliberation_id from public.suggestion where id = %s",
                            (new.id,)).fetchone() == {"status": "deliberation", "deliberation_id": item}
        row = conn.execute("select status, title, proposer_kind, suggestion_id, org_unit_id from public.deliberation"
                           " where id = %s", (item,)).fetchone()
    assert row == {"status": "proposed", "title": "闲置绿地改停车位", "proposer_kind": "residents",
                   "suggestion_id": new.id, "org_unit_id": _community()["id"]}
    assert _status(new.code) == "deliberation"


def test_a_link_to_an_agenda_item_that_does_not_exist_is_refused(staff):
    new = _new()
    with pytest.raises(DomainError):
        commands.to_deliberation(staff, new.id, 987654, "已列入五议议题。")
    assert _status(new.code) == "received"


def test_grid_staff_and_other_communities_cannot_triage(fresh_db):
    mine = _new()
    for email in (DEMO_EMAILS["grid"], DEMO_EMAILS["department"]):
        with pytest.raises(DomainError) as refused:
            commands.reply(identity_of(email), mine.id, "越权答复")
        assert refused.value.key == "error.forbidden"
    assert _status(mine.code) == "received"


def test_bad_public_input_gets_a_key_and_writes_nothing(fresh_db):
    code = _community()["code"]
    with db.owner() as conn:
        before = conn.execute("select count(*) as n from public.suggestion").fetchone()["n"]
    for args, key in (((code, "safety", "complaint", "短", None, True), "suggestion.body_length"),
                      ((code, "safety", "complaint", "楼道堆物严重", "12345", True), "field.error.phone"),
                      ((code, "safety", "complaint", "楼道堆物严重", None, False), "privacy.notice_unread"),
                      ((code, "safety", "rumour", "楼道堆物严重", None, True), "suggestion.unknown_kind")):
        with pytest.raises(DomainError) as refused:
            commands.submit(*args, "198.51.100.8")
        assert refused.value.key == key
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.suggestion").fetchone()["n"] == before
    assert queries.lookup("not a code") is None and queries.lookup("") is None


def test_the_board_lights_and_the_report_counts(staff):
    today = clock.today()       # the counts count Beijing days
    late, fresh = _new(), _new()
    with db.owner() as conn, conn.transaction():   # back-dated past the trigger that keeps the dates
        conn.execute("set local session_replication_role = replica")
        conn.execute("update public.suggestion set reply_due = %s, yellow_on = %s where id = %s",
                     (today - dt.timedelta(days=1), today - dt.timedelta(days=2), late.id))
    rows, total = queries.board(staff, "open", size=500)
    lights = {r["id"]: r["light"] for r in rows}
    assert lights[late.id] == "red" and lights[fresh.id] in ("green", "yellow") and total == len(rows)
    assert [r["reply_due"] for r in rows] == sorted(r["reply_due"] for r in rows)
    before = queries.counts(staff, today, today + dt.timedelta(days=1))
    commands.reply(staff, fresh.id, "已受理。")
    commands.to_demand(staff, late.id, _grid(staff), "楼道堆物清理")
    after = queries.counts(staff, today, today + dt.timedelta(days=1))
    assert after["received"] == before["received"]
    assert after["replied_in_time"] == before["replied_in_time"] + 1   # the late one was replied past its day
    assert after["to_cases"] == before["to_cases"] + 1

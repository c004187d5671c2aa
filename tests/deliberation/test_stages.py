"""The 五议 stage machine in the database: every move it allows, every jump it refuses, what each
stage needs, the quorum and result, one vote per code, the project an approval makes, the history
and the audit trail."""
import itertools

import psycopg
import pytest

from gongzhi import statuses
from tests.conftest import act_as, act_as_owner, unit_id
from tests.deliberation.makers import ENTER, new_code, new_item, walk
from tests.personal import act_as_public

STAGES = statuses.STORED["deliberation"]


def _machine(conn) -> set[tuple[str | None, str]]:
    return {(r["from_status"], r["to_status"]) for r in conn.execute(
        "select from_status, to_status from public.status_transition where entity = 'deliberation'")}


def _item(conn, stage: str, place: str = "丽水社区") -> int:
    act_as(conn, "community")
    return new_item(conn, unit_id(conn, place), stage)


def _status(conn, item: int) -> str:
    return conn.execute("select status from public.deliberation where id = %s", (item,)).fetchone()["status"]


def _refused(conn, sql: str, params: tuple, key: str) -> None:
    with pytest.raises(psycopg.Error) as caught, conn.transaction():
        conn.execute(sql, params)
    assert caught.value.diag.message_primary == f"gongzhi:{key}"


def test_the_machine_is_the_five_stages(conn):
    assert _machine(conn) == {(None, "proposed"), ("proposed", "accepted"), ("proposed", "declined"),
                              ("accepted", "consulted"), ("consulted", "voting"), ("voting", "approved"),
                              ("voting", "rejected"), ("approved", "evaluated")}


@pytest.mark.parametrize("move", sorted([("proposed", "accepted"), ("proposed", "declined"), ("accepted", "consulted"),
                                         ("consulted", "voting"), ("voting", "approved"), ("voting", "rejected"),
                                         ("approved", "evaluated")]))
def test_community_staff_make_every_valid_move(conn, move):
    start, target = move
    item = _item(conn, start)
    assert _status(conn, item) == start
    walk(conn, item, target)
    assert _status(conn, item) == target
    steps = [r["status"] for r in conn.execute(
        "select status from public.deliberation_step where deliberation_id = %s order by id", (item,))]
    assert steps[-1] == target and steps[0] == "proposed"


INVALID = [(a, b) for a, b in itertools.product(STAGES, STAGES) if a != b
           and (a, b) not in {("proposed", "accepted"), ("proposed", "declined"), ("accepted", "consulted"),
                              ("consulted", "voting"), ("voting", "approved"), ("voting", "rejected"),
                              ("approved", "evaluated")}]


@pytest.mark.parametrize("start, target", INVALID)
def test_the_database_refuses_every_other_jump(conn, start, target):
    item = _item(conn, start)
    # Everything the target stage needs is filled in, so only the machine can refuse.
    conn.execute("update public.deliberation set decline_reason = '理由', meeting_on = current_date,"
                 " participants = '代表', minutes = '纪要', evaluation = '评议' where id = %s", (item,))
    _refused(conn, "update public.deliberation set status = %s where id = %s", (target, item),
             "status.invalid_transition")
    assert _status(conn, item) == start


def test_an_item_starts_proposed_only(conn):
    act_as(conn, "community")      # staff may not even name the status of a new item
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.deliberation (org_unit_id, title, proposer_kind, proposer, status)"
                     " values (%s, '加装电梯', 'party', '社区党委', 'proposed')", (unit_id(conn, "丽水社区"),))
    act_as_owner(conn)             # and the machine refuses any other start to everyone
    _refused(conn, "insert into public.deliberation (org_unit_id, title, proposer_kind, proposer, status)"
                   " values (%s, '加装电梯', 'party', '社区党委', 'approved')", (unit_id(conn, "丽水社区"),),
             "status.invalid_transition")


@pytest.mark.parametrize("start, change, key", [
    ("proposed", "status = 'declined'", "deliberation.reason_required"),
    ("accepted", "status = 'consulted', meeting_on = current_date, participants = '代表'", "deliberation.meeting_required"),
    ("consulted", "status = 'voting', notice_text = '公示', notice_from = current_date, notice_until = current_date + 3,"
                  " electorate = 10", "deliberation.notice_required"),
    ("voting", "status = 'rejected'", "deliberation.notice_running"),
    ("approved", "status = 'evaluated', evaluation = '好'", "deliberation.not_implemented"),
    ("consulted", "meeting_yes = 3", "deliberation.tally_closed"),
    ("voting", "quorum = 1", "deliberation.notice_fixed"),
    ("approved", "closed_on = current_date - 5", "deliberation.computed"),
])
def test_each_stage_refuses_what_it_lacks(conn, start, change, key):
    item = _item(conn, start)
    if key == "deliberation.computed":
        act_as_owner(conn)    # the column is granted to no client: the trigger guards the owner too
    _refused(conn, f"update public.deliberation set {change} where id = %s", (item,), key)
    assert _status(conn, item) == start


def test_an_item_is_proposed_only_at_a_community_or_below(conn):
    act_as_owner(conn)
    _refused(conn, "insert into public.deliberation (org_unit_id, title, proposer_kind, proposer)"
                   " values (%s, '议题', 'party', '街道党工委')", (unit_id(conn, "长江路街道"),), "deliberation.not_community")


@pytest.mark.parametrize("yes, no, abstain, quorum, outcome, met", [
    (6, 3, 1, 10, "approved", True),     # quorum reached, a majority of votes cast
    (5, 4, 1, 10, "rejected", True),     # half the votes cast is not a majority
    (9, 0, 0, 10, "rejected", False),    # unanimous, but below the quorum
    (6, 2, 4, 12, "rejected", True),     # abstentions count toward the quorum and against a majority
    (7, 2, 3, 12, "approved", True),
])
def test_quorum_and_result(conn, yes, no, abstain, quorum, outcome, met):
    item = _item(conn, "consulted")
    conn.execute("update public.deliberation set status = 'voting', notice_text = '公示', notice_from = current_date - 2,"
                 " notice_until = current_date + 7, electorate = 20, quorum = %s where id = %s", (quorum, item))
    conn.execute("update public.deliberation set meeting_yes = %s, meeting_no = %s, meeting_abstain = %s where id = %s",
                 (yes, no, abstain, item))
    hidden = conn.execute("select * from private.deliberation_result(%s)", (item,)).fetchone()
    assert hidden == {"yes": None, "no": None, "abstain": None, "turnout": yes + no + abstain, "quorum_met": met,
                      "outcome": None}      # while the notice period runs: the turnout only
    act_as_owner(conn)
    conn.execute("update public.deliberation set notice_until = current_date - 1 where id = %s", (item,))
    act_as(conn, "community")
    count = conn.execute("select * from private.deliberation_result(%s)", (item,)).fetchone()
    assert count == {"yes": yes, "no": no, "abstain": abstain, "turnout": yes + no + abstain, "quorum_met": met,
                     "outcome": outcome}
    wrong = "approved" if outcome == "rejected" else "rejected"
    _refused(conn, "update public.deliberation set status = %s where id = %s", (wrong, item), "deliberation.result_mismatch")
    conn.execute("update public.deliberation set status = %s where id = %s", (outcome, item))
    row = conn.execute("select closed_on is not null as closed, project_id from public.deliberation where id = %s",
                       (item,)).fetchone()
    assert row["closed"] and (row["project_id"] is not None) == (outcome == "approved")


def test_code_votes_count_once_each_and_anonymously(conn):
    item = _item(conn, "voting")
    codes = [new_code(conn, item) for _ in range(3)]
    act_as_public(conn)
    shown = conn.execute("select * from private.deliberation_ballot(%s)", (codes[0].lower() + " ",)).fetchone()
    assert shown["title"] == "加装电梯" and shown["notice_text"] == "方案公示" and shown["voted"] is False
    assert conn.execute("select voted from private.deliberation_ballot(%s, 'yes')", (codes[0],)).fetchone()["voted"]
    conn.execute("select from private.deliberation_ballot(%s, 'no')", (codes[1],))
    # A used code votes nothing: it answers 'used' and nothing of the item (and counts against the client).
    again = conn.execute("select * from private.deliberation_ballot(%s, 'no')", (codes[0],)).fetchall()
    assert again == [{"state": "used", "title": None, "community": None, "notice_text": None, "notice_from": None,
                      "notice_until": None, "voted": True}]
    # An unknown code votes nothing and answers no row (it counts against the client's limit).
    assert conn.execute("select from private.deliberation_ballot(%s, 'yes')", ("NOSUCHCODE99",)).fetchall() == []
    _refused(conn, "select from private.deliberation_ballot(%s, 'maybe')", (codes[2],), "deliberation.bad_choice")
    assert conn.execute("select state from private.deliberation_ballot(%s)", (codes[0],)).fetchone()["state"] == "used"
    act_as(conn, "community")
    assert conn.execute("select turnout, yes from private.deliberation_result(%s)", (item,)).fetchone() == {
        "turnout": 2, "yes": None}
    act_as_owner(conn)
    conn.execute("update public.deliberation set notice_until = current_date - 1 where id = %s", (item,))
    act_as(conn, "community")
    count = conn.execute("select yes, no, abstain from private.deliberation_result(%s)", (item,)).fetchone()
    assert count == {"yes": 1, "no": 1, "abstain": 0}
    assert conn.execute("select count(*) filter (where used) as n from public.deliberation_code"
                        " where deliberation_id = %s", (item,)).fetchone()["n"] == 2
    act_as_owner(conn)
    columns = {r["attname"] for r in conn.execute(
        "select attname from pg_attribute where attrelid = 'public.deliberation_vote'::regclass and attnum > 0"
        " and not attisdropped")}
    assert columns == {"id", "deliberation_id", "terr", "choice", "seal"}   # no code, no time, no person


def test_a_second_vote_of_one_code_is_refused_by_a_constraint_too(conn):
    item = _item(conn, "voting")
    code = new_code(conn, item)
    act_as_public(conn)
    conn.execute("select from private.deliberation_ballot(%s, 'yes')", (code,))
    act_as_owner(conn)
    conn.execute("update public.deliberation_code set used = false where deliberation_id = %s", (item,))
    act_as_public(conn)
    with pytest.raises(psycopg.errors.UniqueViolation) as caught, conn.transaction():
        conn.execute("select from private.deliberation_ballot(%s, 'no')", (code,))
    assert caught.value.diag.constraint_name == "deliberation_vote_once_per_code"


def test_no_vote_outside_the_notice_period(conn):
    item = _item(conn, "consulted")
    code = new_code(conn, item)
    act_as_public(conn)          # outside the period a code answers as an unknown one: no row, no vote
    assert conn.execute("select from private.deliberation_ballot(%s, 'yes')", (code,)).fetchall() == []
    act_as(conn, "community")      # a notice posted today for a period that starts tomorrow
    conn.execute("update public.deliberation set status = 'voting', notice_text = '公示', notice_from = current_date + 1,"
                 " notice_until = current_date + 5, electorate = 20, quorum = 10 where id = %s", (item,))
    act_as_public(conn)
    assert conn.execute("select from private.deliberation_ballot(%s, 'yes')", (code,)).fetchall() == []
    act_as_owner(conn)
    assert conn.execute("select count(*) as n from public.deliberation_vote where deliberation_id = %s",
                        (item,)).fetchone()["n"] == 0


def test_codes_are_issued_only_around_the_vote(conn):
    item = _item(conn, "accepted")
    _refused(conn, "insert into public.deliberation_code (deliberation_id, code_hash) values (%s, %s)",
             (item, "a" * 64), "deliberation.codes_closed")


def test_the_public_role_calls_the_ballot_and_nothing_else_anon_nothing(conn):
    item = _item(conn, "voting")
    code = new_code(conn, item)
    act_as(conn, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select from private.deliberation_ballot(%s)", (code,))
    act_as_public(conn)
    for table in ("deliberation", "deliberation_code", "deliberation_vote", "deliberation_step"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(f"select count(*) from public.{table}")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select * from private.deliberation_result(%s)", (item,))
    act_as_owner(conn)
    callable_ = {r["name"] for r in conn.execute(
        "select p.proname as name from pg_proc p where p.pronamespace = 'private'::regnamespace"
        " and p.proname like 'deliberation%%' and has_function_privilege('gongzhi_public', p.oid, 'execute')")}
    assert callable_ == {"deliberation_ballot"}


def test_an_approved_item_becomes_a_linked_project_in_its_territory(conn):
    item = _item(conn, "approved", place="丽水社区第一网格")
    row = conn.execute("select d.project_id, p.name, p.kind, p.status, p.org_unit_id = d.org_unit_id as same_place"
                       " from public.deliberation d join public.project p on p.id = d.project_id where d.id = %s",
                       (item,)).fetchone()
    assert row == {"project_id": row["project_id"], "name": "加装电梯", "kind": "livelihood", "status": "planning",
                   "same_place": True}
    act_as(conn, "street")
    assert conn.execute("select count(*) as n from public.project where id = %s", (row["project_id"],)).fetchone()["n"] == 1


def test_every_stage_is_in_the_audit_trail(conn):
    item = _item(conn, "evaluated")
    act_as_owner(conn)
    moves = [r["s"] for r in conn.execute(
        "select new_row ->> 'status' as s from public.audit_log where table_name = 'deliberation' and row_id = %s"
        " order by id", (str(item),))]
    assert [s for i, s in enumerate(moves) if i == 0 or s != moves[i - 1]] == [
        "proposed", "accepted", "consulted", "voting", "approved", "evaluated"]


def test_street_and_district_staff_read_but_do_not_move(conn):
    item = _item(conn, "proposed")
    for role in ("street", "district", "grid"):
        act_as(conn, role)
        assert conn.execute("select count(*) as n from public.deliberation where id = %s", (item,)).fetchone()["n"] == 1
        try:
            with conn.transaction():
                done = conn.execute("update public.deliberation set status = 'accepted' where id = %s", (item,)).rowcount
        except psycopg.errors.InsufficientPrivilege:    # district staff: no update right at all
            done = 0
        assert done == 0, role
    act_as(conn, "community")
    assert _status(conn, item) == "proposed"


def test_an_item_names_only_a_message_that_exists(conn):
    """The suggestion box's messages become items through gongzhi.suggest.commands.to_agenda
    (tests/suggest/test_triage.py); a crafted link to no message is refused by the foreign key."""
    act_as(conn, "community")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("insert into public.deliberation (org_unit_id, title, proposer_kind, proposer, suggestion_id)"
                     " values (%s, '垃圾分类亭选址', 'residents', '民情意见箱', 987654)", (unit_id(conn, "丽水社区"),))


def test_the_entering_values_fit_the_stage_names(conn):
    assert set(ENTER) <= set(STAGES)

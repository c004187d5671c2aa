"""五议 through gongzhi.deliberation as the portal calls it: each move one transaction as the user,
bad input refused in the user's language with nothing written, vote codes issued once and voted
once through the public role, the vote closed with the result the database counts."""
import datetime as dt

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import db
from gongzhi.deliberation import ballot, commands, queries
from gongzhi.deliberation.forms import EvaluationForm, MeetingForm, NoticeForm, ProposalForm, TallyForm
from gongzhi.errors import DomainError
from gongzhi.lists.forms import FormError
from tests.conftest import unit_id
from tests.pages.conftest import identity_of
from tests.conftest import DEMO_EMAILS

TODAY = dt.date.today()


@pytest.fixture
def community(fresh_db):
    return identity_of(DEMO_EMAILS["community"])


def _place(name):
    with db.owner() as conn:
        return unit_id(conn, name)


def _propose(user, suggestion_id=None, **changes) -> int:
    values = dict(org_unit_id=_place("丽水社区"), title="垃圾分类亭选址", description="两处候选位置",
                  proposer_kind="party", proposer="丽水社区党委") | changes
    return commands.propose(user, ProposalForm(**values), suggestion_id=suggestion_id)


def test_a_proposal_with_bad_fields_is_refused_field_by_field_and_writes_nothing(community):
    before = queries.page(community)[1]
    with pytest.raises(FormError) as caught:
        _propose(community, title=" ", proposer_kind="mayor", org_unit_id=_place("江滩社区"))
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("title", "field.error.required"), ("proposer_kind", "field.error.choice"), ("org_unit_id", "field.error.org_unit")}
    assert queries.page(community)[1] == before


def test_the_whole_way_through_the_portal(community):
    item = _propose(community, suggestion_id=77, proposer_kind="residents", proposer="民情意见箱")
    assert queries.get(community, item)["suggestion_id"] == 77       # the 民情意见箱 seam
    commands.take_up(community, item)
    with pytest.raises(FormError) as caught:
        commands.record_meeting(community, item, MeetingForm(meeting_on=TODAY + dt.timedelta(days=1)), TODAY)
    assert {e.key for e in caught.value.errors} == {"deliberation.error.future", "field.error.required"}
    commands.record_meeting(community, item, MeetingForm(meeting_on=TODAY, meeting_place="党群服务中心",
                                                         participants="居委会、业主代表 10 人", minutes="同意公议"), TODAY)
    with pytest.raises(FormError) as caught:
        commands.open_vote(community, item, NoticeForm(notice_text="公示", notice_from=TODAY, notice_until=TODAY,
                                                       electorate=5, quorum=9))
    assert [e.key for e in caught.value.errors] == ["deliberation.error.quorum"]
    codes = commands.issue_codes(community, item, 4)
    assert len(set(codes)) == 4 and all(len(c) == commands.CODE_LENGTH for c in codes)
    commands.open_vote(community, item, NoticeForm(notice_text="两处亭址公示", notice_from=TODAY - dt.timedelta(days=3),
                                                   notice_until=TODAY + dt.timedelta(days=4), electorate=10, quorum=5))
    shown = ballot.look_up(codes[0])
    assert (shown.title, shown.notice_text, shown.voted) == ("垃圾分类亭选址", "两处亭址公示", False)
    for code, choice in zip(codes, ["yes", "yes", "no", "abstain"]):
        assert ballot.vote(code, choice).voted
    with pytest.raises(DomainError) as refused:
        ballot.vote(codes[0], "no")
    assert refused.value.key == "deliberation.code_used"
    with pytest.raises(DomainError) as refused:
        ballot.vote("XXXX", "yes")
    assert refused.value.key == "deliberation.bad_code"
    commands.record_tally(community, item, TallyForm(meeting_yes=2, meeting_no=1, meeting_abstain=0))
    with pytest.raises(DomainError) as refused:
        commands.close_vote(community, item)
    assert refused.value.key == "deliberation.notice_running"
    with db.owner() as conn:
        conn.execute("update public.deliberation set notice_until = current_date - 1 where id = %s", (item,))
    assert commands.close_vote(community, item) == "approved"       # 4 yes of 7 votes, quorum 5
    detail = queries.get(community, item)
    assert detail["count"] == {"yes": 4, "no": 2, "abstain": 1, "turnout": 7, "quorum_met": True, "outcome": "approved"}
    assert detail["codes"] == {"issued": 4, "used": 4}
    assert [s["status"] for s in detail["steps"]] == ["proposed", "accepted", "consulted", "voting", "approved"]
    assert detail["project_status"] == "planning"
    with pytest.raises(DomainError) as refused:
        commands.evaluate(community, item, EvaluationForm(evaluation="很好", rating_satisfied=8))
    assert refused.value.key == "deliberation.not_implemented"


def test_street_staff_read_and_cannot_move(fresh_db):
    street = identity_of(DEMO_EMAILS["street"])
    rows, total = queries.page(street)
    assert total >= 5 and {r["title"] for r in rows} >= {"小区停车改造", "3栋老旧住宅加装电梯"}
    proposed = next(r["id"] for r in rows if r["status"] == "proposed")
    with pytest.raises(DomainError) as refused:
        commands.take_up(street, proposed)
    assert refused.value.key in ("error.forbidden",)


def test_the_demo_items_and_codes(fresh_db):
    from gongzhi.deliberation.demo import DEMO_CODES
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        stages = {r["status"] for r in conn.execute("select status from public.deliberation")}
    assert stages == {"proposed", "accepted", "declined", "consulted", "voting", "approved", "evaluated"}
    shown = ballot.look_up(DEMO_CODES[0])
    assert shown.title == "3栋老旧住宅加装电梯" and not shown.voted

"""书记项目 through the domain functions: a community secretary claims, submits; the street approves;
the community reports and publishes; the result reaches the monthly bulletin; bad input is refused
with field keys and changes nothing."""
import datetime as dt

import pytest

from gongzhi.dashboard import bulletin
from gongzhi.errors import DomainError
from gongzhi.levers import secretary
from gongzhi.lists.forms import FormError
from tests.conftest import ACCOUNTS
from tests.pages.conftest import identity_of

TODAY = dt.date.today()


def _form(**over):
    values = dict(name="楼道微更新", secretary="张伟", goal="改善楼道环境", targets="粉刷楼道20个\n加装扶手40处",
                  budget="150000", deadline=TODAY + dt.timedelta(days=120), report_every_days=30)
    values.update(over)
    return secretary.ClaimForm(**values)


def test_claim_submit_approve_report_publish_and_the_bulletin(fresh_db):
    community, street = identity_of(ACCOUNTS["community"]), identity_of(ACCOUNTS["street"])
    claim = secretary.claim(community, _form())
    assert secretary.one(community, claim)["mine"]
    secretary.submit(community, claim)
    assert secretary.one(street, claim)["reviewing"]
    with pytest.raises(DomainError) as refused:
        secretary.approve(community, claim)
    assert refused.value.key == "secretary.level_above_only"
    secretary.approve(street, claim, "同意")
    secretary.report(community, claim, "已粉刷8个楼道", 40)
    secretary.note(street, claim, "注意施工安全")
    assert [u["kind"] for u in secretary.updates(community, claim)] == ["report", "note"]
    assert secretary.one(community, claim)["light"] == "green"
    secretary.publish(community, claim, "粉刷楼道20个", 20, 1200)
    row = secretary.one(community, claim)
    assert (row["status"], row["published_on"], row["progress"]) == ("published", TODAY, 40)
    doc = bulletin.build(community, None, TODAY.year, TODAY.month)
    assert claim in [r["id"] for r in doc.published]
    view = secretary.overview(identity_of(ACCOUNTS["district"]))
    assert view["totals"]["published"] >= 2 and view["totals"]["people_reached"] >= 1200


@pytest.mark.parametrize("over, field", [
    (dict(name=""), "name"), (dict(targets="  "), "targets"), (dict(budget="十万"), "budget"),
    (dict(budget="-1"), "budget"), (dict(deadline=TODAY - dt.timedelta(days=1)), "deadline"),
    (dict(report_every_days=3), "report_every_days"), (dict(goal="长" * 501), "goal"),
])
def test_bad_claims_are_refused_field_by_field_and_change_nothing(fresh_db, over, field):
    community = identity_of(ACCOUNTS["community"])
    before = secretary.count(community)
    with pytest.raises(FormError) as refused:
        secretary.claim(community, _form(**over))
    assert field in [e.field for e in refused.value.errors]
    assert secretary.count(community) == before


def test_returning_needs_reasons(fresh_db):
    community, street = identity_of(ACCOUNTS["community"]), identity_of(ACCOUNTS["street"])
    claim = secretary.claim(community, _form())
    secretary.submit(community, claim)
    with pytest.raises(FormError):
        secretary.return_claim(street, claim, "  ")
    secretary.return_claim(street, claim, "请补充资金来源")
    assert secretary.one(community, claim)["status"] == "returned"


def test_the_overview_covers_the_users_own_territory_and_the_demo_has_an_overdue_claim(fresh_db):
    street = identity_of(ACCOUNTS["street"])
    view = secretary.overview(street)
    assert {r["level"] for r in view["levels"]} == {"street", "community"}
    assert view["totals"]["units"] == 5           # 长江路街道 and its four communities
    assert {r["name"] for r in view["uncovered"]} == {"民主社区"}
    lights = {r["name"]: r["light"] for r in secretary.claims(street)}
    assert lights["老旧小区加装电梯攻坚"] == "red"

"""月通报签发 on the bulletin page, as the district, a street and a community (real app.py, real
database): the district produces a street's bulletin and issues it, the home card counts one fewer,
the street and its communities read that it is issued, and nobody else can issue or re-issue it."""
import datetime as dt
import re

from gongzhi import i18n
from gongzhi.dashboard import issue as issues
from gongzhi.errors import DomainError
from tests.pages.conftest import identity_of
from tests.conftest import ACCOUNTS

import pytest

PAGE = "pages/bulletin.py"
HOME = "pages/home.py"
CARD = "bulletin_unissued"
TOTAL = re.compile(r"^共 ([\d,]+) 条$")


def _card_count(app_as) -> int:
    home = app_as("district").run()
    found = [m for m in home.metric if m.label == i18n.t(f"home.card.{CARD}")]
    assert len(found) == 1
    return int(found[0].value)


def _card_list(app_as) -> list[str]:
    at = app_as("district", PAGE)
    at.query_params["todo"] = CARD
    at.run()
    assert not at.exception
    total = [int(TOTAL.match(c.value).group(1)) for c in at.caption if TOTAL.match(c.value)]
    names = list(at.dataframe[0].value[i18n.t("bulletin.issue.unit")])
    assert total == [len(names)]
    return names


def _produce(at, scope_name: str | None = None):
    if scope_name is not None:
        scope = next(r["id"] for r in issues.scopes(identity_of(ACCOUNTS["district"])) if r["name"] == scope_name)
        at.selectbox(key="bulletin_scope").set_value(scope).run()
    return at.button(key="bulletin_go").click().run()


def test_the_district_issues_a_street_bulletin_and_the_card_counts_one_fewer(app_as):
    before = _card_count(app_as)
    assert before == 5 and "长江路街道" in _card_list(app_as)   # the district's own and four streets'
    at = _produce(app_as("district", PAGE).run(), "长江路街道")
    assert not at.exception
    assert at.button(key="bulletin_issue_go").proto.label == "签发"
    at.button(key="bulletin_issue_go").click().run()
    assert [s.value for s in at.success][0] == "月通报已签发。"
    assert "长江路街道" in at.success[1].value and "签发" in at.success[1].value
    assert not [b for b in at.button if b.key == "bulletin_issue_go"], "issued once: the action is gone"
    assert _card_count(app_as) == before - 1
    assert "长江路街道" not in _card_list(app_as)

    board = app_as("district", PAGE).run()
    board.radio(key="bulletin_view").set_value("issues").run()
    table = board.dataframe[0].value
    states = dict(zip(table[i18n.t("bulletin.issue.unit")], table[i18n.t("bulletin.issue.state")]))
    assert states["长江路街道"] == "已签发" and states["新华街道"] == "未签发"

    for role in ("street", "community"):   # 长江路街道 and its 丽水社区 read that it is issued
        seen = _produce(app_as(role, PAGE).run())
        assert not seen.exception
        assert any("长江路街道" in s.value and "签发" in s.value for s in seen.success), role
        assert not [b for b in seen.button if b.key == "bulletin_issue_go"], role


def test_before_the_issue_the_street_reads_that_it_is_pending(app_as):
    at = _produce(app_as("street", PAGE).run())
    assert [i.value for i in at.info][-1].endswith("月通报尚未由区签发。")


def test_issuing_twice_or_too_early_or_as_a_street_is_refused(app_as):
    district = identity_of(ACCOUNTS["district"])
    last = issues.due_period(dt.datetime.now(dt.timezone.utc))
    issues.issue(district, None, last.year, last.month)
    for who, year, month, key in ((district, last.year, last.month, "bulletin.issue.already"),
                                  (district, *_this_month(), "bulletin.issue.not_ended"),
                                  (identity_of(ACCOUNTS["street"]), last.year, last.month, "error.forbidden"),
                                  (district, last.year, 13, "dashboard.bad_month")):
        with pytest.raises(DomainError) as refused:
            issues.issue(who, None, year, month)
        assert refused.value.key == key
    assert len([r for r in issues.board(district, last.year, last.month) if r["issued_at"]]) == 1


def _this_month() -> tuple[int, int]:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    return today.year, today.month


def test_a_street_following_the_districts_card_gets_a_message(app_as):
    at = app_as("street", PAGE)
    at.query_params["todo"] = CARD
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["链接中的待办筛选无效，已显示全部记录。"]


def test_the_demo_district_has_issued_the_bulletins_of_the_months_before(app_as):
    at = app_as("district", PAGE).run()
    last = issues.due_period(dt.datetime.now(dt.timezone.utc))
    before = (last - dt.timedelta(days=1)).replace(day=1)
    at.radio(key="bulletin_view").set_value("issues").run()
    at.selectbox(key="bulletin_year").set_value(before.year)
    at.selectbox(key="bulletin_month").set_value(before.month).run()
    table = at.dataframe[0].value
    assert list(table[i18n.t("bulletin.issue.state")]) == ["已签发"] * 5
    assert set(table[i18n.t("bulletin.issue.by")]) == {"王建国"}

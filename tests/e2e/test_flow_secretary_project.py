"""书记项目 in a real browser: the community secretary claims a project (认领) and submits it (报);
the street, the level above, opens it and approves it (审)."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_page, pick, settle, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun
COMMUNITY = "shequ@demo.gongzhi.cn"
STREET = "jiedao@demo.gongzhi.cn"


def _status(sql, name: str) -> str:
    rows = sql("select s.status from public.secretary_project s join public.project p on p.id = s.project_id"
               " where p.name = %s", (name,))
    return rows[0]["status"] if rows else ""


def test_a_community_secretary_claims_a_project_and_the_street_approves_it(portal, new_page, sql):
    name = unique("助餐服务提质")

    community = new_page("community")
    sign_in(community, portal, COMMUNITY)
    open_page(community, "书记项目")
    community.get_by_text("认领", exact=True).click()
    settle(community, rerun=True)
    form = community.locator('[data-testid="stForm"]').first
    form.get_by_role("textbox", name="项目名称").fill(name)
    form.get_by_role("textbox", name="目标", exact=True).fill("为辖区高龄老人提供助餐服务")
    form.get_by_role("textbox", name="可量化指标").fill("每日供餐150份\n覆盖老人100人")
    form.get_by_label("预算（元）").fill("120000")
    form.get_by_role("button", name="认领项目").click()
    expect(community.get_by_text(re.compile(r"已认领项目（编号 \d+）"))).to_be_visible()
    assert _status(sql, name) == "claimed"

    community.get_by_text("项目", exact=True).click()
    settle(community, rerun=True)
    pick(community, "查看项目", f"{name}（丽水社区）")
    community.get_by_role("button", name="报：提交上级审核").click()
    expect(community.get_by_text("已提交上级审核")).to_be_visible()
    assert _status(sql, name) == "submitted"

    street = new_page("street")
    sign_in(street, portal, STREET)
    open_page(street, "书记项目")
    pick(street, "查看项目", f"{name}（丽水社区）")
    street.get_by_label("审核意见（退回时必填）").fill("同意，请按月报告进展")
    street.get_by_role("button", name="审：同意").click()
    expect(street.get_by_text("已同意")).to_be_visible()
    assert _status(sql, name) == "approved"

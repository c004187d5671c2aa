"""A grid worker, in a real browser: signs in, adds a demand, finds it with the keyword filter,
stays signed in across a reload, and signs out (and a reload then shows the sign-in form)."""
import uuid

import pytest
from playwright.sync_api import expect

from gongzhi.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun: up to two more runs


def test_grid_worker_adds_a_demand_finds_it_and_signs_out(portal, browser_page, sql):
    page = browser_page
    word = "走廊" + uuid.uuid4().hex[:6]
    title = f"{word}漏水需要维修"
    sign_in(page, portal, "wangge@demo.gongzhi.cn", DEMO_PASSWORD, name="刘洋")

    page.get_by_role("link", name="需求清单").click()
    expect(page.get_by_role("heading", name="需求清单")).to_be_visible()
    page.get_by_text("登记需求").click()
    form = page.locator('[data-testid="stForm"]').first
    form.get_by_label("标题").fill(title)
    form.get_by_label("类别").click()
    page.get_by_role("option", name="维修维护").click()
    form.get_by_label("所属区域").click()
    page.get_by_role("option", name="丽水社区第一网格").click()
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已登记，编号 #")).to_be_visible()

    keyword = page.get_by_label("关键词")
    keyword.fill(word)
    keyword.press("Enter")
    expect(page.get_by_text("共 1 条")).to_be_visible()
    rows = sql("select d.id, o.name from public.demand d join public.org_unit o on o.id = d.org_unit_id"
               " where d.title = %s", (title,))
    assert [r["name"] for r in rows] == ["丽水社区第一网格"]

    page.reload()
    expect(page.get_by_role("heading", name="需求清单")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    sessions = ("select count(*) as n from private.staff_session s join auth.users u on u.id = s.user_id"
                " where u.email = 'wangge@demo.gongzhi.cn'")
    before = sql(sessions)[0]["n"]
    assert before >= 1
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_label("邮箱")).to_have_value("")
    page.reload()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert sql(sessions)[0]["n"] == before - 1

"""A grid worker, in a real browser: the home's 待办 card opens the demand list filtered to exactly
the rows it counted; the sidebar lists every page in Chinese (no "View N more"), and lights are
words with shapes, not emoji."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun


def test_a_home_card_opens_its_filtered_list(portal, browser_page):
    page = browser_page
    sign_in(page, portal, "wangge@demo.gongzhi.cn", name="刘洋")
    page.get_by_role("link", name="首页", exact=True).click()    # the grid worker lands on 今日走访
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("需求清单")
    expect(nav).not_to_contain_text(re.compile(r"View \d+ more|View less"))   # (expand_more is a section's fold icon)

    card = page.locator(".st-key-card_demands_to_confirm")
    expect(card).to_contain_text("待确认的需求")
    count = int(card.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
    card.get_by_role("link", name="查看清单").click()
    expect(page.get_by_role("heading", name="需求清单")).to_be_visible()
    expect(page.get_by_text("只显示待办：待确认的需求")).to_be_visible()
    assert "todo=demands_to_confirm" in page.url
    settle(page)
    expect(page.get_by_text(f"共 {count:,} 条", exact=True)).to_be_visible()

    page.get_by_role("button", name="显示全部").click()
    expect(page.get_by_text("只显示待办：待确认的需求")).to_have_count(0)
    assert "todo=" not in page.url


def test_the_events_page_draws_lights_as_words_with_shapes(portal, browser_page):
    page = browser_page
    sign_in(page, portal, "wangge@demo.gongzhi.cn", name="刘洋")
    page.get_by_role("link", name="首页", exact=True).click()
    card = page.locator(".st-key-card_events_to_evaluate")
    card.get_by_role("link", name="查看清单").click()
    expect(page.get_by_role("heading", name="事件办理")).to_be_visible()
    settle(page)
    badge = page.locator('[data-testid="stMarkdownContainer"] span').filter(has_text=re.compile("^[■▲●✓] "))
    expect(badge.first).to_be_visible()
    assert not re.search("[\U0001F534\U0001F7E1\U0001F7E2]", page.content())

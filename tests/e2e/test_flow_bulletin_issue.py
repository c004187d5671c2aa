"""District staff, in a real browser: the sidebar lists the pages under their sections, the home's
card 月通报未签发 opens the list of the ended months' bulletins still to issue, and producing a
street's bulletin and clicking 签发 takes that street off the list."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_page, pick, settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun


def test_the_district_follows_its_bulletin_card_and_issues_a_street_bulletin(portal, browser_page, sql):
    page = browser_page
    sign_in(page, portal, "qu@demo.gongzhi.cn", name="王建国")
    nav = page.get_by_test_id("stSidebarNav")
    headers = nav.get_by_test_id("stNavSectionHeader")
    expect(headers.first).to_have_text(re.compile("^工作台"))      # the header's text, then its fold icon
    for section in ("三张清单", "吹哨报到", "双报到", "数据", "账号与安全"):
        expect(headers.filter(has_text=re.compile(f"^{section}"))).to_have_count(1)
    expect(nav).not_to_contain_text(re.compile(r"View \d+ more|View less"))   # (expand_more is a section's fold icon)

    card = page.locator(".st-key-card_bulletin_unissued")
    expect(card).to_contain_text("月通报未签发")
    count = int(card.get_by_test_id("stMetricValue").inner_text())
    issued = sql("""select count(*) as n from public.bulletin_issue b join public.org_unit o on o.id = b.org_unit_id
                    where o.name = '文昌街道' and b.period = (date_trunc('month', now() at time zone 'Asia/Shanghai')
                                                              - interval '1 month')::date""")[0]["n"]
    card.get_by_role("link", name="查看清单").click()
    expect(page.get_by_role("heading", name="月通报")).to_be_visible()
    expect(page.get_by_text("只显示待办：月通报未签发")).to_be_visible()
    settle(page)
    expect(page.get_by_text(f"共 {count} 条", exact=True)).to_be_visible()

    open_page(page, "月通报")                      # the sidebar link: the whole page, produce and issue
    page.get_by_text("生成与签发", exact=True).click()
    settle(page, rerun=True)
    pick(page, "通报范围", "文昌街道")
    page.get_by_role("button", name="生成月通报").click()
    settle(page, rerun=True)
    if issued:   # a rerun of this flow against the same portal: already issued
        expect(page.get_by_text(re.compile("文昌街道.*月通报已于"))).to_be_visible()
        return
    page.get_by_role("button", name="签发").click()
    expect(page.get_by_text("月通报已签发。")).to_be_visible()
    expect(page.get_by_text(re.compile("文昌街道.*月通报已于"))).to_be_visible()

    page.get_by_role("link", name="首页", exact=True).click()
    expect(page.locator(".st-key-card_bulletin_unissued").get_by_test_id("stMetricValue")).to_have_text(str(count - 1))

"""A resident at a phone's viewport (390×844, touch), signed out: opens a community's box from its
printed link (`/box?community=<code>`), writes a message with a phone, confirms the notice, gets a
tracking code, and follows the message by that code — first as received, then with the
community's reply once staff have answered. The page shows the status and reply, never the
message or the phone."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, settle, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]


def test_a_resident_submits_by_phone_and_follows_the_message_by_code(portal, new_page, sql):
    community = sql("select code from public.org_unit where name = '江滩社区'")[0]["code"]
    body = unique("江滩社区7号楼门口的井盖松动，晚上有人踩空")
    page = new_page("resident", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page.goto(f"{portal}/box?community={community}")
    expect(page.get_by_role("heading", level=1, name="民情意见箱")).to_be_visible()
    settle(page)
    form = page.get_by_test_id("stForm").first
    expect(form.get_by_label("社区")).to_have_value(re.compile("江滩社区"))
    form.get_by_label("留言内容").fill(body)
    form.get_by_label("联系电话（选填）").fill("13598765432")
    form.get_by_text("我已阅读上述个人信息告知").tap()
    form.get_by_role("button", name="提交留言").tap()
    expect(page.get_by_text(re.compile(r"查询码：[23456789A-HJKMNP-Z]{10}"))).to_be_visible()
    code = re.search(r"查询码：([23456789A-HJKMNP-Z]{10})", page.get_by_text(re.compile("查询码：")).first.inner_text()).group(1)
    row = sql("select id, phone_masked, status from public.suggestion where body = %s", (body,))[0]
    assert row["phone_masked"] == "135****5432" and row["status"] == "received"

    page.get_by_text("查询进度").tap()
    settle(page, rerun=True)
    track = page.get_by_test_id("stForm").first
    track.get_by_label("查询码").fill(code)
    track.get_by_role("button", name="查询进度").tap()
    expect(page.get_by_role("heading", name="办理状态：已收到")).to_be_visible()

    sql("update public.suggestion set reply = '已联系市政维修，明天更换井盖。', status = 'accepted' where id = %s",
        (row["id"],))
    track.get_by_role("button", name="查询进度").tap()
    expect(page.get_by_role("heading", name="办理状态：已受理")).to_be_visible()
    expect(page.get_by_text("已联系市政维修，明天更换井盖。")).to_be_visible()
    text = page.get_by_test_id("stMain").inner_text()
    assert body not in text and "5432" not in text
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"

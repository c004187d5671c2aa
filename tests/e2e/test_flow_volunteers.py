"""Flow 4, in a real browser: a resident registers as a volunteer at the public page /join without an
account; community staff approve the application (the sign-up code is shown once) and publish a
post; the volunteer signs up for it at /join with phone and code; staff record the hours with the
resident's rating and verify them."""
import random

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import enter, open_page, pick, settle, sign_in, table_row, tick_row, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun: up to two more runs
COMMUNITY = "shequ@demo.gongzhi.cn"
COMMUNITY_OPTION = "长江路街道 · 丽水社区"


def open_join(page, portal: str) -> None:
    page.goto(f"{portal}/join")
    expect(page.get_by_role("heading", name="志愿报名 · 双报到")).to_be_visible()
    settle(page)
    # Known defect: opening /join in a new browser session first shows Streamlit's "Page not found"
    # notice (the address is not a file name under pages/), although the sign-up page is drawn.
    notice = page.get_by_role("dialog").filter(has_text="Page not found")
    if notice.count():
        notice.get_by_role("button").first.click()
        expect(notice).to_have_count(0)


def test_public_sign_up_approval_post_hours_and_rating(portal, new_page, sql):
    name = unique("陈志")
    phone = "137" + "".join(random.choices("0123456789", k=8))
    post_title = unique("敬老院陪护")

    resident = new_page("resident")
    open_join(resident, portal)
    expect(resident.get_by_role("button", name="退出登录")).to_have_count(0)
    form = resident.get_by_test_id("stForm").first
    pick(resident, "报到社区", COMMUNITY_OPTION, form)
    form.get_by_label("姓名").fill(name)
    form.get_by_label("手机号").fill(phone)
    form.get_by_label("工作单位").fill("滨江区税务局")
    form.get_by_role("button", name="提交申请").click()
    expect(resident.get_by_text("申请已提交，社区审核后会与您联系。")).to_be_visible()
    assert sql("select status from public.application where phone = %s", (phone,)) == [{"status": "pending"}]

    staff = new_page("community")
    sign_in(staff, portal, COMMUNITY)
    open_page(staff, "报到审核")
    application_id = sql("select id from public.application where phone = %s", (phone,))[0]["id"]
    decide = staff.get_by_test_id("stForm").first
    pick(staff, "选择申请", f"#{application_id} {name}", decide)
    decide.get_by_role("button", name="通过", exact=True).click()
    expect(staff.get_by_text("已通过，已建立报到档案和资源清单")).to_be_visible()
    shown = staff.get_by_text(re.compile(r"^报名码："))
    expect(shown).to_be_visible()
    code = re.search(r"报名码：(\S+?)（", shown.inner_text()).group(1)

    open_page(staff, "岗位与活动")
    staff.get_by_text("发布岗位或活动", exact=True).click()
    post_form = staff.get_by_test_id("stForm").first
    post_form.get_by_label("名称").fill(post_title)
    post_form.get_by_label("地点").fill("丽水社区养老服务中心")
    post_form.get_by_role("button", name="发布").click()
    expect(staff.get_by_text("已发布")).to_be_visible()

    # The volunteer, still without an account, takes the post with phone and code.
    resident = new_page("volunteer")
    open_join(resident, portal)
    resident.get_by_text("活动报名", exact=True).click()   # the page shows one view at a time
    join = resident
    expect(join.get_by_label("报到社区")).to_be_visible()
    expect(join.get_by_label("姓名")).to_have_count(0)     # the application form is not drawn
    pick(resident, "报到社区", COMMUNITY_OPTION, join)
    post_box = join.get_by_label("岗位 / 活动")
    post_box.click()
    post_box.press_sequentially(post_title)
    resident.get_by_role("option", name=re.compile(re.escape(post_title))).first.click()
    join.get_by_label("手机号").fill(phone)
    join.get_by_label("报名码").fill(code)
    join.get_by_role("button", name="报名", exact=True).click()
    expect(resident.get_by_text(re.compile("^报名成功"))).to_be_visible()
    signed = sql("select s.status from public.signup s join public.post p on p.id = s.post_id"
                 " join public.volunteer v on v.id = s.volunteer_id where p.title = %s and v.phone = %s",
                 (post_title, phone))
    assert signed == [{"status": "confirmed"}], signed

    # Staff record two hours with the resident's five stars, then verify them.
    open_page(staff, "服务纪实")
    staff.get_by_text("登记服务时长", exact=True).click()
    enter(staff.get_by_label("查找志愿者（姓名或手机号）"), name)
    record = staff.get_by_test_id("stForm").first
    expect(record.get_by_label("志愿者")).to_have_value(re.compile(re.escape(name)))
    pick(record.page, "评价（星）", "★★★★★", record)
    pick(record.page, "评价人", "居民评价", record)
    record.get_by_label("备注").fill(post_title)
    record.get_by_role("button", name="登记").click()
    expect(staff.get_by_text("已登记", exact=True)).to_be_visible()
    settle(staff)
    cells = table_row(staff, post_title)
    assert name in cells and "5" in cells, cells
    tick_row(staff, staff.get_by_test_id("stDataFrame").last, post_title)
    staff.get_by_role("button", name="审核选中的 1 条").click()
    expect(staff.get_by_text("已审核 1 条")).to_be_visible()
    log = sql("select l.hours, l.rating, l.rated_by, l.verified_at is not null as verified from public.service_log l"
              " join public.volunteer v on v.id = l.volunteer_id where v.phone = %s", (phone,))
    assert log == [{"hours": Decimal("2.00"), "rating": 5, "rated_by": "resident", "verified": True}], log

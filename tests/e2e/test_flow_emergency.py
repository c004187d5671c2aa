"""平战结合 in a real browser: the district declares an emergency for a street; the street sets up a
shift in one of its 小区 and calls volunteers up (the matcher); one of them is checked in; the
district ends the emergency, and its record stays — the shift, the call-up and the check-in."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_page, pick, settle, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun
DISTRICT = "qu@demo.gongzhi.cn"
STREET = "jiedao@demo.gongzhi.cn"
STREET_NAME = "长江路街道"
XIAOQU = "丽水社区第一网格"


def _soon() -> dt.datetime:
    """The next quarter hour at least ten minutes from now, in the portal's (this machine's) time."""
    at = dt.datetime.now().astimezone() + dt.timedelta(minutes=10)
    return (at + dt.timedelta(minutes=-at.minute % 15)).replace(second=0, microsecond=0)


def _open_emergency(page, name: str) -> None:
    open_page(page, "平战结合")
    pick(page, "应急状态", f"{name}（{STREET_NAME} · 区级宣布 · 进行中）")
    settle(page, rerun=True)


def _view(page, label: str) -> None:
    page.get_by_test_id("stRadio").get_by_text(label, exact=True).click()
    settle(page, rerun=True)


def test_the_district_declares_the_street_calls_up_and_the_record_stays(portal, new_page, sql):
    name = unique("防汛应急响应")

    district = new_page("district")
    sign_in(district, portal, DISTRICT)
    open_page(district, "平战结合")
    district.get_by_text("宣布进入应急状态", exact=True).first.click()
    form = district.locator('[data-testid="stForm"]').first
    pick(district, "范围", STREET_NAME, scope=form)
    form.get_by_role("textbox", name="名称").fill(name)
    pick(district, "类型", "防汛", scope=form)
    form.get_by_role("textbox", name="情况说明").fill("强降雨，低洼小区需值守和转移群众")
    form.get_by_role("button", name="宣布进入应急状态").click()
    expect(district.get_by_text("已宣布进入应急状态，默认任务类型已建立")).to_be_visible()
    emergency = sql("select id, status from public.emergency where name = %s", (name,))
    assert [e["status"] for e in emergency] == ["active"]
    emergency_id = emergency[0]["id"]

    street = new_page("street")
    sign_in(street, portal, STREET)
    _open_emergency(street, name)
    _view(street, "班次与调度")
    form = street.get_by_test_id("stForm").filter(has=street.get_by_role("button", name="新增班次"))
    form.get_by_label("任务").click()   # a task anyone can do (采样扫码 needs a health skill)
    street.get_by_role("option", name="值守", exact=True).click()
    expect(form.get_by_label("任务")).to_have_value("值守")
    form.get_by_label("小区 / 楼栋").click()
    street.keyboard.type(XIAOQU)
    street.get_by_role("option", name=XIAOQU, exact=True).click()
    street.keyboard.press("Escape")
    expect(form).to_contain_text(XIAOQU)
    starts = _soon()   # a check-in opens an hour before the shift, and the call-up fills shifts not begun
    for segment, value in (("year", f"{starts:%Y}"), ("month", f"{starts:%m}"), ("day", f"{starts:%d}")):
        form.get_by_label(f"{segment}, 日期").click()
        street.keyboard.type(value)
    for segment, value in (("小时", f"{starts:%H}"), ("分钟", f"{starts:%M}")):
        form.get_by_label(f"{segment}, 开始").click()
        street.keyboard.type(value)
    form.get_by_role("button", name="新增班次").click()
    expect(street.get_by_text("已新增 1 个班次")).to_be_visible()
    shifts = sql("select s.starts_at, t.name as task, o.name as place from public.shift s"
                 " join public.emergency_task t on t.id = s.task_id join public.org_unit o on o.id = s.org_unit_id"
                 " where s.emergency_id = %s", (emergency_id,))
    assert shifts == [{"starts_at": starts, "task": "值守", "place": XIAOQU}]
    street.get_by_role("button", name=re.compile("^一键调度")).click()
    expect(street.get_by_text(re.compile(r"^已调度 [1-9]\d* 人次"))).to_be_visible()
    called = sql("select c.id, c.status from public.callup c join public.shift s on s.id = c.shift_id"
                 " where s.emergency_id = %s", (emergency_id,))
    assert called and all(c["status"] == "assigned" for c in called)

    _view(street, "排班签到")
    street.get_by_role("button", name="签到上岗").click()
    expect(street.get_by_text("已签到上岗")).to_be_visible()
    on_duty = sql("select id from public.callup where emergency_id = %s and status = 'on_duty'"
                  " and checked_in_at is not null", (emergency_id,))
    assert len(on_duty) == 1

    _open_emergency(district, name)
    district.get_by_role("button", name="结束应急状态，恢复平时").click()
    expect(district.get_by_text(re.compile("^应急状态已结束"))).to_be_visible()
    assert sql("select status from public.emergency where id = %s", (emergency_id,)) == [{"status": "ended"}]
    kept = sql("select status, checked_in_at is not null as checked_in, hours from public.callup"
               " where emergency_id = %s and id = %s", (emergency_id, on_duty[0]["id"]))
    assert kept[0]["status"] == "done" and kept[0]["checked_in"] and kept[0]["hours"] > 0
    statuses = sorted(r["status"] for r in sql("select status from public.callup where emergency_id = %s", (emergency_id,)))
    assert statuses == ["cancelled"] * (len(called) - 1) + ["done"], "those not on duty go back to peace-time roles"

    pick(district, "应急状态", f"{name}（{STREET_NAME} · 区级宣布 · 已结束）")
    settle(district, rerun=True)
    _view(district, "记录")
    record = district.get_by_test_id("stMetric")
    expect(record.filter(has_text="班次")).to_have_text(re.compile(r"班次\s*1\s*$"))
    expect(record.filter(has_text="参与人数")).to_have_text(re.compile(r"参与人数\s*1\s*$"))
    expect(district.get_by_role("paragraph").filter(has_text="强降雨，低洼小区需值守和转移群众")).to_be_visible()

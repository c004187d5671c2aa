"""Flow 3, in a real browser: the grid worker blows the whistle (文体活动, routed to 城管 alone);
城管 staff report within the step's time limit, record the consult, implementation and the answer
to the resident; the grid worker rates it "not fixed", which reopens the event; the district's
督办 board, filtered by the event's light, shows it back at 会商 under 城管."""
import datetime as dt

import pytest
from playwright.sync_api import expect

from gongzhi.whistle.queries import LIGHT_SQL
from tests.e2e.conftest import enter, open_page, pick, settle, sign_in, table_row, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun: up to two more runs
GRID = "wangge@demo.gongzhi.cn"
DEPARTMENT = "bumen@demo.gongzhi.cn"
DISTRICT = "qu@demo.gongzhi.cn"


def open_event(page, event_id: int, title: str) -> None:
    open_page(page, "事件办理")
    pick(page, "查看事件", f"#{event_id} {title}")
    expect(page.get_by_role("heading", name=f"#{event_id} {title}")).to_be_visible()
    settle(page)


def step_of(sql, event_id: int) -> str:
    return sql("select step from public.event where id = %s", (event_id,))[0]["step"]


def test_whistle_report_not_fixed_reopens_and_the_board_shows_it(portal, new_page, sql):
    title = unique("广场舞音响扰民")

    grid = new_page("grid")
    sign_in(grid, portal, GRID, name="刘洋")
    open_page(grid, "吹哨")
    pick(grid, "类别", "文体活动")
    expect(grid.get_by_text("区城管执法局", exact=True)).to_be_visible()   # suggested by the routing
    enter(grid.get_by_label("标题"), title)
    enter(grid.get_by_label("地址"), "丽水社区中心广场")
    enter(grid.get_by_label("详细描述"), "每晚九点后音响声音过大，多次劝说无效。")
    grid.get_by_test_id("stBaseButton-primary").filter(has_text="吹哨").click()
    expect(grid.get_by_text("已吹哨，事件编号 #")).to_be_visible()
    event = sql("select e.id, e.step, array(select d.name_zh from public.department d"
                " where d.id = any(e.departments)) as departments from public.event e where e.title = %s", (title,))
    assert len(event) == 1 and event[0]["step"] == "whistle" and event[0]["departments"] == ["区城管执法局"]
    event_id = event[0]["id"]

    dept = new_page("department")
    sign_in(dept, portal, DEPARTMENT)
    open_event(dept, event_id, title)
    enter(dept.get_by_label("报到说明"), "已派执法队员到场")
    dept.get_by_role("button", name="报到", exact=True).click()
    expect(dept.get_by_role("button", name="报到", exact=True)).to_have_count(0)
    assert step_of(sql, event_id) == "report"
    summon = sql("select reported_at, report_deadline from public.event_department where event_id = %s", (event_id,))
    assert len(summon) == 1 and summon[0]["reported_at"] <= summon[0]["report_deadline"]

    enter(dept.get_by_label("参会人员"), "城管中队、丽水社区、网格员")
    enter(dept.get_by_label("会商决定"), "限定音量与时段，设分贝提示牌")
    dept.get_by_role("button", name="登记会商").click()
    expect(dept.get_by_label("落实情况")).to_be_visible()
    assert step_of(sql, event_id) == "consult"
    enter(dept.get_by_label("落实情况"), "已约谈领队，音响限音至 60 分贝")
    dept.get_by_role("button", name="落实完成").click()
    expect(dept.get_by_label("向居民反馈的内容")).to_be_visible()
    assert step_of(sql, event_id) == "implement"
    enter(dept.get_by_label("向居民反馈的内容"), "已整改，请居民监督")
    dept.get_by_role("button", name="反馈居民").click()
    expect(dept.get_by_role("button", name="反馈居民")).to_have_count(0)
    assert step_of(sql, event_id) == "feedback"

    open_event(grid, event_id, title)
    enter(grid.get_by_label("评价说明"), "当晚仍然很吵")
    grid.get_by_role("button", name="未解决，重新办理").click()
    expect(grid.get_by_text("未解决退回")).to_be_visible()   # on the timeline
    row = sql("select step, reopen_count from public.event where id = %s", (event_id,))[0]
    assert row["step"] not in ("feedback", "evaluate") and row["reopen_count"] == 1, row

    # The district's 督办 board, filtered by the event's light: the event, back at 会商 under 城管.
    leader = new_page("district")
    sign_in(leader, portal, DISTRICT)
    open_page(leader, "督办")
    light = sql(f"select {LIGHT_SQL} as light from public.event e where e.id = %(id)s",
                {"now": dt.datetime.now(dt.timezone.utc), "id": event_id})[0]["light"]
    label = {"red": "🔴 红灯", "yellow": "🟡 黄灯", "green": "🟢 绿灯"}[light]
    expect(leader.get_by_role("radio", name="督办看板")).to_be_checked()   # the board is the view shown first
    board = leader
    light_filter = board.get_by_test_id("stButtonGroup").get_by_role("radio").filter(has_text=label.split()[1])
    light_filter.click()
    expect(light_filter).to_have_attribute("aria-checked", "true")
    settle(leader)
    cells = table_row(leader, title, board.get_by_test_id("stDataFrame"))
    assert cells[:5] == [str(event_id), label, title, "会商", "区城管执法局"], cells

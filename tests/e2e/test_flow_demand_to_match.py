"""Flow 1, in a real browser: the grid worker enters a demand, enters the same need again, is warned
of the likely duplicate and adds it to the first instead; community staff find the demand on 资源对接
and assign the top-ranked suggestion; the grid worker then finds the demand as 已对接 (matched)."""
import random
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_page, pick, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun: up to two more runs
GRID = "wangge@demo.gongzhi.cn"
COMMUNITY = "shequ@demo.gongzhi.cn"
CATEGORY = "维修维护"


def enter_demand(page, title: str, phone: str) -> None:
    page.get_by_text("登记需求").click()
    form = page.locator('[data-testid="stForm"]').first
    form.get_by_label("标题").fill(title)
    pick(page, "类别", CATEGORY, form)
    pick(page, "所属区域", "丽水社区第一网格", form)
    form.get_by_label("服务对象").fill("张桂英")
    form.get_by_label("联系电话").fill(phone)
    form.get_by_role("button", name="提交").click()


def test_demand_duplicate_linked_matched_and_seen_by_the_grid(portal, new_page, sql):
    word = unique("楼道灯")
    first_title = f"{word}不亮需要维修"
    again_title = f"{word}还是不亮"
    phone = "139" + "".join(random.choices("0123456789", k=8))

    grid = new_page("grid")
    sign_in(grid, portal, GRID, name="刘洋")
    open_page(grid, "需求清单")
    enter_demand(grid, first_title, phone)
    created = grid.get_by_text(re.compile(r"已登记，编号 #\d+"))
    expect(created).to_be_visible()
    demand_id = int(re.search(r"#(\d+)", created.inner_text()).group(1))

    # The same resident calls again: same phone, same category -> warned, and added to the first.
    grid.reload()
    expect(grid.get_by_role("heading", name="需求清单")).to_be_visible()
    enter_demand(grid, again_title, phone)
    expect(grid.get_by_text(re.compile(r"发现 \d+ 条可能重复的需求"))).to_be_visible()
    pick(grid, "合并到", f"#{demand_id}")
    grid.get_by_role("button", name="并入已有需求").click()
    expect(grid.get_by_text(f"已并入需求 #{demand_id}")).to_be_visible()
    assert sql("select count(*) as n from public.demand where title = %s", (again_title,))[0]["n"] == 0
    row = sql("select description from public.demand where id = %s", (demand_id,))[0]
    assert again_title in row["description"]

    # Community staff: 资源对接, the demand among the open ones, the top suggestion assigned.
    community = new_page("community")
    sign_in(community, portal, COMMUNITY)
    open_page(community, "资源对接")
    one = community.get_by_test_id("stMain")   # the 单条对接 view, shown first
    pick(community, "类别", CATEGORY, one)
    community.get_by_label("选择需求").click()
    community.keyboard.type(first_title)
    community.get_by_role("option", name=re.compile(re.escape(f"#{demand_id} {first_title}"))).click()
    expect(community.get_by_label("选择需求")).to_have_value(re.compile(re.escape(first_title)))
    buttons = one.get_by_role("button", name="对接", exact=True)
    expect(buttons.first).to_be_visible()
    scores = [float(s) for s in one.locator('[data-testid="stMetricValue"]').all_inner_texts()]
    assert scores and scores == sorted(scores, reverse=True), scores
    top = one.locator("strong").first.inner_text()
    buttons.first.click()
    expect(community.get_by_text(f"已对接：{top}")).to_be_visible()
    match = sql("select m.status, r.name from public.match m join public.resource r on r.id = m.resource_id"
                " where m.demand_id = %s", (demand_id,))
    assert [(m["status"], m["name"]) for m in match] == [("proposed", top)]

    # The grid worker sees the demand as matched (status filter 已对接 and the keyword).
    grid.reload()
    expect(grid.get_by_role("heading", name="需求清单")).to_be_visible()
    grid.get_by_label("状态").click()
    grid.get_by_role("option", name="已对接").click()
    grid.keyboard.press("Escape")
    keyword = grid.get_by_label("关键词")
    keyword.fill(word)
    keyword.press("Enter")
    expect(grid.get_by_text("共 1 条")).to_be_visible()

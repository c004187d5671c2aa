"""Flow: the grid worker's day on a phone (390×844, touch). Signing in lands on 今日走访, which fits
the screen's width; a tap on a person due opens the log with that person chosen, and the visit is
saved with a finding solved on the spot — the person's due date moves on."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, settle, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun
GRID = "wangge@demo.gongzhi.cn"


def test_the_grid_workers_day_on_a_phone(portal, new_page, sql):
    page = new_page("phone", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    sign_in(page, portal, GRID, name="刘洋")
    expect(page.get_by_role("heading", name="今日走访")).to_be_visible()
    settle(page)
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"
    first = page.get_by_role("button", name="记录走访").first
    expect(first).to_be_visible()
    key = first.locator("xpath=ancestor::div[contains(@class, 'st-key-visit_')][1]").get_attribute("class")
    person = int(next(c for c in key.split() if c.startswith("st-key-visit_")).removeprefix("st-key-visit_"))
    before = sql("select last_visit_on, next_due_on from public.care_person where id = %s", (person,))[0]
    first.tap()
    form = page.get_by_test_id("stForm").first
    expect(form).to_be_visible()
    place = unique("家中客厅")
    form.get_by_label("地点").fill(place)
    form.get_by_label("发现问题 1").fill("灶台燃气软管老化，已协助更换")
    form.get_by_role("button", name="保存记录").tap()
    expect(page.get_by_text("已保存（记录号")).to_be_visible()
    settle(page)
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the log scrolls sideways: {width}"
    saved = sql("""select v.care_person_id, f.outcome from public.visit v join public.finding f on f.visit_id = v.id
                   where v.place = %s""", (place,))
    assert saved == [{"care_person_id": person, "outcome": "on_spot"}]
    after = sql("select last_visit_on, next_due_on from public.care_person where id = %s", (person,))[0]
    assert after["next_due_on"] > before["next_due_on"]

"""Flow: a finding's photo follows it up (phone 390×844, touch). The grid worker on 今日走访 logs a
night patrol round with a finding solved on the spot, takes a photo of the finding, then reports it
up as a whistle event in one tap; the street's account opens 督办, names the event's number and
sees the photo taken on the round."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, enter, open_page, pick, settle, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]   # a real browser on a loaded machine can miss a late Streamlit rerun
GRID = "wangge@demo.gongzhi.cn"
STREET = "jiedao@demo.gongzhi.cn"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (160, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"


def test_a_rounds_photo_reaches_the_street_on_the_event(portal, new_page, sql):
    place, what = unique("9号楼地下车库"), unique("电动车飞线充电，插线板拖在地上")
    category = sql("""select c.name_zh from public.category c
                      where exists (select from public.event_routing r where r.category_id = c.id)
                      order by c.id limit 1""")[0]["name_zh"]

    phone = new_page("grid", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    sign_in(phone, portal, GRID, name="刘洋")
    expect(phone.get_by_role("heading", name="今日走访")).to_be_visible()
    settle(phone)
    phone.locator(".st-key-field_view").get_by_role("radio", name="记录", exact=True).tap()
    settle(phone, rerun=True)
    phone.get_by_text("夜间巡逻", exact=True).tap()
    settle(phone, rerun=True)
    form = phone.get_by_test_id("stForm").first
    form.get_by_label("地点", exact=True).fill(place)
    form.get_by_label("发现问题 1").fill(what)
    form.get_by_role("button", name="保存记录").tap()
    expect(phone.get_by_text("已保存（记录号")).to_be_visible()
    finding = sql("""select f.id, f.outcome from public.finding f join public.visit v on v.id = f.visit_id
                     where v.place = %s and v.kind = 'patrol'""", (place,))
    assert len(finding) == 1 and finding[0]["outcome"] == "on_spot"
    finding_id = finding[0]["id"]

    settle(phone)
    phone.locator(".st-key-field_view").get_by_role("radio", name="今日记录", exact=True).tap()
    settle(phone, rerun=True)
    phone.locator(f".st-key-finding_photos_{finding_id}").get_by_text("这条发现的照片").tap()
    settle(phone, rerun=True)
    gallery = phone.get_by_test_id("stForm").filter(has=phone.locator(f".st-key-photos_finding_{finding_id}_file"))
    gallery.locator('input[type="file"]').set_input_files(
        files=[{"name": "飞线.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    expect(gallery.get_by_text("飞线.jpg")).to_be_visible()
    gallery.get_by_label("说明（可选）").fill("插线板拖地")
    gallery.get_by_role("button", name="上传照片").tap()
    expect(phone.get_by_text("照片已上传")).to_be_visible()
    settle(phone)
    assert sql("select count(*) as n from public.photo where subject_kind = 'finding' and subject_id = %s",
               (finding_id,))[0]["n"] == 1
    _no_sideways_scroll(phone)

    pick(phone, "上报类别（转需求或吹哨时使用）", category)
    phone.locator(f".st-key-up_e_{finding_id}").get_by_role("button", name="吹哨上报").tap()
    expect(phone.get_by_text("已吹哨，事件 #")).to_be_visible()
    event = sql("select event_id from public.finding where id = %s and outcome = 'event'", (finding_id,))
    assert len(event) == 1 and event[0]["event_id"] is not None
    event_id = event[0]["event_id"]
    _no_sideways_scroll(phone)

    street = new_page("street")
    sign_in(street, portal, STREET)
    open_page(street, "督办")
    main = street.get_by_test_id("stMain")
    expect(main.get_by_test_id("stImage")).to_have_count(0)
    enter(main.get_by_label("查看事件照片（事件编号）"), str(event_id))
    expect(main.get_by_text("走访/巡查时拍摄（来自上报的发现）")).to_be_visible()
    expect(main.get_by_test_id("stImage")).to_have_count(1)
    expect(main.get_by_text("插线板拖地")).to_be_visible()

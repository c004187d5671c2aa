"""随手拍 end to end: a resident at a phone's viewport (390×844, touch), signed out, writes a message
to 丽水社区's box with a photo taken on the spot and gets a tracking code; the community's account
finds the message on its triage board with the photo's thumbnail, opens it, and replies; the
resident follows the code and reads the reply — and sees no photo there."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, enter, pick, settle, sign_in, unique

pytestmark = [pytest.mark.e2e, pytest.mark.flaky(reruns=2)]

CODE = re.compile(r"查询码：([23456789A-HJKMNP-Z]{10})")


def _photo() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (800, 600), (90, 120, 160))
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_resident_sends_a_photo_and_the_community_replies(portal, new_page, sql):
    community = sql("select code from public.org_unit where name = '丽水社区'")[0]["code"]
    body = unique("丽水社区8号楼前的下水道井盖破损，已经有人绊倒")
    resident = new_page("resident", viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    resident.goto(f"{portal}/box?community={community}")
    expect(resident.get_by_role("heading", level=1, name="民情意见箱")).to_be_visible()
    settle(resident)
    form = resident.get_by_test_id("stForm").first
    form.get_by_label("留言内容").fill(body)
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "井盖.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    expect(form.get_by_text("井盖.jpg")).to_be_visible()
    form.get_by_text("我已阅读上述个人信息告知").tap()
    form.get_by_role("button", name="提交留言").tap()
    expect(resident.get_by_text(CODE)).to_be_visible()
    expect(resident.get_by_text("已附 1 张照片")).to_be_visible()
    code = CODE.search(resident.get_by_text(CODE).first.inner_text()).group(1)
    width = resident.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"
    message = sql("select s.id, count(p.id) as photos from public.suggestion s left join public.photo p"
                  " on p.subject_kind = 'suggestion' and p.subject_id = s.id where s.body = %s group by s.id",
                  (body,))[0]
    assert message["photos"] == 1

    staff = new_page("community")
    sign_in(staff, portal, "shequ@demo.gongzhi.cn")
    staff.goto(f"{portal}/suggestions")
    expect(staff.get_by_role("heading", level=1, name="意见箱分拣")).to_be_visible()
    pick(staff, "处理留言", str(message["id"]))
    settle(staff, rerun=True)
    main = staff.get_by_test_id("stMain")
    expect(main.get_by_test_id("stAlertContentInfo").get_by_text(body)).to_be_visible()
    expect(main.get_by_text("居民随手拍")).to_be_visible()
    expect(main.get_by_test_id("stImage")).to_have_count(1)
    main.get_by_role("button", name="查看原图").click()
    settle(staff, rerun=True)
    expect(main.get_by_test_id("stImage")).to_have_count(2)
    enter(main.get_by_label(re.compile("^给居民的答复")), "已通知市政养护，今天下午更换井盖。")
    main.get_by_role("button", name="答复居民").click()
    expect(main.get_by_text("已答复，居民凭查询码可见")).to_be_visible()

    resident.get_by_text("查询进度").tap()
    settle(resident, rerun=True)
    track = resident.get_by_test_id("stForm").first
    track.get_by_label("查询码").fill(code)
    track.get_by_role("button", name="查询进度").tap()
    expect(resident.get_by_role("heading", name="办理状态：已受理")).to_be_visible()
    expect(resident.get_by_text("已通知市政养护，今天下午更换井盖。")).to_be_visible()
    expect(resident.get_by_test_id("stMain").get_by_test_id("stImage")).to_have_count(0)
    assert body not in resident.get_by_test_id("stMain").inner_text()

"""The suggestion box under AppTest with the real app.py: the public page signed out (write a
message, get a code, follow it by code; bad input refused in Chinese), the triage page for the
roles that hold it (reply and close through the callbacks, the QR codes), and nothing for grids."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.suggest.demo import DEMO_CODE
from tests.pages.conftest import APP, TIMEOUT

BODY = "小区南门外垃圾桶每天上午才清运，夏天味道很大。"


def _box() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/box.py").run()
    assert not at.exception and at.title[0].value == "民情意见箱"
    return at


def test_a_resident_writes_signed_out_and_follows_the_message_by_code(fresh_db):
    at = _box()
    at.text_area(key="box_body").input(BODY)
    at.text_input(key="box_phone").input("13712345678")
    at.button[0].click().run()   # the notice not yet confirmed: refused, nothing written
    assert any("请先阅读并勾选个人信息告知" in e.value for e in at.error)
    at.checkbox(key="box_notice_seen").check()
    at.button[0].click().run()
    assert not at.exception and at.success and "查询码" in at.success[0].value
    code = at.session_state["box_code"]
    with db.owner() as conn:
        row = conn.execute("select body, phone_masked, status from public.suggestion where body = %s", (BODY,)).fetchone()
    assert row == {"body": BODY, "phone_masked": "137****5678", "status": "received"}
    at.radio(key="box_view").set_value("track").run()
    at.text_input(key="box_track_code").input(code.lower())
    at.button[0].click().run()
    assert not at.exception
    assert "已收到" in at.subheader[0].value
    page_text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    assert BODY not in page_text and "5678" not in page_text


def test_the_demo_code_shows_its_reply(fresh_db):
    at = _box()
    at.radio(key="box_view").set_value("track").run()
    at.text_input(key="box_track_code").input(DEMO_CODE)
    at.button[0].click().run()
    assert not at.exception and at.subheader


def test_bad_input_is_refused_in_chinese_and_writes_nothing(fresh_db):
    at = _box()
    at.text_area(key="box_body").input("短")
    at.checkbox(key="box_notice_seen").check()
    at.button[0].click().run()
    assert any("留言内容须为 5 至 2000 字" in e.value for e in at.error)
    at.radio(key="box_view").set_value("track").run()
    at.text_input(key="box_track_code").input("ABCDEFGHJK")
    at.button[0].click().run()
    assert any("没有找到这个查询码" in w.value for w in at.warning)


def test_a_community_link_preselects_the_community(fresh_db):
    with db.owner() as conn:
        code = conn.execute("select code from public.org_unit where name = '江滩社区'").fetchone()["code"]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["community"] = code
    at.run()
    at.switch_page("pages/box.py").run()
    assert at.selectbox(key="box_community").value == code


@pytest.mark.parametrize("role", [r for r, keys in ROLE_PAGES.items() if "suggestions" in keys])
def test_the_triage_page_renders_its_board_and_codes(app_as, role):
    at = app_as(role, "pages/suggestions.py").run()
    assert not at.exception and at.title[0].value == "意见箱分拣"
    assert at.dataframe
    at.radio(key="triage_view").set_value("codes").run()
    assert not at.exception and at.get("image")


def _press(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def test_community_staff_reply_then_close_through_the_callbacks(app_as):
    at = app_as("community", "pages/suggestions.py").run()
    chosen = at.selectbox(key="triage_pick").value
    at.text_area(key="triage_reply_reply").input("已安排网格员现场查看。")
    _press(at, "答复居民")
    assert not at.exception and any("已答复" in s.value for s in at.success)
    with db.owner() as conn:
        row = conn.execute("select status, reply from public.suggestion where id = %s", (chosen,)).fetchone()
    assert row == {"status": "accepted", "reply": "已安排网格员现场查看。"}
    at.selectbox(key="triage_pick").set_value(chosen).run()
    at.radio(key="triage_action").set_value("close").run()
    _press(at, "答复并办结")   # no reply written: refused in Chinese, nothing changed
    assert any("请填写给居民的答复" in e.value for e in at.error)
    at.text_area(key="triage_close_reply").input("路灯已修复，感谢监督。")
    _press(at, "答复并办结")
    assert not at.exception
    with db.owner() as conn:
        assert conn.execute("select status from public.suggestion where id = %s", (chosen,)).fetchone()["status"] == "closed"


def test_grid_staff_have_no_triage_page(app_as):
    at = app_as("grid").run()
    with pytest.raises(Exception):
        at.switch_page("pages/suggestions.py").run()

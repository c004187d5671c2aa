"""The volunteer pages under AppTest with the real app.py and the demo district; the public sign-up
page while signed out."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.auth.pages import PAGES, ROLE_PAGES
from tests.pages.conftest import APP, TIMEOUT

CASES = [(role, key) for role, keys in ROLE_PAGES.items() for key in keys
         if key.startswith("volunteer_") or key == "signup"]


@pytest.mark.parametrize("role,key", CASES)
def test_each_volunteer_page_renders_for_its_roles(app_as, role, key):
    at = app_as(role, PAGES[key].path).run()
    assert not at.exception, at.exception
    assert at.title


def test_the_public_page_opens_signed_out_and_submits_an_application(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.text_input(key="login_email")   # the sign-in page stays the default
    at.switch_page("pages/signup.py").run()
    assert not at.exception and at.title[0].value == "志愿报名 · 双报到"
    at.text_input(key="apply_name").input("孙丽")
    at.text_input(key="apply_phone").input("13612345678")
    at.text_input(key="apply_workplace").input("区人民医院")
    assert any("个人信息告知（版本 application_v1）" in i.value for i in at.info)
    at.button[0].click().run()   # the notice not yet confirmed: refused, nothing written
    assert any("请先阅读并勾选个人信息告知" in e.value for e in at.error)
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.application where phone = '13612345678'").fetchone()["n"] == 0
    at.checkbox(key="apply_notice_seen").check()
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "申请已提交" in at.success[0].value
    with db.owner() as conn:
        row = conn.execute("select status, workplace, notice_version from public.application"
                           " where phone = '13612345678'").fetchone()
    assert row == {"status": "pending", "workplace": "区人民医院", "notice_version": "application_v1"}


def test_the_public_page_shows_bad_input_in_chinese_and_writes_nothing(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/signup.py").run()
    at.text_input(key="apply_name").input("孙丽")
    at.text_input(key="apply_phone").input("不是电话")
    at.button[0].click().run()
    assert any("电话号码格式不正确" in e.value for e in at.error)
    with db.owner() as conn:
        assert conn.execute("select count(*) as n from public.application where name = '孙丽'").fetchone()["n"] == 0


def test_staff_pages_are_not_reachable_signed_out(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    with pytest.raises(Exception):
        at.switch_page("pages/volunteer_roster.py").run()


def test_the_assessment_page_offers_each_unit_its_feedback_report(app_as):
    at = app_as("community", PAGES["volunteer_assessment"].path).run()
    at.radio(key="assess_subject").set_value("unit").run()
    assert not at.exception
    assert at.selectbox(key="assess_unit").options, "the demo district has assessed units"
    assert not at.error

"""The volunteer pages under AppTest with the real app.py and the demo district; the public sign-up
page while signed out."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.auth.pages import PAGES, ROLE_PAGES
from gongzhi.personal.crypto import blind_index
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
        assert conn.execute("select count(*) as n from public.application where phone_bidx = %s",
                            (blind_index("phone", "13612345678"),)).fetchone()["n"] == 0
    at.checkbox(key="apply_notice_seen").check()
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "申请已提交" in at.success[0].value
    with db.owner() as conn:
        row = conn.execute("select status, workplace, notice_version from public.application where phone_bidx = %s",
                           (blind_index("phone", "13612345678"),)).fetchone()
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


def _one(sql, *params):
    with db.owner() as conn:
        return conn.execute(sql, params).fetchone()


def test_an_approval_is_made_in_its_callback_and_shows_the_sign_up_code(app_as):
    from gongzhi.volunteers import commands
    from gongzhi.volunteers.forms import ApplicationForm
    community = _one("select id from public.org_unit where name = '丽水社区'")["id"]
    commands.submit_application(ApplicationForm(kind="volunteer", org_unit_id=community, name="钱多多",
                                                phone="13698765432", workplace="区图书馆"), None, "test-sender", True)
    application = _one("select id from public.application where phone_bidx = %s",
                       blind_index("phone", "13698765432"))["id"]
    at = app_as("community", PAGES["volunteer_applications"].path).run()
    at.selectbox(key="apps_choice").set_value(application)
    at.button(key="FormSubmitter:decide-通过").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已通过，已建立报到档案和资源清单"]
    assert any(i.value.startswith("报名码：") for i in at.info)
    assert _one("select status from public.application where id = %s", application)["status"] == "approved"


def test_a_post_without_a_title_is_refused_then_published(app_as):
    at = app_as("community", PAGES["volunteer_posts"].path).run()
    at.button(key="FormSubmitter:new_post-发布").click().run()
    assert not at.exception
    assert "名称：必填" in [e.value for e in at.error] and not at.success
    at.text_input(key="post_title").input("社区义诊志愿服务")
    at.button(key="FormSubmitter:new_post-发布").click().run()
    assert [s.value for s in at.success] == ["已发布"]
    assert _one("select count(*) as n from public.post where title = '社区义诊志愿服务'")["n"] == 1


def test_hours_are_recorded_then_the_selected_ones_verified(app_as):
    before = _one("select count(*) as n from public.service_log")["n"]
    at = app_as("community", PAGES["volunteer_hours"].path).run()
    at.text_input(key="hours_note").input("页面测试的服务")
    at.button(key="FormSubmitter:new_log-登记").click().run()
    assert not at.exception and [s.value for s in at.success] == ["已登记"]
    assert _one("select count(*) as n from public.service_log")["n"] == before + 1
    logged = _one("select id from public.service_log where note = '页面测试的服务'")["id"]
    shown = list(at.dataframe[0].value["编号"])
    at.session_state["hours_table"] = {"selection": {"rows": [shown.index(logged)], "columns": [], "cells": []}}
    at.run()
    at.button(key="hours_verify").click().run()
    assert not at.exception and [s.value for s in at.success] == ["已审核 1 条"]
    assert _one("select verified_at is not null as v from public.service_log where id = %s", logged)["v"]

"""个人信息清单 for everyone, signed out too; 个人信息权利请求 for community and district staff: record
a request, see its light, find the resident's records, make the copy, close it."""
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from gongzhi import db
from gongzhi.auth.pages import pages_for
from gongzhi.personal.inventory import FIELDS
from tests.pages.conftest import APP, TIMEOUT
from tests.personal.makers import MAKERS
from tests.volunteers.makers import phone

PRIVACY = "pages/privacy.py"
REQUESTS = "pages/subject_requests.py"


def test_the_inventory_page_opens_signed_out_and_lists_every_field(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(PRIVACY).run()
    assert not at.exception and at.title[0].value == "个人信息清单"
    table = at.dataframe[0].value
    assert len(table) == len(FIELDS) and "beneficiary_phone" in list(table["字段"])
    assert any("application_v1" in i.value for i in at.info)


@pytest.mark.parametrize("role", ["district", "street", "community", "grid", "department"])
def test_every_role_has_the_inventory_page(role):
    assert "privacy" in [p.key for p in pages_for(role)]


@pytest.mark.parametrize("role", ["street", "grid", "department"])
def test_only_community_and_district_staff_have_the_requests_page(role):
    assert "subject_requests" not in [p.key for p in pages_for(role)]


def test_community_staff_record_a_request_find_the_records_and_close_it(app_as):
    number = phone()
    with db.owner() as conn:
        MAKERS["demand"](conn, None, number)
        MAKERS["volunteer"](conn, None, number)
    at = app_as("community", REQUESTS).run()
    assert not at.exception and at.title[0].value == "个人信息权利请求"
    at.radio(key="sr_view").set_value("new").run()
    at.selectbox(key="sr_new_kind").select("copy")
    at.text_input(key="sr_new_phone").input(number)
    at.button[0].click().run()
    assert not at.exception and "已登记请求" in at.success[0].value
    at.radio(key="sr_view").set_value("open").run()
    table = at.dataframe[0].value
    assert list(table["亮灯"]) == ["🟢 正常"] and list(table["居民电话"]) == [number[:3] + "****" + number[-4:]]
    at.text_input(key="sr_phone").input(number)
    at.button(key="sr_search").click().run()
    assert "找到 2 条记录" in at.success[0].value
    at.selectbox(key="sr_format").select("csv")
    at.button(key="sr_copy").click().run()
    assert "副本含 2 条记录" in at.success[0].value
    at.text_area(key="sr_outcome").input("已提供副本")
    at.button(key="sr_close").click().run()
    assert "已办结（正常）" in at.success[0].value
    with db.owner() as conn:
        row = conn.execute("select status, outcome, closed_at::date as day from public.subject_request"
                           " order by id desc limit 1").fetchone()
    assert row == {"status": "done", "outcome": "已提供副本", "day": dt.date.today()}


def test_a_wrong_phone_is_refused_with_a_message(app_as):
    at = app_as("district", REQUESTS).run()
    at.radio(key="sr_view").set_value("new").run()
    at.text_input(key="sr_new_phone").input("不是电话")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["请输入 7 至 15 位数字的电话号码"]

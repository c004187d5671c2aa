"""安全日志 page: the audit administrator only (三权分立); newest entries first, searched by kind, person
and object; the row audit; exports that are themselves logged."""
import csv
import io

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi.auth import local
from gongzhi.auth.pages import pages_for
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from tests.conftest import ACCOUNTS, DEMO_EMAILS

PAGE = "pages/security_log.py"


def _sign_ins():
    local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, "203.0.113.9")
    with pytest.raises(DomainError):
        local.sign_in(DEMO_EMAILS["grid"], "wrong-password", "203.0.113.9")


def test_the_audit_administrator_reads_the_newest_entries_and_searches(app_as):
    _sign_ins()
    at = app_as("audit", PAGE).run()
    assert not at.exception
    assert at.title[0].value == "安全日志"
    table = at.dataframe[0].value
    assert list(table["类型"]) == ["登录失败", "登录"]
    assert list(table["客户端地址"]) == ["203.0.113.9", "203.0.113.9"]
    assert list(table["操作人"]) == ["", "刘洋"]
    at.selectbox(key="security_log_kind").select("sign_in").run()
    assert list(at.dataframe[0].value["类型"]) == ["登录"]
    assert "共 1 条" in [c.value for c in at.caption]
    at.selectbox(key="security_log_kind").select(None).run()
    at.text_input(key="audit_person").input("刘洋").run()
    assert list(at.dataframe[0].value["操作人"]) == ["刘洋"]
    at.text_input(key="audit_person").input("没有这个人").run()
    assert not at.dataframe and at.info
    at.text_input(key="audit_person").input("").run()
    at.text_input(key="audit_object").input("user:").run()
    assert len(at.dataframe[0].value) == 2


def test_an_export_is_a_file_of_the_search_and_is_itself_logged(app_as, fresh_db):
    _sign_ins()
    at = app_as("audit", PAGE).run()
    at.selectbox(key="security_log_kind").select("sign_in").run()
    at.button(key="audit_export_csv").click().run()
    assert not at.exception
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        entry = c.execute("select * from private.security_log order by id desc limit 1").fetchone()
        audit_id = c.execute("select id from auth.users where email = %s", (ACCOUNTS["audit"],)).fetchone()["id"]
    assert (entry["kind"], entry["object"], entry["actor"]) == ("export", "security_log", audit_id)
    assert entry["details"] == {"list": "security_log", "filters": {"kind": "sign_in"}, "rows": 1}
    assert at.get("download_button")   # the file is offered once it is made


def test_the_row_audit_is_readable_by_the_audit_administrator(app_as):
    at = app_as("audit", PAGE).run()
    at.radio(key="audit_source").set_value("audit_log").run()
    assert not at.exception
    at.selectbox(key="audit_table").select("staff").run()
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["数据表"]) == {"staff"}


@pytest.mark.parametrize("role", ["district", "system", "security", "street", "community", "grid", "department"])
def test_other_roles_do_not_have_the_page(app_as, role):
    admin = role if role in ("system", "security") else None
    assert "security_log" not in [p.key for p in pages_for("district" if admin else role, admin)]
    at = app_as(role)
    try:
        at.switch_page(PAGE).run()
    except Exception:
        return   # navigation refuses a page the role does not have
    # Opened directly, the page still shows nothing.
    assert not at.exception and not at.dataframe
    assert [e.value for e in at.error] == ["您无权进行此操作，或该记录不在您的辖区内"]

"""组织与账号 page: the system administrator only (三权分立); the tree, new units and accounts through the page's forms; and
the language each user picks, remembered at the next sign-in."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi.auth.local import sign_in
from gongzhi.auth.pages import pages_for
from gongzhi.db import owner
from gongzhi.demo_data import DEMO_PASSWORD
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import APP, TIMEOUT

PAGE = "pages/org.py"


def _units():
    with owner() as conn:
        return conn.execute("select count(*) as n from public.org_unit").fetchone()["n"]


def test_the_system_administrator_sees_the_tree_and_the_accounts(app_as):
    at = app_as("system", PAGE).run()
    assert not at.exception
    assert at.title[0].value == "组织与账号"
    tree = at.dataframe[0].value
    assert "丽水社区第一网格" in set(tree["名称"].str.strip()) and len(tree) == 1 + 4 + 16 + 80
    staff = at.dataframe(key="org_staff_table").value
    assert len(staff) == 50 and "邮箱" in staff.columns
    assert "共 " in at.caption[0].value


@pytest.mark.parametrize("role", ["district", "street", "community", "grid", "department", "security", "audit"])
def test_other_roles_do_not_have_the_page(app_as, role):
    assert "org" not in [p.key for p in pages_for(role)]
    assert "org" not in [p.key for p in pages_for("district", role if role in ("security", "audit") else None)]
    at = app_as(role)
    try:
        at.switch_page(PAGE).run()
    except Exception:
        return   # navigation refuses a page the role does not have
    assert not at.exception
    assert not at.dataframe and not at.text_input and not at.selectbox   # no tree, no forms
    if any(t.value == "组织与账号" for t in at.title):
        assert at.error[0].value.startswith("您无权")


def test_adding_a_unit_through_the_form_and_refusing_a_blank_name(app_as):
    at = app_as("system", PAGE).run()
    before = _units()
    at.text_input(key="org_unit_name").input("   ")
    at.button(key="FormSubmitter:org_add_unit-新增下级组织").click().run()
    assert not at.exception and at.error[0].value == "名称应为 1 至 100 个字"
    assert _units() == before
    assert at.selectbox(key="org_unit_parent").options[0] == "滨江区"   # the default parent: a new street
    at.text_input(key="org_unit_name").input("滨湖街道")
    at.button(key="FormSubmitter:org_add_unit-新增下级组织").click().run()
    assert not at.exception and at.success[0].value == "已新增「滨湖街道」"
    assert _units() == before + 1
    assert "滨湖街道" in set(at.dataframe[0].value["名称"].str.strip())


def test_creating_an_account_through_the_form(app_as):
    at = app_as("system", PAGE).run()
    at.text_input(key="org_new_email").input("xin@demo.cn")
    at.text_input(key="org_new_name").input("辛晓")
    at.text_input(key="org_new_password").input("Binhe-ledger-7!")
    at.button(key="FormSubmitter:org_new_account-新建账号").click().run()
    assert not at.exception and at.success[0].value == "已为 辛晓 创建账号"
    assert sign_in("xin@demo.cn", "Binhe-ledger-7!").display_name == "辛晓"


def _sign_in(at, email):
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()


def test_the_language_switch_is_remembered_at_the_next_sign_in(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _sign_in(at, DEMO_EMAILS["community"])
    assert at.title[0].value.startswith("您好")
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    at.button(key="sign_out").click().run()
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT).run()   # another browser, another day
    assert fresh.button[0].label == "登录"
    _sign_in(fresh, DEMO_EMAILS["community"])
    assert not fresh.exception and fresh.title[0].value.startswith("Hello")
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _sign_in(other, DEMO_EMAILS["street"])
    assert other.title[0].value.startswith("您好")



def test_the_org_page_offers_the_tree_import(app_as):
    at = app_as("system", "pages/org.py").run()
    assert not at.exception
    assert any(e.label == "从 Excel 导入组织架构" for e in at.expander)

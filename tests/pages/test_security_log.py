"""安全日志 page: district staff only; newest entries first, filtered by kind."""
import pytest

from gongzhi.auth import local
from gongzhi.auth.pages import pages_for
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from tests.conftest import DEMO_EMAILS

PAGE = "pages/security_log.py"


def test_the_district_reads_the_newest_entries_and_filters_by_kind(app_as):
    local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, "203.0.113.9")
    with pytest.raises(DomainError):
        local.sign_in(DEMO_EMAILS["grid"], "wrong-password", "203.0.113.9")
    at = app_as("district", PAGE).run()
    assert not at.exception
    assert at.title[0].value == "安全日志"
    table = at.dataframe[0].value
    assert list(table["类型"]) == ["登录失败", "登录"]
    assert list(table["客户端地址"]) == ["203.0.113.9", "203.0.113.9"]
    assert list(table["操作人"]) == ["", "刘洋"]
    at.selectbox(key="security_log_kind").select("sign_in").run()
    assert list(at.dataframe[0].value["类型"]) == ["登录"]
    assert "共 1 条" in [c.value for c in at.caption]


@pytest.mark.parametrize("role", ["street", "community", "grid", "department"])
def test_other_roles_do_not_have_the_page(app_as, role):
    assert "security_log" not in [p.key for p in pages_for(role)]
    at = app_as(role)
    try:
        at.switch_page(PAGE).run()
    except Exception:
        return   # navigation refuses a page the role does not have
    # Opened directly, the page still shows nothing: the database refuses the read.
    assert not at.exception and not at.dataframe
    assert [e.value for e in at.error] == ["您无权进行此操作，或该记录不在您的辖区内"]

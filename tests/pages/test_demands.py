"""需求清单 page: registered per role, renders on demo data, filters change the rows, the form
refuses bad input and changes nothing, a selected row opens its detail, bulk status change."""
import pytest

from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.db import owner
from gongzhi.personal.crypto import decrypt
from tests.conftest import DEMO_EMAILS

PAGE = "pages/demands.py"
STAFF = ["district", "street", "community", "grid"]


def _count(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchone()["n"]


def _total(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith(("共", "约")))


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_registered_only_for_staff_with_a_territory(app_as, role):
    at = app_as(role).run()
    if role in STAFF:
        assert "demands" in ROLE_PAGES[role]
        at.switch_page(PAGE).run()
        assert not at.exception
        assert at.title[0].value == "需求清单"
        assert len(at.dataframe) >= 1 and len(at.dataframe[0].value) > 0
    else:
        assert "demands" not in ROLE_PAGES[role]
        with pytest.raises(Exception):
            at.switch_page(PAGE).run()
            assert not at.exception  # the page must not render for this role
            raise AssertionError("unreachable page rendered")


@pytest.mark.parametrize("role", STAFF)
def test_filters_change_the_rows(app_as, role):
    at = app_as(role, PAGE).run()
    before = _total(at)
    at.multiselect(key="demand_f_status").set_value(["cancelled"]).run()
    assert not at.exception
    after = _total(at)
    assert after != before
    statuses = set(at.dataframe[0].value["状态"])
    assert statuses <= {"已取消"}


def test_keyword_search_finds_words_of_two_characters(app_as):
    at = app_as("community", PAGE).run()
    at.text_input(key="demand_f_keyword").input("漏雨").run()
    titles = list(at.dataframe[0].value["标题"])
    assert titles
    expected = _count("""select count(*) as n from public.demand d join public.org_unit o on o.id = 3
                         where d.terr between o.terr and o.terr_hi and (d.title || ' ' || d.description) like '%%漏雨%%'""")
    assert _total(at) == f"共 {expected:,} 条"


def test_the_form_refuses_bad_input_and_changes_nothing(app_as):
    at = app_as("grid", PAGE).run()
    before = _count("select count(*) as n from public.demand")
    at.text_input(key="demand_new_title").input("=HYPERLINK(\"x\")")
    at.text_input(key="demand_new_quantity").input("1.5")
    at.text_input(key="demand_new_beneficiary_phone").input("电话")
    at.button(key="FormSubmitter:demand_create-提交").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "未保存" in errors and "疑似公式" in errors and "电话号码格式不正确" in errors and "应为整数" in errors
    assert _count("select count(*) as n from public.demand") == before


def _fill_demand(at, title, phone):
    at.text_input(key="demand_new_title").input(title)
    at.selectbox(key="demand_new_category_id").select_index(1)
    at.selectbox(key="demand_new_org_unit_id").set_value(at.selectbox(key="demand_new_org_unit_id").options and
                                                         _unit_id("丽水社区第一网格"))
    at.text_input(key="demand_new_beneficiary_phone").input(phone)


def _unit_id(name):
    with owner() as conn:
        return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


def test_a_good_demand_is_added_then_a_duplicate_is_caught_and_linked(app_as):
    at = app_as("grid", PAGE).run()
    _fill_demand(at, "楼道声控灯不亮需要维修", "13912345678")
    at.button(key="FormSubmitter:demand_create-提交").click().run()
    assert not at.exception
    assert any("已登记" in s.value for s in at.success)
    first = _count("select max(id) as n from public.demand")
    _fill_demand(at, "楼道声控灯不亮需维修", "13912345678")
    at.button(key="FormSubmitter:demand_create-提交").click().run()
    assert any("可能重复" in w.value for w in at.warning)
    assert _count("select max(id) as n from public.demand") == first
    at.button(key="demand_dup_link").click().run()
    assert not at.exception
    assert _count("select max(id) as n from public.demand") == first
    assert _count("select count(*) as n from public.demand where id = %s and description like '%%楼道声控灯不亮需维修%%'",
                  first) == 1


def test_a_selected_row_opens_its_detail_with_history_and_masked_phone(app_as):
    at = app_as("community", PAGE).run()
    at.session_state["demand_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value.startswith("#")
    assert any("脱敏" in c.value for c in at.caption)
    phones = [v for v in at.dataframe[0].value["联系电话"] if isinstance(v, str) and v]   # no phone: empty
    assert phones and all("****" in p for p in phones)


def test_bulk_status_change_moves_every_selected_row(app_as):
    grid = _unit_id("丽水社区第一网格")
    with owner() as conn:
        for _ in range(2):
            conn.execute("insert into public.demand (org_unit_id, category_id, title) values"
                         " (%s, (select min(id) from public.category), '批量测试需求')", (grid,))
    at = app_as("grid", PAGE).run()
    at.text_input(key="demand_f_keyword").input("批量测试").run()
    assert _total(at) == "共 2 条"
    at.session_state["demand_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    at.selectbox(key="demand_bulk_to").set_value("cancelled")
    at.button(key="demand_bulk_apply").click().run()
    assert not at.exception
    assert any("已将 2 条" in s.value for s in at.success), [e.value for e in at.error]
    assert _count("select count(*) as n from public.demand where title = '批量测试需求' and status = 'cancelled'") == 2


def test_the_edit_form_refuses_bad_input_then_saves_in_its_callback(app_as):
    grid = _unit_id("丽水社区第一网格")
    with owner() as conn:
        conn.execute("insert into public.demand (org_unit_id, category_id, title) values"
                     " (%s, (select min(id) from public.category), '待修改的需求')", (grid,))
    at = app_as("grid", PAGE).run()
    at.text_input(key="demand_f_keyword").input("待修改的需求").run()
    at.session_state["demand_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    row_id = int(at.subheader[0].value.split()[0].lstrip("#"))
    form = f"demand_edit_{row_id}"
    at.text_input(key=f"{form}_title").input("")
    at.button(key=f"FormSubmitter:{form}-保存").click().run()
    assert not at.exception
    assert any("未保存" in e.value for e in at.error) and len(at.error) >= 2   # the headline and the field
    assert _count("select count(*) as n from public.demand where id = %s and title = '待修改的需求'", row_id) == 1
    at.text_input(key=f"{form}_title").input("已修改的需求")
    at.button(key=f"FormSubmitter:{form}-保存").click().run()
    assert not at.exception and any(s.value == "已保存" for s in at.success)
    assert _count("select count(*) as n from public.demand where id = %s and title = '已修改的需求'", row_id) == 1


def test_the_owning_grid_views_a_full_number_with_a_reason_and_it_is_logged(app_as):
    at = app_as("grid", PAGE).run()
    at.session_state["demand_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    row_id = int(at.subheader[0].value.split()[0].lstrip("#"))
    key = f"demand_unmask_{row_id}"
    with owner() as conn:
        cipher = conn.execute("select beneficiary_phone_enc as c from public.demand where id = %s", (row_id,)).fetchone()["c"]
    if cipher is None:
        pytest.skip("the newest demand of the grid has no phone in this demo")
    at.button(key=f"FormSubmitter:{key}-查看").click().run()        # no reason: refused
    assert not at.exception and any("事由" in e.value for e in at.error)
    at.text_input(key=f"{key}_reason").input("回访老人确认上门时间")
    at.button(key=f"FormSubmitter:{key}-查看").click().run()
    assert not at.exception
    assert any(decrypt("phone", cipher) in s.value for s in at.success)
    assert _count("select count(*) as n from private.security_log where kind = 'unmask' and object = %s"
                  " and details ->> 'reason' = '回访老人确认上门时间'", f"demand:{row_id}") == 1

"""资源清单 page: registered per role, renders on demo data, filters change the rows, the form
refuses bad input and changes nothing, a good resource is added, a row opens its detail."""
import pytest

from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.db import owner
from tests.conftest import DEMO_EMAILS

PAGE = "pages/resources.py"
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
        at.switch_page(PAGE).run()
        assert not at.exception
        assert at.title[0].value == "资源清单"
        assert len(at.dataframe[0].value) > 0
    else:
        assert "resources" not in ROLE_PAGES[role]
        with pytest.raises(Exception):
            at.switch_page(PAGE).run()


@pytest.mark.parametrize("role", STAFF)
def test_filters_change_the_rows(app_as, role):
    at = app_as(role, PAGE).run()
    before = _total(at)
    at.selectbox(key="resource_f_kind").set_value("venue").run()
    assert not at.exception
    assert _total(at) != before
    assert set(at.dataframe[0].value["类型"]) <= {"场地"}


def test_the_form_refuses_bad_input_and_changes_nothing(app_as):
    at = app_as("community", PAGE).run()
    before = _count("select count(*) as n from public.resource")
    at.text_input(key="resource_new_name").input("社区活动室")
    at.text_input(key="resource_new_capacity").input("很多")
    at.date_input(key="resource_new_available_from").set_value("2026-12-31")
    at.date_input(key="resource_new_available_to").set_value("2026-01-01")
    at.button(key="FormSubmitter:resource_create-提交").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "应为数字" in errors and "结束日期不能早于开始日期" in errors and "必填" in errors
    assert _count("select count(*) as n from public.resource") == before


def test_a_good_resource_is_added_and_opens_in_detail(app_as):
    at = app_as("community", PAGE).run()
    at.text_input(key="resource_new_name").input("周末法律咨询角")
    at.selectbox(key="resource_new_kind").set_value("skill")
    at.selectbox(key="resource_new_category_id").select_index(3)
    at.selectbox(key="resource_new_org_unit_id").select_index(1)
    at.text_input(key="resource_new_provider").input("明德律师事务所")
    at.text_input(key="resource_new_capacity").input("8")
    at.button(key="FormSubmitter:resource_create-提交").click().run()
    assert not at.exception and any("已登记" in s.value for s in at.success)
    assert _count("select count(*) as n from public.resource where name = '周末法律咨询角' and capacity = 8") == 1
    at.text_input(key="resource_f_keyword").input("法律咨询角").run()
    at.session_state["resource_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.subheader[0].value.endswith("周末法律咨询角")

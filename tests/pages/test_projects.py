"""项目清单 page: registered per role, renders on demo data, filters change the rows, a project is
created from demands picked on the demand list, progress and milestones are recorded, bad input
is refused and changes nothing."""
import pytest

from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.db import owner
from tests.conftest import DEMO_EMAILS

PAGE = "pages/projects.py"
STAFF = ["district", "street", "community", "grid"]


def _one(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchone()


def _total(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith(("共", "约")))


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_registered_only_for_staff_with_a_territory(app_as, role):
    at = app_as(role).run()
    if role in STAFF:
        at.switch_page(PAGE).run()
        assert not at.exception
        assert at.title[0].value == "项目清单"
    else:
        assert "projects" not in ROLE_PAGES[role]
        with pytest.raises(Exception):
            at.switch_page(PAGE).run()


@pytest.mark.parametrize("role", ["district", "street"])
def test_filters_change_the_rows(app_as, role):
    at = app_as(role, PAGE).run()
    before = _total(at)
    at.multiselect(key="project_f_status").set_value(["planning"]).run()
    assert not at.exception and _total(at) != before
    assert set(at.dataframe[0].value["状态"]) <= {"筹备中"}


def test_a_project_is_built_from_demands_picked_on_the_demand_list(app_as):
    at = app_as("community", "pages/demands.py").run()
    at.session_state["demand_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    picked = [int(i) for i in list(at.dataframe[0].value["编号"])[:2]]
    at.button(key="demand_draft_add").click().run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert any("需求 2 条" in c.value for c in at.caption)
    at.text_input(key="project_new_name").input("丽水社区助老共建")
    at.selectbox(key="project_new_kind").set_value("joint")
    at.selectbox(key="project_new_org_unit_id").select_index(1)
    at.text_input(key="project_new_budget").input("80000")
    at.button(key="FormSubmitter:project_create-提交").click().run()
    assert not at.exception and any("已登记" in s.value for s in at.success)
    project = _one("select id from public.project where name = '丽水社区助老共建'")["id"]
    linked = _one("select array_agg(demand_id order by demand_id) as ids from public.project_demand where project_id = %s",
                  project)["ids"]
    assert linked == sorted(picked)


def test_progress_refuses_bad_input_then_records_good_input(app_as):
    at = app_as("street", PAGE).run()
    at.text_input(key="project_f_keyword").input("长江路街道").run()
    at.session_state["project_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    project = int(at.subheader[0].value.split()[0].lstrip("#"))
    before = _one("select progress, spent from public.project where id = %s", project)
    at.text_input(key=f"project_progress_{project}_p").input("150")
    at.button(key=f"FormSubmitter:project_progress_{project}-保存").click().run()
    assert any("数值超出允许范围" in e.value for e in at.error)
    assert _one("select progress, spent from public.project where id = %s", project) == before
    at.text_input(key=f"project_progress_{project}_p").input("55")
    at.text_input(key=f"project_progress_{project}_s").input("1000")
    at.button(key=f"FormSubmitter:project_progress_{project}-保存").click().run()
    assert _one("select progress from public.project where id = %s", project)["progress"] == 55
    at.text_input(key=f"milestone_new_{project}_title").input("居民满意度回访")
    at.button(key=f"FormSubmitter:milestone_new_{project}-添加节点").click().run()
    assert not at.exception
    assert _one("select count(*) as n from public.project_milestone where project_id = %s and title = '居民满意度回访'",
                project)["n"] == 1

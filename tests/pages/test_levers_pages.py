"""书记项目 and 包联 pages under the real app.py: registered for district, street and community staff,
each view one transaction; a community secretary claims a project, submits it, and the street
approves it; a bad claim is refused field by field; the district proposes and confirms 包联 pairs
with their reasons shown; a community reads its pairs but has no planning buttons."""
import datetime as dt

import pytest

from gongzhi import db
from gongzhi.auth.pages import ROLE_PAGES
from gongzhi.db import owner

SP = "pages/secretary_projects.py"
BL = "pages/baolian.py"


def _status_of(name: str) -> str | None:
    with owner() as conn:
        row = conn.execute("select s.status from public.secretary_project s join public.project p on p.id = s.project_id"
                           " where p.name = %s", (name,)).fetchone()
    return row and row["status"]


@pytest.mark.parametrize("role", ["district", "street", "community", "grid", "department"])
def test_registered_for_secretaries(app_as, role):
    at = app_as(role).run()
    if role in ("district", "street", "community"):
        for page, title in ((SP, "书记项目"), (BL, "包联")):
            at.switch_page(page).run()
            assert not at.exception and at.title[0].value == title
    else:
        assert "secretary_projects" not in ROLE_PAGES[role] and "baolian" not in ROLE_PAGES[role]


@pytest.mark.parametrize("page, key, views", [(SP, "sp_view", ("list", "claim", "overview")),
                                              (BL, "bl_view", ("pairs", "units"))])
def test_each_view_is_one_transaction(app_as, page, key, views):
    at = app_as("district")
    at.run()
    at.switch_page(page).run()
    for view in views:
        at.radio(key=key).set_value(view)
        before = db.checkouts()
        at.run()
        assert not at.exception and db.checkouts() - before == 1


def _claim(at, name: str, **over):
    at.radio(key="sp_view").set_value("claim").run()
    at.text_input(key="sp_name").set_value(name)
    at.text_area(key="sp_goal").set_value(over.get("goal", "为独居老人提供上门助浴"))
    at.text_area(key="sp_targets").set_value(over.get("targets", "服务老人60人\n每月上门2次"))
    at.text_input(key="sp_budget").set_value(over.get("budget", "80000"))
    _submit(at, "sp_claim_form")


def test_a_community_claims_submits_and_the_street_approves(app_as):
    at = app_as("community", SP).run()
    _claim(at, "助浴暖心行动")
    assert not at.exception and [s.value for s in at.success] and _status_of("助浴暖心行动") == "claimed"
    at.radio(key="sp_view").set_value("list").run()
    at.selectbox(key="sp_status").set_value("claimed").run()
    assert "助浴暖心行动" in at.selectbox(key="sp_open").options[0]     # newest first
    at.button(key="sp_submit").click().run()
    assert not at.exception and _status_of("助浴暖心行动") == "submitted"

    st_ = app_as("street", SP).run()
    st_.selectbox(key="sp_status").set_value("submitted").run()
    st_.text_area(key="sp_review_note").set_value("同意，按月报告").run()
    st_.button(key="sp_approve").click().run()
    assert not st_.exception and _status_of("助浴暖心行动") == "approved"


def _submit(at, form: str) -> None:
    next(b for b in at.button if b.form_id == form).click().run()


def test_a_bad_claim_is_refused_and_changes_nothing(app_as):
    at = app_as("community", SP).run()
    _claim(at, "预算有误的项目", budget="十万元")
    assert not at.exception and any("预算" in e.value for e in at.error)
    assert _status_of("预算有误的项目") is None


def test_the_district_proposes_and_confirms_pairs_with_reasons(app_as):
    with owner() as conn:
        confirmed = conn.execute("select count(*) as n from public.baolian_pair where status = 'confirmed'").fetchone()["n"]
    at = app_as("district", BL).run()
    at.button(key="bl_propose").click().run()
    assert not at.exception and at.success
    at.run()
    table = at.dataframe[0].value
    assert len(table) > 0 and all("职能" in r for r in table["理由"])
    at.text_input(key="bl_contact").set_value("王主任")
    at.text_input(key="bl_phone").set_value("abc")
    _submit(at, "bl_confirm_form")
    assert not at.exception and any("电话" in e.value for e in at.error)
    at.text_input(key="bl_phone").set_value("13812345678")
    _submit(at, "bl_confirm_form")
    assert not at.exception and any("报到" in s.value for s in at.success)
    with owner() as conn:
        n = conn.execute("select count(*) as n from public.baolian_pair where status = 'confirmed'"
                         " and unit_id is not null").fetchone()["n"]
    assert n == confirmed + 1


def test_a_community_reads_its_pairs_without_planning(app_as):
    at = app_as("district", BL).run()
    at.button(key="bl_propose").click().run()
    at = app_as("community", BL).run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "bl_propose"]
    assert set(at.dataframe[0].value["社区"]) == {"丽水社区"}

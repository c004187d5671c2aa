"""List writes: forms refused with every problem and nothing written, status changes checked by the
database, bulk changes all or nothing, duplicates found, projects built from demands and resources."""
import pytest

from gongzhi.db import as_user, owner
from gongzhi.errors import DomainError
from gongzhi.lists import commands, queries
from gongzhi.lists.forms import FormError
from gongzhi.lists.queries import ListFilters
from gongzhi.personal.crypto import decrypt


def _one(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchone()


def _unit(name):
    return _one("select id from public.org_unit where name = %s", name)["id"]


GOOD = {"title": "独居老人需要上门助餐", "category_id": "助老服务", "org_unit_id": "丽水社区第一网格",
        "urgency": "high", "beneficiary_phone": "13912340000", "beneficiary_name": "王秀英"}


def test_a_good_demand_is_created_and_audited(users):
    new_id = commands.create(users["grid"], "demand", GOOD)
    row = _one("select title, terr, created_by::text as by from public.demand where id = %s", new_id)
    assert row["title"] == GOOD["title"] and row["by"] == users["grid"].user_id
    assert _one("select count(*) as n from public.audit_log where table_name = 'demand' and row_id = %s",
                str(new_id))["n"] == 1


def test_a_bad_form_reports_every_problem_and_writes_nothing(users):
    before = _one("select count(*) as n from public.demand")["n"]
    with pytest.raises(FormError) as caught:
        commands.create(users["grid"], "demand", {**GOOD, "title": " ", "org_unit_id": "丽水社区第二网格",
                                                  "quantity": "0", "beneficiary_phone": "phone"})
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("title", "field.error.required"), ("org_unit_id", "field.error.org_unit"),
        ("quantity", "field.error.range"), ("beneficiary_phone", "field.error.phone")}
    assert _one("select count(*) as n from public.demand")["n"] == before


def test_the_database_refuses_an_invalid_transition_for_any_client(users):
    new_id = commands.create(users["grid"], "demand", GOOD)
    with pytest.raises(DomainError) as caught:
        commands.change_status(users["grid"], "demand", [new_id], "done")
    assert caught.value.key == "lists.bulk_refused"
    with pytest.raises(Exception, match="status.invalid_transition"), as_user(users["grid"].user_id) as conn:
        conn.execute("update public.demand set status = 'done' where id = %s", (new_id,))


def test_bulk_status_change_is_all_or_nothing(users):
    a = commands.create(users["grid"], "demand", GOOD)
    b = commands.create(users["grid"], "demand", {**GOOD, "title": "另一条需求"})
    commands.change_status(users["grid"], "demand", [b], "cancelled")
    with pytest.raises(DomainError) as caught:
        commands.change_status(users["grid"], "demand", [a, b], "in_progress")
    assert caught.value.key == "lists.bulk_refused" and f"#{b}" in caught.value.params["ids"]
    assert _one("select status from public.demand where id = %s", a)["status"] == "new"
    outside = _one("select id from public.demand where org_unit_id = %s and status = 'new' limit 1",
                   _unit("丽水社区第二网格"))["id"]
    with pytest.raises(DomainError) as caught:
        commands.change_status(users["grid"], "demand", [a, outside], "cancelled")
    assert caught.value.key == "lists.bulk_missing"
    assert _one("select status from public.demand where id = %s", a)["status"] == "new"
    assert commands.change_status(users["grid"], "demand", [a], "in_progress") == 1


def test_an_edit_changes_only_the_fields_given(users):
    new_id = commands.create(users["grid"], "demand", GOOD)
    commands.update(users["community"], "demand", new_id, {"urgency": "urgent", "title": "改过的标题"})
    row = _one("select urgency, title, beneficiary_phone_enc from public.demand where id = %s", new_id)
    assert (row["urgency"], row["title"]) == ("urgent", "改过的标题")
    assert decrypt("phone", row["beneficiary_phone_enc"]) == GOOD["beneficiary_phone"]
    with pytest.raises(DomainError):
        commands.update(users["grid"], "demand", new_id, {"org_unit_id": "江滩社区第一网格"})


def test_duplicates_by_phone_and_by_similar_title(users):
    first = commands.create(users["grid"], "demand", GOOD)
    from gongzhi.lists.forms import validate
    same_phone = validate(users["grid"], "demand", {**GOOD, "title": "完全不同的说法"})
    assert [(d["id"], d["reason"]) for d in queries.duplicates(users["grid"], same_phone)] == [(first, "phone")]
    similar = validate(users["grid"], "demand", {**GOOD, "title": "独居老人需要上门助餐服务", "beneficiary_phone": ""})
    assert first in [d["id"] for d in queries.duplicates(users["grid"], similar)]
    other = validate(users["grid"], "demand", {**GOOD, "title": "路口缺少减速带", "beneficiary_phone": "13800000000"})
    assert first not in [d["id"] for d in queries.duplicates(users["grid"], other)]
    # the street sees the phone masked, so it is not told that the phone matches
    assert first not in [d["id"] for d in queries.duplicates(users["street"], same_phone)]


def test_linking_a_duplicate_notes_it_on_the_existing_demand(users):
    first = commands.create(users["grid"], "demand", {**GOOD, "urgency": "normal"})
    commands.link_duplicate(users["grid"], first, {**GOOD, "title": "老人再次来电要求助餐", "urgency": "urgent"})
    row = _one("select urgency, description from public.demand where id = %s", first)
    assert row["urgency"] == "urgent" and "老人再次来电要求助餐" in row["description"]


def test_a_project_is_built_from_demands_and_resources(users):
    u = users["community"]
    demands = [r["id"] for r in queries.list_page(u, "demand", ListFilters(status="new"), per_page=3).rows]
    resources = [r["id"] for r in queries.list_page(u, "resource", ListFilters(), per_page=2).rows]
    project = commands.create_project(u, {"name": "丽水社区助餐共建", "kind": "joint", "org_unit_id": "丽水社区",
                                          "budget": "50000"}, demands, resources)
    linked = queries.links(u, "project", project)
    assert sorted(d["id"] for d in linked["demands"]) == sorted(demands)
    assert sorted(r["id"] for r in linked["resources"]) == sorted(resources)
    milestone = commands.add_milestone(u, project, {"title": "方案公示", "due_date": "2027-01-15"})
    commands.set_milestone_done(u, milestone, True)
    commands.update_progress(u, project, {"progress": "40", "spent": "12,000.50"})
    row = _one("select progress, spent from public.project where id = %s", project)
    assert row["progress"] == 40 and str(row["spent"]) == "12000.50"
    assert queries.links(u, "project", project)["milestones"][0]["done_at"] is not None
    with pytest.raises(FormError):
        commands.update_progress(u, project, {"progress": "120", "spent": "-1"})


def test_a_project_cannot_take_a_demand_the_user_cannot_see(users):
    foreign = _one("select id from public.demand where org_unit_id = %s limit 1", _unit("江滩社区第一网格"))["id"]
    before = _one("select count(*) as n from public.project")["n"]
    with pytest.raises(DomainError):
        commands.create_project(users["community"], {"name": "越界项目", "kind": "joint", "org_unit_id": "丽水社区"},
                                [foreign], [])
    assert _one("select count(*) as n from public.project")["n"] == before

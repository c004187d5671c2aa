"""Field rules on hand-built rows: every problem found, values cleaned."""
import datetime as dt
from decimal import Decimal

from gongzhi.lists.fields import Lookups, parse

LOOKUPS = Lookups(categories={"elderly": 1, "助老服务": 1, "Elderly care": 1},
                  org_units={"丽水社区第一网格": 4, "330100001001001": 4})


def test_a_good_demand_is_cleaned():
    clean, errors = parse("demand", {"title": " 独居老人助餐 ", "category_id": "助老服务", "org_unit_id": "丽水社区第一网格",
                                     "urgency": "紧急", "quantity": "2", "needed_by": "2026年12月1日",
                                     "beneficiary_phone": 13800138000}, LOOKUPS,
                          choice_labels={"urgency": {"紧急": "urgent"}})
    assert errors == []
    assert clean["title"] == "独居老人助餐" and clean["category_id"] == 1 and clean["org_unit_id"] == 4
    assert clean["urgency"] == "urgent" and clean["quantity"] == 2 and clean["needed_by"] == dt.date(2026, 12, 1)
    assert clean["beneficiary_phone"] == "13800138000" and clean["description"] == ""


def test_every_problem_of_a_row_is_reported():
    _, errors = parse("demand", {"title": "=cmd|' /C calc'!A0", "category_id": "不存在", "org_unit_id": "江滩社区第一网格",
                                 "urgency": "特急", "quantity": "1.5", "needed_by": "明天", "beneficiary_phone": "12ab"},
                      LOOKUPS)
    assert {(e.field, e.key) for e in errors} == {
        ("title", "field.error.formula"), ("category_id", "field.error.category"),
        ("org_unit_id", "field.error.org_unit"), ("urgency", "field.error.choice"),
        ("quantity", "field.error.whole_number"), ("needed_by", "field.error.date"),
        ("beneficiary_phone", "field.error.phone")}


def test_required_fields_and_date_order():
    _, errors = parse("project", {"kind": "joint", "org_unit_id": 4, "budget": "-1",
                                  "start_date": "2026-05-01", "end_date": "2026-04-01"}, LOOKUPS)
    assert {(e.field, e.key) for e in errors} == {("name", "field.error.required"), ("budget", "field.error.range"),
                                                 ("end_date", "field.error.date_order")}


def test_money_keeps_two_decimals_and_refuses_more():
    clean, errors = parse("project", {"name": "加装电梯", "kind": "joint", "org_unit_id": 4, "budget": "1,200,000.45"},
                          LOOKUPS)
    assert errors == [] and clean["budget"] == Decimal("1200000.45")
    _clean, errors = parse("project", {"name": "加装电梯", "kind": "joint", "org_unit_id": 4, "budget": "0.001"},
                           LOOKUPS)
    assert [(e.field, e.key) for e in errors] == [("budget", "field.error.decimals")]

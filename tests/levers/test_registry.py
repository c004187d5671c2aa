"""The 包联 list and community profiles kept by the district: forms give every problem at once and
change nothing; a unit's capacity never falls below what it holds; the import of a sheet lists
every bad row and writes all rows or none; only the district writes."""
import io

import pytest
from openpyxl import load_workbook

from gongzhi.db import owner
from gongzhi.errors import DomainError
from gongzhi.levers import registry, registry_import
from gongzhi.lists.forms import FormError
from tests.conftest import ACCOUNTS
from tests.pages.conftest import identity_of


@pytest.fixture
def district(fresh_db):
    return identity_of(ACCOUNTS["district"])


def _count(sql: str, *args) -> int:
    with owner() as conn:
        return list(conn.execute(sql, args).fetchone().values())[0]


def _units() -> int:
    return _count("select count(*) from public.baolian_unit")


GOOD = {"name": "区退役军人事务局", "functions": "就业帮扶、legal", "strength": "40", "capacity": "2", "located_at": "丽水社区"}


def test_a_unit_is_added_with_its_department_and_a_bad_one_changes_nothing(district):
    before = _units()
    with pytest.raises(FormError) as refused:
        registry.add_unit(district, {"name": " ", "functions": "跳广场舞", "strength": "很多", "capacity": "30",
                                     "located_at": "火星社区"})
    assert {e.field: e.key for e in refused.value.errors} == {
        "name": "field.error.required", "functions": "baolian.desk.unknown_function", "strength": "field.error.number",
        "capacity": "baolian.desk.out_of_range", "located_at": "baolian.desk.unknown_place"}
    assert _units() == before
    new = registry.add_unit(district, GOOD)
    with owner() as conn:
        row = conn.execute("""select b.functions, b.strength, o.name as located, d.name_zh from public.baolian_unit b
                              join public.org_unit o on o.id = b.located_at
                              join public.department d on d.id = b.department_id where b.id = %s""", (new,)).fetchone()
    assert row == {"functions": ["employment", "legal"], "strength": 40, "located": "丽水社区", "name_zh": "区退役军人事务局"}
    with pytest.raises(FormError) as again:
        registry.add_unit(district, GOOD)
    assert [e.key for e in again.value.errors] == ["baolian.desk.name_taken"]


def test_capacity_never_below_what_a_unit_holds(district):
    unit = registry.add_unit(district, GOOD)
    with owner() as conn:
        for name in ("丽水社区", "江滩社区"):
            conn.execute("insert into public.baolian_pair (baolian_unit_id, org_unit_id)"
                         " select %s, id from public.org_unit where name = %s", (unit, name))
    with pytest.raises(FormError) as refused:
        registry.change_unit(district, unit, {**GOOD, "capacity": "1"})
    assert [(e.field, e.key, e.params) for e in refused.value.errors] == [("capacity", "baolian.desk.below_held", {"held": 2})]
    registry.change_unit(district, unit, {**GOOD, "name": "区退役军人事务局（服务中心）", "capacity": "3"})
    assert [r["capacity"] for r in registry.unit_page(district, search="服务中心")] == [3]


def test_profiles_are_kept_and_bad_values_refused(district):
    with owner() as conn:
        lishui = conn.execute("select id from public.org_unit where name = '丽水社区'").fetchone()["id"]
        street = conn.execute("select id from public.org_unit where kind = 'street' limit 1").fetchone()["id"]
    with pytest.raises(FormError) as refused:
        registry.set_profile(district, lishui, {"population": "-5", "old_estates": ""})
    assert {e.field for e in refused.value.errors} == {"population", "old_estates"}
    with pytest.raises(DomainError, match="not_a_community"):
        registry.set_profile(district, street, {"population": "10", "old_estates": "1"})
    registry.set_profile(district, lishui, {"population": "8800", "old_estates": "4"})
    rows = registry.profile_page(district, limit=registry.profile_total(district))
    assert [(r["population"], r["old_estates"]) for r in rows if r["id"] == lishui] == [(8800, 4)]


def test_lists_page_in_sql(district):
    total = registry.unit_total(district)
    first, second = registry.unit_page(district, limit=5), registry.unit_page(district, limit=5, offset=5)
    assert total > 5 and len(first) == 5 and not {r["id"] for r in first} & {r["id"] for r in second}
    assert registry.unit_total(district, "医院") == len(registry.unit_page(district, search="医院")) == 1


def test_others_may_not_keep_the_list(fresh_db):
    street = identity_of(ACCOUNTS["street"])
    before = _units()
    with pytest.raises(DomainError):
        registry.add_unit(street, GOOD)
    assert _units() == before


def _csv(rows: list[list], encoding: str = "gbk") -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


HEAD = ["单位名称", "职能", "人数", "可包联社区数", "所在地"]


def test_an_import_with_bad_rows_lists_every_one_and_writes_nothing(district):
    before = _units()
    data = _csv([HEAD, ["区档案馆", "文体活动", 20, 1, "丽水社区"],
                 ["", "文体活动", 20, 1, "丽水社区"],
                 ["区科协", "科普", 15, 1, "丽水社区"],
                 ["区档案馆", "文体活动", 20, 1, "丽水社区"],
                 ["区民政局", "助老服务", 0, 25, "丽水社区"]])
    plan = registry_import.preview(district, "units", "units.csv", data)
    assert sorted((row, column, key) for row, column, key, _ in plan.problems) == [
        (3, "name", "field.error.required"), (4, "functions", "baolian.desk.unknown_function"),
        (5, "name", "baolian.desk.twice"), (6, "capacity", "baolian.desk.out_of_range"),
        (6, "name", "baolian.desk.name_taken"), (6, "strength", "baolian.desk.out_of_range")]
    with pytest.raises(DomainError, match="not_clean"):
        registry_import.commit(district, plan)
    assert _units() == before


def test_a_clean_sheet_is_imported_whole(district):
    before = _units()
    book = load_workbook(io.BytesIO(registry_import.template("units")))
    out = io.BytesIO()
    book.save(out)
    plan = registry_import.preview(district, "units", "units.xlsx", out.getvalue())
    assert plan.ready and len(plan.rows) == 2
    assert registry_import.commit(district, plan) == 2
    assert _units() == before + 2
    profiles = registry_import.preview(district, "profiles", "p.csv",
                                       _csv([["社区", "常住人口", "老旧小区数"], ["丽水社区", 9100, 5]], "utf-8-sig"))
    assert registry_import.commit(district, profiles) == 1
    assert _count("select population from public.community_profile p join public.org_unit o on o.id = p.community_id"
                  " where o.name = '丽水社区'") == 9100


def test_a_sheet_without_the_columns_is_refused(district):
    with pytest.raises(DomainError, match="headers"):
        registry_import.preview(district, "profiles", "p.csv", _csv([["名称", "人口"], ["丽水社区", 1]]))

"""Loading the org tree from a spreadsheet: nested units in one transaction, every bad row listed,
nothing written when any row is bad, only the system administrator may do it."""
import psycopg
import pytest

from gongzhi.errors import DomainError
from gongzhi.org import tree_import
from tests.pages.conftest import identity_of


def _csv(*rows: str) -> bytes:
    return ("\n".join(("上级,名称,编码",) + rows) + "\n").encode("utf-8")


def _units(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from public.org_unit").fetchone()[0]


def test_a_good_sheet_adds_nested_units_in_one_go(fresh_db):
    district = identity_of("xitong@demo.gongzhi.cn")
    before = _units(fresh_db)
    plan = tree_import.preview(district, "tree.csv", _csv("330100,江北街道,", "江北街道,江北社区,JB01",
                                                          "JB01,江北社区第一网格,", "丽水社区,丽水社区第六网格,"))
    assert plan.problems == [] and [u.kind for u in plan.units] == ["street", "community", "grid", "grid"]
    assert tree_import.commit(district, plan) == 4
    assert _units(fresh_db) == before + 4
    with psycopg.connect(fresh_db) as conn:
        grid = conn.execute("""select g.terr, c.name as community, s.name as street from public.org_unit g
                               join public.org_unit c on c.id = g.parent_id join public.org_unit s on s.id = c.parent_id
                               where g.name = '江北社区第一网格'""").fetchone()
    assert grid[1:] == ("江北社区", "江北街道") and grid[0] > 0


def test_every_bad_row_is_listed_and_nothing_is_written(fresh_db):
    district = identity_of("xitong@demo.gongzhi.cn")
    before = _units(fresh_db)
    plan = tree_import.preview(district, "tree.csv", _csv(
        "不存在的街道,某社区,",            # row 2: unknown parent
        "丽水社区第一网格,某楼,",          # row 3: grids take no sub-units here
        "长江路街道,丽水社区,",            # row 4: already there
        "长江路街道,=HYPERLINK(1),",       # row 5: formula
        "长江路街道,新社区,bad code!",     # row 6: bad code
        "长江路街道,,"))                   # row 7: no name
    assert plan.problems == [(2, "parent", "org.import.no_parent"), (3, "parent", "org.import.parent_level"),
                             (4, "name", "org.import.duplicate"), (5, "name", "org.unit.bad_name"),
                             (6, "code", "org.import.bad_code"), (7, "name", "field.error.required")]
    with pytest.raises(DomainError) as refused:
        tree_import.commit(district, plan)
    assert refused.value.key == "org.import.not_clean" and _units(fresh_db) == before


def test_wrong_headers_are_refused(fresh_db):
    with pytest.raises(DomainError) as refused:
        tree_import.preview(identity_of("xitong@demo.gongzhi.cn"), "tree.csv", b"a,b\n1,2\n")
    assert refused.value.key == "org.import.headers"


@pytest.mark.parametrize("email", ["jiedao@demo.gongzhi.cn", "qu@demo.gongzhi.cn"])
def test_only_the_system_administrator_can_load_units(fresh_db, email):
    street = identity_of(email)
    plan = tree_import.preview(street, "tree.csv", _csv("长江路街道,新建社区,"))
    with pytest.raises(DomainError) as refused:
        tree_import.commit(street, plan)
    assert refused.value.key == "error.forbidden"


def test_the_template_reads_back_with_its_example_rows(fresh_db):
    plan = tree_import.preview(identity_of("xitong@demo.gongzhi.cn"), "tree.xlsx", tree_import.template())
    assert [(u.parent, u.name, u.kind) for u in plan.units] == [("330100", "示例街道", "street"),
                                                               ("示例街道", "示例社区", "community")]

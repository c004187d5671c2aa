"""需求清单 searched by a rare word: the page shows exactly the demands holding it that the account may
read ("共 N 条"), with `%` taken literally, and nothing of another street's."""
from gongzhi.db import owner

PAGE = "pages/demands.py"


def _add(title: str, grid: str) -> None:
    with owner() as conn:
        conn.execute("insert into public.demand (org_unit_id, category_id, title) values"
                     " ((select id from public.org_unit where name = %s), (select min(id) from public.category), %s)",
                     (grid, title))


def _far_grid() -> str:
    with owner() as conn:
        return conn.execute("""select g.name from public.org_unit g join public.org_unit s on s.name = '新华街道'
                               where g.kind = 'grid' and g.terr between s.terr and s.terr_hi
                               order by g.id limit 1""").fetchone()["name"]


def _search(at, keyword: str):
    at.text_input(key="demand_f_keyword").input(keyword).run()
    assert not at.exception
    return at


def test_a_rare_word_shows_its_demands_and_none_of_another_street(app_as):
    _add("七号楼雨棚50%破损需要修补", "丽水社区第一网格")
    _add("七号楼雨棚50元补贴咨询", "丽水社区第一网格")
    _add("七号楼雨棚破损需要修补", _far_grid())
    street = _search(app_as("street", PAGE).run(), "雨棚50%")
    assert "共 1 条" in [c.value for c in street.caption]
    assert list(street.dataframe[0].value["标题"]) == ["七号楼雨棚50%破损需要修补"]
    street = _search(street, "雨棚破损")
    assert not street.dataframe or len(street.dataframe[0].value) == 0
    district = _search(app_as("district", PAGE).run(), "雨棚破损")
    assert list(district.dataframe[0].value["标题"]) == ["七号楼雨棚破损需要修补"]

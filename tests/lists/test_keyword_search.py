"""Keyword search through private.demand_search: for every role, every way it may take (the pieces
index, a walk of created_at, the territory; in any order, a scan that stops) and every kind of keyword (common, rare, found nowhere,
`%` `_` `\\` taken literally, one character), the ids are exactly what ILIKE under row-level security
returns, newest first; a word found only in another street is found by nobody there."""
import pytest
from psycopg import errors

from gongzhi.lists import queries
from gongzhi.lists.queries import ListFilters
from tests.conftest import act_as, act_as_owner, require_second_factor, unit_id

ROLES = ["district", "street", "community", "grid", "department", "system"]
HOME_GRID = "丽水社区第一网格"          # the demo grid account's grid, in 长江路街道
FAR_GRID_STREET = "新华街道"            # another street
FAR_WORD = "防汛沙袋堆放点"            # only in a demand of 新华街道
# (title, unit) of the demands a test adds; the look-alikes match only if `%`, `_` or `\` were wildcards
ROWS = [
    ("打折50%优惠活动需要志愿者", HOME_GRID),
    ("补贴50元优惠券发放咨询", HOME_GRID),
    ("编号A_1门禁损坏", HOME_GRID),
    ("编号AB1门禁损坏", HOME_GRID),
    ("路径C:\\temp指示牌损坏", HOME_GRID),
    ("路径C:temp指示牌损坏", HOME_GRID),
    ("小区池塘需要打捞浮萍", HOME_GRID),
    (FAR_WORD + "需要清理", None),
]
KEYWORDS = ["老人", "需要", "打捞浮萍", "并不存在的词语", "50%优", "A_1", ":\\t", "\\", "%", "_", "人", "损坏",
            FAR_WORD]


def _far_grid(conn) -> int:
    return conn.execute("""select g.id from public.org_unit g join public.org_unit s on s.name = %s
                           where g.kind = 'grid' and g.terr between s.terr and s.terr_hi order by g.id limit 1""",
                        (FAR_GRID_STREET,)).fetchone()["id"]


@pytest.fixture
def seeded(conn):
    """The demo district with the demands of ROWS, and the statistics the choice of way reads."""
    act_as_owner(conn)
    category = conn.execute("select min(id) as id from public.category").fetchone()["id"]
    far = _far_grid(conn)
    made = {}
    for title, unit in ROWS:
        made[title] = conn.execute(
            "insert into public.demand (org_unit_id, category_id, title) values (%s, %s, %s) returning id",
            (unit_id(conn, unit) if unit else far, category, title)).fetchone()["id"]
    conn.execute("analyze public.demand")
    return made


def _ilike(conn, keyword: str) -> list[int]:
    """What row-level security lets the current role read, filtered by the plain ILIKE (nothing for a
    role without the grant: the administrators)."""
    try:
        with conn.transaction():
            return [r["id"] for r in conn.execute(
                "select id from public.demand where (title || ' ' || description) ilike %s"
                " order by created_at desc, id desc", (queries.like_pattern(keyword),)).fetchall()]
    except errors.InsufficientPrivilege:
        return []


def _ways(conn) -> list[str]:
    """Collects the way each private.demand_search call takes (its debug message)."""
    ways = []
    conn.add_notice_handler(lambda d: ways.append(d.message_primary.split()[1])
                            if (d.message_primary or "").startswith("demand_search:") else None)
    return ways


def _search(conn, keyword: str, newest: int, newest_first: bool = True) -> list[int]:
    conn.execute("set local client_min_messages = debug")
    try:
        return queries.keyword_ids(conn, keyword, newest, newest_first)
    finally:
        conn.execute("set local client_min_messages = notice")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_finds_exactly_what_ilike_under_its_policies_finds(conn, seeded, role):
    ways = _ways(conn)
    for keyword in KEYWORDS:
        act_as(conn, role)
        expected = _ilike(conn, keyword)
        assert _search(conn, keyword, 10**6) == expected, keyword
        assert _search(conn, keyword, 3) == expected[:3], keyword
        assert _search(conn, keyword, len(expected) + 1) == expected, keyword
        assert sorted(_search(conn, keyword, 10**6, False)) == sorted(expected), keyword
        some = _search(conn, keyword, 3, False)
        assert set(some) <= set(expected) and len(set(some)) == min(3, len(expected)), keyword
    if role in ("department", "system"):
        assert ways == []  # nothing to read: the function answers before choosing
    else:
        assert set(ways) <= {"index", "walk", "territory", "scan"} and len(ways) == 5 * len(KEYWORDS)


def test_each_way_is_taken_and_the_keywords_are_literal(conn, seeded):
    ways = _ways(conn)
    act_as(conn, "district")
    assert _search(conn, "50%优", 100) == [seeded["打折50%优惠活动需要志愿者"]]
    assert _search(conn, "A_1", 100) == [seeded["编号A_1门禁损坏"]]
    assert _search(conn, ":\\t", 100) == [seeded["路径C:\\temp指示牌损坏"]]
    assert seeded["路径C:temp指示牌损坏"] not in _search(conn, "\\", 100)
    assert _search(conn, "打捞浮萍", 100) == [seeded["小区池塘需要打捞浮萍"]]
    assert _search(conn, "并不存在的词语", 100) == []
    assert ways[:3] + ways[4:6] == ["index"] * 5  # rare words go through the pieces
    act_as(conn, "district")
    common = _search(conn, "老人", 20)
    assert len(common) == 20 and ways[-1] == "walk"  # a common word, the whole district: newest first
    assert len(_search(conn, "人", 20, False)) == 20 and ways[-1] == "scan"  # no piece, any 20: the first found
    act_as(conn, "grid")
    _search(conn, "人", 500)
    assert ways[-1] == "territory"  # no piece, a narrow territory and many wanted: read the territory


def test_a_word_of_another_street_is_found_by_nobody_here(conn, seeded):
    far = seeded[FAR_WORD + "需要清理"]
    act_as(conn, "district")
    assert _search(conn, FAR_WORD, 10) == [far]
    for role in ("street", "community", "grid", "department"):
        act_as(conn, role)
        assert _search(conn, FAR_WORD, 10) == [], role
        assert _search(conn, "需要清理", 10**6) == _ilike(conn, "需要清理")
        assert far not in _search(conn, "需要", 10**6)


def test_without_the_second_factor_nothing_is_found(conn, seeded):
    require_second_factor(conn, everyone=True)
    for role in ("district", "street"):
        act_as(conn, role, aal="aal1")
        assert _ilike(conn, "老人") == []
        assert _search(conn, "老人", 10) == []
        act_as(conn, role)
        assert len(_search(conn, "老人", 10)) == 10


def test_anon_may_not_call_it(conn):
    act_as(conn, None)
    with pytest.raises(Exception, match="permission denied"):
        conn.execute("select * from private.demand_search('老人', 10, true)")


def test_the_pieces_of_a_keyword_are_pieces_of_every_text_holding_it(conn):
    for text, keyword in [("高龄老人希望定期陪同就医", "陪同就医"), ("ABC-Def 老人", "c-d"), ("x", "x"),
                          ("50%_\\ 路径", "%_\\"), ("换行\n之后", "行\n之")]:
        pieces = conn.execute("select private.search_pieces(%s) as t, private.search_pieces(%s) as k",
                              (text, keyword)).fetchone()
        assert set(pieces["k"]) <= set(pieces["t"]), (text, keyword)
        assert all(len(p) == 2 for p in pieces["t"])
    assert conn.execute("select private.search_pieces('Ab老人') as p").fetchone()["p"] == ["ab", "老人", "b老"]


# ---------------------------------------------------------------- the list page on a database of its own

def test_the_street_pages_through_a_search_as_a_scan_under_its_policies_does(users, monkeypatch):
    from gongzhi.db import as_user
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 30)
    street = users["street"]
    with as_user(street.user_id) as conn:
        expected = _ilike(conn, "老人")
    assert len(expected) > 30
    first = queries.list_page(street, "demand", ListFilters(keyword="老人"), page=1, per_page=10)
    third = queries.list_page(street, "demand", ListFilters(keyword="老人"), page=3, per_page=10)
    beyond = queries.list_page(street, "demand", ListFilters(keyword="老人"), page=5, per_page=10)
    assert (first.total, first.capped, first.more) == (30, True, True)
    assert [r["id"] for r in first.rows + third.rows] == expected[:10] + expected[20:30]
    assert [r["id"] for r in beyond.rows] == expected[40:50] and beyond.page == 5


def test_a_rare_word_with_other_filters_reads_only_its_matches(users):
    from gongzhi.db import as_user, owner
    with owner() as conn:
        grid = unit_id(conn, HOME_GRID)
        far = _far_grid(conn)
        made = [conn.execute("insert into public.demand (org_unit_id, category_id, title) values"
                             " (%s, (select min(id) from public.category), %s) returning id",
                             (grid, f"七号楼感应夜灯{i}号需要更换")).fetchone()["id"] for i in range(3)]
        conn.execute("update public.demand set status = 'cancelled' where id = %s", (made[1],))
        conn.execute("insert into public.demand (org_unit_id, category_id, title) values"
                     " (%s, (select min(id) from public.category), '七号楼感应夜灯需要更换')", (far,))
    community = users["community"]
    page = queries.list_page(community, "demand", ListFilters(keyword="感应夜灯", status=("cancelled",)),
                             sort="id", descending=False)
    with as_user(community.user_id) as conn:
        expected = [r["id"] for r in conn.execute(
            "select id from public.demand where (title || ' ' || description) ilike '%%感应夜灯%%'"
            " and status = 'cancelled' order by id").fetchall()]
    assert [r["id"] for r in page.rows] == expected and page.total == len(expected) >= 1
    assert queries.list_page(users["district"], "demand", ListFilters(keyword="感应夜灯需要")).total == 1
    assert queries.list_page(users["street"], "demand", ListFilters(keyword="感应夜灯需要")).total == 0

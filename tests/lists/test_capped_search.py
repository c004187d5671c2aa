"""A keyword search counts its matches only up to a cap ("1,000+") and reads one row past its page
to know whether more follow; the rows it shows are still exactly a plain scan's, page after page."""
import pytest

from gongzhi.db import owner
from gongzhi.lists import queries
from gongzhi.lists.queries import ListFilters

WORD = "老人"


def _scan(keyword: str) -> list[int]:
    with owner() as conn:
        return [r["id"] for r in conn.execute(
            "select id from public.demand where (title || ' ' || description) ilike %s"
            " order by created_at desc, id desc", (queries.like_pattern(keyword),)).fetchall()]


@pytest.fixture
def cap(monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 5)
    return 5


def test_a_common_word_counts_up_to_the_cap_and_pages_on_past_it(users, cap):
    expected = _scan(WORD)
    assert len(expected) > 4 * cap  # the demo district has many more than the cap
    first = queries.list_page(users["district"], "demand", ListFilters(keyword=WORD), page=1, per_page=3)
    assert (first.total, first.capped, first.more) == (cap, True, True)
    assert [r["id"] for r in first.rows] == expected[:3]
    deep = queries.list_page(users["district"], "demand", ListFilters(keyword=WORD), page=4, per_page=3)
    assert deep.page == 4 and deep.capped and deep.pages == 5
    assert [r["id"] for r in deep.rows] == expected[9:12]


def test_a_capped_search_paged_past_its_end_shows_the_last_counted_page(users, cap):
    expected = _scan(WORD)
    far = queries.list_page(users["district"], "demand", ListFilters(keyword=WORD), page=10_000, per_page=3)
    assert far.page == 2 and far.capped
    assert [r["id"] for r in far.rows] == expected[3:6]


def test_under_the_cap_the_count_is_exact_and_says_so(users, cap):
    rare = "批量测试"
    with owner() as conn:
        conn.execute("insert into public.demand (org_unit_id, category_id, title)"
                     " select (select id from public.org_unit where kind = 'grid' order by id limit 1),"
                     " (select min(id) from public.category), '批量测试需求' from generate_series(1, %s)", (cap,))
    page = queries.list_page(users["district"], "demand", ListFilters(keyword=rare), per_page=2, page=3)
    assert (page.total, page.capped, page.more, page.pages, page.page) == (cap, False, False, 3, 3)
    assert len(page.rows) == 1
    beyond = queries.list_page(users["district"], "demand", ListFilters(keyword=rare), per_page=2, page=9)
    assert beyond.page == 3 and not beyond.capped


def test_the_count_stops_at_the_cap(users, cap):
    with users["district"].session() as conn:
        w = queries.where(conn, "demand", ListFilters(keyword=WORD))
        assert queries._capped_count(conn, "demand", w) == (cap, True)
        assert queries._capped_count(conn, "demand", w, cap=10**6) == (len(_scan(WORD)), False)

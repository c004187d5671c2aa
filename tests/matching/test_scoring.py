"""Scores and reasons of hand-built cases, through the SQL that suggestions, batches and stored
matches all use."""
import datetime as dt

from gongzhi.matching import queries, scoring
from tests.conftest import act_as, act_as_owner
from tests.matching import helpers as h

GRID, COMMUNITY, STREET = "丽水社区第一网格", "丽水社区", "长江路街道"


def _suggest(conn, demand_id, role="grid"):
    act_as(conn, role)
    rows = queries.suggest_in(conn, demand_id, limit=20)
    act_as_owner(conn)
    return rows


def _keys(row):
    return [item["k"] for item in scoring.items(row["reasons"])]


def test_place_capacity_and_track_record_rank_the_candidates(conn):
    cat = h.new_category(conn)
    d = h.demand(conn, h.unit(conn, GRID), cat)
    grid_r = h.resource(conn, h.unit(conn, GRID), cat, capacity=3, name="网格资源")
    community_r = h.resource(conn, h.unit(conn, COMMUNITY), cat, capacity=1, name="社区资源")
    street_r = h.resource(conn, h.unit(conn, STREET), cat, capacity=3, provider="好口碑单位", name="街道资源")
    conn.execute("insert into public.provider_record (provider, done, rating_sum, rated) values ('好口碑单位', 10, 50, 10)")
    rows = _suggest(conn, d)
    by_id = {r["resource_id"]: r for r in rows}
    # 30 category + 25 grid + 15 capacity + 10 no deadline + 5 unrated + 0 experience
    assert float(by_id[grid_r]["score"]) == 85
    # 30 + 18 community + 5 (one left for one wanted: a third of full) + 10 + 5 + 0
    assert float(by_id[community_r]["score"]) == 68
    # 30 + 12 street + 15 + 10 + 10 (rated 5.0) + 10 (ten done)
    assert float(by_id[street_r]["score"]) == 87
    assert [r["resource_id"] for r in rows] == [street_r, grid_r, community_r]
    assert _keys(by_id[grid_r]) == ["category", "place_grid", "capacity_enough", "timing_open", "rating_none",
                                    "experience"]
    assert scoring.describe(by_id[street_r]["reasons"]) == [
        "类别相符（+30）", "同一街道的资源（+12）", "剩余容量 3，足够所需 1（+15）", "需求未设截止日期（+10）",
        "提供方以往评价 5.0 分（10 次）（+10）", "提供方已完成对接 10 次（+10）"]
    assert scoring.describe(by_id[community_r]["reasons"], "en")[1] == "In the same community (+18)"


def test_short_capacity_and_a_late_resource_lose_points(conn):
    cat = h.new_category(conn)
    needed_by = dt.date.today() + dt.timedelta(days=5)
    d = h.demand(conn, h.unit(conn, GRID), cat, quantity=3, needed_by=needed_by)
    late = h.resource(conn, h.unit(conn, GRID), cat, capacity=9,
                      available_from=dt.date.today() + dt.timedelta(days=30))
    short = h.resource(conn, h.unit(conn, GRID), cat, capacity=2)
    by_id = {r["resource_id"]: r for r in _suggest(conn, d)}
    assert _keys(by_id[late])[3] == "timing_late" and by_id[late]["timing_pts"] == 0
    assert _keys(by_id[short])[2] == "capacity_short"
    assert scoring.describe(by_id[short]["reasons"])[2] == "剩余容量 2，少于所需 3（+3.3）"
    assert scoring.describe(by_id[short]["reasons"])[3] == f"可在截止日期 {needed_by.isoformat()} 前提供（+10）"


def test_only_resources_serving_the_area_with_capacity_left_are_candidates(conn):
    cat, other_cat = h.new_category(conn), h.new_category(conn)
    d = h.demand(conn, h.unit(conn, GRID), cat)
    ok = h.resource(conn, h.unit(conn, GRID), cat)
    h.resource(conn, h.unit(conn, "丽水社区第二网格"), cat)          # another grid: out of area
    h.resource(conn, h.unit(conn, "江滩社区"), cat)                  # another community
    h.resource(conn, h.unit(conn, GRID), other_cat)                 # another category
    full = h.resource(conn, h.unit(conn, GRID), cat, capacity=1)
    conn.execute("update public.resource set allocated = 1 where id = %s", (full,))
    paused = h.resource(conn, h.unit(conn, GRID), cat)
    conn.execute("update public.resource set status = 'paused' where id = %s", (paused,))
    assert [r["resource_id"] for r in _suggest(conn, d)] == [ok]
    assert _suggest(conn, d, role="street")[0]["resource_id"] == ok


def test_a_demand_outside_the_territory_gets_no_suggestions(conn):
    cat = h.new_category(conn)
    d = h.demand(conn, h.unit(conn, "丽水社区第二网格"), cat)
    h.resource(conn, h.unit(conn, COMMUNITY), cat)
    assert _suggest(conn, d, role="grid") == []
    assert len(_suggest(conn, d, role="community")) == 1


def test_matches_stored_before_the_parts_still_read_as_reasons(conn):
    cat = h.new_category(conn)
    d = h.demand(conn, h.unit(conn, GRID), cat)
    h.resource(conn, h.unit(conn, GRID), cat)
    parts = _suggest(conn, d)[0]["reasons"]
    assert isinstance(parts, dict)
    old_style = scoring.items(parts)   # what matches stored before: the items themselves
    assert scoring.describe(old_style) == scoring.describe(parts)
    assert scoring.describe(old_style, "en")[0] == "Category fits (+30)"

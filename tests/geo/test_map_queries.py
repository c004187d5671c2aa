"""The map's data is the viewer's territory and nothing else, whatever scope is asked for."""
import pytest

from gongzhi.errors import DomainError
from gongzhi.geo import chart, queries
from tests.conftest import act_as, act_as_owner, unit_id
from tests.dashboard.test_figures import identity


def _load(conn, role, unit=None, measure="demands"):
    act_as_owner(conn)
    user = identity(conn, role)
    act_as(conn, role)
    return queries.load_in(conn, user, unit, measure)


def test_the_district_sees_every_grid_with_its_open_demands(conn):
    data = _load(conn, "district")
    assert len(data.grids) == 80 and data.unmapped == 0
    assert [o["kind"] for o in data.outlines] == ["district", "street", "street", "street", "street"]
    open_demands = conn.execute("select count(*) as n from public.demand where status in ('new', 'in_progress')"
                                ).fetchone()["n"]
    assert data.total == open_demands > 0
    assert sum(p["n"] for p in data.points if p["what"] == "demand") == open_demands


def test_a_grid_worker_sees_their_grid_its_buildings_and_cases(conn):
    data = _load(conn, "grid")
    assert [g["name"] for g in data.grids] == ["丽水社区第一网格"]
    assert len(data.buildings) == 3
    grid = unit_id(conn, "丽水社区第一网格")
    mine = conn.execute("select count(*) as n from public.demand where grid_id = %s and status in ('new', 'in_progress')",
                        (grid,)).fetchone()["n"]
    assert data.grids[0]["value"] == mine
    assert len([c for c in data.cases if c["what"] == "demand"]) == min(mine, queries.CASE_LIMIT)


@pytest.mark.parametrize("role, outside", [("grid", "丽水社区第二网格"), ("community", "江滩社区"),
                                           ("street", "新华街道"), ("grid", "滨江区")])
def test_a_scope_outside_the_territory_is_refused(conn, role, outside):
    with pytest.raises(DomainError, match="dashboard.scope_outside"):
        _load(conn, role, unit_id(conn, outside))


def test_a_community_drilling_into_its_grid_sees_only_that_grid(conn):
    grid = unit_id(conn, "丽水社区第二网格")
    data = _load(conn, "community", grid)
    assert [g["unit_id"] for g in data.grids] == [grid]
    assert {b["name"] for b in data.buildings} <= {r["name"] for r in conn.execute(
        "select name from public.org_unit where parent_id = %s", (grid,))}


def test_events_are_a_measure_and_an_unknown_measure_falls_back(conn):
    events = _load(conn, "district", measure="events")
    open_events = conn.execute("select count(*) as n from public.event where closed_at is null").fetchone()["n"]
    assert events.total == open_events
    assert _load(conn, "district", measure="drop table").measure == "demands"


def test_another_feature_registers_a_measure(conn, monkeypatch):
    monkeypatch.setitem(queries.MEASURES, "overdue_visits", lambda c, lo, hi: {lo: 7})
    data = _load(conn, "grid", measure="overdue_visits")
    assert data.grids[0]["value"] == 7


def test_the_spec_draws_the_grids_and_converts_for_a_gcj02_base_map(conn):
    data = _load(conn, "community")
    plain = chart.spec(data, "zh")
    layers = plain["layer"]
    assert len(layers[0]["data"]["values"]) == 5 and layers[0]["mark"]["type"] == "geoshape"
    first = layers[0]["data"]["values"][0]["geo"]["geometry"]["coordinates"][0][0]
    tiled = chart.spec(data, "zh", tiles={"url": "https://t.example/{z}/{x}/{y}.png", "crs": "gcj02"})
    assert tiled["layer"][0]["mark"]["type"] == "image"
    shifted = tiled["layer"][1]["data"]["values"][0]["geo"]["geometry"]["coordinates"][0][0]
    assert shifted[0] - first[0] == pytest.approx(0.0054, abs=5e-4)


def test_the_spec_is_valid_vega_lite_with_rings_wound_for_d3(conn):
    import altair as alt
    data = _load(conn, "street")
    spec = chart.spec(data, "en")
    alt.LayerChart.from_dict(spec, validate=True)
    for row in spec["layer"][0]["data"]["values"]:
        ring = row["geo"]["geometry"]["coordinates"][0]
        signed = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))
        assert signed < 0, "d3-geo draws a counter-clockwise outer ring as the whole globe"
    stored = data.grids[0]["geom"]["coordinates"][0]
    assert sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(stored, stored[1:])) > 0, "stored per RFC 7946"

"""The map page under AppTest against the real demo database: each leader sees the choropleth of
their territory, a pick drills into a grid and lists its open cases, a crafted scope outside the
territory draws nothing, and the dashboard carries the map card."""
import json

import pytest

from gongzhi.db import owner
from gongzhi.geo import queries
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of

PAGE = "pages/map.py"


def _unit(name: str) -> int:
    with owner() as conn:
        return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


def _grids_drawn(at) -> list[str]:
    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    values = spec["layer"][0]["data"]["values"] if "values" in spec["layer"][0]["data"] else \
        spec["datasets"][spec["layer"][0]["data"]["name"]]
    return sorted(v["name"] for v in values)


@pytest.mark.parametrize("role, grids", [("district", 80), ("street", 20), ("community", 5), ("grid", 1)])
def test_each_leader_sees_the_grids_of_their_territory(app_as, role, grids):
    at = app_as(role, PAGE).run()
    assert not at.exception
    drawn = _grids_drawn(at)
    assert len(drawn) == grids
    expected = sorted(g["name"] for g in queries.load(identity_of(DEMO_EMAILS[role]), None).grids)
    assert drawn == expected


def test_picking_a_grid_drills_down_to_its_cases(app_as):
    at = app_as("community", PAGE).run()
    at.selectbox(key="map_grid").set_value(_unit("丽水社区第三网格"))
    at.button(key="map_grid_go").click().run()
    assert not at.exception
    assert _grids_drawn(at) == ["丽水社区第三网格"]
    assert at.subheader[0].value.startswith("本网格未办结事项")
    assert len(at.dataframe[0].value) > 0


def test_the_events_measure_is_a_choice(app_as):
    at = app_as("street", PAGE).run()
    at.radio(key="map_measure").set_value("events").run()
    assert not at.exception
    assert "未办结吹哨事件" in json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec), ensure_ascii=False)


def test_a_crafted_scope_outside_the_territory_draws_nothing(app_as):
    at = app_as("grid", PAGE)
    at.session_state["map_scope"] = _unit("江滩社区")
    at.run()
    assert not at.exception
    assert at.error and not at.get("vega_lite_chart")


def test_the_dashboard_carries_the_map_card(app_as):
    at = app_as("community", "pages/dashboard.py").run()
    assert not at.exception
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("vega_lite_chart")]
    assert any("丽水社区第一网格" in s and "geoshape" in s for s in specs)

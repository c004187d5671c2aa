"""The map as a Vega-Lite spec: a choropleth of the grids, outlines of the units above them,
buildings and open-case points, drawn from the stored geometry alone — no tile server, so it works
offline. A click on a grid selects it (selection PICK, field unit_id) for the page to drill into.

`base_map` is the optional tile layer: when a provider is configured (GONGZHI_MAP_TILES, a URL
template with {x} {y} {z}; GONGZHI_MAP_CRS, `wgs84` for 天地图 or `gcj02` for 高德/腾讯), the
geometry is converted to the provider's system for display (gongzhi.geo.gcj02) and drawn over
its tiles in the same Web-Mercator projection.
"""
from __future__ import annotations

import math
import os

import altair as alt

from gongzhi.geo import gcj02
from gongzhi.geo.queries import MapData
from gongzhi.i18n import t

PICK = "map_pick"
FONT = "Noto Sans CJK SC"
TILE = 256


def tiles_configured() -> dict | None:
    """The configured tile provider, or None (the map then draws without a base map)."""
    url = os.environ.get("GONGZHI_MAP_TILES", "").strip()
    if not url:
        return None
    crs = os.environ.get("GONGZHI_MAP_CRS", "wgs84").strip().lower().replace("-", "")
    return {"url": url, "crs": "gcj02" if crs == "gcj02" else "wgs84"}


def _shown(geom: dict, crs: str) -> dict:
    return gcj02.geometry_to_gcj02(geom) if crs == "gcj02" else geom


def _lonlat(lon: float, lat: float, crs: str) -> tuple[float, float]:
    return gcj02.to_gcj02(lon, lat) if crs == "gcj02" else (lon, lat)


def spec(data: MapData, lang: str, *, tiles: dict | None = None, height: int = 420) -> dict:
    """The Vega-Lite spec of `data`; with `tiles`, over the provider's base map."""
    crs = tiles["crs"] if tiles else "wgs84"
    measure = t(f"geo.measure.{data.measure}", lang)
    grid_label = t("org.kind.grid", lang)
    pick = alt.selection_point(name=PICK, fields=["unit_id"], on="click")
    grids = [{"unit_id": g["unit_id"], "name": g["name"], "value": g["value"],
              "geo": {"type": "Feature", "properties": {}, "geometry": _shown(g["geom"], crs)}} for g in data.grids]
    outlines = [{"name": o["name"], "geo": {"type": "Feature", "properties": {}, "geometry": _shown(o["geom"], crs)}}
                for o in data.outlines]
    points = [{**p, "lon": ll[0], "lat": ll[1], "what_label": t(f"geo.what.{p['what']}", lang)}
              for p in data.points for ll in [_lonlat(p["lon"], p["lat"], crs)]]
    buildings = [{**b, "lon": ll[0], "lat": ll[1]} for b in data.buildings for ll in [_lonlat(b["lon"], b["lat"], crs)]]
    layers = []
    if tiles and grids:
        layers.append(_tile_layer(tiles, grids))
    layers.append(alt.Chart(alt.Data(values=grids)).mark_geoshape(stroke="#ffffff", strokeWidth=0.8).encode(
        shape=alt.Shape(field="geo", type="geojson"),
        color=alt.Color("value:Q", title=measure, scale=alt.Scale(scheme="oranges")),
        opacity=alt.condition(pick, alt.value(0.85 if tiles else 1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("name:N", title=grid_label), alt.Tooltip("value:Q", title=measure)],
    ).add_params(pick))
    if outlines:
        layers.append(alt.Chart(alt.Data(values=outlines)).mark_geoshape(
            filled=False, stroke="#34495e", strokeWidth=1.6).encode(shape=alt.Shape(field="geo", type="geojson")))
    if buildings:
        layers.append(alt.Chart(alt.Data(values=buildings)).mark_square(size=40, color="#7f8c8d").encode(
            longitude="lon:Q", latitude="lat:Q", tooltip=[alt.Tooltip("name:N", title=t("geo.kind.building", lang))]))
    if points:
        layers.append(alt.Chart(alt.Data(values=points)).mark_circle(opacity=0.8, stroke="#ffffff").encode(
            longitude="lon:Q", latitude="lat:Q",
            size=alt.Size("n:Q", title=t("geo.points.open_cases", lang), scale=alt.Scale(range=[30, 600])),
            color=alt.Color("what_label:N", title=t("geo.points.what", lang),
                            scale=alt.Scale(range=["#2980b9", "#c0392b"])),
            tooltip=[alt.Tooltip("place:N", title=t("geo.points.place", lang)),
                     alt.Tooltip("what_label:N", title=t("geo.points.what", lang)),
                     alt.Tooltip("n:Q", title=t("geo.points.open_cases", lang))]))
    chart = alt.layer(*layers).project(type="mercator").properties(
        title=t("geo.map.title", lang, unit=data.scope.unit.name, measure=measure), height=height)
    return chart.configure(font=FONT).configure_view(stroke=None).to_dict(validate=False)


def _tile_layer(tiles: dict, grids: list[dict]) -> alt.Chart:
    """Image marks for the provider's tiles covering the grids' extent, at a zoom showing it in a
    few tiles; Vega-Lite places each by its corner's lon/lat in the same Mercator projection."""
    xs = [c[0] for g in grids for c in _corners(g["geo"]["geometry"])]
    ys = [c[1] for g in grids for c in _corners(g["geo"]["geometry"])]
    zoom = max(1, min(18, int(math.log2(360 / max(max(xs) - min(xs), 1e-6))) + 1))
    x0, y1 = _tile_of(min(xs), min(ys), zoom)
    x1, y0 = _tile_of(max(xs), max(ys), zoom)
    rows = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            lon, lat = _tile_corner(x, y, zoom)
            lon2, lat2 = _tile_corner(x + 1, y + 1, zoom)
            rows.append({"url": tiles["url"].format(x=x, y=y, z=zoom), "lon": lon, "lat": lat,
                         "lon2": lon2, "lat2": lat2})
    return alt.Chart(alt.Data(values=rows)).mark_image(align="left", baseline="top").encode(
        longitude="lon:Q", latitude="lat:Q", longitude2="lon2:Q", latitude2="lat2:Q", url="url:N")


def _corners(geom: dict):
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [p for rings in polygons for p in rings[0]]


def _tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2 ** zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _tile_corner(x: int, y: int, zoom: int) -> tuple[float, float]:
    n = 2 ** zoom
    lon = x / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat

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
    """The geometry as the map draws it: in the base map's system, and wound for d3-geo, which
    reads an outer ring clockwise (the opposite of GeoJSON's RFC 7946 right-hand rule; a ring the
    other way round is drawn as the whole globe outside it)."""
    geom = gcj02.geometry_to_gcj02(geom) if crs == "gcj02" else geom
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    wound = [[_wind(ring, clockwise=(i == 0)) for i, ring in enumerate(rings)] for rings in polygons]
    return {"type": geom["type"], "coordinates": wound[0] if geom["type"] == "Polygon" else wound}


def _wind(ring: list, clockwise: bool) -> list:
    area = sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:]))
    return ring[::-1] if (area > 0) == clockwise else ring


def _lonlat(lon: float, lat: float, crs: str) -> tuple[float, float]:
    return gcj02.to_gcj02(lon, lat) if crs == "gcj02" else (lon, lat)


def spec(data: MapData, lang: str, *, tiles: dict | None = None, height: int = 420) -> dict:
    """The Vega-Lite spec of `data`; with `tiles`, over the provider's base map. Written as a
    plain dict: building it through Altair costs ten times the map's own data."""
    crs = tiles["crs"] if tiles else "wgs84"
    measure = t(f"geo.measure.{data.measure}", lang)
    grid_label = t("org.kind.grid", lang)
    what_title, count_title = t("geo.points.what", lang), t("geo.points.open_cases", lang)
    grids = [{"unit_id": g["unit_id"], "name": g["name"], "value": g["value"],
              "geo": {"type": "Feature", "properties": {}, "geometry": _shown(g["geom"], crs)}} for g in data.grids]
    outlines = [{"name": o["name"], "geo": {"type": "Feature", "properties": {}, "geometry": _shown(o["geom"], crs)}}
                for o in data.outlines]
    points = [{**p, "lon": ll[0], "lat": ll[1], "what_label": t(f"geo.what.{p['what']}", lang)}
              for p in data.points for ll in [_lonlat(p["lon"], p["lat"], crs)]]
    buildings = [{**b, "lon": ll[0], "lat": ll[1]} for b in data.buildings for ll in [_lonlat(b["lon"], b["lat"], crs)]]
    shape = {"field": "geo", "type": "geojson"}
    layers = []
    if tiles and grids:
        layers.append(_tile_layer(tiles, grids))
    layers.append({
        "data": {"values": grids},
        "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.8},
        "params": [{"name": PICK, "select": {"type": "point", "fields": ["unit_id"], "on": "click"}}],
        "encoding": {
            "shape": shape,
            "color": {"field": "value", "type": "quantitative", "title": measure, "scale": {"scheme": "oranges"}},
            "opacity": {"condition": {"param": PICK, "value": 0.85 if tiles else 1.0}, "value": 0.45},
            "tooltip": [{"field": "name", "type": "nominal", "title": grid_label},
                        {"field": "value", "type": "quantitative", "title": measure}]}})
    if outlines:
        layers.append({"data": {"values": outlines},
                       "mark": {"type": "geoshape", "filled": False, "stroke": "#34495e", "strokeWidth": 1.6},
                       "encoding": {"shape": shape}})
    if buildings:
        layers.append({"data": {"values": buildings}, "mark": {"type": "square", "size": 40, "color": "#7f8c8d"},
                       "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                                    "latitude": {"field": "lat", "type": "quantitative"},
                                    "tooltip": [{"field": "name", "type": "nominal",
                                                 "title": t("geo.kind.building", lang)}]}})
    if points:
        layers.append({"data": {"values": points}, "mark": {"type": "circle", "opacity": 0.8, "stroke": "#ffffff"},
                       "encoding": {
                           "longitude": {"field": "lon", "type": "quantitative"},
                           "latitude": {"field": "lat", "type": "quantitative"},
                           "size": {"field": "n", "type": "quantitative", "title": count_title,
                                    "scale": {"range": [30, 600]}},
                           "color": {"field": "what_label", "type": "nominal", "title": what_title,
                                     "scale": {"range": ["#2980b9", "#c0392b"]}},
                           "tooltip": [{"field": "place", "type": "nominal", "title": t("geo.points.place", lang)},
                                       {"field": "what_label", "type": "nominal", "title": what_title},
                                       {"field": "n", "type": "quantitative", "title": count_title}]}})
    return {"$schema": alt.SCHEMA_URL, "config": {"font": FONT, "view": {"stroke": None}},
            "title": t("geo.map.title", lang, unit=data.scope.unit.name, measure=measure),
            "height": height, "projection": {"type": "mercator"}, "layer": layers}


def _tile_layer(tiles: dict, grids: list[dict]) -> dict:
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
    q = "quantitative"
    return {"data": {"values": rows}, "mark": {"type": "image", "align": "left", "baseline": "top"},
            "encoding": {"longitude": {"field": "lon", "type": q}, "latitude": {"field": "lat", "type": q},
                         "longitude2": {"field": "lon2"}, "latitude2": {"field": "lat2"},
                         "url": {"field": "url", "type": "nominal"}}}


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

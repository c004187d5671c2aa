"""Plane geometry on GeoJSON in WGS-84: validity, point-in-polygon, containment, label points.

The embedded server has no PostGIS and the project no geometry library, so the few operations the
map needs are here, in pure Python, on GeoJSON `Point`, `Polygon` and `MultiPolygon` geometries
(lon/lat pairs). Distances within a district are small enough that treating lon/lat as a plane is
exact for containment. A point on a boundary counts as inside (within `EPSILON` degrees, ~1 cm),
so units that tile their parent — grids sharing their community's edges — are inside it.
"""
from __future__ import annotations

import math

EPSILON = 1e-7
POLYGONAL = ("Polygon", "MultiPolygon")


def problem(geom) -> str | None:
    """The i18n key of what is wrong with a GeoJSON geometry, or None when it is valid."""
    if not isinstance(geom, dict) or geom.get("type") not in ("Point", *POLYGONAL):
        return "geo.invalid.type"
    coords = geom.get("coordinates")
    if geom["type"] == "Point":
        return None if _position(coords) else "geo.invalid.bad_position"
    polygons = [coords] if geom["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return "geo.invalid.bad_position"
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            return "geo.invalid.bad_position"
        for ring in rings:
            if not isinstance(ring, list) or not all(_position(p) for p in ring):
                return "geo.invalid.bad_position"
            if len(ring) < 4:
                return "geo.invalid.too_few"
            if list(ring[0][:2]) != list(ring[-1][:2]):
                return "geo.invalid.not_closed"
            if _self_intersects(ring):
                return "geo.invalid.self_intersects"
            if abs(_area(ring)) < EPSILON * EPSILON:
                return "geo.invalid.empty"
        for hole in rings[1:]:
            if not all(_in_ring(p, rings[0]) for p in hole):
                return "geo.invalid.hole_outside"
    return None


def out_of_range(geom) -> bool:
    """True when a coordinate lies outside WGS-84's range: projected metres, not degrees."""
    return any(abs(lon) > 180 or abs(lat) > 90 for lon, lat in positions(geom))


def positions(geom) -> list[tuple[float, float]]:
    """Every (lon, lat) of a valid geometry."""
    if geom["type"] == "Point":
        return [tuple(geom["coordinates"][:2])]
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [(p[0], p[1]) for rings in polygons for ring in rings for p in ring]


def bbox(geom) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat)."""
    xs, ys = zip(*positions(geom))
    return min(xs), min(ys), max(xs), max(ys)


def contains_point(geom, point: tuple[float, float]) -> bool:
    """True when `point` lies in the polygonal `geom` (on its boundary counts), outside its holes."""
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for rings in polygons:
        if _in_ring(point, rings[0]) and not any(_in_ring(point, h) and not _on_ring(point, h) for h in rings[1:]):
            return True
    return False


def within(inner, outer) -> bool:
    """True when geometry `inner` lies inside the polygonal `outer`: every vertex of inner inside,
    and no edge of inner crossing an edge of outer (a concave outer can hold every vertex of an
    inner that still leaves it)."""
    if not all(contains_point(outer, p) for p in positions(inner)):
        return False
    if inner["type"] == "Point":
        return True
    outer_edges = list(_edges(outer))
    return not any(_proper_cross(a, b, c, d) for a, b in _edges(inner) for c, d in outer_edges)


def label_point(geom) -> tuple[float, float]:
    """A point to label or place things at: the area centroid of the largest polygon if it lies
    inside, otherwise the middle of its widest horizontal span through the centroid's latitude."""
    if geom["type"] == "Point":
        return tuple(geom["coordinates"][:2])
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    ring = max((rings[0] for rings in polygons), key=lambda r: abs(_area(r)))
    cx, cy = _centroid(ring)
    if _in_ring((cx, cy), ring):
        return cx, cy
    crossings = sorted(x for (x1, y1), (x2, y2) in zip(ring, ring[1:]) if (y1 > cy) != (y2 > cy)
                       for x in [x1 + (cy - y1) * (x2 - x1) / (y2 - y1)])
    spans = list(zip(crossings[::2], crossings[1::2]))
    left, right = max(spans, key=lambda s: s[1] - s[0])
    return (left + right) / 2, cy


def _position(p) -> bool:
    return (isinstance(p, list) and len(p) in (2, 3)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p))


def _area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:])) / 2


def _centroid(ring) -> tuple[float, float]:
    a = _area(ring)
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:]))
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:]))
    return cx / (6 * a), cy / (6 * a)


def _edges(geom):
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for rings in polygons:
        for ring in rings:
            for a, b in zip(ring, ring[1:]):
                yield (a[0], a[1]), (b[0], b[1])


def _on_segment(p, a, b) -> bool:
    (px, py), (ax, ay), (bx, by) = p, a, b
    if abs((bx - ax) * (py - ay) - (by - ay) * (px - ax)) > EPSILON * max(1.0, math.hypot(bx - ax, by - ay)):
        return False
    return (min(ax, bx) - EPSILON <= px <= max(ax, bx) + EPSILON
            and min(ay, by) - EPSILON <= py <= max(ay, by) + EPSILON)


def _on_ring(p, ring) -> bool:
    return any(_on_segment(p, a[:2], b[:2]) for a, b in zip(ring, ring[1:]))


def _in_ring(p, ring) -> bool:
    """Ray casting, with the boundary counted as inside."""
    if _on_ring(p, ring):
        return True
    x, y = p[0], p[1]
    inside = False
    for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _orient(a, b, c) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _proper_cross(a, b, c, d) -> bool:
    """Segments ab and cd cross at a point interior to both (touching or overlapping is not crossing)."""
    d1, d2, d3, d4 = _orient(c, d, a), _orient(c, d, b), _orient(a, b, c), _orient(a, b, d)
    tiny = EPSILON * EPSILON
    return ((d1 > tiny and d2 < -tiny) or (d1 < -tiny and d2 > tiny)) and \
           ((d3 > tiny and d4 < -tiny) or (d3 < -tiny and d4 > tiny))


def _self_intersects(ring) -> bool:
    edges = [((a[0], a[1]), (b[0], b[1])) for a, b in zip(ring, ring[1:])]
    n = len(edges)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue    # the closing edge meets the first at the ring's start
            (a, b), (c, d) = edges[i], edges[j]
            if _proper_cross(a, b, c, d) or _on_segment(c, a, b) or _on_segment(d, a, b):
                return True
    return False

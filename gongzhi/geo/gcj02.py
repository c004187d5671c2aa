"""WGS-84 ↔ GCJ-02 (国测局坐标, "Mars coordinates"), for base maps that need it.

Gongzhi stores every coordinate in WGS-84. Most web maps in China (高德 AMap, 腾讯 Tencent) draw
their tiles in GCJ-02, offset from WGS-84 by up to ~500 m; 天地图 (Tianditu) uses CGCS2000, which
for a map is WGS-84. A geometry drawn over a GCJ-02 base map is converted for display only
(`to_gcj02`); coordinates a sheet gives in GCJ-02 are converted back on import (`from_gcj02`,
iterative, better than 1e-6° ≈ 0.1 m). Outside China the two systems are the same.

The forward transform is the published one (Krasovsky ellipsoid, a = 6378245, ee = 0.006693…).
"""
from __future__ import annotations

import math

_A = 6378245.0
_EE = 0.00669342162296594323


def in_china(lon: float, lat: float) -> bool:
    """The rough box inside which GCJ-02 differs from WGS-84."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 position as a GCJ-02 map draws it."""
    if not in_china(lon, lat):
        return lon, lat
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def from_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The WGS-84 position a GCJ-02 one stands for (fixed-point iteration on to_gcj02)."""
    if not in_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-9 and abs(dlat) < 1e-9:
            break
    return wlon, wlat


def geometry_to_gcj02(geom: dict) -> dict:
    """A copy of a GeoJSON geometry with every position converted for a GCJ-02 base map."""
    def convert(c):
        if c and isinstance(c[0], (int, float)):
            return list(to_gcj02(c[0], c[1]))
        return [convert(x) for x in c]
    return {**geom, "coordinates": convert(geom["coordinates"])}

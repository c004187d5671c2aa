"""Geometry into the org tree: a GeoJSON FeatureCollection of boundaries and building points, or a
sheet (xlsx/csv) of building coordinates.

Each feature names its unit by `code` (or `name`) in its properties. Everything is checked first
and every bad feature listed — not JSON, a coordinate reference system other than WGS-84 (CRS84 /
EPSG:4326), coordinates that are obviously projected (metres, outside ±180/±90), an invalid
geometry, the wrong type for the unit's level, a unit that does not exist, a unit twice, a unit
outside its parent's boundary (the parent's boundary from the same file, else the stored one) — and
the clean plan is written in one transaction (each unit's geometry replaced), or nothing is.
The page and the command line share these functions; the connection decides who writes
(a system administrator's session under row-level security, or the operator's owner connection).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb

from gongzhi import i18n
from gongzhi.errors import DomainError, from_db
from gongzhi.geo import gcj02, shapes
from gongzhi.imports import reader

WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84", "OGC:CRS84",
               "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:4326"}
POINT_COLUMNS = ("building", "lon", "lat", "crs")       # labels: geo.points.col.<column>
POINT_REQUIRED = ("building", "lon", "lat")


@dataclass
class GeoPlan:
    """What an import would write: (org_unit_id, unit name, geometry), and every problem as
    (feature or row number, what it names, i18n key, params)."""
    shapes: list[tuple[int, str, dict]] = field(default_factory=list)
    problems: list[tuple[int, str, str, dict]] = field(default_factory=list)
    source: str = ""
    numbers: dict[int, int] = field(default_factory=dict)     # org_unit_id → its feature or row number


def _units(conn) -> tuple[dict, dict, dict]:
    """The units the connection sees: by id, by code, by name (a name held twice maps to None)."""
    rows = conn.execute("select id, parent_id, kind, name, code from public.org_unit").fetchall()
    by_id = {r["id"]: r for r in rows}
    by_code = {r["code"]: r for r in rows}
    by_name: dict = {}
    for r in rows:
        by_name[r["name"]] = None if r["name"] in by_name else r
    return by_id, by_code, by_name


def _stored(conn, ids) -> dict[int, dict]:
    if not ids:
        return {}
    rows = conn.execute("select org_unit_id, geom from public.org_geometry where org_unit_id = any(%s)",
                        (list(ids),)).fetchall()
    return {r["org_unit_id"]: r["geom"] for r in rows}


def check_geojson(conn: psycopg.Connection, data: bytes, source: str = "") -> GeoPlan:
    """Every feature of a GeoJSON file checked; raises DomainError for a file that is not one."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise DomainError("geo.import.not_json") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise DomainError("geo.import.not_collection")
    crs = doc.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in WGS84_NAMES:
            raise DomainError("geo.import.crs", name=str(name if name is not None else crs)[:80])
    if not doc["features"]:
        raise DomainError("geo.import.empty")
    plan = GeoPlan(source=source[:200])
    by_id, by_code, by_name = _units(conn)
    seen: dict[int, dict] = {}
    for number, feature in enumerate(doc["features"], 1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code, name = str(props.get("code") or "").strip(), str(props.get("name") or "").strip()
        label = name or code or "—"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            plan.problems.append((number, label, "geo.import.not_feature", {}))
            continue
        unit = by_code.get(code) if code else by_name.get(name)
        if unit is None:
            plan.problems.append((number, label, "geo.import.no_unit", {}))
            continue
        label = unit["name"]
        geom = feature.get("geometry")
        key = shapes.problem(geom)
        if key is None and shapes.out_of_range(geom):
            key = "geo.projected"
        if key is None and (unit["kind"] == "building") != (geom["type"] == "Point"):
            key = "geo.wrong_type"
        if key is None and unit["id"] in seen:
            key = "geo.import.duplicate"
        if key:
            plan.problems.append((number, label, key, {}))
            continue
        seen[unit["id"]] = geom
        plan.numbers[unit["id"]] = number
        plan.shapes.append((unit["id"], label, geom))
    _check_parents(conn, plan, by_id, seen)
    return plan


def _check_parents(conn, plan: GeoPlan, by_id: dict, new: dict[int, dict]) -> None:
    """A unit must lie inside its parent's boundary: the parent's from this plan, else the stored one.
    The problem is reported at the child's feature or row number."""
    parents = {by_id[uid]["parent_id"] for uid, _, _ in plan.shapes} - {None}
    stored = _stored(conn, parents - set(new))
    for uid, label, geom in plan.shapes:
        parent_id = by_id[uid]["parent_id"]
        outer = new.get(parent_id) or stored.get(parent_id)
        if outer is None or outer["type"] not in shapes.POLYGONAL:
            continue
        if not shapes.within(geom, outer):
            plan.problems.append((plan.numbers[uid], label, "geo.import.outside_parent",
                                  {"parent": by_id[parent_id]["name"]}))
    plan.problems.sort(key=lambda p: p[0])


def check_points(conn: psycopg.Connection, filename: str, data: bytes, source: str = "") -> GeoPlan:
    """Building points from a sheet: columns 楼栋 (name or code), 经度, 纬度 and optionally 坐标系
    (WGS-84, the default, or GCJ-02, converted to WGS-84). Problems carry the sheet's row number."""
    table = reader.read(filename, data)
    names = {i18n.t(f"geo.points.col.{c}", lang): c for c in POINT_COLUMNS for lang in i18n.LANGUAGES}
    at = {names[h.strip()]: i for i, h in enumerate(table.headers) if h and h.strip() in names}
    if not set(POINT_REQUIRED) <= set(at):
        raise DomainError("geo.points.headers",
                          columns="、".join(i18n.t(f"geo.points.col.{c}") for c in POINT_REQUIRED))
    by_id, by_code, by_name = _units(conn)
    plan = GeoPlan(source=source[:200])
    seen: dict[int, dict] = {}
    for number, cells in table.rows:
        value = {c: (str(cells[i]).strip() if i < len(cells) and cells[i] is not None else "") for c, i in at.items()}
        ref = value.get("building", "")
        unit = by_code.get(ref) or by_name.get(ref)
        label = unit["name"] if unit else (ref or "—")
        key = None
        if unit is None or unit["kind"] != "building":
            key = "geo.points.no_building"
        else:
            try:
                lon, lat = float(value["lon"]), float(value["lat"])
            except ValueError:
                key = "geo.invalid.bad_position"
            else:
                crs = value.get("crs", "").upper().replace("-", "").replace(" ", "")
                if crs not in ("", "WGS84", "GCJ02", "CGCS2000"):
                    key = "geo.points.crs"
                elif not (abs(lon) <= 180 and abs(lat) <= 90):
                    key = "geo.projected"
                elif unit["id"] in seen:
                    key = "geo.import.duplicate"
                else:
                    if crs == "GCJ02":
                        lon, lat = gcj02.from_gcj02(lon, lat)
                    geom = {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}
                    seen[unit["id"]] = geom
                    plan.numbers[unit["id"]] = number
                    plan.shapes.append((unit["id"], label, geom))
        if key:
            plan.problems.append((number, label, key, {}))
    _check_parents(conn, plan, by_id, seen)
    return plan


def commit(conn: psycopg.Connection, plan: GeoPlan) -> int:
    """Write every geometry of a clean plan (replacing what a unit had) in the caller's
    transaction; returns how many. A plan with problems writes nothing."""
    if plan.problems or not plan.shapes:
        raise DomainError("geo.import.not_clean")
    try:
        with conn.transaction():
            for uid, _, geom in plan.shapes:
                conn.execute("""insert into public.org_geometry (org_unit_id, geom, source) values (%s, %s, %s)
                                on conflict (org_unit_id) do update set geom = excluded.geom, source = excluded.source""",
                             (uid, Jsonb(geom), plan.source))
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return len(plan.shapes)


def describe(problems) -> list[str]:
    """Each problem as one line in the current language."""
    return [i18n.t("geo.import.problem_line", number=n, unit=label, reason=i18n.t(key, **params))
            for n, label, key, params in problems]


def preview_geojson(user, filename: str, data: bytes) -> GeoPlan:
    """`check_geojson` as the signed-in `user` (row-level security decides what they may name)."""
    with user.session() as conn:
        return check_geojson(conn, data, source=filename)


def preview_points(user, filename: str, data: bytes) -> GeoPlan:
    """`check_points` as the signed-in `user`."""
    with user.session() as conn:
        return check_points(conn, filename, data, source=filename)


def commit_as(user, plan: GeoPlan) -> int:
    """`commit` in one transaction as the signed-in `user` (the system administrator)."""
    with user.session() as conn:
        return commit(conn, plan)

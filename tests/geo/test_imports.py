"""GeoJSON and coordinate-sheet imports: a valid file is written; invalid geometry, a feature
outside its parent's boundary, a foreign or projected coordinate system are refused with every bad
feature listed, and nothing is written."""
import io
import json

import pytest
from openpyxl import Workbook

from gongzhi.errors import DomainError
from gongzhi.geo import gcj02, imports, shapes
from tests.conftest import act_as, act_as_owner, unit_id


def _geom(conn, name):
    return conn.execute("select g.geom from public.org_geometry g join public.org_unit o on o.id = g.org_unit_id"
                        " where o.name = %s", (name,)).fetchone()["geom"]


def _code(conn, name):
    return conn.execute("select code from public.org_unit where name = %s", (name,)).fetchone()["code"]


def _shrunk(geom, factor=0.5):
    cx, cy = shapes.label_point(geom)
    ring = [[round(cx + (x - cx) * factor, 7), round(cy + (y - cy) * factor, 7)] for x, y in geom["coordinates"][0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _moved(geom, dlon):
    return {"type": "Polygon", "coordinates": [[[x + dlon, y] for x, y in geom["coordinates"][0]]]}


def _file(*features, crs=None) -> bytes:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


def _stored_source(conn, name):
    return conn.execute("select g.source from public.org_geometry g join public.org_unit o on o.id = g.org_unit_id"
                        " where o.name = %s", (name,)).fetchone()["source"]


def test_a_valid_file_is_written(conn):
    grid = _geom(conn, "丽水社区第一网格")
    data = _file(({"code": _code(conn, "丽水社区第一网格")}, _shrunk(grid)),
                 ({"name": "丽水社区第二网格"}, _shrunk(_geom(conn, "丽水社区第二网格"))),
                 crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    plan = imports.check_geojson(conn, data, source="grids.geojson")
    assert plan.problems == []
    assert imports.commit(conn, plan) == 2
    assert _geom(conn, "丽水社区第一网格") == _shrunk(grid)
    assert _stored_source(conn, "丽水社区第二网格") == "grids.geojson"


def test_every_bad_feature_is_listed_and_nothing_is_written(conn):
    first, second = _geom(conn, "丽水社区第一网格"), _geom(conn, "丽水社区第二网格")
    bowtie = {"type": "Polygon", "coordinates": [[[114.29, 30.53], [114.291, 30.531], [114.291, 30.53],
                                                  [114.29, 30.531], [114.29, 30.53]]]}
    data = _file(({"name": "丽水社区第一网格"}, _shrunk(first)),                  # fine
                 ({"name": "丽水社区第二网格"}, _moved(second, 0.05)),            # outside 丽水社区
                 ({"name": "丽水社区第三网格"}, bowtie),                          # self-intersecting
                 ({"name": "无此网格"}, _shrunk(first)),                          # no such unit
                 ({"name": "丽水社区第四网格"}, {"type": "Point", "coordinates": [114.3, 30.53]}),  # wrong type
                 ({"name": "丽水社区第五网格"}, {"type": "Polygon", "coordinates": [[[12720000, 3580000],
                   [12721000, 3580000], [12721000, 3581000], [12720000, 3580000]]]}))  # metres
    plan = imports.check_geojson(conn, data)
    assert [(n, key) for n, _, key, _ in plan.problems] == [
        (2, "geo.import.outside_parent"), (3, "geo.invalid.self_intersects"), (4, "geo.import.no_unit"),
        (5, "geo.wrong_type"), (6, "geo.projected")]
    assert plan.problems[0][3] == {"parent": "丽水社区"}
    lines = imports.describe(plan.problems)
    assert "丽水社区第二网格" in lines[0] and "丽水社区" in lines[0]
    with pytest.raises(DomainError, match="geo.import.not_clean"):
        imports.commit(conn, plan)
    assert _geom(conn, "丽水社区第一网格") == first


def test_a_parent_in_the_same_file_is_the_boundary_checked(conn):
    community = _geom(conn, "丽水社区")
    grid = _geom(conn, "丽水社区第一网格")
    small = _shrunk(community, 0.2)
    plan = imports.check_geojson(conn, _file(({"name": "丽水社区"}, small), ({"name": "丽水社区第一网格"}, grid)))
    assert [(n, key) for n, _, key, _ in plan.problems] == [(2, "geo.import.outside_parent")]


@pytest.mark.parametrize("crs", ["EPSG:3857", "urn:ogc:def:crs:EPSG::4490", "EPSG:32650"])
def test_a_foreign_coordinate_system_is_refused(conn, crs):
    data = _file(({"name": "丽水社区第一网格"}, _geom(conn, "丽水社区第一网格")), crs=crs)
    with pytest.raises(DomainError) as refused:
        imports.check_geojson(conn, data)
    assert refused.value.key == "geo.import.crs" and refused.value.params["name"] == crs


@pytest.mark.parametrize("data, key", [(b"not json", "geo.import.not_json"),
                                       (b'{"type": "Feature"}', "geo.import.not_collection"),
                                       (b'{"type": "FeatureCollection", "features": []}', "geo.import.empty")])
def test_a_file_that_is_no_feature_collection_is_refused(conn, data, key):
    with pytest.raises(DomainError, match=key):
        imports.check_geojson(conn, data)


def test_only_the_system_administrator_writes_through_row_level_security(conn):
    data = _file(({"name": "丽水社区第一网格"}, _shrunk(_geom(conn, "丽水社区第一网格"))))
    act_as(conn, "district")
    plan = imports.check_geojson(conn, data)
    assert plan.problems == []
    with pytest.raises(DomainError, match="error.forbidden"):
        imports.commit(conn, plan)
    act_as(conn, "system")
    assert imports.commit(conn, imports.check_geojson(conn, data)) == 1


def _sheet(rows) -> bytes:
    book = Workbook()
    for row in [["楼栋", "经度", "纬度", "坐标系"], *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_building_points_from_a_sheet_with_gcj02_converted(conn):
    grid = _geom(conn, "丽水社区第一网格")
    lon, lat = shapes.label_point(grid)
    glon, glat = gcj02.to_gcj02(lon, lat)
    building = conn.execute("select name from public.org_unit where kind = 'building' and parent_id = %s order by id"
                            " limit 1", (unit_id(conn, "丽水社区第一网格"),)).fetchone()["name"]
    plan = imports.check_points(conn, "楼栋.xlsx", _sheet([[building, glon, glat, "GCJ-02"]]))
    assert plan.problems == []
    imports.commit(conn, plan)
    stored = _geom(conn, building)["coordinates"]
    assert stored == pytest.approx([lon, lat], abs=1e-6)


def test_building_points_outside_their_grid_or_unknown_are_listed(conn):
    act_as_owner(conn)
    building = conn.execute("select name from public.org_unit where kind = 'building' and parent_id = %s order by id"
                            " limit 1", (unit_id(conn, "丽水社区第一网格"),)).fetchone()["name"]
    csv = ("楼栋,经度,纬度\n" f"{building},114.9,30.9\n" "无此楼,114.3,30.53\n"
           f"{building},12720000,3580000\n").encode("utf-8")
    plan = imports.check_points(conn, "points.csv", csv)
    assert [(n, key) for n, _, key, _ in plan.problems] == [
        (2, "geo.import.outside_parent"), (3, "geo.points.no_building"), (4, "geo.projected")]
    with pytest.raises(DomainError):
        imports.commit(conn, plan)


def test_a_sheet_without_coordinates_columns_is_refused(conn):
    with pytest.raises(DomainError, match="geo.points.headers"):
        imports.check_points(conn, "points.csv", "楼栋,地址\n1号楼,某路\n".encode())

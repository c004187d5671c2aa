"""`python -m gongzhi geo import` and `geo points`: a clean file is written, a bad one is refused
with every bad feature listed and exit status 1, and nothing changes."""
import json

import psycopg
from click.testing import CliRunner

from gongzhi.cli import main


def _grid(url, name):
    with psycopg.connect(url) as conn:
        return conn.execute("select o.code, g.geom from public.org_unit o join public.org_geometry g"
                            " on g.org_unit_id = o.id where o.name = %s", (name,)).fetchone()


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code}, "geometry": geom} for code, geom in features]})


def test_geo_import_writes_a_clean_file_and_refuses_a_bad_one(fresh_db, tmp_path):
    code, geom = _grid(fresh_db, "丽水社区第一网格")
    ring = geom["coordinates"][0]
    cx = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    cy = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    smaller = {"type": "Polygon", "coordinates": [[[cx + (x - cx) / 2, cy + (y - cy) / 2] for x, y in ring]]}
    good = tmp_path / "good.geojson"
    good.write_text(_collection((code, smaller)), encoding="utf-8")
    result = CliRunner().invoke(main, ["geo", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert _grid(fresh_db, "丽水社区第一网格")[1] == smaller

    far = {"type": "Polygon", "coordinates": [[[x + 1, y] for x, y in ring]]}
    bad = tmp_path / "bad.geojson"
    bad.write_text(_collection((code, geom), ("NOPE", geom), (code + "X", far)), encoding="utf-8")
    result = CliRunner().invoke(main, ["geo", "import", str(bad)])
    assert result.exit_code == 1
    assert "第 2 项" in result.output and "第 3 项" in result.output and "未写入任何数据" in result.output
    assert _grid(fresh_db, "丽水社区第一网格")[1] == smaller


def test_geo_points_refuses_a_projected_coordinate(fresh_db, tmp_path):
    with psycopg.connect(fresh_db) as conn:
        building = conn.execute("select code from public.org_unit where kind = 'building' order by id limit 1").fetchone()[0]
    sheet = tmp_path / "points.csv"
    sheet.write_text(f"楼栋,经度,纬度\n{building},12720000,3580000\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["geo", "points", str(sheet)])
    assert result.exit_code == 1 and "投影坐标" in result.output

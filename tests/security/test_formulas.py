"""Item 3 of the hardening issue: text never reaches a spreadsheet as a formula.

Every module of the package that writes CSV or .xlsx is found by reading the source; each must go
through gongzhi.cells, and each writer is run over rows whose text starts like a formula."""
import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from gongzhi import cells, db
from gongzhi.config import ROOT
from tests.pages.conftest import identity_of

EVIL = '=HYPERLINK("http://evil.example","点击领取补贴")'
WRITES = re.compile(r"\bcsv\.writer\(|\b\w+\.append\(\[|\b(?:ws|sheet|example|lists|data|wb|book)\.append\("
                    r"|\.cell\([^)]*value=")


def _writer_modules() -> list[str]:
    found = []
    for path in sorted((ROOT / "gongzhi").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py")) \
            + sorted((ROOT / "pages").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if (re.search(r"^\s*(import csv|from openpyxl import .*Workbook)", text, re.M) and "csv.reader" not in text) \
                or "cells.csv_writer(" in text:
            found.append(str(path.relative_to(ROOT)))
    return found


def test_every_writer_goes_through_the_one_escape():
    modules = _writer_modules()
    assert {"gongzhi/imports/exports.py", "gongzhi/volunteers/assessment.py", "gongzhi/cells.py",
            "gongzhi/dashboard/export.py", "gongzhi/dashboard/bulletin.py", "gongzhi/whistle/report.py"} <= set(modules)
    direct = []
    for name in modules:
        if name == "gongzhi/cells.py":
            continue
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            if WRITES.search(line) and "cells." not in line:
                direct.append(f"{name}: {line.strip()}")
    assert direct == []
    csv_users = [str(p.relative_to(ROOT)) for p in (ROOT / "gongzhi").rglob("*.py")
                 if "csv.writer(" in p.read_text(encoding="utf-8")]
    assert csv_users == ["gongzhi/cells.py"]


def test_the_escape():
    assert cells.csv_cell(EVIL) == "'" + EVIL
    assert [cells.csv_cell(v) for v in ("+86", "-1+2", "@SUM(A1)", "\t=1", "丽水社区")] == \
        ["'+86", "'-1+2", "'@SUM(A1)", "'\t=1", "丽水社区"]
    assert cells.csv_cell(-5) == "-5" and cells.csv_cell(None) == ""


def _csv_cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def _xlsx_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _no_formula(data: bytes) -> list[str]:
    found = _xlsx_cells(data)
    assert not [c.coordinate for c in found if c.data_type == "f"]
    return [c.value for c in found]


@pytest.fixture
def evil_district(fresh_db):
    """Names staff and residents wrote, starting like formulas, where every writer shows them."""
    with db.owner() as conn:
        conn.execute("update public.org_unit set name = %s where name = '丽水社区第一网格'", (EVIL,))
        conn.execute("update public.unit set name = %s where id = (select min(id) from public.unit"
                     " where community_id = (select id from public.org_unit where name = '丽水社区'))", (EVIL,))
        conn.execute("update public.volunteer set name = %s where community_id ="
                     " (select id from public.org_unit where name = '丽水社区')", (EVIL,))
        conn.execute("update public.department set name_zh = %s, name_en = %s"
                     " where id = (select min(id) from public.department)", (EVIL, EVIL))
        conn.execute("update public.demand set title = %s where id = (select max(id) from public.demand)", (EVIL,))
    return fresh_db


def test_list_exports(evil_district):
    from gongzhi.imports import exports
    from gongzhi.lists.queries import ListFilters
    district = identity_of("qu@demo.gongzhi.cn")
    assert "'" + EVIL in _csv_cells(exports.to_csv(district, "demand", ListFilters()))
    assert EVIL in _no_formula(exports.to_xlsx(district, "demand", ListFilters()))


def test_assessment_exports(evil_district):
    from gongzhi.volunteers import assessment, commands, queries
    community = identity_of("shequ@demo.gongzhi.cn")
    period = assessment.period_of(dt.date.today())
    commands.compute_assessment(community, period)
    assert "'" + EVIL in _csv_cells(assessment.export_csv(community, period, "unit"))
    assert "'" + EVIL in _csv_cells(assessment.export_csv(community, period, "volunteer"))
    rows, _ = queries.ranking(community, period, "unit", size=500)
    unit = next(r for r in rows if r["name"] == EVIL)
    assert "'" + EVIL in _csv_cells(assessment.unit_report_csv(community, period, unit["unit_id"]))


def test_dashboard_and_bulletin_workbooks(evil_district):
    from gongzhi.dashboard import bulletin, export, queries
    from gongzhi.dashboard.periods import period_for
    grid_parent = identity_of("shequ@demo.gongzhi.cn")
    board = queries.load(grid_parent, None, period_for("year", dt.date.today()))
    assert EVIL in _no_formula(export.to_xlsx(board, "zh"))
    today = dt.date.today()
    month = bulletin.build(grid_parent, None, today.year, today.month)
    assert EVIL in _no_formula(bulletin.to_xlsx(month, "zh", with_charts=False))


def test_weekly_whistle_report(evil_district):
    from gongzhi.whistle import queries, report
    district = identity_of("qu@demo.gongzhi.cn")
    today = dt.date.today()
    weekly = queries.weekly(district, today - dt.timedelta(days=today.weekday()))
    values = _no_formula(report.weekly_xlsx(weekly, "zh"))
    assert EVIL in values


def test_templates(evil_district):
    from gongzhi.imports import template
    from gongzhi.org import tree_import
    grid = identity_of("wangge@demo.gongzhi.cn")
    assert EVIL in _no_formula(template.build("demand", grid, "zh"))
    _no_formula(tree_import.template("zh"))

"""Exports: the filtered view as .xlsx with Chinese headers and as CSV in UTF-8 with a BOM; an
export re-imports as the same rows; text that looks like a formula stays text."""
import csv
import io

import pytest
from openpyxl import load_workbook

from gongzhi.db import owner
from gongzhi.imports import exports, importer
from gongzhi.lists.queries import ListFilters
from gongzhi.personal.crypto import decrypt
from tests.imports.conftest import count, xlsx

HEAD = ["标题", "类别", "所属区域", "紧急程度", "数量", "需求截止日期", "服务对象", "联系电话", "地址", "详细描述"]
GRID = "丽水社区第一网格"
COMPARED = ("title, category_id, org_unit_id, urgency, quantity, needed_by, beneficiary_name, beneficiary_phone_enc,"
            " address, description")


def _seed(user, marker):
    rows = [[f"{marker}{i}", "法律援助", GRID, "较急", i + 1, "2026-12-0" + str(i + 1), "李秀英", f"+86 138 0013 800{i}",
             "5号楼", f"{marker}说明 @{i}"] for i in range(3)]
    importer.import_file(user, "demand", "seed.xlsx", xlsx([HEAD] + rows))


def _poison(marker):
    """A description written by another client that would run as a formula in Excel."""
    with owner() as conn:
        conn.execute("update public.demand set description = '=HYPERLINK(\"http://x\")' where title = %s", (marker + "0",))


def _rows(marker):
    with owner() as conn:
        rows = conn.execute(f"select {COMPARED} from public.demand where title like %s order by title",
                            (marker + "%",)).fetchall()
    for r in rows:   # the phone as it reads back (its ciphertext differs on every write)
        r["beneficiary_phone"] = decrypt("phone", r.pop("beneficiary_phone_enc"))
    return rows


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_export_reimports_as_the_same_rows(user_of, kind):
    user = user_of("grid")
    _seed(user, "往返")
    filters = ListFilters(keyword="往返")
    data = exports.to_xlsx(user, "demand", filters) if kind == "xlsx" else exports.to_csv(user, "demand", filters)
    before = _rows("往返")
    with owner() as conn:
        conn.execute("delete from public.demand where title like '往返%'")
    assert importer.import_file(user, "demand", f"export.{kind}", data) == 3
    assert _rows("往返") == before


def test_xlsx_has_chinese_headers_labels_and_text_that_stays_text(user_of):
    user = user_of("grid")
    _seed(user, "表头")
    _poison("表头")
    book = load_workbook(io.BytesIO(exports.to_xlsx(user, "demand", ListFilters(keyword="表头"))))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("编号", *HEAD, "状态", "创建时间")
    assert len(rows) == 4
    first = dict(zip(rows[0], rows[-1]))
    assert (first["类别"], first["紧急程度"], first["状态"], first["所属区域"]) == ("法律援助", "较急", "待对接", GRID)
    assert {r[-3] for r in rows[1:]} >= {'=HYPERLINK("http://x")'}
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_csv_is_utf8_with_bom_and_escapes_formula_like_cells(user_of):
    user = user_of("grid")
    _seed(user, "逗号")
    _poison("逗号")
    data = exports.to_csv(user, "demand", ListFilters(keyword="逗号"), "en")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Title", "Category"] and len(rows) == 4
    record = dict(zip(rows[0], rows[-1]))
    assert record["Phone"] == "'+86 138 0013 8000" and record["Description"] == "'=HYPERLINK(\"http://x\")"
    assert record["Urgency"] == "High" and record["Status"] == "Awaiting match"


def test_exports_follow_the_filters_and_the_territory(user_of):
    grid, community = user_of("grid"), user_of("community")
    _seed(grid, "辖区")
    assert len(exports.to_csv(grid, "demand", ListFilters(keyword="辖区", urgency=("urgent",))).splitlines()) == 1
    assert len(exports.to_csv(community, "demand", ListFilters(keyword="辖区")).splitlines()) == 4
    with owner() as conn:
        xinhua = conn.execute("select s.user_id from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                              " where o.name = '新华里社区'").fetchone()["user_id"]
    from gongzhi.auth import load_identity
    assert len(exports.to_csv(load_identity(str(xinhua)), "demand", ListFilters(keyword="辖区")).splitlines()) == 1


def test_an_export_of_a_whole_wide_view_is_refused_above_the_limit(user_of, monkeypatch):
    district = user_of("district")
    assert exports.too_many(district, "demand", ListFilters()) is None
    monkeypatch.setattr(exports, "MAX_ROWS", 10)
    assert exports.too_many(district, "demand", ListFilters()) >= 2000
    with pytest.raises(Exception, match="excel.export_too_big"):
        exports.to_csv(district, "demand", ListFilters())
    assert count("demand") >= 2000

"""Imports: a good file goes in whole; a file with any bad row changes nothing and names each bad
row and its reason; bad files (wrong headers, empty, huge, formulas, encodings) are refused clearly."""
import zlib

import pytest

from gongzhi import i18n
from gongzhi.db import owner
from gongzhi.errors import DomainError
from gongzhi.imports import importer, reader
from gongzhi.imports.importer import ImportRefused
from tests.imports.conftest import count, csv_bytes, xlsx

HEAD = ["标题", "类别", "所属区域", "紧急程度", "数量", "需求截止日期", "服务对象", "联系电话", "地址", "详细描述"]
GRID = "丽水社区第一网格"


def _row(title, unit=GRID, **over):
    phone = f"138{zlib.crc32(title.encode()) % 10**8:08d}"   # one beneficiary per row: same phone and category is a duplicate
    row = dict(zip(HEAD, [title, "维修维护", unit, "紧急", 2, "2026-12-31", "张桂芳", phone, "3号楼", "楼道灯不亮"]))
    row.update(over)
    return [row[h] for h in HEAD]


def test_a_good_sheet_goes_in_whole_with_an_audit_row_each(user_of):
    user = user_of("grid")
    before = count("demand")
    n = importer.import_file(user, "demand", "需求.xlsx", xlsx([HEAD] + [_row(f"导入需求{i}") for i in range(3)]))
    assert n == 3 and count("demand") == before + 3
    with owner() as conn:
        rows = conn.execute("select d.urgency, d.quantity, d.status, d.created_by::text as by, o.name as unit,"
                            " (select count(*) from public.audit_log a where a.table_name = 'demand'"
                            "  and a.row_id = d.id::text and a.action = 'insert') as audits"
                            " from public.demand d join public.org_unit o on o.id = d.org_unit_id"
                            " where d.title like '导入需求%'").fetchall()
    assert {(r["urgency"], r["quantity"], r["status"], r["unit"], r["audits"]) for r in rows} == {("urgent", 2, "new", GRID, 1)}
    assert {r["by"] for r in rows} == {user.user_id}


def test_each_phone_is_sealed_once_and_the_commit_stores_what_the_preview_sealed(user_of):
    """The preview's dry run seals the phones; the commit writes those very ciphertexts (SM4-GCM
    takes a fresh nonce each time, so a second sealing would store different bytes)."""
    user = user_of("grid")
    checked = importer.preview(user, "demand", "需求.xlsx", xlsx([HEAD] + [_row(f"一次加密{i}") for i in range(3)]))
    sealed = {checked.stored[n]["beneficiary_phone_enc"] for n, _row_ in checked.rows}
    assert len(sealed) == 3 and all(s.startswith("\\x") for s in sealed)
    assert importer.commit(user, "demand", checked) == 3
    with owner() as conn:
        stored = {"\\x" + bytes(r["e"]).hex() for r in conn.execute(
            "select beneficiary_phone_enc as e from public.demand where title like '一次加密%'")}
    assert stored == sealed


def test_a_sheet_with_bad_rows_changes_nothing_and_names_every_bad_row(user_of):
    user = user_of("grid")
    before = count("demand")
    sheet = [HEAD, _row("好的一行"), _row(""), _row("好的另一行"), _row("别的网格", unit="丽水社区第二网格"),
             _row("电话错", **{"联系电话": "abc", "紧急程度": "非常急"})]
    checked = importer.preview(user, "demand", "需求.xlsx", xlsx(sheet))
    assert checked.total == 5 and len(checked.rows) == 2 and not checked.ready
    assert [(p.row, p.column, p.key) for p in checked.problems] == [
        (3, "title", "field.error.required"),
        (5, "org_unit_id", "field.error.org_unit"),
        (6, "beneficiary_phone", "field.error.phone"),
        (6, "urgency", "field.error.choice"),
    ]
    with pytest.raises(ImportRefused) as refused:
        importer.commit(user, "demand", checked)
    assert refused.value.params == {"n": 3}
    assert i18n.t(refused.value.key, "en", **refused.value.params) == "3 rows failed the checks; nothing was imported"
    assert count("demand") == before


def test_rows_outside_the_uploaders_territory_are_bad_rows_at_every_level(user_of):
    street = user_of("street")   # 长江路街道
    sheet = [HEAD, _row("本街道", unit="江滩社区第一网格"), _row("外街道", unit="新华里社区第一网格")]
    checked = importer.preview(street, "demand", "x.csv", csv_bytes(sheet))
    assert [(p.row, p.key) for p in checked.problems] == [(3, "field.error.org_unit")]
    district = importer.preview(user_of("district"), "demand", "x.csv", csv_bytes(sheet))
    assert district.ready and len(district.rows) == 2


def test_the_database_has_the_last_word_when_things_change_after_the_preview(user_of):
    user = user_of("grid")
    checked = importer.preview(user, "demand", "x.xlsx", xlsx([HEAD, _row("预览后调岗")]))
    assert checked.ready
    with owner() as conn:   # the grid worker is moved to another grid before confirming
        conn.execute("update public.staff set org_unit_id = (select id from public.org_unit where name = '丽水社区第二网格')"
                     " where user_id = %s", (user.user_id,))
    before = count("demand")
    with pytest.raises(ImportRefused) as refused:
        importer.commit(user, "demand", checked)
    assert [(p.row, p.key) for p in refused.value.problems] == [(2, "error.forbidden")]
    assert count("demand") == before


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(user_of, encoding):
    data = csv_bytes([HEAD, _row(f"编码{encoding}")], encoding)
    assert importer.import_file(user_of("grid"), "demand", "需求.csv", data) == 1
    assert count("demand", "title = %s", (f"编码{encoding}",)) == 1


def test_english_headers_and_labels_and_resource_statuses(user_of):
    sheet = [["Name", "Kind", "Category", "Area", "Provider", "Capacity", "Status"],
             ["Meeting room", "Venue", "Culture and sports", GRID, "丽水社区", 30, "Paused"],
             ["活动室", "场地", "文体活动", GRID, "丽水社区", "40", "可用"]]
    assert importer.import_file(user_of("grid"), "resource", "r.xlsx", xlsx(sheet)) == 2
    with owner() as conn:
        got = conn.execute("select name, kind, status, capacity from public.resource where name in ('Meeting room', '活动室')"
                           " order by name").fetchall()
    assert [tuple(r.values()) for r in got] == [("Meeting room", "venue", "paused", 30), ("活动室", "venue", "available", 40)]


def test_a_new_row_cannot_start_in_a_later_status(user_of):
    sheet = [HEAD + ["状态"], _row("已办结的新需求") + ["已办结"]]
    checked = importer.preview(user_of("grid"), "demand", "x.xlsx", xlsx(sheet))
    assert [(p.row, p.column, p.key) for p in checked.problems] == [(2, "status", "excel.bad_status")]


def test_formula_cells_are_refused_in_csv_and_in_xlsx(user_of):
    user = user_of("grid")
    before = count("demand")
    sheet = [HEAD, _row("=cmd|' /C calc'!A0"), _row("地址是公式", **{"地址": "@SUM(A1)"}),
             _row("数量是公式", **{"数量": "=1+1"}), _row("正常")]
    for name, data in (("f.csv", csv_bytes(sheet)), ("f.xlsx", xlsx(sheet))):
        checked = importer.preview(user, "demand", name, data)
        assert [(p.row, p.column, p.key) for p in checked.problems] == [
            (2, "title", "field.error.formula"), (3, "address", "field.error.formula"),
            (4, "quantity", "field.error.formula")], name
        assert [n for n, _r in checked.rows] == [5]
    assert count("demand") == before


@pytest.mark.parametrize("name,data,key", [
    ("x.csv", b"", "excel.empty"),
    ("x.csv", b"\xef\xbb\xbf\r\n,,\r\n", "excel.empty"),
    ("x.csv", ",".join(HEAD).encode(), "excel.no_rows"),
    ("x.txt", b"a,b", "excel.bad_type"),
    ("x.xlsx", b"PK\x03\x04 not really a workbook", "excel.bad_file"),
    ("x.csv", b"\xff\xfe\x00\xd8bad", "excel.encoding"),
    ("x.csv", "名字,类别\n张三,维修维护\n".encode(), "excel.unknown_headers"),
    ("x.csv", "标题,标题,类别,所属区域\n".encode() + b"a,a,b,c\n", "excel.duplicate_headers"),
    ("x.csv", "标题,类别\n楼道灯,维修维护\n".encode(), "excel.missing_headers"),
])
def test_unusable_files_are_refused_with_a_reason(user_of, name, data, key):
    with pytest.raises(DomainError) as refused:
        importer.preview(user_of("grid"), "demand", name, data)
    assert refused.value.key == key
    assert i18n.has(key) and "{" not in i18n.t(key, **refused.value.params)


def test_huge_files_are_refused_before_any_row_is_checked(user_of, monkeypatch):
    user = user_of("grid")
    with pytest.raises(DomainError, match="excel.too_big"):
        importer.preview(user, "demand", "x.csv", b"a" * (reader.MAX_BYTES + 1))
    rows = "\n".join(",".join(map(str, _row(f"r{i}"))) for i in range(reader.MAX_ROWS + 1))
    with pytest.raises(DomainError) as refused:
        importer.preview(user, "demand", "x.csv", (",".join(HEAD) + "\n" + rows).encode())
    assert refused.value.key == "excel.too_many_rows" and refused.value.params["n"] == reader.MAX_ROWS + 1


def test_the_preview_reports_progress_up_to_done(user_of):
    seen = []
    importer.preview(user_of("grid"), "demand", "x.csv", csv_bytes([HEAD] + [_row(f"p{i}") for i in range(1200)]),
                     progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3

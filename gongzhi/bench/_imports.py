"""The import benchmark figure for `bench pages`: a 10,000-row demand sheet (.xlsx) imported by the
grid worker into the benchmark database (1M demands): read + validate + dry run, then the
all-or-nothing commit. The imported rows are removed afterwards; their audit rows stay."""
from __future__ import annotations

import io
import time
import uuid

import psycopg
from openpyxl import Workbook

from gongzhi import cells, i18n
from gongzhi.auth import load_identity
from gongzhi.bench._data import bench_url, pointing_at, user_ids
from gongzhi.imports import columns as cols
from gongzhi.imports import importer

ROWS = 10_000


def sheet(rows: int, marker: str, phones: bool = True) -> bytes:
    """A demand sheet of `rows` rows for the demo grid worker, Chinese headers and labels (without
    the beneficiaries' phones when not `phones`: the baseline of `bench compliance`)."""
    names = ["title", "category_id", "org_unit_id", "urgency", "quantity", "needed_by",
             "beneficiary_name", "beneficiary_phone", "address", "description"]
    book = Workbook(write_only=True)
    ws = book.create_sheet("需求清单")
    cells.append(ws, [cols.header(n, i18n.DEFAULT) for n in names])
    for i in range(rows):
        cells.append(ws, [f"{marker}楼道灯损坏{i}", "维修维护", "丽水社区第一网格", "紧急", 1 + i % 5, "2026-12-31",
                   "张桂芳", f"138{i:08d}" if phones else None, f"{i % 30 + 1}号楼", "单元楼道声控灯不亮，老人夜间上下楼不安全。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(demands: int = 1_000_000, keep: bool = True, rows: int = ROWS) -> dict:
    """`import_10k_s` (preview + commit), with its parts, at `demands` demands."""
    url = bench_url(demands=demands, keep=keep)
    marker = "压测" + uuid.uuid4().hex[:6]
    data = sheet(rows, marker)
    with pointing_at(url):
        user = load_identity(user_ids(url)["grid"])
        started = time.perf_counter()
        checked = importer.preview(user, "demand", "bench.xlsx", data)
        previewed = time.perf_counter()
        inserted = importer.commit(user, "demand", checked)
        done = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from public.demand where title like %s", (marker + "%",))
    assert inserted == rows, f"imported {inserted} of {rows}"
    return {"import_10k_s": round(done - started, 2), "import_preview_s": round(previewed - started, 2),
            "import_commit_s": round(done - previewed, 2), "import_rows_per_s": round(rows / (done - started))}

"""Reading an uploaded sheet: .xlsx (python-calamine; openpyxl when the sheet holds formulas, so
they are seen as formulas and refused) or .csv in UTF-8 (with or without BOM) or GBK.

Returns the header row and the data rows as raw cell values; knows nothing about lists.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from gongzhi.errors import DomainError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
EXTENSIONS = ("xlsx", "csv")


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]   # (spreadsheet row number, cells), blank rows left out


def read(filename: str, data: bytes) -> Table:
    """The header and non-blank rows of the first sheet of `data`; DomainError for a file that
    is empty, too big, of another type, unreadable or has too many rows."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in EXTENSIONS:
        raise DomainError("excel.bad_type")
    if not data:
        raise DomainError("excel.empty")
    if len(data) > MAX_BYTES:
        raise DomainError("excel.too_big", mb=MAX_BYTES // (1024 * 1024))
    grid = _read_csv(data) if ext == "csv" else _read_xlsx(data)
    header_at = next((i for i, cells in enumerate(grid) if not _blank_row(cells)), None)
    if header_at is None:
        raise DomainError("excel.empty")
    headers = [_text(c) for c in grid[header_at]]
    while headers and not headers[-1]:
        headers.pop()
    rows = [(i + 1, list(cells)) for i, cells in enumerate(grid) if i > header_at and not _blank_row(cells)]
    if not rows:
        raise DomainError("excel.no_rows")
    if len(rows) > MAX_ROWS:
        raise DomainError("excel.too_many_rows", max=MAX_ROWS, n=len(rows))
    return Table(headers, rows)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _blank_row(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("excel.encoding")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return [_unescape(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise DomainError("excel.bad_file") from None


def _unescape(cells: list) -> list:
    """Undo the apostrophe exports put before cells that would look like formulas ('+86 …)."""
    return [c[1:] if isinstance(c, str) and len(c) > 1 and c[0] == "'" and c[1] in "=+-@" else c for c in cells]


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        return any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets[:1])


def _read_xlsx(data: bytes) -> list[list]:
    try:
        if _has_formulas(data):
            return _read_with_openpyxl(data)
        from python_calamine import load_workbook
        book = load_workbook(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return [_unescape(row) for row in sheet.to_python(skip_empty_area=False)]
    except DomainError:
        raise
    except Exception:
        raise DomainError("excel.bad_file") from None


def _read_with_openpyxl(data: bytes) -> list[list]:
    """Formula cells come back as their text ("=…"), which the importer refuses."""
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = book.worksheets[0]
        return [_unescape(list(row)) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()

"""Exports of a filtered list: .xlsx with headers in the user's language and CSV in UTF-8 with a
BOM (so Excel on Windows reads the Chinese). Rows come from gongzhi.lists.queries.export_rows, so
an export shows exactly what the list page shows, personal data masked the same way; choices and
statuses are written as their labels. An export is a valid import file (the import skips
编号/创建时间 and reads the labels back)."""
from __future__ import annotations

import datetime as dt
import io
from typing import Iterator
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi import cells, i18n
from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.imports import columns as cols
from gongzhi.lists import queries
from gongzhi.lists.fields import choice_label_key, fields, status_label_key

MAX_ROWS = 100_000
ZONE = ZoneInfo("Asia/Shanghai")


def too_many(user: Identity, list_name: str, filters: queries.ListFilters) -> int | None:
    """The row count when it exceeds what one export may hold, else None."""
    page = queries.list_page(user, list_name, filters, per_page=1)
    return page.total if page.total > MAX_ROWS else None


def _rows(user: Identity, list_name: str, filters, lang: str) -> Iterator[list]:
    """Cells of each exported row, in export column order, as display values."""
    labels = {f.name: f for f in fields(list_name) if f.kind == "choice"}
    order = cols.export_columns(list_name)
    for n, row in enumerate(queries.export_rows(user, list_name, filters, lang)):
        if n >= MAX_ROWS:
            raise DomainError("excel.export_too_big", max=MAX_ROWS)
        out = []
        for column in order:
            value = row.get(column)
            if value is not None and column in labels:
                value = i18n.t(choice_label_key(labels[column], value), lang)
            elif value is not None and column == cols.STATUS:
                value = i18n.t(status_label_key(list_name, value), lang)
            elif isinstance(value, dt.datetime):
                value = value.astimezone(ZONE).replace(tzinfo=None, microsecond=0)
            out.append(value)
        yield out


def headers(list_name: str, lang: str) -> list[str]:
    return [cols.header(c, lang) for c in cols.export_columns(list_name)]


def to_xlsx(user: Identity, list_name: str, filters: queries.ListFilters, lang: str = i18n.DEFAULT) -> bytes:
    """The filtered list as an .xlsx workbook (streamed write; text cells never become formulas)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(i18n.t(f"excel.sheet.{list_name}", lang))
    sheet.freeze_panes = "A2"
    cells.append(sheet, [cells.text_cell(sheet, text, font=Font(bold=True)) for text in headers(list_name, lang)])
    for values in _rows(user, list_name, filters, lang):
        cells.append(sheet, values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(user: Identity, list_name: str, filters: queries.ListFilters, lang: str = i18n.DEFAULT) -> bytes:
    """The filtered list as CSV in UTF-8 with a BOM; cells that look like formulas get a leading '."""
    out = io.StringIO()
    writer = cells.csv_writer(out)
    writer.writerow(headers(list_name, lang))
    for values in _rows(user, list_name, filters, lang):
        writer.writerow(values)
    return out.getvalue().encode("utf-8-sig")

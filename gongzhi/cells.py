"""Cells of every spreadsheet and CSV the portal writes: text never becomes a formula.

Text comes from residents (the public sign-up), imports and staff; a name such as
`=HYPERLINK("http://…","点击")` must reach Excel as the text it is. Every CSV and .xlsx writer in
the package goes through this module (tests/security/test_formulas.py enforces it):

- CSV: text that starts like a formula (= + - @ tab, carriage return) gets a leading `'`, which
  Excel and WPS show as text; numbers, dates and empty cells are written as they are;
- .xlsx: text cells are stored as strings (openpyxl would store `=…` as a formula), unchanged.
"""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """One CSV cell: text escaped when it starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, float, dt.date)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class CsvWriter:
    """csv.writer whose rows pass through csv_cell."""

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, values) -> None:
        self._writer.writerow([csv_cell(v) for v in values])


def csv_writer(out) -> CsvWriter:
    return CsvWriter(out)


def text_cell(sheet, value, **style):
    """A write-only cell for `sheet`: text stays text; dates get a readable format."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def append(sheet, values) -> None:
    """Append a row to `sheet` (a normal or write-only worksheet); text cells are never formulas."""
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append([v if hasattr(v, "data_type") else text_cell(sheet, v) for v in values])
        return
    sheet.append(list(values))
    for cell in sheet[sheet.max_row] if values else ():
        if cell.data_type == "f":
            cell.data_type = "s"


def set_cell(sheet, row: int, column: int, value):
    """sheet.cell(row, column, value) with text kept as text; returns the cell."""
    cell = sheet.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell

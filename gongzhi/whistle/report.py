"""The weekly feedback report (周反馈) as an Excel workbook: one sheet per department, one per grid,
headers from the catalogue in the user's language; text cells never become formulas."""
from __future__ import annotations

import io

from openpyxl import Workbook

from gongzhi import cells, i18n

COLUMNS = ("whistled", "on_time", "late", "closed", "satisfaction")
ROUND_COLUMNS = ("visits", "rounds", "on_spot", "reported")


def _cell(value):
    return float(value) if value is not None and not isinstance(value, (int, float, str)) else value


def weekly_xlsx(report: dict, lang: str = i18n.DEFAULT) -> bytes:
    """The report of `queries.weekly` as .xlsx bytes."""
    book = Workbook(write_only=True)
    for sheet_key, rows, name_of in (
            ("whistle.report.per_department", report["per_department"], lambda r: r["name_" + lang]),
            ("whistle.report.per_grid", report["per_grid"], lambda r: r["name"])):
        sheet = book.create_sheet(i18n.t(sheet_key, lang))
        cells.append(sheet, [i18n.t("whistle.report.week", lang, monday=report["monday"].isoformat())])
        cells.append(sheet, [i18n.t("whistle.report.name", lang)] + [i18n.t(f"whistle.report.{c}", lang) for c in COLUMNS])
        for r in rows:
            cells.append(sheet, [_cell(name_of(r))] + [_cell(r[c]) for c in COLUMNS])
    rounds = book.create_sheet(i18n.t("fieldwork.sheet", lang))      # the grid workers' rounds of the week
    cells.append(rounds, [i18n.t("whistle.report.week", lang, monday=report["monday"].isoformat())])
    cells.append(rounds, [i18n.t("whistle.report.name", lang)]
                 + [i18n.t(f"fieldwork.column.{c}", lang) for c in ROUND_COLUMNS])
    for r in report.get("rounds", []):
        cells.append(rounds, [r["name"]] + [r[c] for c in ROUND_COLUMNS])
    if report.get("suggestions") is not None:   # 民情意见箱 of the same week (gongzhi.suggest)
        sheet = book.create_sheet(i18n.t("suggestion.report.sheet", lang))
        cells.append(sheet, [i18n.t("whistle.report.week", lang, monday=report["monday"].isoformat())])
        for key in ("received", "replied_in_time", "to_cases"):
            cells.append(sheet, [i18n.t(f"suggestion.report.{key}", lang), report["suggestions"][key]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Exports of the dashboard: the data behind every card and chart as one Excel workbook, headers in
the user's language; charts as PNG come from `gongzhi.charts.to_png`."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from gongzhi import cells, clock
from gongzhi.dashboard.kpis import Figure
from gongzhi.dashboard.queries import Dashboard
from gongzhi.i18n import t


def as_of_text(board: Dashboard, lang: str) -> str | None:
    """数据截至 … when the board was read from a standby; None from the primary."""
    return None if board.as_of is None else clock.as_of_text(board.as_of, lang)


def figure_text(f: Figure, lang: str, value=None) -> str:
    """A KPI value as shown on a card and in exports: 1,234 · 87.5% · 3.2 天 · —."""
    value = f.value if value is None else value
    if value is None:
        return "—"
    if f.unit == "percent":
        return f"{value * 100:.1f}%"
    if f.unit == "days":
        return t("dashboard.days", lang, n=f"{value:.1f}")
    return f"{int(value):,}"


def change_text(f: Figure, lang: str) -> str | None:
    """The change against the previous period, signed: +12 · -3.5% (points) · +0.4 天; None without one."""
    change = f.change
    if change is None:
        return None
    if f.unit == "percent":
        return t("dashboard.points", lang, n=f"{change * 100:+.1f}")
    if f.unit == "days":
        return t("dashboard.days", lang, n=f"{change:+.1f}")
    return f"{int(change):+,}"


def _sheet(ws: Worksheet, headers: list[str], rows: list[list]) -> None:
    cells.append(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells.append(ws, row)
    for i, header in enumerate(headers, 1):
        width = max([len(str(header)) * 2] + [len(str(r[i - 1])) * 2 for r in rows[:200] if r[i - 1] is not None])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(width, 8), 48)


def _pct(value):
    return None if value is None else round(value * 100, 1)


def add_data_sheets(wb: Workbook, board: Dashboard, lang: str) -> None:
    """One sheet per figure set of the dashboard, appended to `wb`."""
    h = lambda key: t(key, lang)  # noqa: E731
    ws = wb.create_sheet(h("export.sheet_kpis"))
    cells.append(ws, [t("export.scope", lang, unit=board.scope.unit.name),
               t("export.period", lang, start=board.period.start.isoformat(), end=board.period.end.isoformat())])
    _sheet_rows = [[h(f"kpi.{f.key}"), figure_text(f, lang), figure_text(f, lang, f.previous)
                    if f.previous is not None else "—", change_text(f, lang) or "—"] for f in board.figures]
    cells.append(ws, [])
    start = ws.max_row + 1
    cells.append(ws, [h("export.kpi"), h("export.value"), h("export.previous"), h("export.change")])
    for cell in ws[start]:
        cell.font = Font(bold=True)
    for row in _sheet_rows:
        cells.append(ws, row)
    ws.column_dimensions["A"].width = 24
    for col in "BCD":
        ws.column_dimensions[col].width = 16
    if board.units:
        _sheet(wb.create_sheet(h("export.sheet_units")),
               [h(f"role.{board.scope.child_kind}"), h("chart.new_demands"), h("chart.closed_demands"),
                h("chart.open_demands"), h("export.closure_rate_pct"), h("export.avg_days")],
               [[r["name"] or h("dashboard.own_level"), r["new"], r["closed"], r["open"], _pct(r["closure_rate"]),
                 r["avg_days_to_close"]] for r in board.units])
    _sheet(wb.create_sheet(h("export.sheet_categories")),
           [h("chart.category"), h("chart.new_demands"), h("chart.open_demands")],
           [[r["name_zh"] if lang == "zh" else r["name_en"], r["new"], r["open"]] for r in board.categories])
    _sheet(wb.create_sheet(h("export.sheet_trend")),
           [h("chart.week"), h("chart.new_demands"), h("chart.closed_demands")],
           [[r["week"], r["new"], r["closed"]] for r in board.trend])
    _sheet(wb.create_sheet(h("export.sheet_resources")),
           [h("chart.resource_kind"), h("export.resources"), h("kpi.resources_in_use"), h("kpi.resources_idle"),
            h("chart.allocated"), h("chart.capacity"), h("export.utilisation_pct")],
           [[t(f"resource_kind.{r['kind']}", lang), r["n"], r["in_use"], r["idle"], r["allocated"], r["capacity"],
             _pct(r["utilisation"])] for r in board.resources])
    _sheet(wb.create_sheet(h("export.sheet_projects")),
           [h("chart.project"), h("export.progress_pct"), h("export.end_date"), h("chart.late")],
           [[r["name"], r["progress"], r["end_date"], h("export.yes") if r["late"] else h("export.no")]
            for r in board.projects])


def to_xlsx(board: Dashboard, lang: str) -> bytes:
    """The data behind the dashboard as an Excel workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    add_data_sheets(wb, board, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

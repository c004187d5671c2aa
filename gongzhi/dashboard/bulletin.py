"""The monthly bulletin (月通报): for one month and one territory, the key figures, the sub-units
ranked by closure rate and by days to close, the best and worst grids, and the charts — as an
Excel workbook (a cover sheet with the charts as pictures, then the data) in the user's language.

Its figures are the dashboard's for the same scope and month (`queries.load`), so the two agree.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font

from gongzhi import cells, charts
from gongzhi.auth import Identity
from gongzhi.dashboard import export, queries
from gongzhi.dashboard.periods import month_of
from gongzhi.dashboard.queries import Dashboard
from gongzhi.fieldwork import queries as fieldwork_queries
from gongzhi.i18n import t
from gongzhi.levers import secretary
from gongzhi.suggest import queries as suggest_queries

GRIDS_SHOWN = 5
SUGGESTION_FIGURES = ("received", "replied_in_time", "to_cases")


@dataclass
class Bulletin:
    year: int
    month: int
    board: Dashboard
    by_closure: list[dict]     # sub-units, best closure rate first
    by_days: list[dict]        # sub-units with closed demands, fewest days to close first
    best_grids: list[dict]
    worst_grids: list[dict]
    published: list[dict] = field(default_factory=list)   # 书记项目 results published (晒) in the month
    rounds: dict | None = None  # the grid workers' month: visits, rounds, findings on the spot / reported
    suggestions: dict | None = None   # 民情意见箱: received, replied_in_time, to_cases (gongzhi.suggest)


def _rate_key(r: dict):
    return (-(r["closure_rate"] or 0.0), -r["new"], r["name"] or "")


def build(user: Identity, unit_id: int | None, year: int, month: int) -> Bulletin:
    """The bulletin of `month` for the scope `unit_id` (the user's own unit when None)."""
    period = month_of(year, month)
    board = queries.load(user, unit_id, period)
    by_closure = sorted(board.units, key=_rate_key)
    by_days = sorted([r for r in board.units if r["avg_days_to_close"] is not None],
                     key=lambda r: (r["avg_days_to_close"], r["name"] or ""))
    grids = [g for g in queries.grid_ranking(user, unit_id, period) if g["new"] > 0]
    ranked = sorted(grids, key=_rate_key)
    best = ranked[:GRIDS_SHOWN]
    worst = [g for g in reversed(ranked) if g not in best][:GRIDS_SHOWN]
    with user.session() as conn:
        rounds = fieldwork_queries.totals(conn, period.start, period.end)
    published = secretary.published(user, since=period.start, until=period.end + dt.timedelta(days=1),
                                    unit_id=unit_id)
    box = suggest_queries.counts(user, period.start, period.end + dt.timedelta(days=1), unit_id)
    return Bulletin(year, month, board, by_closure, by_days, best, worst, published, rounds, box)


def title(b: Bulletin, lang: str) -> str:
    return t("bulletin.title", lang, unit=b.board.scope.unit.name, year=b.year, month=b.month)


def _bold_row(ws, values: list) -> None:
    cells.append(ws, values)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _units_table(ws, rows: list[dict], lang: str, kind: str) -> None:
    _bold_row(ws, [t("bulletin.rank", lang), t(f"role.{kind}", lang), t("chart.new_demands", lang),
                   t("chart.closed_demands", lang), t("export.closure_rate_pct", lang), t("export.avg_days", lang)])
    for i, r in enumerate(rows, 1):
        cells.append(ws, [i, r["name"] or t("dashboard.own_level", lang), r["new"], r["closed"],
                   None if r["closure_rate"] is None else round(r["closure_rate"] * 100, 1), r["avg_days_to_close"]])
    cells.append(ws, [])


def to_xlsx(b: Bulletin, lang: str, with_charts: bool = True) -> bytes:
    """The bulletin as an Excel workbook: 通报 (figures, rankings, grids, charts) and the data sheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("bulletin.sheet", lang)
    cells.append(ws, [title(b, lang)])
    ws["A1"].font = Font(bold=True, size=16)
    cells.append(ws, [t("export.period", lang, start=b.board.period.start.isoformat(), end=b.board.period.end.isoformat())])
    cells.append(ws, [])
    _bold_row(ws, [t("bulletin.key_figures", lang)])
    _bold_row(ws, [t("export.kpi", lang), t("export.value", lang), t("export.previous", lang), t("export.change", lang)])
    for f in b.board.figures:
        cells.append(ws, [t(f"kpi.{f.key}", lang), export.figure_text(f, lang),
                   export.figure_text(f, lang, f.previous) if f.previous is not None else "—",
                   export.change_text(f, lang) or "—"])
    cells.append(ws, [])
    if b.suggestions is not None:
        _bold_row(ws, [t("suggestion.report.sheet", lang)])
        for key in SUGGESTION_FIGURES:
            cells.append(ws, [t(f"suggestion.report.{key}", lang), b.suggestions[key]])
        cells.append(ws, [])
    kind = b.board.scope.child_kind
    if kind:
        _bold_row(ws, [t("bulletin.by_closure", lang)])
        _units_table(ws, b.by_closure, lang, kind)
        _bold_row(ws, [t("bulletin.by_days", lang)])
        _units_table(ws, b.by_days, lang, kind)
    if b.best_grids:
        _bold_row(ws, [t("bulletin.best_grids", lang)])
        _units_table(ws, b.best_grids, lang, "grid")
        _bold_row(ws, [t("bulletin.worst_grids", lang)])
        _units_table(ws, b.worst_grids, lang, "grid")
    if b.rounds is not None:
        _bold_row(ws, [t("fieldwork.sheet", lang)])
        for key in ("visits", "rounds", "on_spot", "reported"):
            cells.append(ws, [t(f"fieldwork.column.{key}", lang), b.rounds[key]])
    if b.published:
        _bold_row(ws, [t("secretary.bulletin.title", lang)])
        _bold_row(ws, [t("secretary.column.unit", lang), t("secretary.field.name", lang), t("secretary.field.result", lang),
                       t("secretary.kpi.solved", lang), t("secretary.kpi.reached", lang)])
        for r in b.published:
            cells.append(ws, [r["unit_name"], r["name"], r["result"], r["problems_solved"], r["people_reached"]])
        cells.append(ws, [])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 22
    for col in "CDEF":
        ws.column_dimensions[col].width = 14
    if with_charts:
        sheet = wb.create_sheet(t("bulletin.sheet_charts", lang))
        row = 1
        for chart in charts.dashboard_charts(b.board, lang).values():
            image = Image(io.BytesIO(charts.to_png(chart, scale=1.5)))
            sheet.add_image(image, f"A{row}")
            row += int(image.height / 20) + 2
    export.add_data_sheets(wb, b.board, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

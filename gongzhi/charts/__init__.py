"""Altair charts of the dashboard and the bulletin, Chinese first, and their PNG export.

Each builder takes the small aggregate rows of `gongzhi.dashboard` (never list rows) and a
language, and returns an Altair chart whose titles, axes and legends come from the catalogue.
Large numbers read in 万 (10,000) in Chinese. `to_png` renders through vl-convert with the
Noto CJK fonts registered, so Chinese text comes out as glyphs rather than boxes.
"""
from __future__ import annotations

import threading
from pathlib import Path

import altair as alt
import pandas as pd

from gongzhi.i18n import t

FONT = "Noto Sans CJK SC"
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy", "/usr/share/fonts/opentype")
DRILL = "drill"          # name of the point selection on the sub-unit chart; field unit_id
WIDTH = 520
_fonts_lock = threading.Lock()
_fonts_ready = False


def number_labels(lang: str) -> str:
    """A Vega expression for axis labels: 1.2万 in Chinese above 10,000, 12k in English."""
    if lang == "zh":
        return "abs(datum.value) >= 10000 ? format(datum.value / 10000, '.1~f') + '万' : format(datum.value, ',')"
    return "format(datum.value, '~s')"


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _style(chart: alt.Chart, title: str) -> alt.Chart:
    return chart.properties(title=title, width=WIDTH).configure(font=FONT).configure_title(anchor="start")


def units_bar(rows: list[dict], lang: str, unit_kind: str) -> alt.Chart:
    """New demands in the period by sub-unit; a click selects the unit to drill into (selection DRILL)."""
    data = _frame([{**r, "name": r["name"] or t("dashboard.own_level", lang)} for r in rows])
    pick = alt.selection_point(name=DRILL, fields=["unit_id"], on="click")
    unit = t(f"org.kind.{unit_kind}", lang)
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=None, title=unit),
        x=alt.X("new:Q", title=t("chart.new_demands", lang), axis=alt.Axis(labelExpr=number_labels(lang))),
        color=alt.condition(pick, alt.value("#c0392b"), alt.value("#e6a19a")),
        tooltip=[alt.Tooltip("name:N", title=unit), alt.Tooltip("new:Q", title=t("chart.new_demands", lang)),
                 alt.Tooltip("open:Q", title=t("chart.open_demands", lang))],
    ).add_params(pick)
    return _style(chart, t("chart.by_unit", lang, unit=unit))


def categories_bar(rows: list[dict], lang: str) -> alt.Chart:
    data = _frame([{"name": r["name_zh"] if lang == "zh" else r["name_en"], "new": r["new"]} for r in rows])
    chart = alt.Chart(data).mark_bar(color="#d35400").encode(
        y=alt.Y("name:N", sort="-x", title=t("chart.category", lang)),
        x=alt.X("new:Q", title=t("chart.new_demands", lang), axis=alt.Axis(labelExpr=number_labels(lang))),
        tooltip=[alt.Tooltip("name:N", title=t("chart.category", lang)),
                 alt.Tooltip("new:Q", title=t("chart.new_demands", lang))],
    )
    return _style(chart, t("chart.by_category", lang))


def trend_lines(rows: list[dict], lang: str) -> alt.Chart:
    """New against closed demands per week."""
    series = {"new": t("chart.new_demands", lang), "closed": t("chart.closed_demands", lang)}
    data = _frame([{"week": r["week"].isoformat(), "series": series[k], "n": r[k]} for r in rows for k in series])
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("week:T", title=t("chart.week", lang), axis=alt.Axis(format="%m-%d")),
        y=alt.Y("n:Q", title=t("chart.demands", lang), axis=alt.Axis(labelExpr=number_labels(lang))),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(series.values()),
                                                                range=["#c0392b", "#27ae60"])),
        tooltip=[alt.Tooltip("week:T", title=t("chart.week", lang), format="%Y-%m-%d"),
                 alt.Tooltip("series:N", title=t("chart.series", lang)), alt.Tooltip("n:Q", title=t("chart.demands", lang))],
    )
    return _style(chart, t("chart.trend", lang))


def ranking_bar(rows: list[dict], lang: str, unit_kind: str) -> alt.Chart:
    """Sub-units ranked by closure rate of the demands raised in the period."""
    data = _frame([{"name": r["name"] or t("dashboard.own_level", lang), "rate": r["closure_rate"] or 0.0}
                   for r in rows])
    unit = t(f"org.kind.{unit_kind}", lang)
    chart = alt.Chart(data).mark_bar(color="#2980b9").encode(
        y=alt.Y("name:N", sort="-x", title=unit),
        x=alt.X("rate:Q", title=t("chart.closure_rate", lang), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("name:N", title=unit), alt.Tooltip("rate:Q", title=t("chart.closure_rate", lang), format=".1%")],
    )
    return _style(chart, t("chart.ranking", lang, unit=unit))


def resources_bar(rows: list[dict], lang: str) -> alt.Chart:
    """Allocated against capacity, by kind of resource."""
    data = _frame([{"kind": t(f"resource_kind.{r['kind']}", lang), "rate": r["utilisation"] or 0.0,
                    "allocated": r["allocated"], "capacity": r["capacity"]} for r in rows])
    chart = alt.Chart(data).mark_bar(color="#16a085").encode(
        y=alt.Y("kind:N", title=t("chart.resource_kind", lang)),
        x=alt.X("rate:Q", title=t("chart.utilisation", lang), axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("kind:N", title=t("chart.resource_kind", lang)),
                 alt.Tooltip("rate:Q", title=t("chart.utilisation", lang), format=".1%"),
                 alt.Tooltip("allocated:Q", title=t("chart.allocated", lang)),
                 alt.Tooltip("capacity:Q", title=t("chart.capacity", lang))],
    )
    return _style(chart, t("chart.resources", lang))


def projects_bar(rows: list[dict], lang: str) -> alt.Chart:
    """Progress of active projects, late ones marked."""
    states = {True: t("chart.late", lang), False: t("chart.on_track", lang)}
    data = _frame([{"name": r["name"], "progress": r["progress"] / 100, "state": states[bool(r["late"])]}
                   for r in rows])
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=None, title=t("chart.project", lang)),
        x=alt.X("progress:Q", title=t("chart.progress", lang), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=list(states.values()),
                                                               range=["#c0392b", "#27ae60"])),
        tooltip=[alt.Tooltip("name:N", title=t("chart.project", lang)),
                 alt.Tooltip("progress:Q", title=t("chart.progress", lang), format=".0%")],
    )
    return _style(chart, t("chart.projects", lang))


def dashboard_charts(board, lang: str) -> dict[str, alt.Chart]:
    """Every chart of a dashboard, by key (the key names its PNG file)."""
    charts: dict[str, alt.Chart] = {}
    kind = board.scope.child_kind
    if board.units:
        charts["by_unit"] = units_bar(board.units, lang, kind)
        charts["ranking"] = ranking_bar(board.units, lang, kind)
    charts["by_category"] = categories_bar(board.categories, lang)
    charts["trend"] = trend_lines(board.trend, lang)
    if board.resources:
        charts["resources"] = resources_bar(board.resources, lang)
    if board.projects:
        charts["projects"] = projects_bar(board.projects, lang)
    return charts


def spec(chart: alt.Chart) -> dict:
    """The chart's Vega-Lite spec for the page. The builders here produce valid specs (the PNG
    export and the tests validate them), so the page skips Altair's schema check, a third of the cost."""
    return chart.to_dict(validate=False)


def register_fonts() -> None:
    """Registers the CJK font folders with vl-convert, once per process."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        import vl_convert as vlc
        for folder in FONT_DIRS:
            if Path(folder).is_dir():
                vlc.register_font_directory(folder)
        _fonts_ready = True


def to_png(chart: alt.Chart, scale: float = 2.0) -> bytes:
    """The chart as a PNG, Chinese text drawn with the registered CJK font."""
    import vl_convert as vlc
    register_fonts()
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)

"""The dashboard and bulletin pages under AppTest, as each leader, against the real demo database:
cards equal the domain figures, drill-down and breadcrumb move the scope, a crafted scope shows
nothing, exports are real files, and the bulletin's figures equal the dashboard's."""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from gongzhi import charts
from gongzhi.dashboard import bulletin, export, queries
from gongzhi.dashboard.periods import month_of, period_for
from gongzhi.db import owner
from gongzhi.i18n import t
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import identity_of

PAGE = "pages/dashboard.py"
PNG = b"\x89PNG\r\n\x1a\n"


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def _cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _unit(name: str) -> int:
    with owner() as conn:
        return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


@pytest.mark.parametrize("role", ["district", "street", "community", "grid"])
def test_cards_show_the_figures_of_the_viewers_territory(app_as, role):
    at = app_as(role, PAGE).run()
    assert not at.exception
    user = identity_of(DEMO_EMAILS[role])
    board = queries.load(user, None, period_for("month", _today()))
    cards = _cards(at)
    assert cards["待办需求"] == export.figure_text(board.figure("open_demands"), "zh")
    assert cards["新增需求"] == export.figure_text(board.figure("new_demands"), "zh")
    assert cards["办结率"] == export.figure_text(board.figure("closure_rate"), "zh")
    assert len(at.get("vega_lite_chart")) >= 4
    if role == "grid":
        assert at.info[0].value.startswith("网格是最小单元")
    else:
        assert at.selectbox(key="dash_drill").options == [c.name for c in board.scope.children]


def test_department_staff_have_no_dashboard():
    from gongzhi.auth.pages import ROLE_PAGES
    assert "dashboard" not in ROLE_PAGES["department"] and "bulletin" not in ROLE_PAGES["department"]
    assert all("dashboard" in ROLE_PAGES[r] for r in ("district", "street", "community", "grid"))


def test_drill_down_and_breadcrumb_back(app_as):
    at = app_as("street", PAGE).run()
    street_new = _cards(at)["新增需求"]
    at.selectbox(key="dash_drill").set_value(_unit("丽水社区"))
    at.button(key="dash_drill_go").click().run()
    assert not at.exception
    assert at.session_state["dash_scope"] == _unit("丽水社区")
    user = identity_of(DEMO_EMAILS["street"])
    board = queries.load(user, _unit("丽水社区"), period_for("month", _today()))
    assert _cards(at)["新增需求"] == export.figure_text(board.figure("new_demands"), "zh")
    assert any("丽水社区" in c.value for c in at.caption)
    at.button(key=f"dash_crumb_{user.org_unit_id}").click().run()
    assert at.session_state["dash_scope"] == user.org_unit_id
    assert _cards(at)["新增需求"] == street_new


def test_a_crafted_scope_outside_the_territory_shows_nothing(app_as):
    at = app_as("street", PAGE)
    at.session_state["dash_scope"] = _unit("新华里社区")
    at.run()
    assert not at.exception
    assert at.error[0].value == "所选区域不在您的辖区内"
    assert not at.metric


def test_a_custom_period_that_ends_before_it_starts_is_refused(app_as):
    at = app_as("community", PAGE).run()
    at.radio(key="dash_period").set_value("custom").run()
    at.date_input(key="dash_from").set_value(dt.date(2026, 5, 1))
    at.date_input(key="dash_to").set_value(dt.date(2026, 4, 1)).run()
    assert at.error[0].value.startswith("统计周期不正确")
    assert not at.metric


def test_english_switch_translates_the_cards(app_as):
    at = app_as("grid", PAGE)
    at.session_state["lang"] = "en"
    at.run()
    assert "Open demands" in _cards(at)


def test_png_export_is_a_png_with_chinese_glyphs(fresh_db):
    board = queries.load(identity_of(DEMO_EMAILS["district"]), None, period_for("year", _today()))
    chart = charts.categories_bar(board.categories, "zh")
    png = charts.to_png(chart)
    assert png.startswith(PNG)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 400 and height > 150
    blank = [{**r, "name_zh": "", "new": r["new"]} for r in board.categories]
    assert charts.to_png(charts.categories_bar(blank, "zh")) != png  # the Chinese labels are drawn
    tofu = charts.categories_bar(board.categories, "zh").configure(font="No Such Font")
    assert charts.to_png(tofu) != png  # and drawn in the CJK font, not a fallback


def test_excel_export_holds_the_dashboard_data(fresh_db):
    board = queries.load(identity_of(DEMO_EMAILS["street"]), None, period_for("quarter", _today()))
    wb = load_workbook(io.BytesIO(export.to_xlsx(board, "zh")))
    assert wb.sheetnames == ["关键指标", "分区域", "分类别", "周趋势", "资源利用", "项目进度"]
    kpis = {row[0]: row[1] for row in wb["关键指标"].iter_rows(min_row=4, values_only=True)}
    assert kpis["新增需求"] == export.figure_text(board.figure("new_demands"), "zh")
    units = list(wb["分区域"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in units) == board.figure("new_demands").value


def test_bulletin_opens_and_its_figures_equal_the_dashboards(app_as):
    at = app_as("street", "pages/bulletin.py").run()
    assert not at.exception
    last = _today().replace(day=1) - dt.timedelta(days=1)
    at.button(key="bulletin_go").click().run()
    assert not at.exception
    assert f"{last.year}年{last.month}月" in at.subheader[0].value
    user = identity_of(DEMO_EMAILS["street"])
    board = queries.load(user, None, month_of(last.year, last.month))
    cards = _cards(at)
    assert {f.key: cards[t(f"kpi.{f.key}")] for f in board.figures} == \
           {f.key: export.figure_text(f, "zh") for f in board.figures}
    doc = bulletin.build(user, None, last.year, last.month)
    assert [(f.key, f.value, f.previous) for f in doc.board.figures] == [(f.key, f.value, f.previous) for f in board.figures]
    assert [g["closure_rate"] for g in doc.best_grids] == sorted((g["closure_rate"] for g in doc.best_grids), reverse=True)
    wb = load_workbook(io.BytesIO(bulletin.to_xlsx(doc, "zh")))
    cover = wb["通报"]
    assert cover["A1"].value == bulletin.title(doc, "zh")
    values = {row[0]: row[1] for row in cover.iter_rows(values_only=True) if row and row[0]}
    assert values["办结率"] == export.figure_text(board.figure("closure_rate"), "zh")
    assert len(wb["图表"]._images) >= 4

"""数据驾驶舱: KPI cards, drill-down charts, trends, the fake-fix flags (真改了吗) and the exports of the
viewer's territory."""
import datetime as dt

import streamlit as st

from gongzhi import charts
from gongzhi.dashboard import export, periods, queries
from gongzhi.errors import DomainError
from gongzhi.geo import chart as map_chart, queries as map_queries
from gongzhi import clock
from ui import flags as flag_list
from ui import session
from ui.session import t

SCOPE = "dash_scope"
user = session.require_identity()
lang = session.lang()


def _open(unit_id) -> None:
    st.session_state[SCOPE] = unit_id


def _drill_from_select() -> None:
    _open(st.session_state.get("dash_drill"))


def _drill_from_chart() -> None:
    picked = (st.session_state.get("dash_chart_by_unit") or {}).get("selection", {}).get(charts.DRILL) or []
    if picked and picked[0].get("unit_id") is not None:
        _open(int(picked[0]["unit_id"]))


# The dashboard's reads and the fake-fix flags in one transaction (one checkout per rerun).
with session.page_transaction(user):
    st.title(t("dashboard.title"))
    today = clock.today()
    left, right = st.columns([3, 2])
    kind = left.radio(t("dashboard.period"), periods.KINDS, index=1, horizontal=True, key="dash_period",
                      format_func=lambda k: t(f"dashboard.period_kind.{k}"))
    try:
        if kind == "custom":
            start = right.date_input(t("dashboard.custom_start"), today.replace(day=1), key="dash_from")
            end = right.date_input(t("dashboard.custom_end"), today, key="dash_to")
            period = periods.period_for(kind, today, start, end)
        else:
            period = periods.period_for(kind, right.date_input(t("dashboard.anchor"), today, key="dash_anchor"))
        board = queries.load(user, st.session_state.get(SCOPE), period)
        map_card = map_queries.load(user, st.session_state.get(SCOPE))
    except DomainError as exc:
        session.show_error(exc)
        if exc.key == "dashboard.scope_outside":
            st.button(t("dashboard.drill_go") + " · " + user.org_unit_name, key="dash_home", on_click=_open,
                      args=(None,))
        st.stop()

    scope = board.scope
    crumbs = st.columns(len(scope.path) + 1)
    crumbs[0].caption(t("dashboard.breadcrumb"))
    for col, unit in zip(crumbs[1:], scope.path):
        col.button(unit.name, key=f"dash_crumb_{unit.id}", on_click=_open, args=(unit.id,),
                   disabled=unit.id == scope.unit.id, width="stretch")
    st.caption(t("dashboard.scope_caption", unit=scope.unit.name, start=period.start.isoformat(),
                 end=period.end.isoformat()))
    if fresh := export.as_of_text(board, lang):
        st.caption(fresh)

    cards = st.columns(5)
    for i, figure in enumerate(board.figures):
        cards[i % 5].metric(t(f"kpi.{figure.key}"), export.figure_text(figure, lang), export.change_text(figure, lang),
                            delta_color={"up": "normal", "down": "inverse"}.get(figure.better, "off"))

    chart_of = charts.dashboard_charts(board, lang)


    def _png_button(key: str) -> None:
        st.download_button(t("dashboard.download_png"), lambda c=chart_of[key]: charts.to_png(c), key=f"dash_png_{key}",
                           file_name=f"{scope.unit.name}-{key}-{period.start.isoformat()}.png", mime="image/png")


    if scope.children:
        st.vega_lite_chart(charts.spec(chart_of["by_unit"]), width="stretch", key="dash_chart_by_unit",
                           on_select=_drill_from_chart, selection_mode=charts.DRILL)
        st.caption(t("dashboard.drill_hint"))
        pick, go = st.columns([3, 1], vertical_alignment="bottom")
        names = {c.id: c.name for c in scope.children}
        pick.selectbox(t("dashboard.drill"), list(names), format_func=names.get, key="dash_drill")
        go.button(t("dashboard.drill_go"), key="dash_drill_go", on_click=_drill_from_select)
        _png_button("by_unit")
    else:
        st.info(t("dashboard.no_sub_units"))

    first, second = st.columns(2)
    with first:
        st.vega_lite_chart(charts.spec(chart_of["by_category"]), width="stretch")
        _png_button("by_category")
    with second:
        st.vega_lite_chart(charts.spec(chart_of["trend"]), width="stretch")
        _png_button("trend")
    if "ranking" in chart_of:
        st.vega_lite_chart(charts.spec(chart_of["ranking"]), width="stretch")
        _png_button("ranking")
    if map_card.grids:
        st.subheader(t("geo.map.card"))
        st.vega_lite_chart(map_chart.spec(map_card, lang, height=300), width="stretch", key="dash_map")
        st.page_link("pages/map.py", label=t("geo.map.open_page"), icon=":material/map:")
    first, second = st.columns(2)
    for col, key in ((first, "resources"), (second, "projects")):
        with col:
            if key in chart_of:
                st.vega_lite_chart(charts.spec(chart_of[key]), width="stretch")
                _png_button(key)
            else:
                st.caption(t("dashboard.no_data"))
    if board.projects:
        st.caption(t("dashboard.projects_active", n=board.projects_active, shown=len(board.projects)))

    st.subheader(t("flags.title"))
    flag_list.show(user, lang, dt.datetime.now(dt.timezone.utc), "dash_flags", lo=scope.unit.terr,
                   hi=scope.unit.terr_hi, page_size=10)

    st.download_button(t("dashboard.export_xlsx"), lambda: export.to_xlsx(board, lang), key="dash_xlsx",
                       file_name=f"{scope.unit.name}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

"""月通报: one click produces the month's bulletin of the viewer's territory, shown and downloadable."""
import datetime as dt

import streamlit as st

from gongzhi.dashboard import bulletin, export
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

REQUEST = "bulletin_request"
user = session.require_identity()
lang = session.lang()


def _ask() -> None:
    st.session_state[REQUEST] = (st.session_state["bulletin_year"], st.session_state["bulletin_month"])


st.title(t("page.bulletin"))
st.write(t("bulletin.intro"))
today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
last_month = today.replace(day=1) - dt.timedelta(days=1)
year_col, month_col, go_col = st.columns([1, 1, 2], vertical_alignment="bottom")
years = list(range(today.year, today.year - 5, -1))
year_col.selectbox(t("bulletin.year"), years, index=years.index(last_month.year), key="bulletin_year")
month_col.selectbox(t("bulletin.month"), list(range(1, 13)), index=last_month.month - 1, key="bulletin_month")
go_col.button(t("bulletin.generate"), key="bulletin_go", type="primary", on_click=_ask)


def show(doc) -> None:
    """The bulletin `doc`: its title, download, key figures and rankings."""
    st.subheader(bulletin.title(doc, lang))
    if fresh := export.as_of_text(doc.board, lang):
        st.caption(fresh)
    st.download_button(t("bulletin.download"), lambda: bulletin.to_xlsx(doc, lang), key="bulletin_xlsx",
                       file_name=f"{bulletin.title(doc, lang)}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.markdown(f"**{t('bulletin.key_figures')}**")
    cards = st.columns(5)
    for i, figure in enumerate(doc.board.figures):
        cards[i % 5].metric(t(f"kpi.{figure.key}"), export.figure_text(figure, lang), export.change_text(figure, lang),
                            delta_color={"up": "normal", "down": "inverse"}.get(figure.better, "off"))
    if doc.suggestions is not None:
        st.markdown(f"**{t('suggestion.report.sheet')}**")
        for col, key in zip(st.columns(len(bulletin.SUGGESTION_FIGURES)), bulletin.SUGGESTION_FIGURES):
            col.metric(t(f"suggestion.report.{key}"), doc.suggestions[key])
    show_rankings(doc)
    if doc.published:
        st.markdown(f"**{t('secretary.bulletin.title')}**")
        st.dataframe([{t("secretary.column.unit"): r["unit_name"], t("secretary.field.name"): r["name"],
                       t("secretary.field.result"): r["result"], t("secretary.kpi.solved"): r["problems_solved"],
                       t("secretary.kpi.reached"): r["people_reached"]} for r in doc.published],
                     hide_index=True, width="stretch")


def _table(rows: list[dict], kind: str) -> None:
    st.dataframe([{t("bulletin.rank"): i, t(f"role.{kind}"): r["name"] or t("dashboard.own_level"),
                   t("chart.new_demands"): r["new"], t("chart.closed_demands"): r["closed"],
                   t("export.closure_rate_pct"): None if r["closure_rate"] is None else round(r["closure_rate"] * 100, 1),
                   t("export.avg_days"): r["avg_days_to_close"]} for i, r in enumerate(rows, 1)],
                 hide_index=True, width="stretch")


def show_rankings(doc) -> None:
    kind = doc.board.scope.child_kind
    if kind:
        st.markdown(f"**{t('bulletin.by_closure')}**")
        _table(doc.by_closure, kind)
        st.markdown(f"**{t('bulletin.by_days')}**")
        _table(doc.by_days, kind)
    if doc.best_grids:
        st.markdown(f"**{t('bulletin.best_grids')}**")
        _table(doc.best_grids, "grid")
        st.markdown(f"**{t('bulletin.worst_grids')}**")
        _table(doc.worst_grids, "grid")


if REQUEST not in st.session_state:
    st.stop()
with session.page_transaction(user):   # the bulletin's reads in one transaction
    try:
        found = bulletin.build(user, None, *st.session_state[REQUEST])
    except DomainError as exc:
        session.show_error(exc)
        st.stop()
    show(found)

"""月通报: one click produces the month's bulletin of the viewer's territory, shown and downloadable;
the district also produces each street's, issues (签发) them, and follows which are issued (the
home card 月通报未签发 opens that list)."""
import datetime as dt

import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.dashboard import bulletin, export
from gongzhi.dashboard import issue as issues
from gongzhi.errors import DomainError
from gongzhi.clock import BEIJING
from ui import forms, session, todo
from ui.session import t

REQUEST = "bulletin_request"   # (year, month, unit id or None for the user's own unit) shown below
VIEWS = ("produce", "issues")
user = session.require_identity()
lang = session.lang()
issuer = may(user, "bulletin.issue")


def _ask() -> None:
    st.session_state[REQUEST] = (st.session_state["bulletin_year"], st.session_state["bulletin_month"],
                                 st.session_state.get("bulletin_scope"))


def _issue() -> None:
    year, month, unit = st.session_state[REQUEST]
    forms.submit("bulletin_issue", lambda: issues.issue(user, unit, year, month), "bulletin.issue.done")


st.title(t("page.bulletin"))
st.write(t("bulletin.intro"))
now = dt.datetime.now(dt.timezone.utc)
today = now.astimezone(BEIJING).date()
last_month = today.replace(day=1) - dt.timedelta(days=1)
filtered = todo.from_link(user, "bulletin", clear=("bulletin_",))
view = st.radio(t("bulletin.issue.view"), VIEWS, key="bulletin_view", horizontal=True, label_visibility="collapsed",
                format_func=lambda v: t(f"bulletin.issue.views.{v}")) if issuer else "produce"
year_col, month_col, scope_col, go_col = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
years = list(range(today.year, today.year - 5, -1))
year_col.selectbox(t("bulletin.year"), years, index=years.index(last_month.year), key="bulletin_year")
month_col.selectbox(t("bulletin.month"), list(range(1, 13)), index=last_month.month - 1, key="bulletin_month")


def show_issues() -> None:
    """签发情况: the district's and each street's bulletin of the chosen month, issued or not; under
    the home card's link, exactly the bulletins it counts (every ended month's not issued)."""
    if filtered:
        rows = issues.unissued(user, now)
        since, due = issues.asked_from(now), issues.due_period(now)
        st.caption(t("bulletin.issue.due", from_year=since.year, from_month=since.month,
                     year=due.year, month=due.month))
        st.caption(t("lists.total", n=f"{len(rows):,}"))
        st.dataframe([{t("bulletin.issue.month"): t("bulletin.issue.month_of", year=r["period"].year,
                                                     month=r["period"].month),
                       t("bulletin.issue.unit"): r["name"], t("bulletin.issue.kind"): t(f"role.{r['kind']}")}
                      for r in rows], hide_index=True, width="stretch")
        return
    rows = issues.board(user, st.session_state["bulletin_year"], st.session_state["bulletin_month"])
    st.dataframe([{t("bulletin.issue.unit"): r["name"], t("bulletin.issue.kind"): t(f"role.{r['kind']}"),
                   t("bulletin.issue.state"): t("bulletin.issue.issued" if r["issued_at"] else "bulletin.issue.not_issued"),
                   t("bulletin.issue.at"): r["issued_at"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if r["issued_at"] else "",
                   t("bulletin.issue.by"): r["issuer"] or ""} for r in rows], hide_index=True, width="stretch")
    st.caption(t("bulletin.issue.how"))


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


def show_issue(year: int, month: int, unit: int | None) -> None:
    """Whether the bulletin that covers what is shown is issued (by whom, when), and for the
    district the 签发 action."""
    forms.show("bulletin_issue")
    done = issues.issued(user, unit, year, month)
    if done is None:
        return
    if done["issued_at"] is not None:
        at = done["issued_at"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        st.success(t("bulletin.issue.issued_at", unit=done["name"], year=year, month=month, at=at,
                     by=done["issuer"] or t("role.district")), icon=":material/verified:")
    elif issuer:
        st.button(t("bulletin.issue.action"), key="bulletin_issue_go", type="primary", on_click=_issue,
                  icon=":material/approval:")
    else:
        st.info(t("bulletin.issue.pending", unit=done["name"], year=year, month=month), icon=":material/pending:")


with session.page_transaction(user):   # the page's reads in one transaction
    if view == "issues":
        show_issues()
        st.stop()
    if issuer:
        scopes = {r["id"]: r["name"] for r in issues.scopes(user)}
        scope_col.selectbox(t("bulletin.issue.unit"), list(scopes), format_func=scopes.get, key="bulletin_scope")
    go_col.button(t("bulletin.generate"), key="bulletin_go", type="primary", on_click=_ask)
    if REQUEST not in st.session_state:
        st.stop()
    year, month, unit = st.session_state[REQUEST]
    try:
        found = bulletin.build(user, unit, year, month)
    except DomainError as exc:
        session.show_error(exc)
        st.stop()
    if may(user, "bulletin.read_issue"):
        show_issue(year, month, unit)
    show(found)

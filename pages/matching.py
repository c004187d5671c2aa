"""对接 / Matching: suggestions for one demand with one-click assignment, the 对接会 batch with
preview and commit, and the matches with their lifecycle, projects and lapses."""
import streamlit as st

from gongzhi import statuses
from gongzhi.errors import DomainError
from gongzhi.lists import queries as lists
from gongzhi.lists.fields import URGENCY
from gongzhi.matching import batch, commands, queries, scoring
from ui import forms, pager, session
from ui import todo as todo_link
from ui.session import t

PLAN = "matching_plan"
STALE = ("error.capacity_exceeded", "match.demand_full", "error.duplicate")   # the plan no longer fits

user = session.require_identity()
lang = session.lang()


def _run(action, success) -> None:
    """Callback body: run `action`, keep a success or error message for the next draw (ui.forms)."""
    forms.submit("matching", action, success)


def _assign(demand_id: int, resource_id: int, name: str) -> None:
    _run(lambda: commands.assign(user, demand_id, resource_id),
         lambda _row: t("matching.assigned", resource=name))


def _preview() -> None:
    state = st.session_state

    def preview() -> None:
        state[PLAN] = batch.preview(user, category_id=state.get("batch_category"), org_unit_id=state.get("batch_unit"),
                                    urgency=tuple(state.get("batch_urgency") or ()))
    forms.submit("matching", preview)


def _commit() -> None:
    plan = st.session_state.get(PLAN)
    if plan is None:
        return
    exclude = set(st.session_state.get("batch_exclude") or [])

    def commit() -> int:
        try:
            return batch.commit(user, plan, exclude)
        except DomainError as exc:
            if exc.key in STALE:
                raise DomainError("matching.batch.stale", **exc.params) from None
            raise
    if forms.submit("matching", commit, lambda n: t("matching.batch.committed", n=n)):
        st.session_state.pop(PLAN, None)


def _move(status: str) -> None:
    match_id = st.session_state.get("match_choice")
    rating = st.session_state.get("match_rating") if status == "done" else None
    _run(lambda: commands.set_status(user, match_id, status, rating),
         lambda row: t("matching.lifecycle.changed", id=row["id"], status=t(f"status.match.{row['status']}")))


def _rate() -> None:
    _run(lambda: commands.rate(user, st.session_state.get("match_choice"), st.session_state.get("match_rating")),
         lambda row: t("matching.lifecycle.changed", id=row["id"], status=t(f"status.match.{row['status']}")))


def _project() -> None:
    _run(lambda: commands.project_from_matches(user, st.session_state.get("project_matches") or [],
                                               st.session_state.get("project_name", "")),
         lambda project_id: t("matching.project_made", id=project_id))




def one() -> None:
    category = st.selectbox(t("matching.category"), [None, *categories], key="one_category",
                            format_func=lambda c: t("matching.all_categories") if c is None else categories[c])
    page = pager.current("one_page", 10**9)
    found = queries.open_demands(user, category_id=category, limit=queries.PAGE_SIZE + 1,
                                 offset=(page - 1) * queries.PAGE_SIZE)
    demands = {d["id"]: d for d in found[:queries.PAGE_SIZE]}
    pager.open_ended("one_page", more=len(found) > queries.PAGE_SIZE)
    if not demands:
        st.info(t("matching.no_open_demands"))
    else:
        demand_id = st.selectbox(
            t("matching.demand"), list(demands), key="one_demand",
            format_func=lambda i: f"#{i} {demands[i]['title']} · {demands[i]['unit']} · "
                                  f"{t('matching.want', n=demands[i]['want'])}")
        suggestions = queries.suggest(user, demand_id)
        if not suggestions:
            st.info(t("matching.no_suggestions"))
        for s in suggestions:
            with st.container(border=True):
                text, action = st.columns([5, 1])
                text.markdown(t("matching.resource_line", name=s["name"], provider=s["provider"], unit=s["unit"],
                                left=s["remaining"]))
                text.caption("；".join(scoring.describe(s["reasons"], lang)))
                action.metric(t("matching.score"), f"{float(s['score']):g}")
                action.button(t("matching.assign"), key=f"assign_{s['resource_id']}", on_click=_assign,
                              args=(demand_id, s["resource_id"], s["name"]))


def batch_session() -> None:
    st.caption(t("matching.batch.intro"))
    units = {u["id"]: u["name"] for u in lists.territory_options(user)}
    f1, f2, f3 = st.columns(3)
    f1.selectbox(t("lists.filter.territory"), [None, *units], key="batch_unit",
                 format_func=lambda i: t("lists.filter.all") if i is None else units[i])
    f2.selectbox(t("matching.category"), [None, *categories], key="batch_category",
                 format_func=lambda c: t("matching.all_categories") if c is None else categories[c])
    f3.multiselect(t("field.urgency"), list(URGENCY), key="batch_urgency", placeholder=t("app.choose"),
                   format_func=lambda u: t(f"urgency.{u}"))
    st.button(t("matching.batch.preview"), key="batch_preview", on_click=_preview)
    plan = st.session_state.get(PLAN)
    if plan is not None:
        a, b, c, d = st.columns(4)
        a.metric(t("matching.batch.open"), f"{plan.open_demands:,}")
        b.metric(t("matching.batch.matched"), f"{plan.matched_demands:,}")
        c.metric(t("matching.batch.total"), f"{plan.total_score:,.1f}")
        d.metric(t("matching.batch.greedy"), f"{plan.greedy_score:,.1f}")
        st.caption(t("matching.batch.ratio", ratio=f"{plan.optimal_over_greedy:.4f}"))
        shown = batch.describe_rows(user, plan)
        st.subheader(t("matching.batch.plan", n=len(shown)))
        st.dataframe([{t("matching.column.demand"): r["demand"], t("matching.column.resource"): r["resource"],
                       t("matching.column.provider"): r["provider"], t("matching.column.quantity"): r["quantity"],
                       t("matching.column.score"): r["score"]} for r in shown], hide_index=True)
        st.multiselect(t("matching.batch.exclude"), [r["demand_id"] for r in shown],
                       placeholder=t("app.choose"), key="batch_exclude",
                       format_func=lambda i: next(r["demand"] for r in shown if r["demand_id"] == i))
        st.button(t("matching.batch.commit"), key="batch_commit", type="primary", on_click=_commit)
        if plan.unmatched_counts and sum(plan.unmatched_counts.values()):
            st.subheader(t("matching.batch.unmatched"))
            for reason, n in plan.unmatched_counts.items():
                if n:
                    st.write(t("matching.batch.unmatched_count", reason=t(f"matching.unmatched.{reason}"), n=n))
            st.dataframe([{t("matching.column.demand"): f"#{u['id']} {u['title']}",
                           t("matching.column.reason"): t(f"matching.unmatched.{u['reason']}")}
                          for u in plan.unmatched], hide_index=True)


def records() -> None:
    status = st.selectbox(t("matching.lifecycle.status_filter"), [None, *statuses.SHOWN["match"]], key="match_status",
                          format_func=lambda s: t("matching.lifecycle.all_statuses") if s is None
                          else t(f"status.match.{s}"))
    rows = queries.matches(user, status=status)
    if not rows:
        st.info(t("matching.lifecycle.none"))
    else:
        st.dataframe([{"#": r["id"], t("matching.column.demand"): r["demand_title"],
                       t("matching.column.resource"): r["resource_name"], t("matching.column.provider"): r["provider"],
                       t("matching.column.quantity"): r["quantity"],
                       t("matching.column.score"): float(r["score"] or 0),
                       t("matching.column.status"): t(f"status.match.{r['status']}"),
                       t("matching.column.rating"): r["rating"]} for r in rows], hide_index=True)
        by_id = {r["id"]: r for r in rows}
        st.selectbox(t("matching.lifecycle.choose"), list(by_id), key="match_choice",
                     format_func=lambda i: f"#{i} {by_id[i]['demand_title']} ← {by_id[i]['resource_name']}")
        st.slider(t("matching.lifecycle.rating"), 1, 5, 5, key="match_rating")
        buttons = st.columns(4)
        for column, (target, label) in zip(buttons, (("accepted", "accept"), ("rejected", "reject"),
                                                     ("done", "done"), ("cancelled", "cancel"))):
            column.button(t(f"matching.lifecycle.{label}"), key=f"match_{label}", on_click=_move, args=(target,))
        st.button(t("matching.lifecycle.rate"), key="match_rate", on_click=_rate)
        st.subheader(t("matching.lifecycle.project"))
        st.multiselect(t("matching.lifecycle.project_matches"), list(by_id),
                       placeholder=t("app.choose"), key="project_matches",
                       format_func=lambda i: f"#{i} {by_id[i]['demand_title']}")
        st.text_input(t("matching.lifecycle.project_name"), key="project_name")
        st.button(t("matching.lifecycle.project_make"), key="project_make", on_click=_project)
    st.subheader(t("matching.lifecycle.lapses"))
    st.caption(t("matching.lifecycle.lapse_rule", days=commands.lapse_days()))
    lapses = queries.lapses_by_provider(user)
    if not lapses:
        st.info(t("matching.lifecycle.lapses_none"))
    else:
        st.dataframe([{t("matching.column.provider"): r["provider"], t("matching.column.matches"): r["matches"],
                       t("matching.column.lapsed"): r["lapsed"], t("matching.column.lapsed_pct"): float(r["lapsed_pct"])}
                      for r in lapses], hide_index=True)


# One view per run (st.tabs would run every body, and its queries, on every rerun), all of it read
# in one transaction; writes run in the buttons' callbacks above.
VIEWS = {"one": one, "batch": batch_session, "matches": records}
with session.page_transaction(user):
    st.title(t("matching.title"))
    st.caption(t("matching.intro"))
    forms.show("matching")
    todo_link.from_link(user, "matching")
    categories = {c["id"]: c["name_zh" if lang == "zh" else "name_en"] for c in queries.categories(user)}
    view = st.radio(t("matching.view"), list(VIEWS), key="matching_view", horizontal=True,
                    label_visibility="collapsed", format_func=lambda v: t(f"matching.tab.{v}"))
    VIEWS[view]()

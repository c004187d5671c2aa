"""书记项目 报·审·督·晒: claim a project (认领), submit it (报), review it as the level above (审),
report progress and supervise (督), publish the result (晒); and the district-wide figures."""
import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.levers import secretary
from gongzhi.statuses import SHOWN
from ui import forms, lights, session
from ui.pager import pager
from ui.session import t

user = session.require_identity()
PAGE_SIZE = 20
FIELDS = ("name", "secretary", "goal", "targets", "budget", "deadline", "report_every_days", "reasons", "body",
          "progress", "result", "problems_solved", "people_reached")


def field_label(name: str) -> str:
    return t(f"secretary.field.{name}") if name in FIELDS else name


def _claim() -> None:
    s = st.session_state
    form = secretary.ClaimForm(name=s["sp_name"], secretary=s["sp_secretary"], goal=s["sp_goal"],
                               targets=s["sp_targets"], budget=s["sp_budget"], deadline=s["sp_deadline"],
                               report_every_days=s["sp_every"])
    forms.submit("sp_claim", lambda: secretary.claim(user, form), "secretary.claimed")


def _act(action: str, claim_id: int) -> None:
    s = st.session_state
    calls = {
        "submit": lambda: secretary.submit(user, claim_id),
        "approve": lambda: secretary.approve(user, claim_id, s.get("sp_review_note", "")),
        "return": lambda: secretary.return_claim(user, claim_id, s.get("sp_review_note", "")),
        "report": lambda: secretary.report(user, claim_id, s.get("sp_report_body", ""), s.get("sp_report_progress", 0)),
        "note": lambda: secretary.note(user, claim_id, s.get("sp_note_body", "")),
        "publish": lambda: secretary.publish(user, claim_id, s.get("sp_result", ""), s.get("sp_solved", 0),
                                             s.get("sp_reached", 0)),
    }
    forms.submit("sp_act", calls[action], f"secretary.done.{action}")


def _claim_form() -> None:
    if not may(user, "secretary.claim"):
        st.info(t("secretary.claim_not_here"))
        return
    st.caption(t("secretary.claim_intro", unit=user.org_unit_name))
    with st.form("sp_claim_form"):
        st.text_input(t("secretary.field.name"), key="sp_name")
        st.text_input(t("secretary.field.secretary"), value=user.display_name, key="sp_secretary")
        st.text_area(t("secretary.field.goal"), key="sp_goal")
        st.text_area(t("secretary.field.targets"), key="sp_targets", help=t("secretary.targets_help"))
        st.text_input(t("secretary.field.budget"), "0", key="sp_budget")
        st.date_input(t("secretary.field.deadline"), dt.date.today() + dt.timedelta(days=180), key="sp_deadline")
        st.number_input(t("secretary.field.report_every_days"), 7, 92, 30, key="sp_every")
        st.form_submit_button(t("secretary.claim"), type="primary", on_click=_claim)
    forms.show("sp_claim", field_label)


def _detail(row: dict) -> None:
    st.subheader(f"{row['name']} · {row['unit_name']}")
    status = t(f"secretary.status.{row['status']}")
    st.markdown(f"{status} {lights.badge(row['light'])}")
    st.write(f"**{t('secretary.field.goal')}**：{row['goal']}")
    st.write(f"**{t('secretary.field.targets')}**：")
    st.text(row["targets"])
    st.write(t("secretary.money", budget=row["budget"], spent=row["spent"], deadline=row["deadline"]))
    if row["review_note"]:
        st.info(t("secretary.review_note", note=row["review_note"]))
    if row["status"] == "published":
        st.success(t("secretary.published_line", result=row["result"], solved=row["problems_solved"],
                     reached=row["people_reached"], day=row["published_on"]))
    mine, reviewing = row["mine"], row["reviewing"] and may(user, "secretary.review")
    cid = row["id"]
    if mine and row["status"] in ("claimed", "returned"):
        st.button(t("secretary.submit"), key="sp_submit", type="primary", on_click=_act, args=("submit", cid))
    if reviewing and row["status"] == "submitted":
        st.text_area(t("secretary.field.reasons"), key="sp_review_note")
        a, b = st.columns(2)
        a.button(t("secretary.approve"), key="sp_approve", type="primary", on_click=_act, args=("approve", cid))
        b.button(t("secretary.return"), key="sp_return", on_click=_act, args=("return", cid))
    if mine and row["status"] == "approved":
        with st.form("sp_report_form"):
            st.text_area(t("secretary.field.body"), key="sp_report_body")
            st.slider(t("secretary.field.progress"), 0, 100, int(row["progress"]), key="sp_report_progress")
            st.form_submit_button(t("secretary.report"), on_click=_act, args=("report", cid))
        with st.form("sp_publish_form"):
            st.text_area(t("secretary.field.result"), key="sp_result")
            st.number_input(t("secretary.field.problems_solved"), 0, 1_000_000, 0, key="sp_solved")
            st.number_input(t("secretary.field.people_reached"), 0, 10_000_000, 0, key="sp_reached")
            st.form_submit_button(t("secretary.publish"), on_click=_act, args=("publish", cid))
    if reviewing and row["status"] in ("approved", "published"):
        with st.form("sp_note_form"):
            st.text_area(t("secretary.field.body"), key="sp_note_body")
            st.form_submit_button(t("secretary.note"), on_click=_act, args=("note", cid))
    forms.show("sp_act", field_label)
    history = secretary.updates(user, cid)
    if history:
        st.markdown(f"**{t('secretary.history')}**")
        st.dataframe(pd.DataFrame([{t("secretary.column.when"): u["created_at"].strftime("%Y-%m-%d"),
                                    t("secretary.column.kind"): t(f"secretary.kind.{u['kind']}"),
                                    t("secretary.field.progress"): u["progress"],
                                    t("secretary.field.body"): u["body"]} for u in history]),
                     hide_index=True, width="stretch")


def _list() -> None:
    statuses = [None, *SHOWN["secretary_project"]]
    status = st.selectbox(t("secretary.column.status"), statuses, key="sp_status",
                          format_func=lambda s: t("secretary.all") if s is None else t(f"secretary.status.{s}"))
    total = secretary.count(user, status=status)
    page = pager("sp_page", max(1, -(-total // PAGE_SIZE)))
    rows = secretary.claims(user, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    if not rows:
        st.info(t("secretary.none"))
        return
    frame = pd.DataFrame([{t("secretary.column.id"): r["id"], t("secretary.field.name"): r["name"],
                           t("secretary.column.unit"): r["unit_name"], t("secretary.field.secretary"): r["secretary"],
                           t("secretary.column.status"): t(f"secretary.status.{r['status']}"),
                           t("secretary.column.light"): lights.text(r["light"]),
                           t("secretary.field.deadline"): r["deadline"]} for r in rows])
    st.dataframe(lights.styled(frame, t("secretary.column.light"), [r["light"] for r in rows]),
                 hide_index=True, width="stretch")
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox(t("secretary.open"), list(by_id), key="sp_open",
                          format_func=lambda i: f"{by_id[i]['name']}（{by_id[i]['unit_name']}）")
    if chosen is not None:
        _detail(by_id[chosen])


def _overview() -> None:
    view = secretary.overview(user)
    tot = view["totals"]
    cards = st.columns(5)
    cards[0].metric(t("secretary.kpi.claimed"), tot["claimed"])
    cards[1].metric(t("secretary.kpi.coverage"), f"{tot['covered']}/{tot['units']}")
    cards[2].metric(t("secretary.kpi.money"), f"{tot['budget']:,.0f}")
    cards[3].metric(t("secretary.kpi.solved"), tot["problems_solved"])
    cards[4].metric(t("secretary.kpi.reached"), tot["people_reached"])
    st.dataframe(pd.DataFrame([{t("secretary.column.level"): t(f"role.{r['level']}"), t("secretary.kpi.units"): r["units"],
                                t("secretary.kpi.coverage"): r["covered"], t("secretary.kpi.claimed"): r["claimed"],
                                t("secretary.kpi.approved"): r["approved"], t("secretary.kpi.published"): r["published"],
                                t("secretary.kpi.money"): float(r["budget"]), t("secretary.kpi.spent"): float(r["spent"]),
                                t("secretary.kpi.solved"): r["problems_solved"],
                                t("secretary.kpi.reached"): r["people_reached"]} for r in view["levels"]]),
                 hide_index=True, width="stretch")
    if view["uncovered"]:
        st.markdown(f"**{t('secretary.uncovered')}**")
        st.write("、".join(r["name"] for r in view["uncovered"]))


with session.page_transaction(user):
    st.title(t("page.secretary_projects"))
    views = {"list": _list, "claim": _claim_form, "overview": _overview}
    which = st.radio(t("secretary.view"), list(views), horizontal=True, key="sp_view",
                     format_func=lambda v: t(f"secretary.views.{v}"))
    views[which]()

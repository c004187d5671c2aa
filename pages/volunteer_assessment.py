"""The half-yearly assessment (双考核): compute, rankings per community, residents' evaluation,
export fed back to units (双报告), and the weights of the formula (edited by the district)."""
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.volunteers import assessment, commands, queries
from ui import forms, session
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()


def _compute() -> None:
    forms.submit("assess_compute", lambda: commands.compute_assessment(user, st.session_state["assess_period"]),
                 lambda n: t("volunteers.assess.computed", n=n))


def _evaluate() -> None:
    state = st.session_state
    forms.submit("assess_evaluation", lambda: commands.set_evaluation(user, state["assess_choice"], state["assess_value"]),
                 "volunteers.assess.evaluation_saved")


def _set_weight(weights: list[dict]) -> None:
    state = st.session_state
    chosen = weights[state["weight_pick"]]
    forms.submit("assess_weight", lambda: commands.set_weight(user, chosen["subject"], chosen["factor"],
                                                              state["weight_value"], state["weight_target"]),
                 "volunteers.assess.weight_saved")


with session.page_transaction(user):
    st.title(t("page.volunteer_assessment"))
    period = st.selectbox(t("volunteers.assess.period"), assessment.recent_periods(), key="assess_period")
    subject = st.radio(t("volunteers.assess.subject"), ["volunteer", "unit"], horizontal=True, key="assess_subject",
                       format_func=lambda s: t(f"volunteers.subject.{s}"))
    st.button(t("volunteers.assess.compute"), key="assess_compute", on_click=_compute)
    forms.show("assess_compute")
    rows, total = queries.ranking(user, period, subject, page=st.session_state.get("assess_page", 1))
    table(rows, {c: f"volunteers.column.{c}" for c in assessment.EXPORT_COLUMNS})
    pager("assess", total)
    st.download_button(t("volunteers.assess.export"), assessment.export_csv(user, period, subject, session.lang()),
                       file_name=f"assessment-{subject}-{period}.csv", mime="text/csv", key="assess_export")
    if rows and subject == "unit":
        unit_row = st.selectbox(t("volunteers.column.name"), rows, key="assess_unit",
                                format_func=lambda r: f"{r['community']} · {r['name']}")
        try:
            report = assessment.unit_report_csv(user, period, unit_row["unit_id"], session.lang())
        except DomainError as exc:
            session.show_error(exc)
        else:
            st.download_button(t("volunteers.assess.unit_report"), report, key="assess_unit_report",
                               file_name=f"unit-report-{unit_row['unit_id']}-{period}.csv", mime="text/csv")
    if rows:
        names = {r["id"]: f"{r['community']} · {r['name']}" for r in rows}
        with st.form("evaluation"):
            st.selectbox(t("volunteers.column.name"), list(names), key="assess_choice", format_func=names.get)
            st.number_input(t("volunteers.column.evaluation"), 0.0, 100.0, 80.0, key="assess_value")
            st.form_submit_button(t("volunteers.assess.save_evaluation"), on_click=_evaluate)
        forms.show("assess_evaluation")
    with st.expander(t("volunteers.assess.weights")):
        st.caption(t("volunteers.assess.formula"))
        weights = queries.weights(user)
        for w in weights:
            w["factor_label"] = t(f"volunteers.factor.{w['factor']}")
            w["subject_label"] = t(f"volunteers.subject.{w['subject']}")
        table(weights, {"subject_label": "volunteers.assess.subject", "factor_label": "volunteers.assess.factor",
                        "weight": "volunteers.assess.weight", "target": "volunteers.assess.target"})
        if may(user, "volunteers.set_weight"):
            labels = [f"{w['subject_label']} · {w['factor_label']}" for w in weights]
            with st.form("weight"):
                st.selectbox(t("volunteers.assess.factor"), range(len(weights)), key="weight_pick",
                             format_func=labels.__getitem__)
                st.number_input(t("volunteers.assess.weight"), 0.0, 1.0, 0.2, step=0.05, key="weight_value")
                st.number_input(t("volunteers.assess.target"), 0.1, 100000.0, 10.0, key="weight_target")
                st.form_submit_button(t("volunteers.assess.save_weight"), on_click=_set_weight, args=(weights,))
            forms.show("assess_weight")

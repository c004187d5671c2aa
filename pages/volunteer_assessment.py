"""The half-yearly assessment (双考核): compute, rankings per community, residents' evaluation,
export fed back to units (双报告), and the weights of the formula (edited by the district)."""
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.volunteers import assessment, commands, queries
from ui import session
from ui.session import t
from ui.volunteers import pager, table

user = session.require_identity()
st.title(t("page.volunteer_assessment"))
period = st.selectbox(t("volunteers.assess.period"), assessment.recent_periods(), key="assess_period")
subject = st.radio(t("volunteers.assess.subject"), ["volunteer", "unit"], horizontal=True, key="assess_subject",
                   format_func=lambda s: t(f"volunteers.subject.{s}"))
if st.button(t("volunteers.assess.compute"), key="assess_compute"):
    try:
        st.success(t("volunteers.assess.computed", n=commands.compute_assessment(user, period)))
    except DomainError as exc:
        session.show_error(exc)
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
    with st.form("evaluation"):
        chosen = st.selectbox(t("volunteers.column.name"), [r["id"] for r in rows], key="assess_choice",
                              format_func=lambda i: next(f"{r['community']} · {r['name']}" for r in rows if r["id"] == i))
        value = st.number_input(t("volunteers.column.evaluation"), 0.0, 100.0, 80.0, key="assess_value")
        if st.form_submit_button(t("volunteers.assess.save_evaluation")):
            try:
                commands.set_evaluation(user, chosen, value)
            except DomainError as exc:
                session.show_error(exc)
            else:
                st.success(t("volunteers.assess.evaluation_saved"))
with st.expander(t("volunteers.assess.weights")):
    st.caption(t("volunteers.assess.formula"))
    weights = queries.weights(user)
    for w in weights:
        w["factor_label"] = t(f"volunteers.factor.{w['factor']}")
        w["subject_label"] = t(f"volunteers.subject.{w['subject']}")
    table(weights, {"subject_label": "volunteers.assess.subject", "factor_label": "volunteers.assess.factor",
                    "weight": "volunteers.assess.weight", "target": "volunteers.assess.target"})
    if may(user, "volunteers.set_weight"):
        with st.form("weight"):
            pick = st.selectbox(t("volunteers.assess.factor"), range(len(weights)), key="weight_pick",
                                format_func=lambda i: f"{weights[i]['subject_label']} · {weights[i]['factor_label']}")
            weight = st.number_input(t("volunteers.assess.weight"), 0.0, 1.0, 0.2, step=0.05, key="weight_value")
            target = st.number_input(t("volunteers.assess.target"), 0.1, 100000.0, 10.0, key="weight_target")
            if st.form_submit_button(t("volunteers.assess.save_weight")):
                try:
                    commands.set_weight(user, weights[pick]["subject"], weights[pick]["factor"], weight, target)
                except DomainError as exc:
                    session.show_error(exc)
                else:
                    st.success(t("volunteers.assess.weight_saved"))

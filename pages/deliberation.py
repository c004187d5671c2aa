"""五议: a community's major affairs through 提议 → 动议 → 商议 → 公议 → 评议. A list of the items the
user may read (paged in SQL), and one item's detail: its stage history, the vote count with quorum
and result, and — for community staff of its territory — the form of the stage it is at. Each move
is one call into gongzhi.deliberation.commands; the database decides whether it is allowed."""
import datetime as dt

import streamlit as st

from gongzhi import statuses
from gongzhi.auth.capabilities import may
from gongzhi.deliberation import commands, queries
from gongzhi.deliberation.forms import (PROPOSER_KINDS, EvaluationForm, MeetingForm, NoticeForm, ProposalForm,
                                        TallyForm)
from ui import forms, pager, session
from ui.session import t

WHERE = "deliberation"
CODES = "deliberation_codes"

user = session.require_identity()
st.title(t("page.deliberation"))
st.caption(t("deliberation.page.intro"))
mover = may(user, "deliberation.move")


def field_label(name: str) -> str:
    return t(f"deliberation.field.{name}")


def _chosen() -> int:
    return st.session_state["dl_chosen"]


def _propose() -> None:
    s = st.session_state
    form = ProposalForm(org_unit_id=s["dl_new_place"], title=s["dl_new_title"], description=s["dl_new_description"],
                        proposer_kind=s["dl_new_kind"], proposer=s["dl_new_proposer"])
    forms.submit(WHERE, lambda: commands.propose(user, form), lambda new_id: t("deliberation.page.proposed", id=new_id))


def _take_up() -> None:
    forms.submit(WHERE, lambda: commands.take_up(user, _chosen()), "deliberation.page.moved")


def _decline() -> None:
    forms.submit(WHERE, lambda: commands.decline(user, _chosen(), st.session_state["dl_reason"]),
                 "deliberation.page.moved")


def _meeting() -> None:
    s = st.session_state
    form = MeetingForm(meeting_on=s["dl_meeting_on"], meeting_place=s["dl_meeting_place"],
                       participants=s["dl_participants"], minutes=s["dl_minutes"])
    forms.submit(WHERE, lambda: commands.record_meeting(user, _chosen(), form, dt.date.today()),
                 "deliberation.page.moved")


def _notice() -> None:
    s = st.session_state
    form = NoticeForm(notice_text=s["dl_notice_text"], notice_from=s["dl_notice_from"],
                      notice_until=s["dl_notice_until"], electorate=s["dl_electorate"], quorum=s["dl_quorum"])
    forms.submit(WHERE, lambda: commands.open_vote(user, _chosen(), form), "deliberation.page.moved")


def _tally() -> None:
    s = st.session_state
    form = TallyForm(meeting_yes=s["dl_meeting_yes"], meeting_no=s["dl_meeting_no"],
                     meeting_abstain=s["dl_meeting_abstain"])
    forms.submit(WHERE, lambda: commands.record_tally(user, _chosen(), form), "deliberation.page.tallied")


def _codes() -> None:
    def run():
        codes = commands.issue_codes(user, _chosen(), int(st.session_state["dl_code_count"]))
        st.session_state[CODES] = codes
        return len(codes)
    forms.submit(WHERE, run, lambda n: t("deliberation.page.codes_issued", n=n))


def _close() -> None:
    forms.submit(WHERE, lambda: commands.close_vote(user, _chosen()),
                 lambda outcome: t("deliberation.page.closed", outcome=t(f"status.deliberation.{outcome}")))


def _evaluate() -> None:
    s = st.session_state
    form = EvaluationForm(evaluation=s["dl_evaluation"], rating_satisfied=s["dl_satisfied"],
                          rating_basic=s["dl_basic"], rating_unsatisfied=s["dl_unsatisfied"])
    forms.submit(WHERE, lambda: commands.evaluate(user, _chosen(), form), "deliberation.page.moved")


def _stage_form(item: dict) -> None:
    """The form of the stage the item is at (community staff of its territory)."""
    status = item["status"]
    if status == "proposed":
        st.button(t("deliberation.page.take_up"), key="dl_take_up", on_click=_take_up, type="primary")
        with st.form("dl_decline"):
            st.text_area(field_label("decline_reason"), key="dl_reason", max_chars=1000)
            st.form_submit_button(t("deliberation.page.decline"), on_click=_decline)
    elif status == "accepted":
        with st.form("dl_meeting"):
            st.date_input(field_label("meeting_on"), value=dt.date.today(), key="dl_meeting_on")
            st.text_input(field_label("meeting_place"), key="dl_meeting_place", max_chars=200)
            st.text_area(field_label("participants"), key="dl_participants", max_chars=1000)
            st.text_area(field_label("minutes"), key="dl_minutes", max_chars=10000, height=200)
            st.form_submit_button(t("deliberation.page.record_meeting"), on_click=_meeting, type="primary")
    elif status == "consulted":
        with st.form("dl_notice"):
            st.text_area(field_label("notice_text"), key="dl_notice_text", max_chars=5000, height=160)
            start, end = st.columns(2)
            start.date_input(field_label("notice_from"), value=dt.date.today(), key="dl_notice_from")
            end.date_input(field_label("notice_until"), value=dt.date.today() + dt.timedelta(days=7),
                           key="dl_notice_until")
            electorate, quorum = st.columns(2)
            electorate.number_input(field_label("electorate"), min_value=1, value=100, step=1, key="dl_electorate")
            quorum.number_input(field_label("quorum"), min_value=1, value=51, step=1, key="dl_quorum")
            st.form_submit_button(t("deliberation.page.open_vote"), on_click=_notice, type="primary")
    elif status == "voting":
        with st.form("dl_tally"):
            st.caption(t("deliberation.page.tally_help"))
            yes, no, abstain = st.columns(3)
            yes.number_input(field_label("meeting_yes"), min_value=0, value=item["meeting_yes"], step=1, key="dl_meeting_yes")
            no.number_input(field_label("meeting_no"), min_value=0, value=item["meeting_no"], step=1, key="dl_meeting_no")
            abstain.number_input(field_label("meeting_abstain"), min_value=0, value=item["meeting_abstain"], step=1,
                                 key="dl_meeting_abstain")
            st.form_submit_button(t("deliberation.page.record_tally"), on_click=_tally)
        st.button(t("deliberation.page.close_vote"), key="dl_close", on_click=_close, type="primary",
                  help=t("deliberation.page.close_help"))
    elif status == "approved":
        with st.form("dl_evaluate"):
            st.caption(t("deliberation.page.evaluate_help"))
            st.text_area(field_label("evaluation"), key="dl_evaluation", max_chars=5000)
            good, fair, bad = st.columns(3)
            good.number_input(field_label("rating_satisfied"), min_value=0, value=0, step=1, key="dl_satisfied")
            fair.number_input(field_label("rating_basic"), min_value=0, value=0, step=1, key="dl_basic")
            bad.number_input(field_label("rating_unsatisfied"), min_value=0, value=0, step=1, key="dl_unsatisfied")
            st.form_submit_button(t("deliberation.page.evaluate"), on_click=_evaluate, type="primary")
    if status in ("consulted", "voting"):
        with st.form("dl_codes"):
            st.number_input(t("deliberation.page.code_count"), min_value=1, max_value=commands.MAX_CODES, value=50,
                            step=1, key="dl_code_count")
            st.form_submit_button(t("deliberation.page.issue_codes"), on_click=_codes)


def _detail(item: dict) -> None:
    status, kind = item["status"], item["proposer_kind"]
    st.subheader(f"{item['title']} · " + t(f"status.deliberation.{status}"))
    st.caption(f"{item['place']} · " + t(f"deliberation.proposer_kind.{kind}") + f"：{item['proposer']} · {item['proposed_on']}")
    if item["description"]:
        st.write(item["description"])
    stages = [t(f"deliberation.stage.{queries.STAGE_OF[s['status']]}") + " · " + t(f"status.deliberation.{s['status']}")
              for s in item["steps"]]
    st.markdown("**" + t("deliberation.page.history") + "**")
    st.dataframe([{t("deliberation.column.stage"): label, t("deliberation.column.at"): s["at"].strftime("%Y-%m-%d %H:%M"),
                   t("deliberation.column.note"): s["note"]} for label, s in zip(stages, item["steps"])],
                 hide_index=True, width="stretch")
    if item["decline_reason"]:
        st.warning(f"{field_label('decline_reason')}：{item['decline_reason']}")
    if item["meeting_on"]:
        with st.expander(t("deliberation.stage.consultation") + f" · {item['meeting_on']}"):
            st.write(f"{field_label('meeting_place')}：{item['meeting_place'] or '—'}")
            st.write(f"{field_label('participants')}：{item['participants']}")
            st.write(item["minutes"])
    if item["notice_from"]:
        count = item["count"]
        st.markdown("**" + t("deliberation.stage.public") + f"** {item['notice_from']} ~ {item['notice_until']}")
        st.caption(item["notice_text"])
        cols = st.columns(5)
        for col, choice in zip(cols, ("yes", "no", "abstain")):
            col.metric(t(f"deliberation.choice.{choice}"), "—" if count[choice] is None else count[choice])
        cols[3].metric(t("deliberation.page.turnout"), f"{count['turnout']} / {item['electorate']}")
        cols[4].metric(t("deliberation.field.quorum"), item["quorum"],
                       t("deliberation.page.quorum_met") if count["quorum_met"] else t("deliberation.page.quorum_not_met"))
        outcome = count["outcome"]
        st.caption(t("deliberation.page.codes", issued=item["codes"]["issued"], used=item["codes"]["used"]) + " · "
                   + (t("deliberation.page.count_sealed") if outcome is None
                      else t("deliberation.page.outcome_now", outcome=t(f"status.deliberation.{outcome}"))))
    if item["project_id"]:
        st.success(t("deliberation.page.project", name=item["project_name"],
                     status=t(f"status.project.{item['project_status']}")))
    if item["evaluated_on"]:
        rated = item["rating_satisfied"] + item["rating_basic"] + item["rating_unsatisfied"]
        st.info(f"{t('deliberation.stage.evaluation')} · {item['evaluated_on']}：{item['evaluation']}  \n"
                + t("deliberation.page.ratings", satisfied=item["rating_satisfied"], basic=item["rating_basic"],
                    unsatisfied=item["rating_unsatisfied"],
                    rate=round(100 * item["rating_satisfied"] / rated) if rated else 0))


forms.show(WHERE, field_label)
codes = st.session_state.pop(CODES, None)
if codes:
    st.warning(t("deliberation.page.codes_once"))
    st.code("\n".join(codes))
    st.download_button(t("deliberation.page.download_codes"), "\n".join(codes) + "\n",
                       file_name="vote-codes.txt", key="dl_codes_download")

views = ["list", "new"] if mover else ["list"]
view = st.radio(t("deliberation.page.view"), views, horizontal=True, key="dl_view",
                format_func=lambda v: t(f"deliberation.page.view_{v}"))
with session.page_transaction(user):
    if view == "new":
        places = commands.places(user)
        with st.form("dl_new"):
            st.selectbox(field_label("org_unit_id"), list(places), format_func=places.get, key="dl_new_place")
            st.text_input(field_label("title"), key="dl_new_title", max_chars=200)
            st.text_area(field_label("description"), key="dl_new_description", max_chars=5000)
            st.selectbox(field_label("proposer_kind"), PROPOSER_KINDS, key="dl_new_kind",
                         format_func=lambda k: t(f"deliberation.proposer_kind.{k}"))
            st.text_input(field_label("proposer"), key="dl_new_proposer", max_chars=100,
                          help=t("deliberation.page.proposer_help"))
            st.form_submit_button(t("deliberation.page.propose"), on_click=_propose, type="primary")
        st.stop()
    status = st.selectbox(t("deliberation.page.filter"), [None, *statuses.SHOWN["deliberation"]], key="dl_filter",
                          format_func=lambda s: t("deliberation.page.all") if s is None else t(f"status.deliberation.{s}"))
    rows, total = queries.page(user, status, pager.current("dl_page", 10**6))
    if not rows:
        st.info(t("deliberation.page.empty"))
        st.stop()
    st.caption(t("deliberation.page.total", n=total))
    st.dataframe([{t("deliberation.column.id"): r["id"], t("deliberation.field.title"): r["title"],
                   t("deliberation.column.stage"): t(f"status.deliberation.{r['status']}"),
                   t("deliberation.field.org_unit_id"): r["place"], t("deliberation.field.proposer"): r["proposer"],
                   t("deliberation.column.proposed_on"): r["proposed_on"]} for r in rows],
                 hide_index=True, width="stretch")
    pager.pager("dl_page", -(-total // queries.PER_PAGE))
    titles = {r["id"]: f"#{r['id']} {r['title']}" for r in rows}
    chosen = st.selectbox(t("deliberation.page.choose"), list(titles), format_func=titles.get, key="dl_chosen")
    item = queries.get(user, chosen)
    if item is None:
        st.stop()
    _detail(item)
    if mover:
        _stage_form(item)

"""意见箱分拣 (triage of the suggestion box): the community's board of residents' messages with
their first-reply light, and for one message the paths — reply, close with a reply, turn into a
demand or a whistle event, merge into an existing message or case. The other view prints each
community's QR code. Each action is one call into gongzhi.suggest.commands."""
import math

import pandas as pd
import streamlit as st

from gongzhi import statuses
from gongzhi.auth.capabilities import may
from gongzhi.suggest import commands, qr, queries
from gongzhi.whistle import queries as whistle_queries
from ui import forms, lights, pager, photos, session
from ui import todo as todo_link
from ui.session import t

WHERE = "triage"
ACTIONS = ("reply", "close", "demand", "event", "agenda", "merge")
MERGE_TARGETS = ("suggestion", "demand", "event")

user = session.require_identity()


def _act(action: str, suggestion_id: int) -> None:
    s = st.session_state
    reply = s.get(f"triage_{action}_reply", "")
    if action == "reply":
        run = lambda: commands.reply(user, suggestion_id, reply)   # noqa: E731
    elif action == "close":
        run = lambda: commands.close(user, suggestion_id, reply)   # noqa: E731
    elif action == "demand":
        run = lambda: commands.to_demand(user, suggestion_id, s["triage_demand_grid"], s["triage_demand_title"],   # noqa: E731
                                         s["triage_demand_urgency"], reply)
    elif action == "event":
        run = lambda: commands.to_event(user, suggestion_id, s["triage_event_grid"], s["triage_event_title"],   # noqa: E731
                                        s["triage_event_address"], s["triage_event_departments"],
                                        s["triage_event_urgency"], reply)
    elif action == "agenda":
        run = lambda: commands.to_agenda(user, suggestion_id, s["triage_agenda_title"], reply)   # noqa: E731
    else:
        target = {f"into_{s['triage_merge_kind']}": int(s["triage_merge_target"] or 0) or None}
        run = lambda: commands.merge(user, suggestion_id, text=reply, **target)   # noqa: E731
    forms.submit(WHERE, run, f"suggestion.triage.done_{action}")


def _reply_box(action: str) -> None:
    st.text_area(t("suggestion.triage.reply_text"), key=f"triage_{action}_reply", max_chars=commands.REPLY_MAX,
                 help=t("suggestion.triage.reply_help"))


def _detail(row: dict) -> None:
    status, kind = t(f"status.suggestion.{row['status']}"), t(f"suggestion.kind.{row['kind']}")
    st.markdown(f"**#{row['id']}** · {status} · {kind} · {row['created_at']:%Y-%m-%d %H:%M}")
    st.info(row["body"])
    if row["phone_masked"]:
        st.caption(t("suggestion.triage.phone", phone=row["phone_masked"]))
    if row["reply"]:
        st.caption(t("suggestion.triage.current_reply", reply=row["reply"]))
    photos.show(user, "suggestion", row["id"], editable=False, title="suggestion.triage.photos")
    if row["status"] not in statuses.OPEN_SUGGESTION:
        return
    action = st.radio(t("suggestion.triage.action"), ACTIONS, horizontal=True, key="triage_action",
                      format_func=lambda a: t(f"suggestion.triage.{a}"))
    with st.form(f"triage_{action}"):
        if action in ("demand", "event"):
            grids = {g["id"]: g["name"] for g in queries.grids_of(user, row["community_id"])}
            st.selectbox(t("suggestion.triage.grid"), list(grids), format_func=grids.get, key=f"triage_{action}_grid")
            st.text_input(t("suggestion.triage.title"), value=row["body"][:40], key=f"triage_{action}_title")
        if action == "demand":
            st.selectbox(t("suggestion.triage.urgency"), commands.URGENCIES, index=1, key="triage_demand_urgency",
                         format_func=lambda u: t(f"urgency.{u}"))
        if action == "event":
            st.text_input(t("suggestion.triage.address"), key="triage_event_address")
            departments = {d["id"]: d["name_zh" if session.lang() == "zh" else "name_en"]
                           for d in whistle_queries.departments(user)}
            st.multiselect(t("suggestion.triage.departments"), list(departments), format_func=departments.get,
                           key="triage_event_departments", placeholder=t("app.choose"))
            st.selectbox(t("suggestion.triage.urgency"), ("normal", "urgent"), key="triage_event_urgency",
                         format_func=lambda u: t(f"urgency.{u}"))
        if action == "agenda":
            st.text_input(t("suggestion.triage.title"), value=row["body"][:40], key="triage_agenda_title")
        if action == "merge":
            st.radio(t("suggestion.triage.merge_kind"), MERGE_TARGETS, horizontal=True, key="triage_merge_kind",
                     format_func=lambda k: t(f"suggestion.triage.merge_{k}"))
            st.number_input(t("suggestion.triage.merge_target"), min_value=0, step=1, key="triage_merge_target")
        _reply_box(action)
        st.form_submit_button(t(f"suggestion.triage.{action}"), type="primary", on_click=_act, args=(action, row["id"]))


def board(card: str | None) -> None:
    choices = ("open", *statuses.SHOWN["suggestion"])
    status = st.selectbox(t("suggestion.triage.filter"), choices, key="triage_status", disabled=card is not None,
                          format_func=lambda s: t("suggestion.triage.open") if s == "open" else t(f"status.suggestion.{s}"))
    key = f"triage_page_{card or status}"
    rows, total = queries.board(user, status, pager.current(key, 10 ** 6), todo_key=card)
    st.caption(t("lists.total", n=f"{total:,}"))
    forms.show(WHERE)
    if not rows:
        st.info(t("suggestion.triage.empty"))
        return
    lang = session.lang()
    frame = pd.DataFrame([{
        t("suggestion.col.id"): r["id"], t("suggestion.col.light"): lights.text(r["light"]),
        t("suggestion.col.received"): f"{r['created_at']:%Y-%m-%d %H:%M}",
        t("suggestion.col.due"): r["reply_due"].isoformat(), t("suggestion.col.community"): r["community"],
        t("suggestion.col.category"): r["name_zh" if lang == "zh" else "name_en"],
        t("suggestion.col.kind"): t(f"suggestion.kind.{r['kind']}"), t("suggestion.col.body"): r["body"][:60],
        t("suggestion.col.status"): t(f"status.suggestion.{r['status']}"),
    } for r in rows])
    st.dataframe(lights.styled(frame, t("suggestion.col.light"), [r["light"] for r in rows]),
                 hide_index=True, use_container_width=True)
    pager.pager(key, max(1, math.ceil(total / queries.PAGE_SIZE)))
    chosen = st.selectbox(t("suggestion.triage.pick"), [r["id"] for r in rows], key="triage_pick")
    row = queries.one(user, chosen)
    if row is not None:
        _detail(row)


def codes(card: str | None) -> None:
    st.caption(t("suggestion.qr.intro"))
    places = {c["code"]: c["name"] for c in queries.communities(user)}
    if not places:
        st.info(t("suggestion.qr.none"))
        return
    code = st.selectbox(t("suggestion.field.community"), list(places), format_func=places.get, key="triage_qr")
    url = qr.box_url(qr.base_url(), code)
    image = qr.png(url)
    st.image(image, caption=t("suggestion.qr.caption", community=places[code]), width=280)
    st.code(url, language=None)
    st.download_button(t("suggestion.qr.download"), image, file_name=f"{places[code]}-意见箱.png", mime="image/png",
                       key="triage_qr_png")


st.title(t("page.suggestions"))
if not may(user, "suggestions.triage"):
    st.info(t("suggestion.triage.not_yours"))
    st.stop()
VIEWS = {"board": board, "codes": codes}
with session.page_transaction(user):
    card = todo_link.from_link(user, "suggestions", clear=("triage_status", "triage_page"))
    view = st.radio(t("page.suggestions"), list(VIEWS), key="triage_view", horizontal=True,
                    label_visibility="collapsed", format_func=lambda v: t(f"suggestion.triage.view_{v}"))
    VIEWS[view](card)

"""个人信息权利请求: residents' requests to see, copy, correct or delete their data. Staff record a
request, watch its deadline light, find the resident's records by phone, hand over a copy, correct
or erase, and close it with its outcome. Each action is one call into gongzhi.personal.requests."""
import datetime as dt

import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.personal import requests
from ui import forms, session
from ui.session import t

LIGHTS = {"red": "🔴", "yellow": "🟡", "green": "🟢", "closed": "⚪"}
WHERE = "subject_request"

user = session.require_identity()
st.title(t("page.subject_requests"))
st.caption(t("subject_request.page.intro", days=requests.WORKING_DAYS))
if not may(user, "subject_requests.handle"):
    st.info(t("subject_request.page.not_yours"))
    st.stop()


def _record() -> None:
    s = st.session_state
    forms.submit(WHERE, lambda: requests.record(user, s["sr_new_place"], s["sr_new_kind"], s["sr_new_received"],
                                                s["sr_new_phone"], s["sr_new_note"]),
                 lambda new_id: t("subject_request.page.recorded", id=new_id))


def _search(request_id: int) -> None:
    def run():
        found = requests.search(user, request_id, st.session_state.get("sr_phone", ""))
        st.session_state["sr_found"] = [(r.table, r.key) for r in found]
        return len(found)
    forms.submit(WHERE, run, lambda n: t("subject_request.page.found", n=n))


def _copy(request_id: int) -> None:
    s = st.session_state

    def run():
        data, n = requests.copy(user, request_id, s.get("sr_phone", ""), s["sr_format"], session.lang())
        s["sr_file"] = (data, f"subject-request-{request_id}.{s['sr_format']}")
        return n
    forms.submit(WHERE, run, lambda n: t("subject_request.page.copied", n=n))


def _correct(request_id: int) -> None:
    s = st.session_state
    forms.submit(WHERE, lambda: requests.correct(user, request_id, s.get("sr_phone", ""), s.get("sr_new_phone_value", "")),
                 lambda n: t("subject_request.page.corrected", n=n))


def _erase(request_id: int) -> None:
    s = st.session_state

    def run():
        if not s.get("sr_erase_sure"):
            raise DomainError("subject_request.page.erase_confirm")
        return requests.erase(user, request_id, s.get("sr_phone", ""))
    forms.submit(WHERE, run, lambda n: t("subject_request.page.erased", n=n))


def _close(request_id: int) -> None:
    s = st.session_state
    forms.submit(WHERE, lambda: requests.close(user, request_id, s["sr_close_status"], s.get("sr_outcome", ""),
                                               dt.date.today()),
                 lambda light: t("subject_request.page.closed", light=t(f"subject_request.light.{light}")))


forms.show(WHERE)
view = st.radio(t("subject_request.page.view"), ["open", "all", "new"], horizontal=True, key="sr_view",
                format_func=lambda v: t(f"subject_request.page.view_{v}"))
with session.page_transaction(user):
    if view == "new":
        place_names = requests.places(user)
        with st.form("sr_new"):
            st.selectbox(t("subject_request.field.place"), list(place_names), format_func=place_names.get,
                         key="sr_new_place")
            st.selectbox(t("subject_request.field.kind"), requests.KINDS, key="sr_new_kind",
                         format_func=lambda k: t(f"subject_request.kind.{k}"))
            st.date_input(t("subject_request.field.received_on"), value=dt.date.today(), key="sr_new_received")
            st.text_input(t("subject_request.field.phone"), key="sr_new_phone")
            st.text_area(t("subject_request.field.note"), key="sr_new_note", max_chars=1000)
            st.form_submit_button(t("subject_request.page.record"), type="primary", on_click=_record)
        st.stop()
    rows, total = requests.page(user, dt.date.today(), open_only=view == "open")

st.caption(t("subject_request.page.total", n=total))
if not rows:
    st.info(t("subject_request.page.empty"))
    st.stop()
st.dataframe([{t("subject_request.column.light"): LIGHTS[r["light"]] + " " + t(f"subject_request.light.{r['light']}"),
               t("subject_request.column.id"): r["id"],
               t("subject_request.field.kind"): t(f"subject_request.kind.{r['kind']}"),
               t("subject_request.field.place"): r["org_unit"],
               t("subject_request.field.phone"): r["phone_masked"],
               t("subject_request.field.received_on"): r["received_on"],
               t("subject_request.column.deadline"): r["deadline"],
               t("subject_request.column.status"): t(f"subject_request.status.{r['status']}"),
               t("subject_request.column.outcome"): r["outcome"]} for r in rows],
             hide_index=True, width="stretch")
open_ids = [r["id"] for r in rows if r["status"] == "open"]
if not open_ids:
    st.stop()
chosen = st.selectbox(t("subject_request.page.choose"), open_ids, key="sr_chosen")
st.text_input(t("subject_request.page.phone_again"), key="sr_phone")
search_col, copy_col = st.columns(2)
search_col.button(t("subject_request.page.search"), on_click=_search, args=(chosen,), key="sr_search")
for table, key in st.session_state.get("sr_found", []):
    search_col.write(f"{t(f'privacy.table.{table}')} · {key}")
copy_col.selectbox(t("subject_request.page.format"), requests.FORMATS, key="sr_format")
copy_col.button(t("subject_request.page.copy"), on_click=_copy, args=(chosen,), key="sr_copy")
if "sr_file" in st.session_state:
    data, name = st.session_state["sr_file"]
    copy_col.download_button(t("subject_request.page.download"), data, file_name=name, key="sr_download")
correct_col, erase_col = st.columns(2)
correct_col.text_input(t("subject_request.page.new_phone"), key="sr_new_phone_value")
correct_col.button(t("subject_request.page.correct"), on_click=_correct, args=(chosen,), key="sr_correct")
erase_col.checkbox(t("subject_request.page.erase_sure"), key="sr_erase_sure")
erase_col.button(t("subject_request.page.erase"), on_click=_erase, args=(chosen,), key="sr_erase")
st.selectbox(t("subject_request.page.close_as"), ["done", "refused"], key="sr_close_status",
             format_func=lambda s: t(f"subject_request.status.{s}"))
st.text_area(t("subject_request.field.outcome"), key="sr_outcome", max_chars=1000)
st.button(t("subject_request.page.close"), on_click=_close, args=(chosen,), key="sr_close")

"""包联: the district's units paired with communities by the five principles. The district proposes
an optimal assignment, adjusts it and confirms it; streets and communities read their pairs."""
import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.levers import baolian
from ui import forms, session
from ui.pager import pager
from ui.session import t

user = session.require_identity()
PAGE_SIZE = 30


def _reasons(reasons: list[dict], names: dict[str, str]) -> str:
    def words(params: dict) -> dict:
        return {k: "、".join(names.get(c, c) for c in v) if k == "functions" else v for k, v in params.items()}
    return "；".join(t(r["key"], **words(r.get("params", {}))) for r in reasons)


def _propose() -> None:
    forms.submit("bl_act", lambda: baolian.propose(user), "baolian.proposed")


def _confirm() -> None:
    s = st.session_state
    forms.submit("bl_confirm", lambda: baolian.confirm(user, s["bl_confirm_pair"], s["bl_contact"], s["bl_phone"]),
                 "baolian.confirmed", clear=("bl_contact", "bl_phone"))


def field_label(name: str) -> str:
    return t(f"baolian.field.{name}") if name in ("contact_name", "phone") else name


def _remove() -> None:
    forms.submit("bl_act", lambda: baolian.remove_pair(user, st.session_state["bl_remove"]), "baolian.removed")


def _add() -> None:
    s = st.session_state
    forms.submit("bl_act", lambda: baolian.add_pair(user, s["bl_add_unit"], s["bl_add_community"]), "baolian.added")


def _pairs() -> None:
    planning = may(user, "baolian.plan")
    if planning:
        st.button(t("baolian.propose"), key="bl_propose", type="primary", on_click=_propose)
    forms.show("bl_act")
    total = baolian.pair_count(user)
    page = pager("bl_page", max(1, -(-total // PAGE_SIZE)))
    rows = baolian.pairs(user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    names = baolian.category_names(user, session.lang())
    if not rows:
        st.info(t("baolian.none"))
        return
    st.dataframe(pd.DataFrame([{t("baolian.column.community"): r["community_name"], t("baolian.column.unit"): r["unit_name"],
                                t("baolian.column.score"): float(r["score"]),
                                t("baolian.column.status"): t(f"baolian.status.{r['status']}"),
                                t("baolian.column.reasons"): _reasons(r["reasons"], names)} for r in rows]),
                 hide_index=True, width="stretch")
    if not planning:
        return
    labels = {r["id"]: f"{r['community_name']} — {r['unit_name']}" for r in rows if r["status"] == "proposed"}
    if labels:
        with st.form("bl_confirm_form"):
            st.selectbox(t("baolian.confirm_which"), list(labels), format_func=labels.get, key="bl_confirm_pair")
            st.caption(t("baolian.contact_help"))
            st.text_input(t("baolian.field.contact_name"), key="bl_contact")
            st.text_input(t("baolian.field.phone"), key="bl_phone")
            st.form_submit_button(t("baolian.confirm"), type="primary", on_click=_confirm)
        forms.show("bl_confirm", field_label)
        with st.form("bl_remove_form"):
            st.selectbox(t("baolian.remove_which"), list(labels), format_func=labels.get, key="bl_remove")
            st.form_submit_button(t("baolian.remove"), on_click=_remove)
    units = {u["id"]: u["name"] for u in baolian.units(user)}
    communities = {c["id"]: c["name"] for c in baolian.communities(user)}
    with st.form("bl_add_form"):
        st.selectbox(t("baolian.column.unit"), list(units), format_func=units.get, key="bl_add_unit")
        st.selectbox(t("baolian.column.community"), list(communities), format_func=communities.get, key="bl_add_community")
        st.form_submit_button(t("baolian.add"), on_click=_add)


def _units() -> None:
    names = baolian.category_names(user, session.lang())
    st.dataframe(pd.DataFrame([{t("baolian.column.unit"): u["name"], t("baolian.column.functions"): "、".join(
                                    names.get(f, f) for f in u["functions"]),
                                t("baolian.column.strength"): u["strength"], t("baolian.column.capacity"): u["capacity"],
                                t("baolian.column.held"): u["held"], t("baolian.column.located"): u["located"]}
                               for u in baolian.units(user)]), hide_index=True, width="stretch")


with session.page_transaction(user):
    st.title(t("page.baolian"))
    st.caption(t("baolian.intro"))
    views = {"pairs": _pairs, "units": _units}
    which = st.radio(t("baolian.view"), list(views), horizontal=True, key="bl_view",
                     format_func=lambda v: t(f"baolian.views.{v}"))
    views[which]()

"""重点整治: a street (or the district) creates a campaign for its territory — title, dates, target
grids, what to check, rounds per grid — follows each target grid's progress (rounds done against
rounds due so far, findings solved on the spot and reported up, with a light), edits it while it is
open (title, dates, target grids, rounds per grid) and closes it."""
import pandas as pd
import streamlit as st

from gongzhi import clock
from gongzhi.auth.capabilities import may
from gongzhi.fieldwork import campaigns
from gongzhi.clock import BEIJING
from ui import forms, lights, pager, session
from ui.session import t

user = session.require_identity()
VIEWS = ("list", "new")


def _label(name: str) -> str:
    return t(f"campaigns.field.{name}")


def _create() -> None:
    s = st.session_state
    form = campaigns.CampaignForm(
        org_unit_id=s.get("camp_unit"), name=s.get("camp_name", ""), items=s.get("camp_items", ""),
        starts_on=s.get("camp_starts"), ends_on=s.get("camp_ends"), grids=s.get("camp_grids") or [],
        rounds_per_grid=s.get("camp_rounds"))
    if forms.submit("camp_new", lambda: campaigns.create(user, form), "campaigns.created",
                    clear=("camp_name", "camp_items")):
        s["camp_view"] = "list"
        s["camp_new_done"] = True


def _close(campaign_id: int) -> None:
    forms.submit("camp_close", lambda: campaigns.close(user, campaign_id), "campaigns.closed")


def _edit(campaign_id: int) -> None:
    s, prefix = st.session_state, f"camp_edit_{campaign_id}"
    form = campaigns.CampaignEdit(
        name=s.get(f"{prefix}_name", ""), starts_on=s.get(f"{prefix}_starts"), ends_on=s.get(f"{prefix}_ends"),
        grids=s.get(f"{prefix}_grids") or [], rounds_per_grid=s.get(f"{prefix}_rounds"))
    forms.submit("camp_edit", lambda: campaigns.edit(user, campaign_id, form), "campaigns.edited")


def _edit_form(c: dict) -> None:
    """The open campaign's title, dates, target grids and rounds per grid, to change."""
    if not st.toggle(t("campaigns.edit"), key=f"camp_edit_open_{c['id']}"):
        return
    prefix = f"camp_edit_{c['id']}"
    grids = {g["id"]: g["name"] for g in campaigns.grids(user, c["org_unit_id"])}
    with st.form(f"{prefix}_form"):
        st.text_input(_label("name"), value=c["name"], key=f"{prefix}_name", max_chars=100)
        st.date_input(_label("starts_on"), value=c["starts_on"], key=f"{prefix}_starts")
        st.date_input(_label("ends_on"), value=c["ends_on"], key=f"{prefix}_ends")
        st.multiselect(_label("grids"), list(grids), default=[g for g in c["grids"] if g in grids],
                       format_func=grids.get, key=f"{prefix}_grids", placeholder=t("campaigns.all_grids"))
        st.number_input(_label("rounds_per_grid"), min_value=1, max_value=100, value=c["rounds_per_grid"], step=1,
                        key=f"{prefix}_rounds")
        st.form_submit_button(t("campaigns.save"), type="primary", on_click=_edit, args=(c["id"],),
                              use_container_width=True)


def _new() -> None:
    units = {u["id"]: u["name"] for u in campaigns.units(user)}
    if not units:
        st.info(t("campaigns.no_unit"))
        return
    st.selectbox(_label("org_unit_id"), list(units), format_func=units.get, key="camp_unit")
    grids = {g["id"]: g["name"] for g in campaigns.grids(user, st.session_state.get("camp_unit"))}
    today = clock.today()
    with st.form("camp_form"):
        st.text_input(_label("name"), key="camp_name", max_chars=100, placeholder=t("campaigns.name_hint"))
        st.text_area(_label("items"), key="camp_items", height=100, placeholder=t("campaigns.items_hint"))
        st.date_input(_label("starts_on"), value=today, key="camp_starts")
        st.date_input(_label("ends_on"), value=today + pd.Timedelta(days=30), key="camp_ends")
        st.multiselect(_label("grids"), list(grids), format_func=grids.get, key="camp_grids",
                       placeholder=t("campaigns.all_grids"))
        st.number_input(_label("rounds_per_grid"), min_value=1, max_value=100, value=4, step=1, key="camp_rounds")
        st.form_submit_button(t("campaigns.create"), type="primary", on_click=_create, use_container_width=True)
    forms.show("camp_new", _label)


def _progress(campaign_id: int) -> None:
    data = campaigns.progress(user, campaign_id, clock.today())
    c, totals = data["campaign"], data["totals"]
    st.subheader(c["name"])
    st.caption(t("campaigns.period", unit=c["unit"], start=c["starts_on"], end=c["ends_on"]))
    st.markdown(t("campaigns.items", items="、".join(c["items"])))
    cols = st.columns(3)
    cols[0].metric(t("campaigns.metric.rounds"), f"{totals['rounds']} / {totals['due']}")
    cols[1].metric(t("campaigns.metric.on_spot"), totals["on_spot"])
    cols[2].metric(t("campaigns.metric.reported"), totals["reported"])
    if data["grids"]:
        frame = pd.DataFrame([{t("campaigns.column.grid"): g["name"], t("campaigns.column.light"): lights.text(g["light"]),
                               t("campaigns.column.rounds"): g["rounds"], t("campaigns.column.due"): g["due"],
                               t("campaigns.column.on_spot"): g["on_spot"], t("campaigns.column.reported"): g["reported"]}
                              for g in data["grids"]])
        st.dataframe(lights.styled(frame, t("campaigns.column.light"), [g["light"] for g in data["grids"]]),
                     hide_index=True, use_container_width=True)
    else:
        st.info(t("campaigns.no_grids"))
    if c["closed_at"] is not None:
        st.info(t("campaigns.closed_on", at=c["closed_at"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")))
    else:
        _edit_form(c)
        st.button(t("campaigns.close"), key=f"camp_close_{c['id']}", on_click=_close, args=(c["id"],))
    forms.show("camp_edit", _label)
    forms.show("camp_close")


def _list() -> None:
    rows, total = campaigns.listing(user, pager.current("camp_page", 10**6) - 1)
    total_pages = max(1, -(-total // campaigns.PAGE_SIZE))
    st.caption(t("lists.total", n=f"{total:,}"))
    if not rows:
        st.info(t("campaigns.none"))
        return
    names = {r["id"]: t("campaigns.line", name=r["name"], unit=r["unit"], start=r["starts_on"], end=r["ends_on"],
                        state=t("campaigns.state.closed" if r["closed_at"] else "campaigns.state.open"))
             for r in rows}
    pager.pager("camp_page", total_pages)
    if st.session_state.get("camp_selected") not in names:
        st.session_state.pop("camp_selected", None)
    chosen = st.selectbox(t("campaigns.open"), list(names), format_func=names.get, key="camp_selected")
    _progress(chosen)


with session.page_transaction(user):
    st.title(t("page.field_campaigns"))
    if not may(user, "fieldwork.campaigns"):
        st.info(t("campaigns.not_for_you"))
        st.stop()
    views = {v: t(f"campaigns.view.{v}") for v in VIEWS}
    st.session_state.setdefault("camp_view", "list")
    view = st.segmented_control(t("campaigns.view.label"), list(views), format_func=views.get, key="camp_view",
                                label_visibility="collapsed") or "list"
    if st.session_state.pop("camp_new_done", False):
        forms.show("camp_new", _label)
    if view == "new":
        _new()
    else:
        _list()

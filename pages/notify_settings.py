"""消息提醒 Notifications: the WeCom / DingTalk group robots the user keeps (their unit's or their
department's; the district's staff any unit's or department's), what each is told, and the log of
what was sent. Writes go through gongzhi.notify.robots as the signed-in user (row-level security)."""
import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.lists import queries as lists
from gongzhi.lists.forms import FormError
from gongzhi.notify import robots
from gongzhi.whistle import queries as whistle
from ui import session
from ui.session import t

OUTCOME = "notify_outcome"
user = session.require_identity()
lang = session.lang()


def _add(owners: dict) -> None:
    """Form callback: keep a new robot (one transaction), leave the outcome for the page to draw."""
    state = st.session_state
    owner = owners.get(state.get("notify_owner"), (None, None))
    form = robots.RobotForm(kind=state["notify_kind"], webhook_url=state["notify_url"].strip(),
                            secret=state["notify_secret"].strip(), events=tuple(state["notify_events"]),
                            org_unit_id=owner[0], department_id=owner[1])
    try:
        robots.add(user, form)
    except DomainError as exc:
        state[OUTCOME] = exc
        return
    state[OUTCOME] = "notify.ui.added"
    state["notify_url"] = state["notify_secret"] = ""


def _change(action) -> None:
    try:
        action(user, st.session_state["notify_choice"])
    except DomainError as exc:
        st.session_state[OUTCOME] = exc
        return
    st.session_state[OUTCOME] = "notify.ui.changed"


with session.page_transaction(user):
    st.title(t("page.notify_settings"))
    st.caption(t("notify.ui.intro"))
    outcome = st.session_state.pop(OUTCOME, None)
    if isinstance(outcome, FormError):
        for problem in outcome.errors:
            st.error(f"{t(f'notify.field.{problem.field}')}：{t(problem.key, **problem.params)}")
    elif isinstance(outcome, DomainError):
        session.show_error(outcome)
    elif outcome:
        st.success(t(outcome))

    if may(user, "notify.any_owner"):
        owners, names = {}, {}
        for d in whistle.departments(user):
            owners[f"d{d['id']}"] = (None, d["id"])
            names[f"d{d['id']}"] = d["name_" + lang]
        for u in lists.territory_options(user):
            if u["kind"] in ("district", "street", "community"):
                owners[f"u{u['id']}"] = (u["id"], None)
                names[f"u{u['id']}"] = u["name"]
    elif may(user, "territory"):
        owners = {"own": (user.org_unit_id, None)}
        names = {"own": user.org_unit_name}
    else:
        department = whistle.my_department(user)
        owners = {"own": (None, department)}
        names = {"own": next((d["name_" + lang] for d in whistle.departments(user) if d["id"] == department), "")}

    kept = robots.robots(user)
    if kept:
        st.dataframe(pd.DataFrame([{
            "#": r["id"], t("notify.field.kind"): t(f"notify.kind.{r['kind']}"),
            t("notify.field.owner"): r["unit"] or r["department_" + lang],
            t("notify.field.webhook_url"): robots.masked(r["webhook_url"]),
            t("notify.field.events"): "、".join(t(f"notify.event.{e}") for e in r["events"]),
            t("notify.ui.active"): t("notify.ui.yes") if r["active"] else t("notify.ui.no")} for r in kept]),
            hide_index=True, width="stretch")
        choice, on, off, remove = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
        choice.selectbox(t("notify.ui.choose"), [r["id"] for r in kept], key="notify_choice",
                         format_func=lambda i: f"#{i}")
        on.button(t("notify.ui.resume"), key="notify_on", on_click=_change,
                  args=(lambda u, i: robots.set_active(u, i, True),))
        off.button(t("notify.ui.pause"), key="notify_off", on_click=_change,
                   args=(lambda u, i: robots.set_active(u, i, False),))
        remove.button(t("notify.ui.remove"), key="notify_remove", on_click=_change, args=(robots.remove,))
    else:
        st.info(t("notify.ui.none"))

    with st.form("notify_add"):
        st.markdown(f"**{t('notify.ui.add')}**")
        st.selectbox(t("notify.field.owner"), list(owners), key="notify_owner", format_func=names.get)
        st.radio(t("notify.field.kind"), list(robots.KINDS), key="notify_kind", horizontal=True,
                 format_func=lambda k: t(f"notify.kind.{k}"))
        st.text_input(t("notify.field.webhook_url"), key="notify_url", placeholder=t("notify.ui.url_hint"))
        st.text_input(t("notify.field.secret"), key="notify_secret", type="password")
        st.multiselect(t("notify.field.events"), list(robots.EVENTS), default=list(robots.EVENTS)[:3],
                       key="notify_events", format_func=lambda e: t(f"notify.event.{e}"), placeholder=t("app.choose"))
        st.form_submit_button(t("notify.ui.save"), type="primary", on_click=_add, args=(owners,))

    counts = robots.pending(user)
    st.subheader(t("notify.ui.log"))
    st.caption(t("notify.ui.counts", **{k: f"{v:,}" for k, v in counts.items()}))
    entries = robots.log(user)
    if entries:
        st.dataframe(pd.DataFrame([{
            t("notify.log.at"): e["at"].astimezone().strftime("%Y-%m-%d %H:%M:%S"), "#": e["robot_id"],
            t("notify.log.notifications"): e["notifications"], t("notify.log.attempt"): e["attempt"],
            t("notify.log.ok"): t("notify.ui.yes") if e["ok"] else t("notify.ui.no"),
            t("notify.log.answer"): f"{e['http_status'] or '—'} · {e['errcode'] if e['errcode'] is not None else '—'}"
                                    f" {e['errmsg'] or ''}"} for e in entries]), hide_index=True, width="stretch")

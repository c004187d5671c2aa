"""Widgets shared by the three list pages: filters, the paginated table with row selection, bulk
status change, the detail view (fields, status, edit form, audit history, links) and the create
form. Every read and write goes through gongzhi.lists; nothing here decides who may see what."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.lists import commands, queries
from gongzhi.lists.fields import Field, choice_label_key, fields, status_label_key
from gongzhi.lists.forms import FormError
from gongzhi.lists.queries import spec as list_spec
from gongzhi.personal import store
from ui import excel, photos, session, unmask
from ui import todo as todo_link
from ui.pager import pager
from ui.session import t

CHOICE_FIELDS = {"urgency": "urgency", "kind": None, "provider_kind": "provider_kind"}
PROJECT_DRAFT = "project_draft"   # {"demand": [ids], "resource": [ids]} picked on the list pages


def _label(list_name: str, column: str) -> str:
    key = f"field.{column}"
    return t(key) if session_has(key) else t(f"lists.column.{column}")


def session_has(key: str) -> bool:
    from gongzhi import i18n
    return i18n.has(key)


def _kind_prefix(list_name: str) -> str:
    return {"resource": "resource_kind", "project": "project_kind"}.get(list_name, "")


def _show(list_name: str, column: str, value: Any) -> Any:
    """A cell as the user reads it: choices and statuses by their labels."""
    if value is None:
        return None
    if column == "status":
        return t(status_label_key(list_name, value))
    if column == "urgency":
        return t(f"urgency.{value}")
    if column == "kind":
        return t(f"{_kind_prefix(list_name)}.{value}")
    if column == "provider_kind":
        return t(f"provider_kind.{value}")
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return value


def flash(list_name: str) -> None:
    """The message left by the last action of this page, shown once."""
    message = st.session_state.pop(f"{list_name}_flash", None)
    if message:
        kind, key, params = message
        (st.success if kind == "success" else st.error)(t(key, **params))


def _say(list_name: str, kind: str, key: str, **params) -> None:
    st.session_state[f"{list_name}_flash"] = (kind, key, params)


def _submit(list_name: str, form: str, action, done_key: str | None = None) -> bool:
    """A form's callback body: `action()` is the one call into gongzhi (one transaction). A refused
    form is kept for `show_refused(form)` under the form; another refusal, and `done_key` on success
    (naming the action's result as {id}), are said at the top of the page. Returns whether it was done."""
    try:
        result = action()
    except FormError as exc:
        st.session_state[f"{form}_refused"] = exc
        return False
    except DomainError as exc:
        _say(list_name, "error", exc.key, **exc.params)
        return False
    if done_key:
        _say(list_name, "success", done_key, id=result)
    return True


def show_refused(form: str, headline: bool = True) -> None:
    """What `_submit` kept of the last refused submit of `form`: the headline and each field's problem."""
    refused = st.session_state.pop(f"{form}_refused", None)
    if refused is not None:
        if headline:
            st.error(t(refused.key, **refused.params))
        show_form_errors(refused.errors)


def _reset_page(list_name: str) -> None:
    st.session_state[f"{list_name}_page"] = 1
    st.session_state.pop(f"{list_name}_table", None)


# ---------------------------------------------------------------- the page
PAGE_TITLES = {"demand": ("page.demands", "lists.form.new_demand"),
               "resource": ("page.resources", "lists.form.new_resource"),
               "project": ("page.projects", "lists.form.new_project")}


def show_page(list_name: str, user) -> None:
    """A whole list page — create form, filters, table, bulk change, detail, Excel — read in one
    transaction (one connection checkout per rerun); writes run in the widgets' callbacks."""
    title, new = PAGE_TITLES[list_name]
    with session.page_transaction(user):
        st.title(t(title))
        flash(list_name)
        with st.expander(t(new)):
            if list_name == "project":
                show_project_create(user)
            else:
                show_create(list_name, user)
        card = todo_link.from_link(user, PAGE_TITLES[list_name][0].removeprefix("page."),
                                   clear=(f"{list_name}_f_", f"{list_name}_page"))
        filters = dataclasses.replace(show_filters(list_name, user), todo=card)
        selected, total = show_table(list_name, user, filters)
        show_bulk(list_name, user, selected)
        if len(selected) == 1:
            row = show_detail(list_name, user, selected[0]["id"])
            if row and list_name == "project":
                show_project_work(user, row)
        with st.expander(t("excel.ui.panel"), icon=":material/table_view:"):
            excel.show(list_name, user, filters, total)


# ---------------------------------------------------------------- filters
def show_filters(list_name: str, user) -> queries.ListFilters:
    """The filter bar; returns what it selects."""
    lang = session.lang()
    key = f"{list_name}_f"
    units = queries.territory_options(user)
    unit_names = {u["id"]: u["name"] for u in units}
    reset = dict(on_change=_reset_page, args=(list_name,))
    c1, c2, c3, c4 = st.columns(4)
    keyword = c1.text_input(t("lists.filter.keyword"), key=f"{key}_keyword", placeholder=t("lists.filter.keyword_hint"),
                            **reset)
    unit = c2.selectbox(t("lists.filter.territory"), [None, *unit_names], key=f"{key}_unit",
                        format_func=lambda i: t("lists.filter.all") if i is None else unit_names[i], **reset)
    category = None
    if list_name != "project":
        cats = {c["id"]: c["name"] for c in queries.categories(user, lang)}
        category = c3.selectbox(t("field.category_id"), [None, *cats], key=f"{key}_category",
                                format_func=lambda i: t("lists.filter.all") if i is None else cats[i], **reset)
    status = c4.multiselect(t("lists.column.status"), list(queries.STATUSES[list_name]),
                            placeholder=t("app.choose"), key=f"{key}_status",
                            format_func=lambda s: t(status_label_key(list_name, s)), **reset)
    d1, d2, d3 = st.columns([1, 1, 2])
    urgency: list[str] = []
    kind = None
    if list_name == "demand":
        urgency = d1.multiselect(t("field.urgency"), [f.choices for f in fields("demand") if f.name == "urgency"][0],
                                 placeholder=t("app.choose"), key=f"{key}_urgency",
                                 format_func=lambda u: t(f"urgency.{u}"), **reset)
    else:
        kinds = queries.SPECS[list_name].kinds
        kind = d1.selectbox(t("field.kind"), [None, *kinds], key=f"{key}_kind",
                            format_func=lambda k: t("lists.filter.all") if k is None else t(f"{_kind_prefix(list_name)}.{k}"),
                            **reset)
    dates = d2.date_input(t("lists.filter.dates"), value=(), key=f"{key}_dates", **reset)
    dates = tuple(dates) if isinstance(dates, (tuple, list)) else (dates,)
    return queries.ListFilters(org_unit_id=unit, category_id=category, status=tuple(status), urgency=tuple(urgency),
                               kind=kind, date_from=dates[0] if dates else None,
                               date_to=dates[1] if len(dates) > 1 else (dates[0] if dates else None), keyword=keyword)


# ---------------------------------------------------------------- table
def show_table(list_name: str, user, filters: queries.ListFilters) -> tuple[list[dict], int | None]:
    """The current page of rows, sorted and paginated in SQL; returns the selected rows and the
    total (None when the page could not be read)."""
    spec = queries.SPECS[list_name]
    s1, s2, _ = st.columns([1, 1, 4])
    sort = s1.selectbox(t("lists.sort.by"), list(spec.sorts), key=f"{list_name}_sort",
                        format_func=lambda c: _label(list_name, c), on_change=_reset_page, args=(list_name,))
    descending = s2.toggle(t("lists.sort.descending"), value=True, key=f"{list_name}_desc",
                           on_change=_reset_page, args=(list_name,))
    try:
        page = queries.list_page(user, list_name, filters, page=st.session_state.get(f"{list_name}_page", 1),
                                 sort=sort, descending=descending, lang=session.lang())
    except DomainError as exc:
        session.show_error(exc)
        return [], None
    total = f"{page.total:,}"
    st.caption(t("lists.total_capped" if page.capped else "lists.total_estimated" if page.estimated
                 else "lists.total", n=total))
    columns = ["id"] + [c for c in ("title", "name") if c in spec.columns] + \
        (["category"] if list_name != "project" else []) + ["org_unit"] + \
        [c for c in spec.columns if c not in ("id", "title", "name")]
    frame = pd.DataFrame([{_label(list_name, c): _show(list_name, c, r.get(c)) for c in columns} for r in page.rows],
                         columns=[_label(list_name, c) for c in columns])
    event = st.dataframe(frame, key=f"{list_name}_table", on_select="rerun", selection_mode="multi-row",
                         hide_index=True, width="stretch")
    pager(f"{list_name}_page", page.pages, capped=page.capped)
    picked = event.selection.rows if event and hasattr(event, "selection") else []
    return [page.rows[i] for i in picked if i < len(page.rows)], page.total


# ---------------------------------------------------------------- bulk actions
def show_bulk(list_name: str, user, selected: list[dict]) -> None:
    """Status change of every selected row in one transaction, and the project draft."""
    if not selected:
        st.caption(t("lists.select_hint"))
        return
    ids = [r["id"] for r in selected]
    st.markdown(t("lists.selected", n=len(ids)))
    targets = queries.allowed_next(user, list_name, [r["status"] for r in selected])
    c1, c2, c3 = st.columns([2, 1, 2])
    if targets:
        c1.selectbox(t("lists.bulk.to_status"), targets, key=f"{list_name}_bulk_to",
                     format_func=lambda s: t(status_label_key(list_name, s)))
        c2.button(t("lists.bulk.apply"), key=f"{list_name}_bulk_apply", on_click=_bulk, args=(list_name, user, ids))
    else:
        c1.caption(t("lists.bulk.no_common_status"))
    if list_name in ("demand", "resource") and may(user, "lists.project_draft"):
        c3.button(t("lists.draft.add"), key=f"{list_name}_draft_add", on_click=_add_to_draft, args=(list_name, ids))


def _bulk(list_name: str, user, ids: list[int]) -> None:
    to = st.session_state.get(f"{list_name}_bulk_to")
    try:
        n = commands.change_status(user, list_name, ids, to)
    except DomainError as exc:
        _say(list_name, "error", exc.key, **exc.params)
        return
    _say(list_name, "success", "lists.bulk.done", n=n, status=t(status_label_key(list_name, to)))
    st.session_state.pop(f"{list_name}_table", None)


def _add_to_draft(list_name: str, ids: list[int]) -> None:
    draft = st.session_state.setdefault(PROJECT_DRAFT, {"demand": [], "resource": []})
    draft[list_name] = sorted(set(draft[list_name]) | set(ids))
    _say(list_name, "success", "lists.draft.added", n=len(ids), total=len(draft[list_name]))


# ---------------------------------------------------------------- forms
def _input(list_name: str, f: Field, key: str, user, default: Any = None, options: dict | None = None) -> Any:
    label = t(f.label_key) + (" *" if f.required else "")
    if f.kind == "longtext":
        return st.text_area(label, value=default or "", key=key)
    if f.kind == "date":
        return st.date_input(label, value=default, key=key)
    if f.kind == "choice":
        choices = list(f.choices)
        index = choices.index(default if default in choices else (f.default if f.default in choices else choices[0]))
        return st.selectbox(label, choices, index=index, key=key,
                            format_func=lambda v: t(choice_label_key(f, v)))
    if f.kind in ("category", "org_unit"):
        ids = [None, *options]
        return st.selectbox(label, ids, index=ids.index(default) if default in ids else 0, key=key,
                            format_func=lambda i: t("lists.form.choose") if i is None else options[i])
    value = "" if default is None else str(default)
    if not value and f.default is not None and not isinstance(f.default, str):
        value = str(f.default)
    return st.text_input(label, value=value, key=key)


def _options(user) -> dict[str, dict]:
    lang = session.lang()
    return {
        "category": {c["id"]: c["name"] for c in queries.categories(user, lang)},
        "org_unit": {u["id"]: u["name"] for u in queries.territory_options(user) if u["kind"] != "district"},
    }


def _form_fields(list_name: str, user, prefix: str, row: dict | None = None) -> dict:
    options = _options(user)
    raw = {}
    hide_personal = row is not None and not row.get("personal_visible", True)
    for f in fields(list_name):
        if f.personal and hide_personal:
            continue
        sealed = row is not None and store.field(list_spec(list_name).table, f.name) is not None
        value = _input(list_name, f, f"{prefix}_{f.name}", user,
                       None if row is None or sealed else row.get(f.name), options.get(f.kind))
        if not (sealed and value in (None, "")):   # a stored phone shows masked: left empty, it is kept
            raw[f.name] = value
    return raw


def show_form_errors(errors) -> None:
    for e in errors:
        st.error(f"{t(f'field.{e.field}')}：{t(e.key, **e.params)}")


def show_create(list_name: str, user) -> None:
    """The form that adds a row (submitted by `_create`); demands are checked for likely duplicates."""
    prefix = f"{list_name}_new"
    with st.form(f"{list_name}_create", clear_on_submit=False):
        _form_fields(list_name, user, prefix)
        st.form_submit_button(t("lists.form.create"), on_click=_create, args=(list_name, user, prefix))
    show_refused(f"{list_name}_create")
    pending = st.session_state.get(f"{list_name}_pending")
    if pending:
        _show_duplicates(list_name, user, pending)


def _raw(list_name: str, prefix: str) -> dict:
    """The values of a form's fields, as its widgets left them in the session (in a callback)."""
    return {f.name: st.session_state[f"{prefix}_{f.name}"] for f in fields(list_name)
            if f"{prefix}_{f.name}" in st.session_state}


def _create(list_name: str, user, prefix: str) -> None:
    """Form callback: one call into gongzhi, one transaction; the page then draws the outcome."""
    st.session_state.pop(f"{list_name}_pending", None)
    raw = _raw(list_name, prefix)
    try:
        new_id = commands.create(user, list_name, raw, check_duplicates=list_name == "demand")
    except commands.LikelyDuplicates as exc:
        st.session_state[f"{list_name}_pending"] = {"raw": raw, "duplicates": exc.rows}
        return
    except FormError as exc:
        st.session_state[f"{list_name}_create_refused"] = exc
        return
    except DomainError as exc:
        _say(list_name, "error", exc.key, **exc.params)
        return
    _say(list_name, "success", "lists.form.created", id=new_id)


def _show_duplicates(list_name: str, user, pending: dict) -> None:
    st.warning(t("lists.duplicate.warning", n=len(pending["duplicates"])))
    frame = pd.DataFrame([{
        "#": d["id"], t("field.title"): d["title"], t("lists.column.status"): t(status_label_key("demand", d["status"])),
        t("field.beneficiary_name"): d["beneficiary_name"], t("field.beneficiary_phone"): d["beneficiary_phone"],
        t("lists.duplicate.reason"): t(f"lists.duplicate.by_{d['reason']}"),
    } for d in pending["duplicates"]])
    st.dataframe(frame, hide_index=True)
    ids = [d["id"] for d in pending["duplicates"]]
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.selectbox(t("lists.duplicate.link_to"), ids, key=f"{list_name}_dup_target", format_func=lambda i: f"#{i}")
    c2.button(t("lists.duplicate.link"), key=f"{list_name}_dup_link", on_click=_link_duplicate, args=(user,))
    c3.button(t("lists.duplicate.create_anyway"), key=f"{list_name}_dup_create", on_click=_create_anyway, args=(user,))


def _link_duplicate(user) -> None:
    pending = st.session_state.pop("demand_pending", None)
    if not pending:
        return
    target = st.session_state.get("demand_dup_target")
    try:
        commands.link_duplicate(user, target, pending["raw"])
    except DomainError as exc:
        _say("demand", "error", exc.key, **exc.params)
        return
    _say("demand", "success", "lists.duplicate.linked", id=target)


def _create_anyway(user) -> None:
    pending = st.session_state.pop("demand_pending", None)
    if not pending:
        return
    try:
        new_id = commands.create(user, "demand", pending["raw"])
    except DomainError as exc:
        _say("demand", "error", exc.key, **exc.params)
        return
    _say("demand", "success", "lists.form.created", id=new_id)


# ---------------------------------------------------------------- detail
def show_detail(list_name: str, user, row_id: int) -> dict | None:
    """All fields of one row, its status change, edit form, audit history and links."""
    lang = session.lang()
    row = queries.get(user, list_name, row_id, lang)
    if row is None:
        st.info(t("lists.not_found"))
        return None
    title = row.get("title") or row.get("name")
    st.subheader(f"#{row_id} {title}")
    shown = {k: v for k, v in row.items() if k not in ("id", "personal_visible", "category_id", "org_unit_id")}
    cols = st.columns(3)
    for i, (k, v) in enumerate(shown.items()):
        cols[i % 3].markdown(f"**{_label(list_name, k)}**  \n{_show(list_name, k, v) if v not in (None, '') else '—'}")
    if list_name == "demand" and not row.get("personal_visible"):
        st.caption(t("lists.personal_masked"))
    for f in store.encrypted_columns(list_spec(list_name).table):
        if row.get(f.column) and row.get("personal_visible", True):
            unmask.show(user, f.table, f.column, f"{list_name}_unmask_{row_id}", row_id=row_id)
    targets = queries.allowed_next(user, list_name, [row["status"]])
    if targets:
        c1, c2 = st.columns([2, 1])
        c1.selectbox(t("lists.detail.next_status"), targets, key=f"{list_name}_next",
                     format_func=lambda s: t(status_label_key(list_name, s)))
        c2.button(t("lists.detail.change_status"), key=f"{list_name}_change",
                  on_click=_change_one, args=(list_name, user, row_id))
    with st.expander(t("lists.detail.edit")):
        form = f"{list_name}_edit_{row_id}"
        with st.form(form):
            _form_fields(list_name, user, form, row)
            st.form_submit_button(t("lists.form.save"), on_click=_edit, args=(list_name, user, row_id, form))
        show_refused(form)
    _show_links(list_name, user, row_id, lang)
    if list_name == "demand":
        photos.show(user, "demand", row_id)
    with st.expander(t("lists.detail.history")):
        entries = queries.history(user, list_name, row_id)
        st.dataframe(pd.DataFrame([{
            t("lists.history.at"): e["at"].astimezone().strftime("%Y-%m-%d %H:%M"),
            t("lists.history.actor"): e["actor"] or "—",
            t("lists.history.action"): t(f"lists.history.{e['action']}"),
            t("lists.history.changes"): "；".join(
                f"{_label(list_name, k)}: {'' if old is None else old} → {'' if new is None else new}"
                for k, old, new in e["changes"]),
        } for e in entries]), hide_index=True)
    return row


def _edit(list_name: str, user, row_id: int, form: str) -> None:
    raw = _raw(list_name, form)
    _submit(list_name, form, lambda: commands.update(user, list_name, row_id, raw), "lists.form.saved")


def _change_one(list_name: str, user, row_id: int) -> None:
    to = st.session_state.get(f"{list_name}_next")
    try:
        commands.change_status(user, list_name, [row_id], to)
    except DomainError as exc:
        _say(list_name, "error", exc.key, **exc.params)
        return
    _say(list_name, "success", "lists.bulk.done", n=1, status=t(status_label_key(list_name, to)))


def _show_links(list_name: str, user, row_id: int, lang: str) -> None:
    found = queries.links(user, list_name, row_id, lang)
    for name, rows in found.items():
        if name == "milestones":
            continue
        st.markdown(f"**{t(f'lists.links.{name}')}**")
        if not rows:
            st.caption(t("lists.links.none"))
            continue
        entity = {"matches": "match", "projects": "project", "demands": "demand", "resources": "resource"}[name]
        st.dataframe(pd.DataFrame([{_label(entity, k): _show(entity, k, v) for k, v in r.items()} for r in rows]),
                     hide_index=True)


# ---------------------------------------------------------------- projects
def show_project_create(user) -> None:
    """A new project from the demands and resources put in the draft on the list pages."""
    draft = st.session_state.setdefault(PROJECT_DRAFT, {"demand": [], "resource": []})
    st.caption(t("lists.draft.summary", demands=len(draft["demand"]), resources=len(draft["resource"])))
    with st.form("project_create"):
        _form_fields("project", user, "project_new")
        st.multiselect(t("lists.links.demands"), draft["demand"], default=draft["demand"],
                       format_func=lambda i: f"#{i}", placeholder=t("app.choose"), key="project_new_demands")
        st.multiselect(t("lists.links.resources"), draft["resource"], default=draft["resource"],
                       format_func=lambda i: f"#{i}", placeholder=t("app.choose"), key="project_new_resources")
        st.form_submit_button(t("lists.form.create"), on_click=_create_project, args=(user,))
    show_refused("project_create")


def _create_project(user) -> None:
    state = st.session_state
    raw = _raw("project", "project_new")
    demand_ids, resource_ids = state.get("project_new_demands") or [], state.get("project_new_resources") or []
    if _submit("project", "project_create", lambda: commands.create_project(user, raw, demand_ids, resource_ids),
               "lists.form.created"):
        state[PROJECT_DRAFT] = {"demand": [], "resource": []}
        state.pop("project_new_demands", None)
        state.pop("project_new_resources", None)


def show_project_work(user, row: dict) -> None:
    """Progress, spending and milestones of one project."""
    project_id = row["id"]
    st.progress(int(row["progress"]) / 100, text=t("lists.project.progress", n=row["progress"]))
    budget, spent = row["budget"] or 0, row["spent"] or 0
    st.caption(t("lists.project.spending", spent=f"{spent:,.2f}", budget=f"{budget:,.2f}"))
    if budget and spent > budget:
        st.warning(t("lists.project.over_budget"))
    form = f"project_progress_{project_id}"
    with st.form(form):
        c1, c2 = st.columns(2)
        c1.text_input(t("field.progress"), value=str(row["progress"]), key=f"{form}_p")
        c2.text_input(t("field.spent"), value=str(row["spent"]), key=f"{form}_s")
        st.form_submit_button(t("lists.form.save"), on_click=_save_progress, args=(user, project_id, form))
    show_refused(form, headline=False)
    st.markdown(f"**{t('lists.links.milestones')}**")
    for m in queries.links(user, "project", project_id)["milestones"]:
        st.checkbox(f"{m['title']}（{m['due_date'] or '—'}）", value=m["done_at"] is not None,
                    key=f"milestone_{m['id']}", on_change=_toggle_milestone, args=(user, m["id"]))
        if st.toggle(t("photos.ui.title"), key=f"milestone_photos_{m['id']}"):
            photos.show(user, "milestone", m["id"])
    form = f"milestone_new_{project_id}"
    with st.form(form, clear_on_submit=True):
        c1, c2 = st.columns([2, 1])
        c1.text_input(t("field.title"), key=f"{form}_title")
        c2.date_input(t("field.due_date"), value=None, key=f"{form}_due")
        st.form_submit_button(t("lists.project.add_milestone"), on_click=_add_milestone, args=(user, project_id, form))
    show_refused(form, headline=False)


def _save_progress(user, project_id: int, form: str) -> None:
    raw = {"progress": st.session_state[f"{form}_p"], "spent": st.session_state[f"{form}_s"]}
    _submit("project", form, lambda: commands.update_progress(user, project_id, raw), "lists.form.saved")


def _add_milestone(user, project_id: int, form: str) -> None:
    raw = {"title": st.session_state[f"{form}_title"], "due_date": st.session_state[f"{form}_due"]}
    _submit("project", form, lambda: commands.add_milestone(user, project_id, raw))


def _toggle_milestone(user, milestone_id: int) -> None:
    try:
        commands.set_milestone_done(user, milestone_id, bool(st.session_state.get(f"milestone_{milestone_id}")))
    except DomainError as exc:
        _say("project", "error", exc.key, **exc.params)

"""包联名录: the district keeps the inputs of 包联 — the units (functions, strength, capacity, where
each sits) and the communities' needs profiles — by form or by spreadsheet, all rows or none."""
import pandas as pd
import streamlit as st

from gongzhi.errors import DomainError
from gongzhi.levers import registry, registry_import
from ui import forms, session
from ui.pager import current, pager
from ui.session import t

user = session.require_identity()
lang = session.lang()
PAGE_SIZE = 30


def field_label(name: str) -> str:
    return t(f"baolian.desk.col.{name}")


def _unit_raw(prefix: str) -> dict:
    s = st.session_state
    return {"name": s[f"{prefix}_name"], "functions": s[f"{prefix}_functions"], "strength": s[f"{prefix}_strength"],
            "capacity": s[f"{prefix}_capacity"], "located_at": s[f"{prefix}_located_at"],
            "active": s.get(f"{prefix}_active", True)}


def _add() -> None:
    forms.submit("bld_add", lambda: registry.add_unit(user, _unit_raw("bld_new")), "baolian.desk.added",
                 clear=("bld_new_name", "bld_new_strength"))


def _change(unit_id: int) -> None:
    prefix = f"bld_edit_{unit_id}"
    forms.submit("bld_edit", lambda: registry.change_unit(user, unit_id, _unit_raw(prefix)), "baolian.desk.changed")


def _profile() -> None:
    s = st.session_state
    forms.submit("bld_profile", lambda: registry.set_profile(
        user, s["bld_profile_community"], {"population": s["bld_profile_population"],
                                           "old_estates": s["bld_profile_old_estates"]}), "baolian.desk.profile_kept")


def _unit_fields(prefix: str, options: dict, unit: dict | None = None) -> None:
    unit = unit or {}
    names = {code: r["name_" + lang] for code, r in options["categories"].items()}
    places = options["places"]
    st.text_input(field_label("name"), value=unit.get("name", ""), max_chars=100, key=f"{prefix}_name")
    st.multiselect(field_label("functions"), list(names), default=list(unit.get("functions", [])),
                   format_func=names.get, placeholder=t("app.choose"), key=f"{prefix}_functions")
    st.text_input(field_label("strength"), value=str(unit.get("strength", "")), key=f"{prefix}_strength")
    st.text_input(field_label("capacity"), value=str(unit.get("capacity", 1)), key=f"{prefix}_capacity")
    located = list(places)
    st.selectbox(field_label("located_at"), located, format_func=places.get, key=f"{prefix}_located_at",
                 index=located.index(unit["located_at"]) if unit.get("located_at") in places else 0)


def _units() -> None:
    options = registry.choices(user)
    names = {code: r["name_" + lang] for code, r in options["categories"].items()}
    search = st.text_input(t("baolian.desk.search"), key="bld_search")
    total = registry.unit_total(user, search)
    pages = max(1, -(-total // PAGE_SIZE))
    rows = registry.unit_page(user, limit=PAGE_SIZE, offset=(current("bld_page", pages) - 1) * PAGE_SIZE,
                                 search=search)
    st.caption(t("lists.total", n=f"{total:,}"))
    forms.show("bld_edit", field_label)
    if rows:
        st.dataframe(pd.DataFrame([{field_label("name"): r["name"],
                                    field_label("functions"): "、".join(names.get(f, f) for f in r["functions"]),
                                    field_label("strength"): r["strength"], field_label("capacity"): r["capacity"],
                                    t("baolian.column.held"): r["held"], field_label("located_at"): r["located"],
                                    t("baolian.desk.active"): t("baolian.desk.yes") if r["active"] else t("baolian.desk.no")}
                                   for r in rows]), hide_index=True, width="stretch")
        pager("bld_page", pages)
        by_id = {r["id"]: r for r in rows}
        chosen = st.selectbox(t("baolian.desk.edit_which"), list(by_id), format_func=lambda i: by_id[i]["name"],
                              key="bld_edit_which")
        prefix = f"bld_edit_{chosen}"
        with st.form(f"{prefix}_form"):
            _unit_fields(prefix, options, by_id[chosen])
            st.checkbox(t("baolian.desk.active"), value=by_id[chosen]["active"], key=f"{prefix}_active")
            st.form_submit_button(t("baolian.desk.change"), on_click=_change, args=(chosen,))
    else:
        st.info(t("baolian.desk.no_units"))
    st.subheader(t("baolian.desk.add_title"))
    with st.form("bld_new_form"):
        _unit_fields("bld_new", options)
        st.form_submit_button(t("baolian.desk.add"), type="primary", on_click=_add)
    forms.show("bld_add", field_label)


def _profiles() -> None:
    pages = max(1, -(-registry.profile_total(user) // PAGE_SIZE))
    rows = registry.profile_page(user, limit=PAGE_SIZE, offset=(current("bld_profile_page", pages) - 1) * PAGE_SIZE)
    st.dataframe(pd.DataFrame([{field_label("community"): r["name"], t("baolian.desk.street"): r["street"] or "",
                                field_label("population"): r["population"], field_label("old_estates"): r["old_estates"],
                                t("baolian.desk.open_demands"): r["open_demands"]} for r in rows]),
                 hide_index=True, width="stretch")
    pager("bld_profile_page", pages)
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox(field_label("community"), list(by_id), format_func=lambda i: by_id[i]["name"],
                          key="bld_profile_community")
    with st.form("bld_profile_form"):
        st.text_input(field_label("population"), value=str(by_id[chosen]["population"] or ""),
                      key="bld_profile_population")
        st.text_input(field_label("old_estates"), value=str(by_id[chosen]["old_estates"] or ""),
                      key="bld_profile_old_estates")
        st.form_submit_button(t("baolian.desk.keep_profile"), type="primary", on_click=_profile)
    forms.show("bld_profile", field_label)


def _import() -> None:
    kind = st.radio(t("baolian.desk.import_kind"), registry_import.KINDS, horizontal=True, key="bld_import_kind",
                    format_func=lambda k: t(f"baolian.desk.views.{k}"))
    st.download_button(t("baolian.desk.template"), registry_import.template(kind, lang), f"baolian_{kind}.xlsx",
                       key="bld_import_template")
    forms.show("bld_import")
    upload = st.file_uploader(t("excel.ui.upload"), type=["xlsx", "csv"], key=f"bld_import_file_{kind}")
    if upload is None:
        return
    try:
        plan = registry_import.preview(user, kind, upload.name, upload.getvalue())
    except DomainError as exc:
        session.show_error(exc)
        return
    if plan.problems:
        st.error(t("baolian.desk.problems", n=len({p[0] for p in plan.problems})))
        st.dataframe(pd.DataFrame([{t("baolian.desk.row"): row, t("baolian.desk.column"): field_label(column),
                                    t("baolian.desk.reason"): t(key, **params)}
                                   for row, column, key, params in plan.problems]),
                     hide_index=True, key="bld_import_problems")
        return
    st.success(t("baolian.desk.ready", n=len(plan.rows)))
    st.button(t("baolian.desk.confirm_import"), type="primary", key="bld_import_confirm",
              on_click=lambda: forms.submit("bld_import", lambda: registry_import.commit(user, plan),
                                            "baolian.desk.imported"))


with session.page_transaction(user):
    st.title(t("page.baolian_lists"))
    st.caption(t("baolian.desk.intro"))
    views = {"units": _units, "profiles": _profiles, "import": _import}
    which = st.radio(t("baolian.view"), list(views), horizontal=True, key="bld_view",
                     format_func=lambda v: t(f"baolian.desk.views.{v}"))
    views[which]()

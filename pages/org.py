"""组织与账号 (系统管理员): the org tree with new streets, communities and grids, and staff
accounts — create, disable, reset password, move. Everything goes through gongzhi.org as the
signed-in system administrator, under row-level security."""
import pandas as pd
import streamlit as st

from gongzhi.auth import sessions
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from gongzhi.geo import imports as geo_imports
from gongzhi.org import commands, queries, tree_import
from gongzhi.org.forms import AccountForm, UnitForm
from ui import forms, pager, session
from ui.session import t

user = session.require_identity()
st.title(t("page.org"))
if not queries.can_manage(user):   # RLS refuses everything here; say so instead of failing later
    st.error(t("error.forbidden"))
    st.stop()
forms.show("org")


def _run(action, done_key: str, **params) -> None:
    """Run a command (a button's callback); its outcome is shown in the next run."""
    forms.submit("org", action, done_key, **params)


def _reset(person: dict) -> None:
    password = st.session_state["org_reset_password"]
    _run(lambda: commands.reset_password(user, person["user_id"], password), "org.account.reset_done",
         name=person["display_name"])


def _move(person: dict) -> None:
    to = st.session_state["org_move_to"]
    _run(lambda: commands.move(user, person["user_id"], to), "org.account.moved",
         name=person["display_name"], unit=unit_names.get(to, ""))


def _create() -> None:
    state = st.session_state
    form = AccountForm(state["org_new_email"], state["org_new_password"], state["org_new_name"], state["org_new_unit"],
                       state["org_new_role"], state["org_new_phone"], state["org_new_department"])
    _run(lambda: commands.create_account(user, form), "org.account.created", name=form.display_name)


def _add_unit() -> None:
    state = st.session_state
    name = state["org_unit_name"]
    _run(lambda: commands.add_unit(user, UnitForm(state["org_unit_parent"], name, state["org_unit_code"])),
         "org.unit.added", name=name)


def _rename_unit() -> None:
    state = st.session_state
    new_name = state["org_rename_name"]
    _run(lambda: commands.rename_unit(user, state["org_rename_target"], new_name), "org.unit.renamed", name=new_name)


units = queries.tree(user)
unit_names = {u["id"]: u["name"] for u in units}
depth = {"district": 0, "street": 1, "community": 2, "grid": 3}
tree_tab, account_tab = st.tabs([t("org.tab.tree"), t("org.tab.accounts")])

with tree_tab:
    st.dataframe(pd.DataFrame([{t("org.col.name"): "　" * depth[u["kind"]] + u["name"],
                                t("org.col.kind"): t(f"org.kind.{u['kind']}"), t("org.col.code"): u["code"],
                                t("org.col.staff"): u["staff"]} for u in units]),
                 hide_index=True, width="stretch", height=360, key="org_tree")
    parents = [u["id"] for u in units if u["kind"] in queries.CHILD]
    with st.form("org_add_unit", clear_on_submit=True):
        st.subheader(t("org.unit.add"))
        st.selectbox(t("org.unit.parent"), parents, format_func=unit_names.get, key="org_unit_parent")
        st.text_input(t("org.col.name"), key="org_unit_name")
        st.text_input(t("org.col.code"), help=t("org.unit.code_help"), key="org_unit_code")
        st.form_submit_button(t("org.unit.add"), type="primary", on_click=_add_unit)
    with st.form("org_rename_unit"):
        st.subheader(t("org.unit.rename"))
        st.selectbox(t("org.col.name"), [u["id"] for u in units], format_func=unit_names.get, key="org_rename_target")
        st.text_input(t("org.unit.new_name"), key="org_rename_name")
        st.form_submit_button(t("org.unit.rename"), on_click=_rename_unit)
    with st.expander(t("org.import.title")):
        st.markdown(t("org.import.help"))
        st.download_button(t("org.import.template"), tree_import.template(session.lang()), "org_tree.xlsx",
                           key="org_import_template")
        upload = st.file_uploader(t("org.import.upload"), type=["xlsx", "csv"], key="org_import_file")
        if upload is not None:
            try:
                plan = tree_import.preview(user, upload.name, upload.getvalue())
            except DomainError as exc:
                session.show_error(exc)
            else:
                if plan.problems:
                    st.error(t("org.import.problems"))
                    st.dataframe(pd.DataFrame([{t("org.import.row"): row, t("org.import.column"): t(f"org.import.col.{col}"),
                                                t("org.import.reason"): t(key)} for row, col, key in plan.problems]),
                                 hide_index=True, key="org_import_problems")
                else:
                    st.success(t("org.import.ready", n=len(plan.units)))
                    st.button(t("org.import.confirm"), type="primary", key="org_import_confirm", on_click=_run,
                              args=(lambda: tree_import.commit(user, plan), "org.import.done"))

    for kind, types, check in (("import", ["geojson", "json"], geo_imports.preview_geojson),
                               ("points", ["xlsx", "csv"], geo_imports.preview_points)):
        with st.expander(t(f"geo.{kind}.title")):
            st.markdown(t(f"geo.{kind}.help"))
            geo_upload = st.file_uploader(t(f"geo.{kind}.upload"), type=types, key=f"org_geo_{kind}_file")
            if geo_upload is not None:
                try:
                    geo_plan = check(user, geo_upload.name, geo_upload.getvalue())
                except DomainError as exc:
                    session.show_error(exc)
                else:
                    if geo_plan.problems:
                        st.error(t("geo.import.problems"))
                        st.dataframe(pd.DataFrame([{t("geo.import.number"): n, t("geo.import.unit"): label,
                                                    t("geo.import.reason"): t(key, **params)}
                                                   for n, label, key, params in geo_plan.problems]),
                                     hide_index=True, key=f"org_geo_{kind}_problems")
                    else:
                        st.success(t("geo.import.ready", n=len(geo_plan.shapes)))
                        st.button(t("geo.import.confirm"), type="primary", key=f"org_geo_{kind}_confirm", on_click=_run,
                                  args=(lambda p=geo_plan: geo_imports.commit_as(user, p), "geo.import.done"),
                                  kwargs={"n": len(geo_plan.shapes)})

with account_tab:
    search = st.text_input(t("org.account.search"), key="org_search")
    found = queries.staff(user, search, pager.current("org_page", 10**9))
    st.caption(t("org.account.total", n=found.total, page=found.page, pages=found.pages))
    frame = pd.DataFrame([{t("org.col.person"): r["display_name"], t("org.col.email"): r["email"],
                           t("org.col.role"): t("role." + r["role"]), t("org.col.unit"): r["org_unit"],
                           t("org.col.active"): t("org.account.active" if r["active"] else "org.account.disabled")}
                          for r in found.rows])
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-row", key="org_staff_table")
    pager.pager("org_page", found.pages)
    chosen = picked.selection.rows if picked else []
    if chosen and chosen[0] < len(found.rows):
        person = found.rows[chosen[0]]
        st.subheader(t("org.account.selected", name=person["display_name"], email=person["email"] or ""))
        left, mid, right = st.columns(3)
        if person["active"]:
            left.button(t("org.account.disable"), key="org_disable", on_click=_run,
                        args=(lambda: commands.set_active(user, person["user_id"], False), "org.account.disabled_done"),
                        kwargs={"name": person["display_name"]})
        else:
            left.button(t("org.account.enable"), key="org_enable", on_click=_run,
                        args=(lambda: commands.set_active(user, person["user_id"], True), "org.account.enabled_done"),
                        kwargs={"name": person["display_name"]})
        with mid.form("org_reset"):
            st.text_input(t("org.account.new_password"), type="password", help=t("org.account.password_help"),
                          key="org_reset_password")
            st.form_submit_button(t("org.account.reset"), on_click=_reset, args=(person,))
        with right.form("org_move"):
            st.selectbox(t("org.account.move_to"), [u["id"] for u in units], format_func=unit_names.get,
                         key="org_move_to")
            st.form_submit_button(t("org.account.move"), on_click=_move, args=(person,))
        if may(user, "accounts.sign_out_everywhere"):
            left.button(t("identity.everywhere.account"), key="org_everywhere", on_click=_run,
                        args=(lambda: sessions.end_everywhere(user, person["user_id"], session.client_address()),
                              "identity.everywhere.done"), kwargs={"name": person["display_name"]})
    with st.form("org_new_account", clear_on_submit=False):
        st.subheader(t("org.account.create"))
        a, b = st.columns(2)
        a.text_input(t("org.col.email"), key="org_new_email")
        b.text_input(t("org.col.person"), key="org_new_name")
        a.text_input(t("login.password"), type="password", key="org_new_password")
        b.text_input(t("org.col.phone"), key="org_new_phone")
        a.selectbox(t("org.col.unit"), [u["id"] for u in units], format_func=unit_names.get, key="org_new_unit")
        b.selectbox(t("org.account.district_role"), ["district", "department"],
                           format_func=lambda r: t("role." + r), key="org_new_role")
        depts = {d["id"]: d["name"] for d in queries.departments(user, session.lang())}
        a.selectbox(t("org.account.department"), [None, *depts], key="org_new_department",
                    format_func=lambda d: "—" if d is None else depts[d])
        st.form_submit_button(t("org.account.create"), type="primary", on_click=_create)

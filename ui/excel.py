"""The Excel panel of a list page: template download, upload with a validated dry-run preview
(progress bar on large files) and an all-or-nothing confirmation, and exports of the current
filtered view. All the work is in gongzhi.imports; this module only draws and keeps state."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.imports import columns as cols
from gongzhi.imports import exports, importer, template
from gongzhi.imports.importer import ImportRefused, Preview
from ui import session
from ui.session import t

PREVIEW_ROWS = 50


def _key(list_name: str, what: str) -> str:
    return f"excel_{list_name}_{what}"


def show(list_name: str, user: Identity, filters, total: int | None = None) -> None:
    """Template, upload and export for `list_name`, as `user`, exporting what `filters` select
    (`total`: their row count, when the page has just counted them)."""
    lang = session.lang()
    sheet = t(f"excel.sheet.{list_name}")
    st.download_button(t("excel.ui.template"), data=lambda: template.build(list_name, user, lang),
                       file_name=f"{sheet}{t('excel.ui.template_file')}.xlsx", on_click="ignore",
                       icon=":material/download:", key=_key(list_name, "template"))
    _upload(list_name, user, lang)
    st.divider()
    _export(list_name, user, filters, lang, sheet, total)


# ---------------------------------------------------------------- import
def _upload(list_name: str, user: Identity, lang: str) -> None:
    generation = st.session_state.get(_key(list_name, "generation"), 0)
    done = st.session_state.pop(_key(list_name, "done"), None)
    if done is not None:
        st.success(t("excel.ui.imported", n=done))
    file = st.file_uploader(t("excel.ui.upload"), type=["xlsx", "csv"], help=t("excel.ui.upload_help"),
                            key=f"{_key(list_name, 'file')}_{generation}")
    if file is None:
        st.session_state.pop(_key(list_name, "preview"), None)
        return
    stored = st.session_state.get(_key(list_name, "preview"))
    if stored is None or stored[0] != file.file_id:
        bar = st.progress(0.0, text=t("excel.ui.checking"))
        try:
            checked = importer.preview(user, list_name, file.name, file.getvalue(),
                                       progress=lambda f: bar.progress(min(1.0, f), text=t("excel.ui.checking")))
        except DomainError as exc:
            bar.empty()
            session.show_error(exc)
            return
        bar.empty()
        st.session_state[_key(list_name, "preview")] = (file.file_id, checked)
    else:
        checked = stored[1]
    _show_preview(list_name, user, checked, lang)


def _show_preview(list_name: str, user: Identity, checked: Preview, lang: str) -> None:
    add, bad = st.columns(2)
    add.metric(t("excel.ui.rows_to_add"), f"{len(checked.rows):,}")
    bad.metric(t("excel.ui.rows_with_errors"), f"{checked.bad_rows:,}")
    if checked.problems:
        st.error(t("excel.ui.fix_and_retry", n=checked.bad_rows))
        st.dataframe(_problems_frame(checked, lang), hide_index=True, width="stretch",
                     key=_key(list_name, "problems"))
        return
    shown = [{t("excel.ui.row"): n, **{cols.header(c, lang): _cell(v) for c, v in row.items() if not c.endswith("_id")}}
             for n, row in checked.rows[:PREVIEW_ROWS]]
    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch", key=_key(list_name, "rows"))
    st.button(t("excel.ui.confirm", n=len(checked.rows)), type="primary", key=_key(list_name, "confirm"),
              on_click=_confirm, args=(list_name, user))


def _cell(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _problems_frame(checked: Preview, lang: str) -> pd.DataFrame:
    return pd.DataFrame([{t("excel.ui.row"): p.row,
                          t("excel.ui.column"): cols.header(p.column, lang) if p.column else "—",
                          t("excel.ui.reason"): t(p.key, **p.params)} for p in checked.problems])


def _confirm(list_name: str, user: Identity) -> None:
    """Button callback: import the previewed rows, all or none."""
    stored = st.session_state.get(_key(list_name, "preview"))
    if stored is None:
        return
    file_id, checked = stored
    try:
        n = importer.commit(user, list_name, checked)
    except ImportRefused as exc:
        st.session_state[_key(list_name, "preview")] = (file_id, Preview(
            checked.list_name, checked.filename, [], exc.problems, checked.total))
        return
    st.session_state.pop(_key(list_name, "preview"), None)
    st.session_state[_key(list_name, "done")] = n
    st.session_state[_key(list_name, "generation")] = st.session_state.get(_key(list_name, "generation"), 0) + 1


# ---------------------------------------------------------------- export
def _export(list_name: str, user: Identity, filters, lang: str, sheet: str, total: int | None) -> None:
    try:
        if (total > exports.MAX_ROWS) if total is not None else exports.too_many(user, list_name, filters):
            st.info(t("excel.export_too_big", max=f"{exports.MAX_ROWS:,}"))
            return
    except DomainError as exc:
        session.show_error(exc)
        return
    stamp = dt.date.today().strftime("%Y%m%d")
    left, right = st.columns(2)
    left.download_button(t("excel.ui.export_xlsx"), data=lambda: exports.to_xlsx(user, list_name, filters, lang),
                         file_name=f"{sheet}_{stamp}.xlsx", on_click="ignore", icon=":material/table_view:",
                         key=_key(list_name, "export_xlsx"))
    right.download_button(t("excel.ui.export_csv"), data=lambda: exports.to_csv(user, list_name, filters, lang),
                          file_name=f"{sheet}_{stamp}.csv", mime="text/csv", on_click="ignore",
                          icon=":material/description:", key=_key(list_name, "export_csv"))

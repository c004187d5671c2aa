"""安全日志 (审计管理员): the security log and the row audit, searched by person, time, kind and
object, newest first, a page at a time, and exported (every export is itself logged). Only the
audit administrator reaches this page, and the database refuses the log to everyone else."""
import datetime as dt

import streamlit as st

from gongzhi import security_log
from gongzhi.admin import audit
from gongzhi.auth.capabilities import may
from gongzhi.errors import DomainError
from ui import pager, session
from ui.session import t

PER_PAGE = 50
READY = "audit_export_ready"   # (file name, bytes, mime) of the last export, offered once

user = session.require_identity()
lang = session.lang()
st.title(t("page.security_log"))
st.caption(t("admin.audit.intro"))
if not may(user, "admin.audit"):
    st.error(t("error.forbidden"))
    st.stop()

source = st.radio(t("admin.audit.view"), list(audit.SOURCES), horizontal=True, key="audit_source",
                  format_func=lambda s: t(f"admin.audit.source.{s}"))
kind_col, from_col, to_col = st.columns(3)
if source == "security_log":
    kind = kind_col.selectbox(t("security_log.page.kind"), [None, *security_log.KINDS], key="security_log_kind",
                              format_func=lambda k: t("security_log.page.all") if k is None else t(f"security_log.kind.{k}"))
since = from_col.date_input(t("security_log.page.from"), value=None, key="security_log_from")
until = to_col.date_input(t("security_log.page.to"), value=None, key="security_log_to")
person_col, object_col = st.columns(2)
person = person_col.text_input(t("admin.audit.person"), key="audit_person")
obj = object_col.text_input(t("admin.audit.object"), key="audit_object")
page = pager.current("security_log_page", 10**9)


def _start(day: dt.date | None, days: int = 0) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day + dt.timedelta(days=days), dt.time()).astimezone()


def _export(fmt: str, filters: audit.Filters) -> None:
    """Build the export in the button's callback (so it is made, and logged, once per click)."""
    try:
        data = audit.export(user, source, filters, fmt, lang)
    except DomainError as exc:
        st.session_state[READY] = exc
        return
    mime = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    st.session_state[READY] = (f"{source}.{fmt}", data, mime)


try:
    with session.page_transaction(user):
        if source == "security_log":
            filters = audit.Filters(kind, _start(since), _start(until, 1), person, obj)
            rows, total = audit.security_log_page(user, filters, PER_PAGE, (page - 1) * PER_PAGE)
        else:
            table = kind_col.selectbox(t("admin.audit.table"), [None, *audit.audit_tables(user)], key="audit_table",
                                       format_func=lambda k: t("security_log.page.all") if k is None else k)
            filters = audit.Filters(table, _start(since), _start(until, 1), person, obj)
            rows, total = audit.audit_page(user, filters, PER_PAGE, (page - 1) * PER_PAGE)
except DomainError as exc:   # the database reads the log to the audit administrator only
    st.error(t(exc.key, **exc.params))
    st.stop()

st.caption(t("security_log.page.total", n=total))
left, right, _ = st.columns([1, 1, 3])
left.button(t("admin.audit.export_xlsx"), key="audit_export_xlsx", on_click=_export, args=("xlsx", filters),
            icon=":material/table_view:")
right.button(t("admin.audit.export_csv"), key="audit_export_csv", on_click=_export, args=("csv", filters),
             icon=":material/description:")
ready = st.session_state.pop(READY, None)
if isinstance(ready, DomainError):
    st.error(t(ready.key, **ready.params))
elif ready is not None:
    name, data, mime = ready
    st.download_button(t("admin.audit.download"), data=data, file_name=name, mime=mime, key="audit_download",
                       icon=":material/download:")

if not rows:
    st.info(t("security_log.page.empty"))
elif source == "security_log":
    st.dataframe([{t("security_log.column.id"): r["id"],
                   t("security_log.column.at"): r["at"].astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                   t("security_log.column.kind"): t(f"security_log.kind.{r['kind']}"),
                   t("security_log.column.actor"): r["actor_name"] or "",
                   t("security_log.column.client"): r["client"] or "",
                   t("security_log.column.object"): r["object"] or "",
                   t("security_log.column.details"): security_log.describe(r["details"])} for r in rows],
                 hide_index=True, use_container_width=True)
else:
    st.dataframe([{t("admin.audit.column.id"): r["id"],
                   t("admin.audit.column.at"): r["at"].astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                   t("admin.audit.column.actor"): r["actor_name"] or "",
                   t("admin.audit.column.table_name"): r["table_name"],
                   t("admin.audit.column.row_id"): r["row_id"],
                   t("admin.audit.column.action"): r["action"],
                   t("admin.audit.column.old_row"): security_log.describe(r["old_row"] or {}),
                   t("admin.audit.column.new_row"): security_log.describe(r["new_row"] or {})} for r in rows],
                 hide_index=True, use_container_width=True)
pager.pager("security_log_page", max(1, -(-total // PER_PAGE)))

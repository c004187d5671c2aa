"""安全日志: the security log for district staff, newest first, by kind and time, a page at a time."""
import datetime as dt

import streamlit as st

from gongzhi import security_log
from gongzhi.errors import DomainError
from ui import session
from ui.session import t

PER_PAGE = 50

user = session.require_identity()
st.title(t("page.security_log"))
st.caption(t("security_log.page.intro"))
kind_col, from_col, to_col, page_col = st.columns([2, 2, 2, 1])
kind = kind_col.selectbox(t("security_log.page.kind"), [None, *security_log.KINDS], key="security_log_kind",
                          format_func=lambda k: t("security_log.page.all") if k is None else t(f"security_log.kind.{k}"))
since = from_col.date_input(t("security_log.page.from"), value=None, key="security_log_from")
until = to_col.date_input(t("security_log.page.to"), value=None, key="security_log_to")
page = page_col.number_input(t("security_log.page.page"), min_value=1, value=1, step=1, key="security_log_page")


def _start(day: dt.date | None, days: int = 0) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day + dt.timedelta(days=days), dt.time()).astimezone()


try:
    with session.page_transaction(user):
        rows, total = security_log.page(user, kind, _start(since), _start(until, 1), PER_PAGE,
                                        (int(page) - 1) * PER_PAGE)
except DomainError as exc:   # the database reads the log to district staff only
    st.error(t(exc.key, **exc.params))
    st.stop()
st.caption(t("security_log.page.total", n=total))
if rows:
    st.dataframe([{t("security_log.column.id"): r["id"],
                   t("security_log.column.at"): r["at"].astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                   t("security_log.column.kind"): t(f"security_log.kind.{r['kind']}"),
                   t("security_log.column.actor"): r["actor_name"] or "",
                   t("security_log.column.client"): r["client"] or "",
                   t("security_log.column.object"): r["object"] or "",
                   t("security_log.column.details"): security_log.describe(r["details"])} for r in rows],
                 hide_index=True, use_container_width=True)
else:
    st.info(t("security_log.page.empty"))

"""The audit administrator's reads (审计管理员): the security log and the row audit, searched by
person, time, kind and object, a page at a time, and exported as CSV or .xlsx.

The database decides who reads: `private.security_log_page` / `_rows` refuse everyone but the audit
administrator, and only the audit administrator's policy reads the whole of `public.audit_log`.
Every export is itself an `export` entry in the security log (which list, which filters, how many
rows), written in the export's transaction. The filter typed as a person is logged only as given.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Iterator
from zoneinfo import ZoneInfo

import psycopg
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi import cells, i18n, security_log
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db

ZONE = ZoneInfo("Asia/Shanghai")
MAX_ROWS = 100_000
FORMATS = ("csv", "xlsx")
SOURCES = ("security_log", "audit_log")
COLUMNS = {
    "security_log": ("id", "at", "kind", "actor", "client", "object", "details"),
    "audit_log": ("id", "at", "actor", "table_name", "row_id", "action", "old_row", "new_row"),
}


@dataclass(frozen=True)
class Filters:
    """What to search: kind (security log) or table (row audit), a time range, a person, an object."""
    kind: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str = ""
    object: str = ""

    def logged(self) -> dict:
        """The filters as the export's log entry keeps them: the person only as given."""
        out = {"kind": self.kind, "since": self.since and self.since.isoformat(),
               "until": self.until and self.until.isoformat(), "actor_given": bool(self.actor.strip()),
               "object": self.object.strip()[:100] or None}
        return {k: v for k, v in out.items() if v not in (None, False)}


def _check(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(source)


def security_log_page(user: Identity, f: Filters, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """A page of the security log, newest first."""
    return security_log.page(user, f.kind, f.since, f.until, limit, offset, actor=f.actor, obj=f.object)


_AUDIT_WHERE = """(%(kind)s::text is null or a.table_name = %(kind)s)
  and (%(since)s::timestamptz is null or a.at >= %(since)s) and (%(until)s::timestamptz is null or a.at < %(until)s)
  and (%(actor)s = '' or a.actor::text = %(actor)s
       or a.actor in (select s2.user_id from public.staff s2 where strpos(s2.display_name, %(actor)s) > 0))
  and (%(object)s = '' or a.row_id = %(object)s)"""


def _params(f: Filters) -> dict:
    return {"kind": f.kind, "since": f.since, "until": f.until, "actor": f.actor.strip(), "object": f.object.strip()}


def audit_page(user: Identity, f: Filters, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """A page of the row audit (who changed which row of which table, when), newest first. The
    audit administrator reads all of it; other staff what their policies allow."""
    try:
        with user.session() as conn:
            rows = conn.execute(
                f"""select a.id, a.at, a.actor, s.display_name as actor_name, a.table_name, a.row_id, a.action,
                           a.old_row, a.new_row, count(*) over () as total
                    from public.audit_log a left join public.staff s on s.user_id = a.actor
                    where {_AUDIT_WHERE} order by a.id desc limit %(limit)s offset %(offset)s""",
                {**_params(f), "limit": min(max(limit, 0), 200), "offset": max(offset, 0)}).fetchall()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total


def audit_tables(user: Identity) -> list[str]:
    """The tables that have rows in the audit the user reads."""
    with user.session() as conn:
        return [r["table_name"] for r in conn.execute(
            "select distinct table_name from public.audit_log order by table_name")]


def _stream(user: Identity, source: str, f: Filters) -> Iterator[dict]:
    """Every matching row, oldest first, from a server-side cursor; then the export's log entry."""
    with user.session() as conn:
        if source == "security_log":
            query, params = ("select * from private.security_log_rows(%(kind)s, %(since)s, %(until)s,"
                             " %(actor)s, %(object)s)", _params(f))
        else:
            query, params = (f"""select a.id, a.at, a.actor, s.display_name as actor_name, a.table_name, a.row_id,
                                        a.action, a.old_row, a.new_row
                                 from public.audit_log a left join public.staff s on s.user_id = a.actor
                                 where {_AUDIT_WHERE} order by a.id""", _params(f))
        rows = 0
        with conn.cursor(name=f"export_{source}") as cur:
            cur.itersize = 2000
            cur.execute(query, params)
            for row in cur:
                rows += 1
                if rows > MAX_ROWS:
                    raise DomainError("excel.export_too_big", max=MAX_ROWS)
                yield row
        security_log.append(conn, "export", object=source,
                            details={"list": source, "filters": f.logged(), "rows": rows})


def _cells(source: str, row: dict, lang: str) -> list:
    out = []
    for column in COLUMNS[source]:
        value = row.get(column)
        if column == "actor":
            value = row.get("actor_name") or (str(value) if value else "")
        elif column == "kind":
            value = i18n.t(f"security_log.kind.{value}", lang)
        elif column == "details":
            value = security_log.describe(value or {})
        elif column in ("old_row", "new_row"):
            value = "" if value is None else security_log.describe(value)
        elif isinstance(value, dt.datetime):
            value = value.astimezone(ZONE).replace(tzinfo=None, microsecond=0)
        out.append(value)
    return out


def headers(source: str, lang: str) -> list[str]:
    return [i18n.t(f"admin.audit.column.{c}", lang) for c in COLUMNS[source]]


def export(user: Identity, source: str, f: Filters, fmt: str, lang: str = i18n.DEFAULT) -> bytes:
    """The matching rows of `source` as CSV (UTF-8 with BOM) or .xlsx; the export is logged."""
    _check(source)
    if fmt not in FORMATS:
        raise ValueError(fmt)
    try:
        if fmt == "csv":
            out = io.StringIO()
            writer = cells.csv_writer(out)
            writer.writerow(headers(source, lang))
            for row in _stream(user, source, f):
                writer.writerow(_cells(source, row, lang))
            return out.getvalue().encode("utf-8-sig")
        book = Workbook(write_only=True)
        sheet = book.create_sheet(i18n.t(f"admin.audit.source.{source}", lang))
        cells.append(sheet, [cells.text_cell(sheet, h, font=Font(bold=True)) for h in headers(source, lang)])
        for row in _stream(user, source, f):
            cells.append(sheet, _cells(source, row, lang))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    except psycopg.Error as exc:
        raise from_db(exc) from None

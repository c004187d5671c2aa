"""A resident's request about their data (查阅 / 复制 / 更正 / 删除, 个人信息保护法 arts. 44–47).

Staff record the request (`public.subject_request`: its kind, the day it arrived, the phone it
concerns, masked and as its blind index); the database sets its deadline, 15 working days later by the work calendar, and the
day its light turns yellow. While it is open, staff find every record holding the resident's phone
(`find_records`, the one place that searches), hand over a copy (.xlsx or CSV through
`gongzhi.cells`, or JSON), correct the phone or erase it. The database ties every search and change
to an open request of the caller's territory recorded for that very phone (kept masked, and as
its keyed blind index where no client reads it); the key-holding code here computes the blind
index and the sealed values the database compares and writes. Every step — recorded,
searched, copied, corrected, erased, closed with its light — is a `subject_request` entry in the
security log, in the same transaction, without the phone.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

import psycopg
from openpyxl import Workbook

from gongzhi import cells, i18n, security_log
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.personal import crypto, store

KINDS = ("access", "copy", "correct", "delete")
STATUSES = ("open", "done", "refused")
FORMATS = ("xlsx", "csv", "json")
WORKING_DAYS = 15
PAGE_SIZE = 50

# The one definition of a request's light: red past the deadline, yellow from its yellow day.
LIGHT_SQL = """case when r.status <> 'open' then 'closed' when r.deadline < %(today)s then 'red'
                    when r.yellow_on <= %(today)s then 'yellow' else 'green' end"""


@dataclass(frozen=True)
class Record:
    table: str
    key: str
    data: dict


def _phone(raw: str) -> str:
    phone = (raw or "").strip()
    digits = sum(c.isdigit() for c in phone)
    if not phone or not all(c.isdigit() or c in "+ -" for c in phone) or not 7 <= digits <= 15:
        raise DomainError("subject_request.bad_phone")
    try:
        if crypto.normalise("phone", phone) == store.ERASED["phone"]:
            raise DomainError("subject_request.bad_phone")
    except crypto.BadValue:
        raise DomainError("subject_request.bad_phone") from None
    return phone


def _bidx(phone: str) -> bytes:
    try:
        return crypto.blind_index("phone", phone)
    except crypto.BadValue:
        raise DomainError("subject_request.bad_phone") from None


def _sealed(phone: str) -> crypto.Sealed:
    try:
        return crypto.seal("phone", phone)
    except crypto.BadValue:
        raise DomainError("subject_request.bad_phone") from None


def _log(conn, request_id: int, action: str, **details) -> None:
    security_log.append(conn, "subject_request", object=f"subject_request:{request_id}",
                        details={"action": action, **details})


def _run(user: Identity, work):
    try:
        with user.session() as conn:
            return work(conn)
    except psycopg.Error as exc:
        raise from_db(exc) from None


def record(user: Identity, org_unit_id: int, kind: str, received_on: dt.date, phone: str, note: str = "") -> int:
    """Record a request received on `received_on` at `org_unit_id`; returns its id."""
    if kind not in KINDS:
        raise DomainError("subject_request.bad_kind")
    if not isinstance(received_on, dt.date):
        raise DomainError("subject_request.bad_date")
    sealed = _sealed(_phone(phone))

    def work(conn):
        row = conn.execute(
            "insert into public.subject_request (org_unit_id, kind, received_on, phone_masked, phone_bidx, note)"
            " values (%s, %s, %s, %s, %s, %s) returning id, deadline",
            (org_unit_id, kind, received_on, sealed.masked, sealed.bidx, (note or "").strip()[:1000])).fetchone()
        _log(conn, row["id"], "recorded", kind=kind, received_on=received_on.isoformat(),
             deadline=row["deadline"].isoformat())
        return row["id"]
    return _run(user, work)


def page(user: Identity, today: dt.date, *, open_only: bool = True, page_no: int = 0,
         page_size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """The requests `user` may see, most urgent first, with their light at `today`; and how many."""
    def work(conn):
        params = {"today": today, "open_only": open_only, "limit": page_size, "offset": page_no * page_size}
        rows = conn.execute(f"""
            select r.id, r.kind, r.received_on, r.deadline, r.yellow_on, r.phone_masked, r.note, r.status,
                   r.outcome, r.records, r.closed_at, o.name as org_unit, {LIGHT_SQL} as light,
                   count(*) over () as total
            from public.subject_request r join public.org_unit o on o.id = r.org_unit_id
            where (not %(open_only)s or r.status = 'open')
            order by r.status <> 'open', r.deadline, r.id limit %(limit)s offset %(offset)s""", params).fetchall()
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], (rows[0]["total"] if rows else 0)
    return _run(user, work)


def find_records(conn, request_id: int, phone: str) -> list[Record]:
    """Every record holding `phone` across the inventory's tables, for open request `request_id`.
    The one place that searches by phone: by its blind index (`gongzhi.personal.blind_index`), in
    the database function that checks the request is the caller's and for that phone."""
    bidx = _bidx(phone)
    return [Record(r["source"], r["row_key"], _with_phone(r["source"], r["data"], phone)) for r in conn.execute(
        "select source, row_key, data from private.subject_records(%s, %s)", (request_id, bidx)).fetchall()]


def _with_phone(table: str, data: dict, phone: str) -> dict:
    """The record as the resident's copy shows it: a phone that matched the blind index is the
    resident's own, given in full in place of its masked copy."""
    out = dict(data)
    for f in store.encrypted_columns(table):
        if out.pop(f"{f.column}_masked", None) is not None:
            out[f.column] = phone
    return out


def _rewrite(conn, request_id: int, phone: str, erase: bool, new: crypto.Sealed) -> int:
    row = conn.execute("select private.subject_rewrite(%s, %s, %s, %s, %s, %s) as n",
                       (request_id, _bidx(phone), erase, new.enc, new.bidx, new.masked)).fetchone()
    return row["n"]


def search(user: Identity, request_id: int, phone: str) -> list[Record]:
    """The records of the request's phone, for staff to review; the search is logged."""
    phone = _phone(phone)

    def work(conn):
        found = find_records(conn, request_id, phone)
        _log(conn, request_id, "searched", records=len(found), tables=sorted({r.table for r in found}))
        return found
    return _run(user, work)


def _table_label(table: str, lang: str) -> str:
    return i18n.t(f"privacy.table.{table}", lang)


def _plain(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def copy(user: Identity, request_id: int, phone: str, fmt: str, lang: str = i18n.DEFAULT) -> tuple[bytes, int]:
    """The resident's copy: every record holding the phone, one line per field, as `fmt` (xlsx,
    csv or json). Returns the file's bytes and how many records it holds; logged."""
    if fmt not in FORMATS:
        raise DomainError("subject_request.bad_format")
    phone = _phone(phone)

    def work(conn):
        found = find_records(conn, request_id, phone)
        _log(conn, request_id, "copied", records=len(found), format=fmt)
        return found
    found = _run(user, work)
    header = [i18n.t(f"subject_request.copy.{c}", lang) for c in ("table", "record", "field", "value")]
    lines = [(_table_label(r.table, lang), r.key, name, _plain(value))
             for r in found for name, value in sorted(r.data.items())]
    if fmt == "json":
        body = [{"table": r.table, "record": r.key, "data": r.data} for r in found]
        return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode(), len(found)
    if fmt == "csv":
        out = io.StringIO()
        writer = cells.csv_writer(out)
        writer.writerow(header)
        for line in lines:
            writer.writerow(line)
        return out.getvalue().encode("utf-8-sig"), len(found)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(i18n.t("subject_request.copy.sheet", lang))
    cells.append(sheet, header)
    for line in lines:
        cells.append(sheet, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(found)


def correct(user: Identity, request_id: int, phone: str, new_phone: str) -> int:
    """Replace the phone by `new_phone` in every record holding it; returns how many changed."""
    phone, new_phone = _phone(phone), _phone(new_phone)
    new = _sealed(new_phone)

    def work(conn):
        changed = _rewrite(conn, request_id, phone, False, new)
        _log(conn, request_id, "corrected", records=changed)
        return changed
    return _run(user, work)


def erase(user: Identity, request_id: int, phone: str) -> int:
    """Anonymise every record holding the phone (names beside it too; registrations end); returns
    how many changed. The records stay, so counts and statistics do not move."""
    phone = _phone(phone)
    marker = store.erased("phone")

    def work(conn):
        changed = _rewrite(conn, request_id, phone, True, marker)
        _log(conn, request_id, "erased", records=changed)
        return changed
    return _run(user, work)


def close(user: Identity, request_id: int, status: str, outcome: str, today: dt.date,
          records: int | None = None) -> str:
    """Answer (`done`) or refuse (`refused`) the request with its outcome; logs the light it closed
    on, which it returns."""
    if status not in ("done", "refused"):
        raise DomainError("subject_request.bad_status")
    outcome = (outcome or "").strip()
    if not outcome:
        raise DomainError("subject_request.outcome_required")

    def work(conn):
        row = conn.execute(f"select {LIGHT_SQL} as light from public.subject_request r where r.id = %(id)s",
                           {"today": today, "id": request_id}).fetchone()
        if row is None:
            raise DomainError("subject_request.not_yours")
        if row["light"] == "closed":
            raise DomainError("subject_request.closed")
        conn.execute("update public.subject_request set status = %s, outcome = %s, records = %s where id = %s",
                     (status, outcome[:1000], records, request_id))
        _log(conn, request_id, "closed", status=status, light=row["light"], records=records)
        return row["light"]
    return _run(user, work)


def overdue(conn, today: dt.date) -> int:
    """Open requests past their deadline (any connection that may read them; the owner for the
    compliance report)."""
    row = conn.execute("select count(*) as n from public.subject_request where status = 'open' and deadline < %s",
                       (today,)).fetchone()
    return row["n"] if isinstance(row, dict) else row[0]


def places(user: Identity) -> dict[int, str]:
    """The communities where `user` may record a request: their own, or every one for the district."""
    def work(conn):
        return {r["id"]: r["name"] for r in conn.execute(
            """select id, name from public.org_unit where kind = 'community'
                 and ((select private.staff_role()) = 'district'
                      or terr between (select private.terr_lo()) and (select private.terr_hi()))
               order by terr, id""")}
    return _run(user, work)

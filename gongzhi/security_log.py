"""The security log (安全日志): one entry per sign-in, failed sign-in, sign-out, account change,
export, restore and pruning, append-only and chained by SM3 hashes.

The database keeps the chain straight (private.security_log_head / _append take one lock, check
that each entry continues the chain, and set its time and actor); this module computes each entry's
SM3 hash, which PostgreSQL cannot, and `verify` recomputes the whole chain. Details never carry
personal data: ids, names of lists, filters, counts — no phones, names of residents or passwords.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import psycopg
from cryptography.hazmat.primitives import hashes
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from gongzhi.errors import DomainError, from_db

GENESIS = "0" * 64
# What an entry may be: private.security_log_kind holds the same list (a test compares); a feature
# that logs a new kind adds it to both.
KINDS = ("sign_in", "sign_in_failed", "sign_out", "account", "export", "restore", "prune", "setting",
         "mfa_enrol", "mfa_remove", "mfa_failed", "recovery_code_used", "drill", "backup",
         "capability", "unmask", "retention", "subject_request",
         "session_expired", "password_change", "password_reset", "sign_out_everywhere")
MIN_RETENTION_DAYS = 180


def _plain(details: dict | None) -> dict:
    """The details as they come back from jsonb (one JSON round trip)."""
    return json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))


def _time(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def content(entry: dict) -> bytes:
    """The bytes an entry's hash covers: every field but the hash, the previous hash included."""
    return _content(entry["id"], _time(entry["at"]), entry["kind"],
                    None if entry["actor"] is None else str(entry["actor"]),
                    entry["client"], entry["object"], entry["details"], entry["prev_hash"])


def _content(id: int, at: str, kind: str, actor: str | None, client: str | None, object: str | None,
             details: dict, prev_hash: str) -> bytes:
    return json.dumps([id, at, kind, actor, client, object, details, prev_hash],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def entry_hash(entry: dict) -> str:
    return sm3(content(entry))


def append(conn, kind: str, *, object: str | None = None, details: dict | None = None,
           client: str | None = None) -> int:
    """Append one entry on `conn` (any role allowed to write the log), in the caller's transaction
    or a transaction of its own; the actor is whoever the connection acts for. Returns its id."""
    if kind not in KINDS:
        raise ValueError(kind)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        head = cur.execute("select * from private.security_log_head()").fetchone()
        entry = {"id": head["next_id"], "at": head["at"], "kind": kind, "actor": head["actor"],
                 "client": client, "object": object, "details": _plain(details),
                 "prev_hash": head["prev_hash"]}
        cur.execute("select private.security_log_append(%s, %s, %s, %s, %s, %s, %s)",
                    (entry["id"], kind, client, object, Jsonb(entry["details"]), entry["prev_hash"],
                     entry_hash(entry)))
    return entry["id"]


def record(user, kind: str, **entry) -> int:
    """Append one entry in a transaction of its own as `user` (the database takes them as actor)."""
    with user.session() as conn:
        return append(conn, kind, **entry)


def describe(details: dict) -> str:
    """The details as one line for the page: `key=value`, in key order."""
    return "; ".join(f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v}"
                     for k, v in sorted((details or {}).items()))


@dataclass(frozen=True)
class Verdict:
    entries: int
    first_id: int | None
    first_at: datetime | None
    broken_id: int | None = None
    reason: str = ""
    last_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


# The chain as verify reads it: the time already in the hashed form (UTC, microseconds, +00:00) and
# the details as JSON text, so a million entries are not parsed into datetimes and dicts first.
_CHAIN_SQL = ("select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), kind,"
              " actor::text, client, object, details::text, prev_hash, hash from private.security_log order by id")


def verify(conn) -> Verdict:
    """Recompute the chain on an owner connection. The chain begins at the oldest entry kept: 64
    zeros before it, or — after pruning — the hash a `prune` entry names as kept."""
    count, first_id, prev_id, prev_hash, anchors, broken = 0, None, None, None, set(), None
    with conn.transaction(), conn.cursor(name="security_log_verify", row_factory=tuple_row) as cur:
        cur.itersize = 10_000
        cur.execute(_CHAIN_SQL)
        for id, at, kind, actor, client, object, details_text, link, hash in cur:
            count += 1
            if first_id is None:
                first_id, first_link = id, link
            elif id != prev_id + 1:
                broken = (id, "missing")
                break
            elif link != prev_hash:
                broken = (id, "link")
                break
            details = {} if details_text == "{}" else json.loads(details_text)
            if sm3(_content(id, at, kind, actor, client, object, details, link)) != hash:
                broken = (id, "hash")
                break
            if kind == "prune" and details.get("first_kept_id") is not None:
                anchors.add((details["first_kept_id"], details.get("first_kept_prev_hash")))
            prev_id, prev_hash = id, hash
    if first_id is None:
        return Verdict(0, None, None)
    with conn.cursor(row_factory=tuple_row) as cur:
        first_at = cur.execute("select at from private.security_log where id = %s", (first_id,)).fetchone()[0]
    if broken:
        return Verdict(count, first_id, first_at, *broken)
    if first_link != GENESIS and (first_id, first_link) not in anchors:
        return Verdict(count, first_id, first_at, first_id, "start")
    return Verdict(count, first_id, first_at, last_hash=prev_hash)


def prune(conn, days: int) -> tuple[int, int]:
    """Remove the entries older than `days` (at least MIN_RETENTION_DAYS) on an owner connection
    and record a `prune` entry naming where the chain now begins. Returns (removed, first kept id)."""
    if days < MIN_RETENTION_DAYS:
        raise DomainError("security_log.retention_too_short", days=MIN_RETENTION_DAYS)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        try:
            row = cur.execute("select * from private.security_log_prune(%s)", (days,)).fetchone()
        except psycopg.Error as exc:  # the database's own refusal
            raise from_db(exc) from exc
        first = row["first_kept"]
        if first is None:  # everything went: the chain begins at the prune entry itself
            head = cur.execute("select * from private.security_log_head()").fetchone()
            first, kept_prev = head["next_id"], head["prev_hash"]
        else:
            kept_prev = cur.execute("select prev_hash from private.security_log where id = %s",
                                    (first,)).fetchone()["prev_hash"]
        append(conn, "prune", details={"days": days, "removed": row["removed"], "first_kept_id": first,
                                       "first_kept_prev_hash": kept_prev})
    return row["removed"], first


def page(user, kind: str | None = None, since: datetime | None = None, until: datetime | None = None,
         limit: int = 50, offset: int = 0, *, actor: str = "", obj: str = "") -> tuple[list[dict], int]:
    """A page of the log, newest first, optionally of one actor (part of a name or email, or an id)
    and object (a part of it); for the audit administrator (the database refuses everyone else)."""
    try:
        with user.session() as conn:
            rows = conn.execute("select * from private.security_log_page(%s, %s, %s, %s, %s, %s, %s)",
                                (kind, since, until, actor or "", obj or "", limit, offset)).fetchall()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    total = rows[0]["total"] if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total

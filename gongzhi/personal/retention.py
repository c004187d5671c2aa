"""The retention job (存储期限): anonymise the personal fields of closed cases once their retention
(from the inventory) has passed.

A row stays, so every count and statistic stays the same; only its personal columns are emptied
(null, or a marker where the column must hold a value). What "closed" means, and since when, is
`RULES`: a done or cancelled demand since it closed, a decided application since its decision (a
pending one since it was sent), an inactive volunteer, unit or account since it became inactive,
a retired resource since its last change, a message of the suggestion box moved on or closed since its last step. Encrypted fields (`<column>_enc/_bidx/_masked`) are
emptied as a trio, or where a phone is required hold the sealed marker (`store.erased`, shown
*******) that a subject request's erasure writes too; the job then needs the data keys.

The job runs as the owner, one transaction per batch of rows, without row triggers (see
`_triggers_off`); each batch logs its `retention` entry (which rows) in the security log in that
same transaction, so a job killed midway leaves whole batches
done and logged, and a rerun continues where it stopped (anonymised rows no longer match).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from gongzhi import security_log
from gongzhi.personal import store
from gongzhi.personal.crypto import Sealed
from gongzhi.personal.inventory import FIELDS, PersonalField

BATCH = 5000
# What a column that may not be empty holds once anonymised (valid for its checks).
MARKERS = {"phone": "0000000", "name": "已匿名", "address": ""}


@dataclass(frozen=True)
class Rule:
    key: str                       # the row's key column
    closed: str                    # SQL: the row's case is closed
    since: str                     # SQL: when it closed; retention counts from here
    guards: tuple[str, ...] = ()   # triggers refusing changes to closed rows (where triggers stay on)


RULES: dict[str, Rule] = {
    "demand": Rule("id", "status in ('done', 'cancelled')", "closed_at"),
    "application": Rule("id", "true", "case when status = 'pending' then created_at else decided_at end",
                        guards=("application_check",)),
    "volunteer": Rule("id", "not active", "inactive_since"),
    "unit": Rule("id", "not active", "inactive_since"),
    "resource": Rule("id", "status = 'retired'", "updated_at"),
    "staff": Rule("user_id", "not active", "inactive_since"),
    "care_person": Rule("id", "not active", "inactive_since"),
    "suggestion": Rule("id", "status not in ('received', 'accepted')", "updated_at"),
}


@dataclass
class Outcome:
    table: str
    days: int
    fields: tuple[str, ...]
    rows: int = 0


@dataclass
class Report:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(o.rows for o in self.outcomes)

    def by_table(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.table] = out.get(o.table, 0) + o.rows
        return out


def _value(conn, query, params=None):
    """The first value of the first row, whatever the connection's row factory."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, params).fetchone()
    return row[0] if row else None


def _columns(conn, table: str) -> dict[str, bool]:
    """The table's columns, each with whether it may be null."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute("select column_name, is_nullable from information_schema.columns"
                           " where table_schema = 'public' and table_name = %s and is_generated = 'NEVER'",
                           (table,)).fetchall()
    return {name: nullable == "YES" for name, nullable in rows}


def _required(conn, table: str, column: str) -> bool:
    """Whether an encrypted field must hold a value (its `<table>_<column>_required` check)."""
    return bool(_value(conn, "select exists (select from pg_constraint where conname = %s"
                             " and conrelid = to_regclass(%s))", (f"{table}_{column}_required", f"public.{table}")))


def physical(conn, f: PersonalField, marker: Callable[[str], Sealed] | None = None):
    """Where a field is stored today, as ([(column, value once anonymised)], [SQL: a personal value
    is left]): the plain column (null, or its kind's marker where it may not be null), or the
    sealed trio once the encryption replaced it — null, or where a value is required the sealed
    marker (`store.erased`), which a row holds when its blind index is the marker's. Nothing when
    neither exists."""
    columns = _columns(conn, f.table)
    if f.column in columns:
        value = None if columns[f.column] else MARKERS.get(f.kind, MARKERS["name"])
        left = (sql.SQL("{} is not null").format(sql.Identifier(f.column)) if value is None
                else sql.SQL("{} is distinct from {}").format(sql.Identifier(f.column), sql.Literal(value)))
        return [(f.column, value)], [left]
    trio = [f"{f.column}_{s}" for s in ("enc", "bidx", "masked")]
    if not all(c in columns for c in trio):
        return [], []
    if not _required(conn, f.table, f.column):
        return [(c, None) for c in trio], [sql.SQL("{} is not null").format(sql.Identifier(trio[0]))]
    sealed = (marker or store.erased)(f.kind)
    return (list(zip(trio, (sealed.enc, sealed.bidx, sealed.masked))),
            [sql.SQL("{} is distinct from {}").format(sql.Identifier(trio[1]), sql.Literal(sealed.bidx))])


def _groups() -> dict[tuple[str, int], list[PersonalField]]:
    groups: dict[tuple[str, int], list[PersonalField]] = {}
    for f in FIELDS:
        groups.setdefault((f.table, f.retention_days), []).append(f)
    return groups


def _plan(conn, table: str, fields: list[PersonalField], marker):
    """(set clause, where clause) for the expired rows of `fields` with a personal value left."""
    stored = [physical(conn, f, marker) for f in fields]
    targets = [t for sets, _ in stored for t in sets]
    if not targets:
        return None
    setting = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(v)) for c, v in targets)
    left = sql.SQL(" or ").join(c for _, lefts in stored for c in lefts)
    rule = RULES[table]
    where = sql.SQL("({closed}) and ({since}) < %(cutoff)s and ({left})").format(
        closed=sql.SQL(rule.closed), since=sql.SQL(rule.since), left=left)
    return setting, where


def _cutoff(conn, days: int, now: datetime | None) -> datetime:
    return _value(conn, "select coalesce(%s::timestamptz, now()) - make_interval(days => %s)", (now, days))


def _triggers_off(conn, table: str, rule: Rule) -> tuple[str, ...]:
    """Inside a batch's transaction: the owner's maintenance runs without row triggers, as seeding
    does — no guard, no touched `updated_at`, no row-audit entry per anonymised row (the batch's
    security-log entry names its rows). Where the owner may not (a hosted database's owner is no
    superuser), only the guard triggers go off, by ALTER TABLE; returns those to switch on again."""
    try:
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
        return ()
    except psycopg.errors.InsufficientPrivilege:
        for guard in rule.guards:
            conn.execute(sql.SQL("alter table public.{} disable trigger {}").format(
                sql.Identifier(table), sql.Identifier(guard)))
        return rule.guards


def _expired_keys(conn, table: str, rule: Rule, where, params: dict, batch: int):
    """The keys of the rows expired at the run's start, read in one pass (the table's index on its
    closing time finds them), in batches. Each batch's update checks its rows again, so a row
    changed since, or anonymised by a run beside this one, is left alone."""
    with conn.cursor(row_factory=tuple_row) as cur:
        keys = [r[0] for r in cur.execute(sql.SQL("select {key} from public.{t} where {where} order by {key}").format(
            key=sql.Identifier(rule.key), t=sql.Identifier(table), where=where), params)]
    for first in range(0, len(keys), batch):
        yield keys[first:first + batch]


def run(conn, *, dry_run: bool = False, now: datetime | None = None, batch: int = BATCH) -> Report:
    """Anonymise every expired personal field on an owner connection (autocommit off or on: each
    batch is its own transaction). `now` moves the clock for tests. Returns what was (or, with
    `dry_run`, would be) anonymised, per table and retention."""
    report = Report(dry_run)
    markers: dict[str, Sealed] = {}

    def marker(kind: str) -> Sealed:   # one sealed marker per kind and run
        if kind not in markers:
            markers[kind] = store.erased(kind)
        return markers[kind]

    for (table, days), fields in _groups().items():
        outcome = Outcome(table, days, tuple(f.column for f in fields))
        report.outcomes.append(outcome)
        plan = _plan(conn, table, fields, marker)
        if plan is None:
            continue
        setting, where = plan
        rule = RULES[table]
        params = {"cutoff": _cutoff(conn, days, now)}
        if dry_run:
            outcome.rows = _value(conn, sql.SQL("select count(*) from public.{} where {}").format(
                sql.Identifier(table), where), params)
            continue
        for chunk in _expired_keys(conn, table, rule, where, params, batch):
            with conn.transaction():
                guards = _triggers_off(conn, table, rule)
                with conn.cursor(row_factory=tuple_row) as cur:
                    keys = [r[0] for r in cur.execute(sql.SQL(
                        "update public.{t} set {setting} where {key} in (select {key} from public.{t}"
                        " where {key} = any(%(chunk)s) and {where} for update skip locked) returning {key}"
                    ).format(t=sql.Identifier(table), setting=setting, key=sql.Identifier(rule.key), where=where),
                        {**params, "chunk": chunk}).fetchall()]
                for guard in guards:
                    conn.execute(sql.SQL("alter table public.{} enable trigger {}").format(
                        sql.Identifier(table), sql.Identifier(guard)))
                if keys:
                    security_log.append(conn, "retention", object=f"table:{table}",
                                        details={"table": table, "rows": len(keys), "retention_days": days,
                                                 "fields": list(outcome.fields), "first": str(min(keys)),
                                                 "last": str(max(keys))})
            outcome.rows += len(keys)
    if not dry_run:
        security_log.append(conn, "retention", object="retention:run",
                            details={"tables": report.by_table(), "rows": report.total})
    return report


def last_run(conn) -> datetime | None:
    """When the job last finished (its summary entry in the security log), on an owner connection."""
    return _value(conn, "select max(at) from private.security_log where kind = 'retention'"
                        " and object = 'retention:run'")

"""The import of a sheet into one list: every row validated (gongzhi.lists.fields.parse, then a
dry run in the database as the uploader, so row-level security, triggers and constraints judge
each row), a preview, and on confirmation all rows in one transaction or none.

Row numbers are the spreadsheet's (the header is row 1). Problems carry i18n keys, so the page
shows them in the user's language.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import psycopg
from psycopg.types.json import Jsonb

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.imports import columns as cols
from gongzhi.imports.reader import read
from gongzhi.lists import lookups as lookups_mod
from gongzhi.lists.fields import fields, parse
from gongzhi.personal import crypto, store

Progress = Callable[[float], None]
BATCH = 1000
FORMULA = ("=", "@")


@dataclass(frozen=True)
class Problem:
    row: int                 # spreadsheet row number
    column: str | None       # the column at fault, None when the database refused the whole row
    key: str                 # i18n key of the reason
    params: dict = field(default_factory=dict)


@dataclass
class Preview:
    list_name: str
    filename: str
    rows: list[tuple[int, dict]]       # (row number, clean values) of rows that passed every check
    problems: list[Problem]
    total: int                         # non-blank data rows in the file
    # Row number → the row as stored (personal fields sealed), made once by the dry run and reused
    # by the commit: each phone is encrypted once per import, and only here.
    stored: dict[int, dict] = field(default_factory=dict, repr=False)

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def ready(self) -> bool:
        """True when every row passed and there is something to import."""
        return not self.problems and bool(self.rows)


class ImportRefused(DomainError):
    """Nothing was imported; `problems` lists every bad row."""

    def __init__(self, problems: list[Problem]):
        super().__init__("excel.refused", n=len({p.row for p in problems}))
        self.problems = problems


def preview(user: Identity, list_name: str, filename: str, data: bytes,
            progress: Progress | None = None) -> Preview:
    """Read and check every row of the file; nothing is written. DomainError when the file itself
    cannot be used (type, size, encoding, headers)."""
    report = progress or (lambda _f: None)
    table = read(filename, data)
    mapping = cols.map_headers(list_name, table.headers)
    lookups = lookups_mod.load(user)
    labels = cols.choice_labels(list_name)
    good: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    total = len(table.rows)
    for i, (number, cells) in enumerate(table.rows):
        raw = {column: cells[index] if index < len(cells) else None for index, column in mapping.columns.items()}
        clean, row_problems = _check_row(list_name, raw, lookups, labels)
        problems += [Problem(number, c, k, p) for c, k, p in row_problems]
        if not row_problems:
            good.append((number, clean))
        if i % BATCH == 0:
            report(0.5 * i / total)
    report(0.5)
    repeated = duplicates_within(list_name, good)
    problems += repeated
    good = [(n, r) for n, r in good if n not in {p.row for p in repeated}]
    stored: dict[int, dict] = {}
    problems += _dry_run(user, list_name, good, lambda f: report(0.5 + 0.5 * f), stored)
    refused = {p.row for p in problems}
    report(1.0)
    return Preview(list_name, filename, [(n, r) for n, r in good if n not in refused],
                   sorted(problems, key=lambda p: (p.row, p.column or "")), total,
                   {n: r for n, r in stored.items() if n not in refused})


def commit(user: Identity, list_name: str, preview_: Preview) -> int:
    """Insert every row of a clean preview in one transaction as `user`; the number inserted.
    ImportRefused (nothing written) if the database refuses any row now."""
    if not preview_.ready:
        raise ImportRefused(preview_.problems) if preview_.problems else DomainError("excel.no_rows")
    try:
        with user.session() as conn:
            _insert(conn, list_name, preview_.rows, stored=preview_.stored)
    except psycopg.Error:
        # Something changed since the preview: find every refused row, write nothing.
        problems = _dry_run(user, list_name, preview_.rows, lambda _f: None, preview_.stored)
        raise ImportRefused(problems or [Problem(preview_.rows[0][0], None, "error.busy")]) from None
    return len(preview_.rows)


def import_file(user: Identity, list_name: str, filename: str, data: bytes) -> int:
    """Preview and commit in one go (the CLI and tests): every row or none."""
    checked = preview(user, list_name, filename, data)
    return commit(user, list_name, checked)


def duplicates_within(list_name: str, rows: list[tuple[int, dict]]) -> list[Problem]:
    """Rows of one file that repeat an earlier row of it: the same values in every column, or, for
    demands, the same beneficiary phone and category (the form's duplicate rule, which
    private.demand_duplicates applies against the database). Each is a bad row naming the first."""
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    for number, row in rows:
        keys = [("row",) + tuple(sorted((k, str(v)) for k, v in row.items()))]
        if list_name == "demand" and row.get("beneficiary_phone"):
            keys.append(("phone", "".join(c for c in str(row["beneficiary_phone"]) if c.isdigit()),
                         row.get("category_id")))
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            problems.append(Problem(number, None, "excel.duplicate_row", {"row": first}))
            continue
        for k in keys:
            seen[k] = number
    return problems


def _check_row(list_name, raw, lookups, labels) -> tuple[dict, list[tuple[str, str, dict]]]:
    problems = []
    for column, value in raw.items():
        if isinstance(value, str) and value.strip().startswith(FORMULA):
            problems.append((column, "field.error.formula", {}))
    formula_columns = {c for c, _k, _p in problems}
    clean, errors = parse(list_name, {c: v for c, v in raw.items() if c not in formula_columns}, lookups, labels)
    problems += [(e.field, e.key, e.params) for e in errors if e.field not in formula_columns]
    status = raw.get(cols.STATUS)
    if status is None or (isinstance(status, str) and not status.strip()):
        clean[cols.STATUS] = cols.INITIAL_STATUSES[list_name][0]
    elif cols.STATUS not in formula_columns:
        value = labels[cols.STATUS].get(str(status).strip(), str(status).strip())
        if value not in cols.INITIAL_STATUSES[list_name]:
            problems.append((cols.STATUS, "excel.bad_status", {}))
        clean[cols.STATUS] = value
    return clean, problems


SQL_TYPES = {"text": "text", "longtext": "text", "phone": "text", "choice": "text", "int": "integer",
             "money": "numeric", "date": "date", "category": "bigint", "org_unit": "bigint"}


def _insert_sql(list_name: str) -> str:
    """One INSERT for a whole batch, rows passed as a JSON array: statement-level triggers (the
    demand tally) then run once per batch instead of once per row."""
    typed = []
    for f in fields(list_name):
        if store.field(list_name, f.name) is not None:   # stored sealed: ciphertext, blind index, masked copy
            typed += [(f"{f.name}_enc", "bytea"), (f"{f.name}_bidx", "bytea"), (f"{f.name}_masked", "text")]
        else:
            typed.append((f.name, SQL_TYPES[f.kind]))
    typed.append((cols.STATUS, "text"))
    names = ", ".join(n for n, _t in typed)
    return (f"insert into public.{list_name} ({names}) select {names} from jsonb_to_recordset(%s::jsonb)"
            f" as r({', '.join(f'{n} {t}' for n, t in typed)})")


def _json(list_name: str, rows: list[tuple[int, dict]], stored: dict[int, dict]) -> Jsonb:
    """The rows as JSON, their personal fields sealed here, where the key is (bytea as \\x hex);
    a row already in `stored` (by its number) is taken from there, a new one is added to it."""
    ring = None
    out = []
    for n, r in rows:
        if n not in stored:
            ring = ring or crypto.ring()
            row = {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
                   for k, v in store.sealed_columns(list_name, r, ring).items()}
            stored[n] = {k: ("\\x" + v.hex() if isinstance(v, bytes) else v) for k, v in row.items()}
        out.append(stored[n])
    return Jsonb(out)


def _insert(conn: psycopg.Connection, list_name: str, rows: list[tuple[int, dict]],
            progress: Progress | None = None, stored: dict[int, dict] | None = None) -> None:
    sql = _insert_sql(list_name)
    stored = {} if stored is None else stored
    for start in range(0, len(rows), BATCH):
        conn.execute(sql, (_json(list_name, rows[start:start + BATCH], stored),))
        if progress:
            progress(min(1.0, (start + BATCH) / len(rows)))


def _dry_run(user: Identity, list_name: str, rows: list[tuple[int, dict]], progress: Progress,
             stored: dict[int, dict] | None = None) -> list[Problem]:
    """Insert the rows as `user` and roll back: the rows the database refuses, all of them.
    Batches that fail are halved until each refused row stands alone (a savepoint per try)."""
    if not rows:
        return []
    problems: list[Problem] = []
    sql = _insert_sql(list_name)
    stored = {} if stored is None else stored

    def attempt(chunk: list[tuple[int, dict]]) -> None:
        try:
            with conn.transaction():
                conn.execute(sql, (_json(list_name, chunk, stored),))
        except psycopg.Error as exc:
            if len(chunk) == 1:
                error = from_db(exc)
                problems.append(Problem(chunk[0][0], None, error.key, error.params))
                return
            half = len(chunk) // 2
            attempt(chunk[:half])
            attempt(chunk[half:])

    with user.session() as conn:
        for start in range(0, len(rows), BATCH):
            attempt(rows[start:start + BATCH])
            progress(min(1.0, (start + BATCH) / len(rows)))
        raise psycopg.Rollback()
    return sorted(problems, key=lambda p: p.row)

"""What a test compares before and after: every table's row count and a digest of its rows."""
from __future__ import annotations

import psycopg

# Tallies are derived sums that a migration may fold into fewer rows (an ALTER TABLE makes the
# dashboard's event trigger rebuild them): compared by their sums per key, not row for row.
TALLIES = {
    "public.demand_tally": ("terr, category_id, day", "created_n, created_done_n, closed_n, done_n, done_days, open_n"),
    "public.resource_tally": ("terr, kind, status", "n, in_use, idle, capacity, allocated"),
    "public.demand_count_tally": ("terr", "n"),
}


def _tables(conn: psycopg.Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        "select quote_ident(n.nspname) || '.' || quote_ident(c.relname), array_agg(quote_ident(a.attname) order by a.attnum)"
        " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        " where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')"
        " and n.nspname !~ '^pg_' group by 1 order by 1").fetchall()
    return {name: columns for name, columns in rows}


def digest_sql(table: str, columns: list[str]) -> str:
    if table in TALLIES:
        keys, sums = TALLIES[table]
        totals = ", ".join(f"sum({m}) as {m}" for m in sums.split(", "))
        nonzero = " or ".join(f"sum({m}) <> 0" for m in sums.split(", "))
        rows = f"(select {keys}, {totals} from {table} group by {keys} having {nonzero})"
    else:
        rows = f"(select {', '.join(columns)} from {table})"
    return f"select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {rows} t"


def table_digests(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[int, str]]:
    """Every ordinary table outside the system schemas: (row count, md5 of its rows in a stable
    order), over the named `columns` of each table where given (a later schema may add columns)."""
    with psycopg.connect(url, autocommit=True) as conn:
        found = _tables(conn)
        chosen = {t: (columns or {}).get(t, cols) for t, cols in found.items()}
        return {t: tuple(conn.execute(digest_sql(t, cols)).fetchone()) for t, cols in chosen.items()}


def table_columns(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return _tables(conn)

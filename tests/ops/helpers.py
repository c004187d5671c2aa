"""What a test compares before and after: every table's row count and a digest of its rows."""
from __future__ import annotations

import psycopg


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Every ordinary table outside the system schemas: (row count, md5 of its rows in a stable order)."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p')"
            " and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'"
            " order by 1")]
        return {name: tuple(conn.execute(
            f"select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {name} t").fetchone())
            for name in names}

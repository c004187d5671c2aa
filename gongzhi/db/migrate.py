"""The migration runner: applies `sql/compat` where the database is not Supabase, then every
`supabase/migrations/*.sql` not yet recorded, in order, each in its own transaction.

It records what it applied in `supabase_migrations.schema_migrations`, the table the Supabase
CLI uses, so `supabase db push` and this runner agree on what a database has.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from gongzhi import config

LOCK_ID = 7300


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @classmethod
    def from_path(cls, path: Path) -> "Migration":
        version, _, name = path.stem.partition("_")
        return cls(version, name, path)


def migrations() -> list[Migration]:
    return [Migration.from_path(p) for p in sorted(config.MIGRATIONS_DIR.glob("*.sql"))]


def is_supabase(conn: psycopg.Connection) -> bool:
    """A Supabase database has its admin role; the compat layer must not be applied there."""
    return conn.execute("select exists (select from pg_roles where rolname = 'supabase_admin')").fetchone()[0]


def applied(conn: psycopg.Connection) -> set[str]:
    exists = conn.execute("select to_regclass('supabase_migrations.schema_migrations')").fetchone()[0]
    if not exists:
        return set()
    return {r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")}


def pending(conn: psycopg.Connection) -> list[Migration]:
    done = applied(conn)
    return [m for m in migrations() if m.version not in done]


def migrate(url: str, *, compat: bool | None = None, until: str | None = None) -> list[str]:
    """Bring the database at `url` up to date (or up to the version `until`); return the versions
    applied now."""
    done_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (LOCK_ID,))
        try:
            if compat is None:
                compat = not is_supabase(conn)
            if compat:
                for path in sorted(config.COMPAT_DIR.glob("*.sql")):
                    with conn.transaction():
                        conn.execute(path.read_text())
            conn.execute("create schema if not exists supabase_migrations")
            conn.execute("create table if not exists supabase_migrations.schema_migrations"
                         " (version text primary key, statements text[], name text)")
            for m in pending(conn):
                if until is not None and m.version > until:
                    break
                sql = m.path.read_text()
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("insert into supabase_migrations.schema_migrations (version, statements, name)"
                                 " values (%s, %s, %s)", (m.version, [sql], m.name))
                done_now.append(m.version)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK_ID,))
    return done_now

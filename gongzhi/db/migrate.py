"""The migration runner: applies `sql/compat` where the database is not Supabase, then every
`supabase/migrations/*.sql` not yet recorded, in order, each in its own transaction.

It records what it applied in `supabase_migrations.schema_migrations`, the table the Supabase
CLI uses, so `supabase db push` and this runner agree on what a database has.

Before the first release the migrations were squashed into a baseline (versions from
`BASELINE` on). A database that recorded the older, pre-release versions cannot be brought up to
date: the runner refuses it with `PreReleaseDatabase` before it changes anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from gongzhi import config

LOCK_ID = 7300
# The first version of the squashed baseline; versions before it are pre-release.
BASELINE = "20261201000100"


class PreReleaseDatabase(RuntimeError):
    """The database was made by pre-release migrations, which the baseline replaced."""

    def __init__(self, versions: list[str]):
        self.versions = versions
        super().__init__(
            f"This database was made by a pre-release schema (it recorded migrations {versions[0]} … "
            f"{versions[-1]}, which were squashed into the baseline {BASELINE} before the first release); "
            "it cannot be upgraded. Back up what you need from it (pg_dump), then recreate it: for the "
            "embedded default, stop the portal, run `make clean-data` and start again (the demo district is "
            "loaded anew); for your own PostgreSQL, drop and create the database and run "
            "`python -m gongzhi migrate`.")


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


def pre_release(conn: psycopg.Connection) -> list[str]:
    """Recorded versions older than the baseline: a database made before the squash."""
    return sorted(v for v in applied(conn) if v < BASELINE)


def pending(conn: psycopg.Connection) -> list[Migration]:
    done = applied(conn)
    return [m for m in migrations() if m.version not in done]


def migrate(url: str, *, compat: bool | None = None, until: str | None = None, encrypt: bool = True) -> list[str]:
    """Bring the database at `url` up to date (or up to the version `until`); return the versions
    applied now. Then, unless `encrypt` is false, the Python step: encrypt the plain personal values
    a migration left in private.plaintext_pending (gongzhi.personal.pending; needs the data keys).

    Raises PreReleaseDatabase, changing nothing, for a database made before the baseline."""
    done_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (LOCK_ID,))
        try:
            old = pre_release(conn)
            if old:
                raise PreReleaseDatabase(old)
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
            if encrypt:
                from gongzhi.personal import pending as plaintext
                plaintext.ensure_keys(conn)
                plaintext.encrypt_pending(conn)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK_ID,))
    return done_now

"""The migration runner: a fresh database gets everything, and a second run changes nothing."""
import subprocess

import psycopg

from gongzhi.db import migrate
from gongzhi.db.embedded import pgbin
from tests.conftest import drop_database


def _schema(url: str) -> str:
    dump = subprocess.run([str(pgbin.POSTGRES_BIN_PATH / "pg_dump"), "--schema-only", "--no-owner", url],
                          check=True, capture_output=True, text=True).stdout
    return "\n".join(line for line in dump.splitlines() if not line.startswith("\\restrict")
                     and not line.startswith("\\unrestrict"))


def _rows(url: str) -> list:
    with psycopg.connect(url) as conn:
        return conn.execute("select version, name from supabase_migrations.schema_migrations order by version").fetchall()


def test_migrations_apply_once_and_a_second_run_changes_nothing(pg_admin_url):
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("create database gz_migrate_twice")
    url = pg_admin_url.replace("/postgres?", "/gz_migrate_twice?")
    try:
        applied = migrate.migrate(url)
        assert applied == [m.version for m in migrate.migrations()]
        before, recorded = _schema(url), _rows(url)
        assert migrate.migrate(url) == []
        assert _schema(url) == before
        assert _rows(url) == recorded
    finally:
        drop_database(pg_admin_url, "gz_migrate_twice")


def test_migration_files_are_named_version_underscore_name():
    for m in migrate.migrations():
        assert m.version.isdigit() and len(m.version) == 14, m.path.name
        assert m.name, m.path.name

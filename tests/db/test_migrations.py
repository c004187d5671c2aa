"""The migration runner: a fresh database gets everything, a second run changes nothing, and a
database made by the pre-release migrations is refused before anything changes."""
import subprocess

import psycopg
import pytest

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


def test_a_database_made_before_the_baseline_is_refused_with_one_message_and_left_as_it_was(pg_admin_url):
    """A database that recorded the pre-release versions (squashed into the baseline) cannot be
    upgraded: the runner says so before it changes anything."""
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("create database gz_pre_release")
    url = pg_admin_url.replace("/postgres?", "/gz_pre_release?")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create schema supabase_migrations")
            conn.execute("create table supabase_migrations.schema_migrations"
                         " (version text primary key, statements text[], name text)")
            conn.execute("insert into supabase_migrations.schema_migrations (version, name) values"
                         " ('20261125000100', 'territory'), ('20261125000200', 'three_lists'),"
                         " ('20261125009070', 'staff_sessions')")
            conn.execute("create table public.org_unit (id bigint primary key)")
        before, recorded = _schema(url), _rows(url)
        with pytest.raises(migrate.PreReleaseDatabase) as refused:
            migrate.migrate(url)
        message = str(refused.value)
        assert "pre-release" in message and "make clean-data" in message and "20261125000100" in message
        assert refused.value.versions == ["20261125000100", "20261125000200", "20261125009070"]
        assert _schema(url) == before
        assert _rows(url) == recorded
    finally:
        drop_database(pg_admin_url, "gz_pre_release")


def test_the_baseline_comes_before_every_later_migration():
    versions = [m.version for m in migrate.migrations()]
    assert versions[0] == migrate.BASELINE
    assert all(v >= migrate.BASELINE for v in versions)

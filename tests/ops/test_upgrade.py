"""Upgrade safety: a database made by the first release (0.1.0, the squashed baseline), kept as a
backup with the demo district in tests/fixtures, restores and migrates to the newest schema with
every row of every table as it was (over the release's columns; the dashboard's tallies by their
sums). A migration that must change stored data changes this test with it, on purpose."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from gongzhi import backup as ops
from gongzhi.auth import load_identity
from gongzhi.db import migrate
from gongzhi.home import overview
from tests.conftest import drop_database
from tests.ops.helpers import table_digests

FIXTURES = Path(__file__).parent.parent / "fixtures"
RELEASE = FIXTURES / "release-0.1.0.backup"
DIGESTS = json.loads((FIXTURES / "release-0.1.0.digests.json").read_text(encoding="utf-8"))
MIGRATIONS_TABLE = "supabase_migrations.schema_migrations"  # grows by the migrations applied


@pytest.fixture
def upgraded(pg_admin_url, monkeypatch):
    name = "gz_upgraded"
    drop_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name}")
    url = pg_admin_url.replace("/postgres?", f"/{name}?")
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    yield url, ops.restore(RELEASE, url)
    drop_database(pg_admin_url, name)


def test_the_first_release_migrates_to_the_newest_schema_with_nothing_lost(upgraded):
    url, manifest = upgraded
    versions = [m.version for m in migrate.migrations()]
    assert manifest.schema_version == "20261201001300" and manifest.schema_version in versions
    with psycopg.connect(url) as conn:
        assert sorted(migrate.applied(conn)) == versions
    now = table_digests(url, {table: d["columns"] for table, d in DIGESTS.items()})
    changed = {table: ((d["rows"], d["md5"]), now.get(table)) for table, d in DIGESTS.items()
               if table != MIGRATIONS_TABLE and now.get(table) != (d["rows"], d["md5"])}
    assert changed == {}
    assert sum(d["rows"] for d in DIGESTS.values()) > 10_000


def test_the_upgraded_database_serves_the_portal(upgraded):
    url, _ = upgraded
    with psycopg.connect(url) as conn:
        district = conn.execute("select id from auth.users where email = 'qu@demo.gongzhi.cn'").fetchone()[0]
    # Every account of this old database is a demo account, so the upgrade keeps it in demo mode,
    # where neither the second factor nor a new password is asked for. Out of demo mode (and once
    # the accounts have set their own passwords) the second factor is required: a district session
    # that presented it reads everything, a password-only one nothing.
    figures = overview(load_identity(str(district), {"aal": "aal2"}))
    assert figures["demands"] == DIGESTS["public.demand"]["rows"]
    assert overview(load_identity(str(district), {"aal": "aal1"}))["demands"] == figures["demands"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update public.security_setting set value = 'false' where key = 'demo_mode'")
        conn.execute("update private.password_state set must_change = false, reason = null where demo")
    assert overview(load_identity(str(district), {"aal": "aal2"}))["demands"] == figures["demands"]
    assert overview(load_identity(str(district), {"aal": "aal1"}))["demands"] == 0

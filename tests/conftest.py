"""Test fixtures: one embedded PostgreSQL per test session, the demo district in a template
database, a rolled-back transaction per database test, and a fresh database copy per page test."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import demo
from gongzhi.db import close_pool, connection, embedded, migrate
from gongzhi.personal import keys as data_keys

# The data keys of this test session (the keyring's text, as a deployment sets it); subprocesses
# inherit it. Tests of the keyring file itself unset it.
os.environ.setdefault(data_keys.ENV, data_keys.new_keyring().text().replace("\n", ";"))

DEMO_EMAILS = {
    "district": "qu@demo.gongzhi.cn",
    "street": "jiedao@demo.gongzhi.cn",
    "community": "shequ@demo.gongzhi.cn",
    "grid": "wangge@demo.gongzhi.cn",
    "department": "bumen@demo.gongzhi.cn",
}
# The administrators (三权分立): district-level accounts holding one capability each.
ADMIN_EMAILS = {
    "system": "xitong@demo.gongzhi.cn",
    "security": "anquan@demo.gongzhi.cn",
    "audit": "shenji@demo.gongzhi.cn",
}
# Every demo account a test may act as, by its handle.
ACCOUNTS = {**DEMO_EMAILS, **ADMIN_EMAILS}
TEMPLATE = "gz_template"


def _db_url(admin_url: str, name: str) -> str:
    return admin_url.replace("/postgres?", f"/{name}?", 1)


def throwaway_server():
    """Start an embedded server in a new temporary folder; yields (url, folder), then removes it.

    Not under pytest's tmp_path: pytest prunes old base folders of concurrent sessions."""
    data_dir = Path(tempfile.mkdtemp(prefix="gongzhi-test-"))
    try:
        yield embedded.start(data_dir, fast_unsafe=True), data_dir
    finally:
        close_pool()
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url():
    """A superuser URL of a throw-away embedded server for this test session."""
    for url, _data_dir in throwaway_server():
        yield url


@pytest.fixture(scope="session")
def template_url(pg_admin_url):
    """A database with every migration and the demo district: the template of all others."""
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {TEMPLATE}")
    url = _db_url(pg_admin_url, TEMPLATE)
    migrate.migrate(url)
    demo.load_demo(url)
    # Tests that act through load_identity() test other features as a password-only session would
    # (district accounts and administrators alike: demo mode); the second factor's own tests, the RLS
    # matrix and the aal tests turn the requirement on (require_second_factor below), as a district
    # outside demo mode has it.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into public.security_setting (key, value) values"
                     " ('mfa.required_for_district', 'false'), ('demo_mode', 'true')"
                     " on conflict (key) do update set value = excluded.value")
    return url


def clone_database(pg_admin_url: str, template_url: str, prefix: str = "gz") -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"create database {name} template {TEMPLATE}")
    return name, _db_url(pg_admin_url, name)


def drop_database(pg_admin_url: str, name: str) -> None:
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name} with (force)")


@pytest.fixture(scope="session")
def shared_url(pg_admin_url, template_url):
    """A copy of the template for tests that roll back everything they do."""
    name, url = clone_database(pg_admin_url, template_url, "gz_shared")
    yield url
    drop_database(pg_admin_url, name)


@pytest.fixture
def conn(shared_url):
    """An owner connection in a transaction that is rolled back after the test."""
    with psycopg.connect(shared_url, row_factory=dict_row) as c:
        yield c
        c.rollback()


@pytest.fixture
def fresh_db(pg_admin_url, template_url, monkeypatch):
    """A database of its own (demo district loaded), which the portal uses through
    GONGZHI_DATABASE_URL; for tests that commit."""
    name, url = clone_database(pg_admin_url, template_url)
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    yield url
    close_pool()
    drop_database(pg_admin_url, name)


def user_id(conn, key: str) -> str:
    """The auth user id of a demo account (`district`, `street`, …, `system`, … or an email)."""
    email = ACCOUNTS.get(key, key)
    row = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()
    return str(row["id"] if isinstance(row, dict) else row[0])


def act_as(conn, key: str | None, aal: str = "aal2") -> None:
    """Inside the test transaction: act as the demo account `key`, or as anon when None. The
    request carries the assurance level `aal` (by default a session that presented the second
    factor, so that the policies under test decide, not the second factor's)."""
    conn.execute("reset role")
    if key is None:
        connection.set_identity(conn, None)
    else:
        connection.set_identity(conn, user_id(conn, key), {"aal": aal})


def require_second_factor(conn, everyone: bool = False) -> None:
    """As the owner, inside the test's transaction: the district requires the second factor of
    district accounts (and with `everyone`, of every account), outside demo mode."""
    act_as_owner(conn)
    conn.execute("""insert into public.security_setting (key, value) values
                      ('mfa.required_for_district', 'true'), ('mfa.optional_for_others', %s), ('demo_mode', 'false')
                    on conflict (key) do update set value = excluded.value""",
                 ("false" if everyone else "true",))
    # Out of demo mode every demo account must set its own password (private.demo_mode_ended):
    # here they are taken to have done so, so that the second factor's policies decide.
    conn.execute("update private.password_state set must_change = false, reason = null, demo = false where demo")


def act_as_owner(conn) -> None:
    conn.execute("reset role")
    conn.execute("select set_config('request.jwt.claims', '', true)")


def unit_id(conn, name: str) -> int:
    row = conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()
    return row["id"] if isinstance(row, dict) else row[0]

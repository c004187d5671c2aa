"""The Supabase flavour of the test database: a second embedded server prepared the way a new
hosted Supabase project is (roles anon/authenticated/service_role/authenticator/supabase_admin,
schema auth with auth.users and auth.uid()/role()/jwt(), schema extensions with
pg_stat_statements preloaded, the API roles' default privileges, and `postgres` demoted to a
non-superuser), then migrated as `postgres` WITHOUT the compat layer, and loaded with the demo
district.

Tests in this folder get `conn` on that database; `test_rls_on_supabase.py` runs every RLS
matrix module of tests/db against it unchanged.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from gongzhi import demo
from gongzhi.db import close_pool, embedded, migrate
from tests.conftest import drop_database, throwaway_server

HERE = Path(__file__).parent
TEMPLATE = "gz_supa_template"


def as_role(url: str, role: str, database: str | None = None) -> str:
    """The same server, connecting as `role` (the embedded server trusts local sockets)."""
    return make_conninfo(url, user=role, **({"dbname": database} if database else {}))


def dbname(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]


@pytest.fixture(scope="session")
def supabase_server():
    """Admin URL (as supabase_admin, the only superuser) of a server bootstrapped like Supabase."""
    for url, data_dir in throwaway_server():
        admin = _bootstrap(url)
        # A hosted project preloads pg_stat_statements (the Supabase CLI's `inspect db outliers`
        # and `calls` read it); a preload takes a restart.
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("alter system set shared_preload_libraries = 'pg_stat_statements'")
        embedded.stop(data_dir)
        embedded.start(data_dir, fast_unsafe=True)
        yield admin


def _bootstrap(url: str) -> str:
    # The server's bootstrap superuser becomes supabase_admin, as in Supabase's image; a new,
    # non-superuser `postgres` takes the name.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create role gz_rename login superuser")
    with psycopg.connect(as_role(url, "gz_rename"), autocommit=True) as conn:
        conn.execute("alter role postgres rename to supabase_admin")
    admin = as_role(url, "supabase_admin")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("drop role gz_rename")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute((HERE / "bootstrap_cluster.sql").read_text())
    return admin


def supabase_project(admin_url: str, name: str) -> str:
    """A new database prepared like a fresh Supabase project; returns its URL as `postgres`."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name} owner supabase_admin")
    with psycopg.connect(as_role(admin_url, "supabase_admin", name), autocommit=True) as conn:
        conn.execute((HERE / "bootstrap_database.sql").read_text())
    return as_role(admin_url, "postgres", name)


@pytest.fixture(scope="session")
def supabase_template_url(supabase_server):
    url = supabase_project(supabase_server, TEMPLATE)
    migrate.migrate(url, compat=False)
    demo.load_demo(url)
    with psycopg.connect(url, autocommit=True) as conn:   # as tests/conftest.py's template
        conn.execute("insert into public.security_setting (key, value) values ('mfa.required_for_district', 'false')")
    return url


def clone(admin_url: str, prefix: str) -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name} owner supabase_admin template {TEMPLATE}")
        conn.execute(f"grant all on database {name} to postgres")  # database grants are not copied
    return name, as_role(admin_url, "postgres", name)


@pytest.fixture(scope="session")
def supabase_shared_url(supabase_server, supabase_template_url):
    name, url = clone(supabase_server, "gz_supa_shared")
    yield url
    drop_database(supabase_server, name)


@pytest.fixture
def conn(supabase_shared_url):
    """As in tests/conftest.py, but on the Supabase-flavoured database, connected as `postgres`."""
    with psycopg.connect(supabase_shared_url, row_factory=dict_row) as c:
        yield c
        c.rollback()


@pytest.fixture
def supabase_db(supabase_server, supabase_template_url, monkeypatch):
    """A Supabase-flavoured database of the test's own, used by the portal through
    GONGZHI_DATABASE_URL; for tests that commit."""
    name, url = clone(supabase_server, "gz_supa")
    monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
    yield url
    close_pool()
    drop_database(supabase_server, name)

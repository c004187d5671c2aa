"""The benchmark database: the demo district plus scale data, in its own database of the
configured server, kept between runs so each benchmark need not seed a million rows again."""
from __future__ import annotations

import os
from contextlib import contextmanager

import psycopg

from gongzhi import demo
from gongzhi.db import connection, migrate

BENCH_DATABASE = "gongzhi_bench"
SEED_LOCK = 7302


def bench_url(*, demands: int, resources: int = 20_000, keep: bool = True,
              database: str = BENCH_DATABASE) -> str:
    """A migrated database with the demo district, at least `demands` demands and `resources`
    resources. A benchmark that needs an exact mix (the 对接会's 20,000 resources, where the
    dashboard's 200,000 would be ten times the brief) names a database of its own."""
    server = connection.server_url()
    admin = server.replace(f"/{connection.DATABASE}?", "/postgres?", 1)
    url = server.replace(f"/{connection.DATABASE}?", f"/{database}?", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if exists and not keep:
            conn.execute(f"drop database {database} with (force)")
            exists = None
        if not exists:
            conn.execute(f"create database {database}")
    migrate.migrate(url)
    connection.sync_portal_login()  # on a new server the migrations above made the portal's role
    with psycopg.connect(url, autocommit=True) as lock:
        lock.execute("select pg_advisory_lock(%s)", (SEED_LOCK,))  # one seeder at a time; the others wait, then count
        demo.load_demo(url)
        with psycopg.connect(url, autocommit=True) as conn:
            # The demo accounts (the administrators too) sign in with a password only, as in demo
            # mode: the aal policy still runs in every statement, and the figures stay comparable.
            conn.execute("insert into public.security_setting (key, value) values"
                         " ('mfa.required_for_district', 'false'), ('demo_mode', 'true') on conflict (key) do nothing")
        with psycopg.connect(url) as conn:
            have_demands = conn.execute("select count(*) from public.demand").fetchone()[0]
            have_resources = conn.execute("select count(*) from public.resource").fetchone()[0]
        if have_demands < demands or have_resources < resources:
            demo.seed_scale(url, demands=max(0, demands - have_demands),
                            resources=max(0, resources - have_resources))
    return url


def user_ids(url: str) -> dict[str, str]:
    """The demo account of each staff role."""
    from gongzhi.demo_data import DEMO_ACCOUNTS
    with psycopg.connect(url) as conn:
        return {role: str(conn.execute("select id from auth.users where email = %s", (email,)).fetchone()[0])
                for email, role, _unit, _name in DEMO_ACCOUNTS}


def admin_user_ids(url: str) -> dict[str, str]:
    """The demo administrator of each capability (三权分立)."""
    from gongzhi.demo_data import DEMO_ADMINS
    with psycopg.connect(url) as conn:
        return {capability: str(conn.execute("select id from auth.users where email = %s", (email,)).fetchone()[0])
                for email, capability, _name in DEMO_ADMINS}


@contextmanager
def pointing_at(url: str):
    """Point the pool (and so Identity.session) at `url` for the duration. On the embedded server the
    portal's login role keeps its password there; with a URL configured it would be asked for in
    GONGZHI_PORTAL_PASSWORD, so that is set from the server's kept secret for the duration."""
    from gongzhi import config
    from gongzhi.db import close_pool, embedded
    from gongzhi.db.connection import PORTAL_ROLE
    portal_secret = None if config.database_url() or config.setting("GONGZHI_PORTAL_PASSWORD") \
        else embedded.secret(config.data_dir(), PORTAL_ROLE)
    saved = {k: os.environ.get(k) for k in ("GONGZHI_DATABASE_URL", "GONGZHI_PORTAL_PASSWORD")}
    close_pool()
    os.environ["GONGZHI_DATABASE_URL"] = url
    if portal_secret:
        os.environ["GONGZHI_PORTAL_PASSWORD"] = portal_secret
    try:
        yield
    finally:
        close_pool()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

"""The connection pools and the ways to use them.

The portal's pool logs in as `gongzhi_portal`, a role that can only become the API roles: each
transaction is `as_user` (authenticated, or gongzhi_district for district staff, with the user's
claims), `as_anon`, or `as_auth` (sign-in and the public pages' lookups). `owner()` is a second pool
as the schema owner, for migrations, seeding, backups, scheduled jobs and the command line — never
for a page.
"""
from __future__ import annotations

import itertools
import json
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from gongzhi import config
from gongzhi.db import embedded

_pools: dict[str, ConnectionPool] = {}
_lock = threading.Lock()
DATABASE = "gongzhi"

PORTAL_ROLE = "gongzhi_portal"
# The role a request runs as: district staff get a role whose policies are constant, everyone
# else `authenticated`, whose policies check the territory. Decided from `staff`, never the client.
_SET_IDENTITY = """
select set_config('request.jwt.claims', %(claims)s, true),
       set_config('role', private.request_role(%(uid)s), true)
"""


# How long a request waits for a connection before the page says the database is unreachable.
CONNECT_TIMEOUT_S = 3
_embedded_urls: dict[str, str] = {}


def server_url() -> str:
    """The configured PostgreSQL, or the embedded server (started, with its database, if needed)."""
    url = config.database_url()
    if url:
        return url
    data_dir = config.data_dir()
    admin_url = embedded.start(data_dir)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"create database {DATABASE}")
    _embedded_urls[str(data_dir)] = url = embedded.url(data_dir, DATABASE)
    sync_portal_login()
    return url


def sync_portal_login() -> None:
    """On the embedded server, which asks every role for its password: give the portal's login role
    its kept password once the migrations have made it (no-op elsewhere)."""
    data_dir = config.data_dir()
    if config.database_url() or embedded.secret(data_dir, "postgres") is None:
        return
    with psycopg.connect(embedded.url(data_dir), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_roles where rolname = %s", (PORTAL_ROLE,)).fetchone():
            return
    embedded.set_password(data_dir, PORTAL_ROLE)


def _current_url() -> str:
    """The URL the pool serves: the configured one, or the embedded server's as first resolved by
    this process (a stopped server then shows as unreachable instead of being started per request)."""
    return config.database_url() or _embedded_urls.get(str(config.data_dir())) or server_url()


def portal_url(owner_url: str) -> str:
    """The portal's URL: GONGZHI_PORTAL_DATABASE_URL, else the owner's server and database as
    `gongzhi_portal` (with GONGZHI_PORTAL_PASSWORD where the server asks for one)."""
    configured = config.setting("GONGZHI_PORTAL_DATABASE_URL")
    if configured:
        return configured
    password = config.setting("GONGZHI_PORTAL_PASSWORD")
    if password is None and not config.database_url():
        password = embedded.secret(config.data_dir(), PORTAL_ROLE)
    return conninfo.make_conninfo(owner_url, user=PORTAL_ROLE, **({"password": password} if password else {}))


def pool() -> ConnectionPool:
    """The process-wide pool of the portal's connections (as gongzhi_portal)."""
    return _pool(portal_url(_current_url()), max_size=8)


def owner_pool() -> ConnectionPool:
    """The process-wide pool of owner connections (command line, jobs, tests)."""
    return _pool(_current_url(), max_size=4)


def _pool(url: str, max_size: int) -> ConnectionPool:
    with _lock:
        p = _pools.get(url)
        if p is None:
            p = ConnectionPool(url, min_size=1, max_size=max_size, open=True, name="gongzhi",
                               timeout=CONNECT_TIMEOUT_S,
                               kwargs={"autocommit": True, "row_factory": dict_row,
                                       "connect_timeout": CONNECT_TIMEOUT_S},
                               check=ConnectionPool.check_connection)
            _pools[url] = p
        return p


def close_pool() -> None:
    with _lock:
        for p in _pools.values():
            p.close()
        _pools.clear()
        _embedded_urls.clear()


@contextmanager
def owner() -> Iterator[psycopg.Connection]:
    """A connection as the schema owner, in autocommit mode; bypasses row-level security.
    Not for the portal's pages: the command line, jobs and tests."""
    with owner_pool().connection() as conn:
        yield conn


def set_identity(conn: psycopg.Connection, user_id: str | None, claims: dict | None = None) -> None:
    """Inside an open transaction: act as `user_id` (or as `anon` when None) until it ends."""
    if user_id is None:
        conn.execute("select set_config('request.jwt.claims', '{\"role\":\"anon\"}', true),"
                     " set_config('role', 'anon', true)")
        return
    claims = dict(claims or {})
    claims.setdefault("sub", str(user_id))
    claims.setdefault("role", "authenticated")
    claims.setdefault("aud", "authenticated")
    conn.execute(_SET_IDENTITY, {"claims": json.dumps(claims), "uid": str(user_id)})


# Every checkout of a portal connection, counted (what `bench pages` reports per page run).
_checkouts = 0
# The transaction one page run shares, as (user_id, connection), while `one_transaction` holds it.
_shared: ContextVar[tuple[str, psycopg.Connection] | None] = ContextVar("gongzhi_shared_transaction", default=None)


def checkouts() -> int:
    """How many portal connections this process has checked out so far."""
    return _checkouts


@contextmanager
def _checkout() -> Iterator[psycopg.Connection]:
    global _checkouts
    with _lock:
        _checkouts += 1
    with pool().connection() as conn:
        yield conn


@contextmanager
def _transaction() -> Iterator[psycopg.Connection]:
    with _checkout() as conn, conn.transaction():
        yield conn


@contextmanager
def as_user(user_id: str, claims: dict | None = None) -> Iterator[psycopg.Connection]:
    """One transaction as the signed-in user: role and `request.jwt.claims` set locally. Inside
    `one_transaction` of the same user, a savepoint of that shared transaction instead."""
    shared = _shared.get()
    if shared is not None and shared[0] == str(user_id):
        conn = shared[1]
        with conn.transaction():
            yield conn
        return
    with _transaction() as conn:
        set_identity(conn, user_id, claims)
        yield conn


@contextmanager
def one_transaction(user_id: str, claims: dict | None = None,
                    keep_on: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Every `as_user(user_id)` inside joins one transaction (each in a savepoint, so a refused
    step undoes only itself): one connection checkout for a whole page run. It commits when the
    block ends normally or by an exception in `keep_on` (the page framework's stop and rerun);
    any other exception rolls it back."""
    if _shared.get() is not None:
        yield
        return
    kept: BaseException | None = None
    with _transaction() as conn:
        set_identity(conn, user_id, claims)
        token = _shared.set((str(user_id), conn))
        try:
            yield
        except keep_on as exc:
            kept = exc
        finally:
            _shared.reset(token)
    if kept is not None:
        raise kept


@contextmanager
def as_auth() -> Iterator[psycopg.Connection]:
    """One transaction as `gongzhi_auth`: sign-in, browser sessions, who a user is, public lookups."""
    with _transaction() as conn:
        conn.execute("select set_config('request.jwt.claims', '', true), set_config('role', 'gongzhi_auth', true)")
        yield conn


@contextmanager
def as_anon() -> Iterator[psycopg.Connection]:
    """One transaction as `anon`, as a request with the public key alone."""
    with _transaction() as conn:
        set_identity(conn, None)
        yield conn


@contextmanager
def as_public() -> Iterator[psycopg.Connection]:
    """One transaction as `gongzhi_public`, the public forms' role that only the portal's login role
    can become: insert a pending application or a public sign-up (sealed by the portal), read nothing."""
    with _transaction() as conn:
        conn.execute("select set_config('request.jwt.claims', '{\"role\":\"anon\"}', true),"
                     " set_config('role', 'gongzhi_public', true)")
        yield conn

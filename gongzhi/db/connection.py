"""The connection pool and the two ways to use it: as the owner, or as a signed-in user."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from gongzhi import config
from gongzhi.db import embedded

_pools: dict[str, ConnectionPool] = {}
_lock = threading.Lock()
DATABASE = "gongzhi"

# The role a request runs as: district staff get a role whose policies are constant, everyone
# else `authenticated`, whose policies check the territory. Decided from `staff`, never the client.
_SET_IDENTITY = """
select set_config('request.jwt.claims', %(claims)s, true),
       set_config('role', case when exists (select from public.staff s
                                            where s.user_id = %(uid)s and s.active and s.role = 'district')
                               then 'gongzhi_district' else 'authenticated' end, true)
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
    return url


def _current_url() -> str:
    """The URL the pool serves: the configured one, or the embedded server's as first resolved by
    this process (a stopped server then shows as unreachable instead of being started per request)."""
    return config.database_url() or _embedded_urls.get(str(config.data_dir())) or server_url()


def pool() -> ConnectionPool:
    """The process-wide pool for the current server URL."""
    url = _current_url()
    with _lock:
        p = _pools.get(url)
        if p is None:
            p = ConnectionPool(url, min_size=1, max_size=8, open=True, name="gongzhi",
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
    """A connection as the schema owner, in autocommit mode; bypasses row-level security."""
    with pool().connection() as conn:
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


@contextmanager
def as_user(user_id: str, claims: dict | None = None) -> Iterator[psycopg.Connection]:
    """One transaction as the signed-in user: role and `request.jwt.claims` set locally."""
    with pool().connection() as conn, conn.transaction():
        set_identity(conn, user_id, claims)
        yield conn


@contextmanager
def as_anon() -> Iterator[psycopg.Connection]:
    """One transaction as `anon`, as a request with the public key alone."""
    with pool().connection() as conn, conn.transaction():
        set_identity(conn, None)
        yield conn

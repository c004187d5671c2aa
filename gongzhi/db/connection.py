"""The connection pools and the ways to use them.

The portal's pool logs in as `gongzhi_portal`, a role that can only become the API roles: each
transaction is `as_user` (authenticated, or gongzhi_district for district staff, with the user's
claims), `as_anon`, or `as_auth` (sign-in and the public pages' lookups). `owner()` is a second pool
as the schema owner, for migrations, seeding, backups, scheduled jobs and the command line — never
for a page.
"""
from __future__ import annotations

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
# How long the pool's background reconnection keeps backing off (1, 2, 4 … s) before it gives up
# and the next request starts afresh: short, so a restarted or newly promoted server is found
# within seconds rather than after a back-off grown through a long outage (the default is 5 min).
RECONNECT_TIMEOUT_S = 5
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


def failover_configured() -> bool:
    """Whether the configured URL names several servers (a primary and its standbys, libpq's
    multi-host form with `target_session_attrs=read-write`): then a database that cannot be reached
    is a failover under way, and the pools reconnect to whichever server accepts writes."""
    url = config.database_url()
    return bool(url) and "," in str(conninfo.conninfo_to_dict(url).get("host", ""))


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
                               timeout=CONNECT_TIMEOUT_S, reconnect_timeout=RECONNECT_TIMEOUT_S,
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


def read_url() -> str | None:
    """GONGZHI_READ_DATABASE_URL: a server for reads that may lag a little (a hot standby, which
    holds the same policies), as the schema owner's URL like GONGZHI_DATABASE_URL; None: the primary."""
    return config.setting("GONGZHI_READ_DATABASE_URL")


@contextmanager
def as_reader(user_id: str, claims: dict | None = None) -> Iterator[psycopg.Connection]:
    """One read-only transaction as the signed-in user on the read server, for what may lag a
    little behind the last commit (dashboards, the bulletin, their exports); without a read server,
    `as_user`. Never for a read that must see the user's own last write."""
    url = read_url()
    if url is None:
        with as_user(user_id, claims) as conn:
            yield conn
        return
    with _pool(portal_url(url), max_size=4).connection() as conn, conn.transaction():
        conn.execute("set transaction read only")
        set_identity(conn, user_id, claims)
        yield conn


# When the data a connection reads was current: None on a primary; on a standby now while its WAL
# receiver runs, replay is not paused and it has replayed what it received (within one 8 kB WAL page:
# the received position may stop at the end of a padded page rather than of the last record), else
# the commit time of the last transaction replayed. (Without pg_read_all_stats the receiver's row
# shows its pid alone.)
_AS_OF = """
select case when not pg_is_in_recovery() then null
            when not pg_is_wal_replay_paused()
                 and pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) <= 8192
                 and exists (select from pg_stat_wal_receiver where pid is not null) then now()
            else pg_last_xact_replay_timestamp() end as as_of
"""


def data_as_of(conn: psycopg.Connection):
    """When the data `conn` reads was current: None on a primary, a timestamp on a standby."""
    row = conn.execute(_AS_OF).fetchone()
    return row["as_of"] if isinstance(row, dict) else row[0]


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

"""Sessions that outlive a page reload, for local accounts: a random token the browser keeps in a
cookie, and in the database (private.staff_session) only its SHA-256, the user, the expiry, the
assurance level (`aal1` after a password, `aal2` after the second factor), when the browser was last seen and why the session was ended, if it was.

A session ends at sign-out, after the district's absolute lifetime (`session.lifetime_hours`),
after `session.idle_minutes` without a page run, when the account signs in elsewhere (rule
`session.second_sign_in`: `end_older` ends this one, `refuse` refuses the new sign-in instead),
at "sign out everywhere", when the password changes and when the account is disabled. Every page run
asks `check` — one statement inside the page's own transaction — and the browser is told why.
Sign-in and reloads run as gongzhi_auth, the portal's sign-in role; no API role can read the table.
"""
from __future__ import annotations

import hashlib
import secrets

import psycopg

from gongzhi import db, security_log, security_settings
from gongzhi.errors import from_db

COOKIE = "gongzhi_session"
LIFETIME_HOURS = security_settings.DEFAULTS["session.lifetime_hours"].high   # the cookie's longest life
LIVE = "live"
# Why a session is over, as the browser is told on the sign-in page: auth.session.<status>.
ENDED = ("idle", "expired", "elsewhere", "everywhere")
_LIVE_SQL = ("ended_reason is null and expires_at > now()"
             " and last_seen_at + make_interval(mins => idle_minutes) > now()")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _valid(token) -> bool:
    return isinstance(token, str) and 0 < len(token) <= 200


def refused(conn, user_id: str) -> bool:
    """Whether the district's rule refuses a new sign-in of `user_id` (rule `refuse` and a live
    session elsewhere). `conn` acts as gongzhi_auth."""
    if security_settings.get(conn, "session.second_sign_in") != "refuse":
        return False
    return conn.execute(f"select exists (select from private.staff_session where user_id = %s and {_LIVE_SQL})",
                        (user_id,)).fetchone()["exists"]


def start(user_id: str, aal: str = "aal1") -> str:
    """A new session of `user_id` at assurance `aal`; returns the token for the cookie. Under the rule `end_older`,
    the account's other live sessions end (their browsers are told at their next page run)."""
    token = secrets.token_urlsafe(32)
    with db.as_auth() as conn:
        settings = security_settings.current(conn)
        conn.execute("delete from private.staff_session where expires_at < now()")
        if settings["session.second_sign_in"] == "end_older":
            conn.execute(f"update private.staff_session set ended_reason = 'elsewhere' where user_id = %s and {_LIVE_SQL}",
                         (user_id,))
        conn.execute("insert into private.staff_session (token_hash, user_id, expires_at, idle_minutes, aal)"
                     " values (%s, %s, now() + make_interval(hours => %s), %s, %s)",
                     (_hash(token), user_id, settings["session.lifetime_hours"], settings["session.idle_minutes"], aal))
    return token


def status(token: str | None) -> tuple[str | None, str | None]:
    """(the user, LIVE) for a live session; (the user, why) for one that is over; (None, None) for
    an unknown token. A reload's check, as the sign-in role."""
    if not _valid(token):
        return None, None
    with db.as_auth() as conn:
        row = conn.execute("select * from private.session_touch(%s)", (_hash(token),)).fetchone()
    if row is None:
        return None, None
    return str(row["user_id"]), row["status"]


def session_of(token: str | None) -> tuple[str, str] | None:
    """(user, assurance level) of a live session, or None for an unknown, ended or expired token."""
    if status(token)[1] != LIVE:
        return None
    with db.as_auth() as conn:
        row = conn.execute("select user_id, aal from private.staff_session where token_hash = %s", (_hash(token),)).fetchone()
    return (str(row["user_id"]), row["aal"]) if row else None


def resume(token: str | None) -> str | None:
    """The user of a live session, or None for an unknown, ended or expired token."""
    user_id, why = status(token)
    return user_id if why == LIVE else None


def check(user, token: str) -> tuple[str, bool]:
    """Inside the page run's transaction of `user`: (LIVE or why the session is over, whether the
    account must change its password first). One statement; it also records that the browser was seen."""
    if not _valid(token):
        return "ended", False
    with user.session() as conn:
        row = conn.execute("select * from private.session_check(%s)", (_hash(token),)).fetchone()
    return (row["status"], row["must_change"]) if row else ("ended", False)


def expire(token: str | None, user_id: str, why: str, client: str | None = None) -> None:
    """End a session that ran out (idle or past its lifetime) and log it."""
    with db.as_auth() as conn:
        if _valid(token):
            conn.execute("delete from private.staff_session where token_hash = %s", (_hash(token),))
        security_log.append(conn, "session_expired", client=client, object=f"user:{user_id}", details={"reason": why})


def set_aal(token: str | None, aal: str) -> None:
    """Raise (or lower) the assurance level of the session of `token`."""
    if isinstance(token, str) and token:
        with db.as_auth() as conn:
            conn.execute("update private.staff_session set aal = %s where token_hash = %s", (aal, _hash(token)))


def end(token: str | None) -> None:
    """End the session of `token` (signing out); other browsers of the user stay signed in."""
    if _valid(token):
        with db.as_auth() as conn:
            conn.execute("delete from private.staff_session where token_hash = %s", (_hash(token),))


def end_everywhere(actor, user_id: str, client: str | None = None) -> int:
    """退出所有设备: end every session of `user_id` — the actor's own, or (the system administrator)
    another account's — and log it; returns how many ended. Each browser is told at its next page run."""
    try:
        with actor.session() as conn:
            ended = conn.execute("select private.end_sessions_everywhere(%s) as n", (user_id,)).fetchone()["n"]
            security_log.append(conn, "sign_out_everywhere", client=client, object=f"user:{user_id}",
                                details={"sessions": ended})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return ended


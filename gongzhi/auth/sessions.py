"""Sessions that outlive a page reload, for local accounts: a random token the browser keeps in a
cookie, and in the database (private.staff_session) only its SHA-256, the user, the expiry and the
assurance level (`aal1` after a password, `aal2` after the second factor).
Runs as gongzhi_auth, the portal's sign-in role; no API role can read the table."""
from __future__ import annotations

import hashlib
import secrets

from gongzhi import db

COOKIE = "gongzhi_session"
LIFETIME_HOURS = 12   # a working day; then staff sign in again


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def start(user_id: str, aal: str = "aal1") -> str:
    """A new session of `user_id` at assurance `aal`; returns the token for the cookie. Drops
    expired sessions."""
    token = secrets.token_urlsafe(32)
    with db.as_auth() as conn:
        conn.execute("delete from private.staff_session where expires_at < now()")
        conn.execute("insert into private.staff_session (token_hash, user_id, expires_at, aal)"
                     " values (%s, %s, now() + make_interval(hours => %s), %s)",
                     (_hash(token), user_id, LIFETIME_HOURS, aal))
    return token


def session_of(token: str | None) -> tuple[str, str] | None:
    """(user, assurance level) of a live session, or None for an unknown, ended or expired token."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    with db.as_auth() as conn:
        row = conn.execute("select user_id, aal from private.staff_session where token_hash = %s and expires_at > now()",
                           (_hash(token),)).fetchone()
    return (str(row["user_id"]), row["aal"]) if row else None


def resume(token: str | None) -> str | None:
    """The user of a live session, or None for an unknown, ended or expired token."""
    found = session_of(token)
    return found[0] if found else None


def set_aal(token: str | None, aal: str) -> None:
    """Raise (or lower) the assurance level of the session of `token`."""
    if isinstance(token, str) and token:
        with db.as_auth() as conn:
            conn.execute("update private.staff_session set aal = %s where token_hash = %s", (aal, _hash(token)))


def end(token: str | None) -> None:
    """End the session of `token` (signing out); other browsers of the user stay signed in."""
    if isinstance(token, str) and token:
        with db.as_auth() as conn:
            conn.execute("delete from private.staff_session where token_hash = %s", (_hash(token),))

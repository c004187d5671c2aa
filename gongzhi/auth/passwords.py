"""The password policy, in one place for every way a password is set (the district's account
form and reset, the command line, a user's own change, a Supabase password reset): long enough, of
at least three of the four kinds of character, not the account's own email or name, not guessable —
judged by zxcvbn, a well-kept estimator that knows common passwords, words, names, dates and
keyboard runs — and, when a user sets their own, none of their last N passwords.

The district's numbers (minimum length, history depth, expiry, warning) are security settings
(`gongzhi.security_settings`, keys `password.*`); `check` reads them in the caller's transaction.
`problems` alone applies the floor every district keeps (forms use it before any database call).
"""
from __future__ import annotations

import re
import secrets

from zxcvbn import zxcvbn

from gongzhi import security_settings
from gongzhi.errors import DomainError

DEFAULT_MIN_LENGTH = security_settings.DEFAULTS["password.min_length"].default
MIN_SCORE = 3          # zxcvbn: 0 too guessable … 4 very unguessable; 3 is "safely unguessable"
CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


def problems(password: str, *, email: str = "", name: str = "", min_length: int = DEFAULT_MIN_LENGTH) -> list[str]:
    """The i18n keys of every rule `password` breaks (empty when it may be used)."""
    password = password or ""
    found = []
    if len(password) < max(min_length, DEFAULT_MIN_LENGTH):
        found.append("account.password_short")
    if sum(bool(c.search(password)) for c in CLASSES) < 3:
        found.append("account.password_kinds")
    personal = [p for p in (email.split("@")[0].strip().lower(), name.strip().lower()) if len(p) >= 3]
    if any(p in password.lower() for p in personal):
        found.append("account.password_personal")
    elif password and zxcvbn(password[:100], user_inputs=personal)["score"] < MIN_SCORE:
        found.append("account.password_weak")
    return found


def reused(conn, user_id: str, password: str, depth: int) -> bool:
    """Whether `password` is one of the last `depth` passwords of `user_id` (private.password_history,
    read as the sign-in role; each compared with scrypt)."""
    from gongzhi.auth.local import verify_password
    rows = conn.execute("select hash from private.password_history where user_id = %s order by id desc limit %s",
                        (user_id, depth)).fetchall()
    return any(verify_password(password, r["hash"]) for r in rows)


def check(conn, password: str, *, email: str = "", name: str = "", user_id: str | None = None) -> None:
    """Refuse `password` (DomainError with the first rule it breaks) under the district's policy;
    with `user_id` (someone setting their own), also when it is one of their last N passwords.
    `conn` must be able to read the security settings (and, with `user_id`, the history: gongzhi_auth)."""
    settings = security_settings.current(conn)
    found = problems(password, email=email, name=name, min_length=settings["password.min_length"])
    if found:
        raise DomainError(found[0], n=settings["password.min_length"])
    if user_id is not None and reused(conn, user_id, password, settings["password.history"]):
        raise DomainError("account.password_reused", n=settings["password.history"])


def rules() -> dict:
    """The district's password settings, for the page that asks for a new password (read as the
    sign-in role: the account may not be allowed anything else yet)."""
    from gongzhi import db
    with db.as_auth() as conn:
        settings = security_settings.current(conn)
    return {"n": settings["password.min_length"], "history": settings["password.history"],
            "days": settings["password.expiry_days"]}


def generate(min_length: int = DEFAULT_MIN_LENGTH) -> str:
    """A random password the policy accepts (handed to a user who must change it)."""
    while True:
        candidate = secrets.token_urlsafe(max(12, min_length)) + "-" + str(secrets.randbelow(90) + 10)
        if not problems(candidate, min_length=min_length):
            return candidate

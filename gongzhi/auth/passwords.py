"""The password policy, in one place for every way a password is set (the district's account
form and reset, the command line, a Supabase password reset): long enough, of at least three of
the four kinds of character, not the account's own email or name, and not guessable — judged by
zxcvbn, a well-kept estimator that knows common passwords, words, names, dates and keyboard runs."""
from __future__ import annotations

import re
import secrets

from zxcvbn import zxcvbn

from gongzhi import config

DEFAULT_MIN_LENGTH = 10
MIN_SCORE = 3          # zxcvbn: 0 too guessable … 4 very unguessable; 3 is "safely unguessable"
CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


def min_length() -> int:
    """GONGZHI_PASSWORD_MIN_LENGTH, never below the default."""
    try:
        return max(DEFAULT_MIN_LENGTH, int(config.setting("GONGZHI_PASSWORD_MIN_LENGTH") or 0))
    except ValueError:
        return DEFAULT_MIN_LENGTH


def problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """The i18n keys of every rule `password` breaks (empty when it may be used)."""
    password = password or ""
    found = []
    if len(password) < min_length():
        found.append("account.password_short")
    if sum(bool(c.search(password)) for c in CLASSES) < 3:
        found.append("account.password_kinds")
    personal = [p for p in (email.split("@")[0].strip().lower(), name.strip().lower()) if len(p) >= 3]
    if any(p in password.lower() for p in personal):
        found.append("account.password_personal")
    elif password and zxcvbn(password[:100], user_inputs=personal)["score"] < MIN_SCORE:
        found.append("account.password_weak")
    return found


def generate() -> str:
    """A random password the policy accepts (handed to a user who must change it)."""
    while True:
        candidate = secrets.token_urlsafe(12) + "-" + str(secrets.randbelow(90) + 10)
        if not problems(candidate):
            return candidate

"""Local sign-in for the embedded backend: scrypt password hashes in `auth.users`, and a lockout
after repeated failures (`auth.local_sign_in`). Hosted Supabase signs in through Supabase Auth."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from gongzhi import db
from gongzhi.auth.identity import Identity, load_identity
from gongzhi.errors import DomainError

MAX_FAILURES = 5
LOCK_MINUTES = 15
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def verify_password(password: str, stored: str | None) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
    except ValueError:
        scheme = ""
    if scheme != "scrypt":
        hash_password(password)  # spend the same time whether or not the user exists
        return False
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                            p=int(p), dklen=32)
    return hmac.compare_digest(actual, base64.b64decode(digest))


def create_user(conn, email: str, password: str) -> str:
    """A new auth user; returns its id. `conn` is an owner connection."""
    row = conn.execute(
        "insert into auth.users (email, encrypted_password, email_confirmed_at) values (%s, %s, now())"
        " returning id", (email.strip().lower(), hash_password(password))).fetchone()
    return str(row["id"])


def set_password(conn, user_id: str, password: str) -> None:
    conn.execute("update auth.users set encrypted_password = %s, updated_at = now() where id = %s",
                 (hash_password(password), user_id))
    conn.execute("delete from auth.local_sign_in where user_id = %s", (user_id,))


def sign_in(email: str, password: str) -> Identity:
    """The identity for a correct email and password; DomainError otherwise."""
    email = (email or "").strip().lower()
    if not email or not password:
        raise DomainError("auth.missing")
    refusal: DomainError | None = None
    with db.as_auth() as conn:
        user = conn.execute(
            """select u.id, u.encrypted_password,
                      ceil(extract(epoch from l.locked_until - now()) / 60)::int as minutes_locked
               from auth.users u left join auth.local_sign_in l on l.user_id = u.id
               where u.email = %s for update of u""", (email,)).fetchone()
        if user and (user["minutes_locked"] or 0) > 0:
            refusal = DomainError("auth.locked", minutes=user["minutes_locked"])
        elif not user or not verify_password(password, user["encrypted_password"]):
            refusal = DomainError("auth.wrong_password")
            if user:
                _count_failure(conn, user["id"])
        else:
            conn.execute("delete from auth.local_sign_in where user_id = %s", (user["id"],))
            conn.execute("update auth.users set last_sign_in_at = now() where id = %s", (user["id"],))
    if refusal:
        raise refusal
    return load_identity(str(user["id"]))


def _count_failure(conn, user_id) -> None:
    """One more failure; the MAX_FAILURES-th in a row locks the account for LOCK_MINUTES."""
    conn.execute(
        """insert into auth.local_sign_in as l (user_id, failed_count) values (%(id)s, 1)
           on conflict (user_id) do update set failed_count = l.failed_count + 1""", {"id": user_id})
    conn.execute(
        """update auth.local_sign_in set failed_count = 0, locked_until = now() + make_interval(mins => %(mins)s)
           where user_id = %(id)s and failed_count >= %(max)s""",
        {"id": user_id, "max": MAX_FAILURES, "mins": LOCK_MINUTES})

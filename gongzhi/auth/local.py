"""Local sign-in for the embedded backend: scrypt password hashes in `auth.users`, and a lockout
after repeated failures per email and per client (`private.sign_in_failure`). Hosted Supabase signs in through Supabase Auth.

Signing in is a few small steps, in this order:
1. `sign_in`: the password (lockouts included) and the district's rule for a second sign-in
   (`session.second_sign_in: refuse`); it returns the Identity, whose `must_change` says whether
   the password must be changed before anything else (first sign-in, a reset, expiry, demo mode off).
2. a second factor, where one is required (a later step between 1 and 3);
3. the browser session (`gongzhi.auth.sessions.start`, which ends older sessions under `end_older`).
While `must_change` is set, the portal offers only the password page and the database serves the
account nothing; `change_password` clears it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from gongzhi import db, security_log
from gongzhi.auth import passwords, sessions
from gongzhi.auth.identity import Identity, load_identity
from gongzhi.errors import DomainError

MAX_FAILURES = 5           # per email (known or not) in LOCK_MINUTES
CLIENT_MAX_FAILURES = 20   # per client address, across all emails, in LOCK_MINUTES
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
    """A new auth user whose password someone else chose, so it must be changed at the first
    sign-in; returns its id. `conn` is an owner connection."""
    hashed = hash_password(password)
    row = conn.execute(
        "insert into auth.users (email, encrypted_password, email_confirmed_at) values (%s, %s, now())"
        " returning id", (email.strip().lower(), hashed)).fetchone()
    conn.execute("select private.password_set(%s, %s, 'first')", (row["id"], hashed))
    return str(row["id"])


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def sign_in(email: str, password: str, client: str | None = None) -> Identity:
    """The identity for a correct email and password; DomainError otherwise.

    Failures are counted per email, whether or not an account has it, so the answers are the same
    for known and unknown emails: 邮箱或密码不正确, and after MAX_FAILURES in LOCK_MINUTES 已锁定 (even
    with the right password). They are also counted per client address (the address the server saw,
    `gongzhi.sender`): CLIENT_MAX_FAILURES across any emails in LOCK_MINUTES stops that client, so
    a slow spray over many accounts trips too."""
    email = (email or "").strip().lower()
    if not email or not password:
        raise DomainError("auth.missing")
    refusal: DomainError | None = None
    keys = {"email": _key(email), "client": _key(client or "unknown")}
    with db.as_auth() as conn:
        conn.execute("delete from private.sign_in_failure where at < now() - make_interval(mins => %s)", (LOCK_MINUTES,))
        conn.execute("select pg_advisory_xact_lock(7312, hashtext(%s))", (email,))
        failures = {r["kind"]: r for r in conn.execute(
            """select kind, count(*) as n,
                      ceil(extract(epoch from min(at) + make_interval(mins => %(mins)s) - now()) / 60)::int as minutes
               from private.sign_in_failure
               where (kind = 'email' and key = %(email)s) or (kind = 'client' and key = %(client)s)
               group by kind""", {**keys, "mins": LOCK_MINUTES})}
        user = conn.execute("select id, encrypted_password from auth.users where email = %s for update",
                            (email,)).fetchone()
        by_client, by_email = failures.get("client"), failures.get("email")
        if by_client and by_client["n"] >= CLIENT_MAX_FAILURES:
            verify_password(password, None)
            refusal = DomainError("auth.too_many", minutes=max(by_client["minutes"], 1))
        elif by_email and by_email["n"] >= MAX_FAILURES:
            verify_password(password, None)
            refusal = DomainError("auth.locked", minutes=max(by_email["minutes"], 1))
        elif not user or not verify_password(password, user["encrypted_password"]):
            refusal = DomainError("auth.wrong_password")
            conn.execute("insert into private.sign_in_failure (kind, key) values ('email', %(email)s), ('client', %(client)s)",
                         keys)
        elif sessions.refused(conn, str(user["id"])):
            refusal = DomainError("auth.signed_in_elsewhere")
        else:
            conn.execute("delete from private.sign_in_failure where kind = 'email' and key = %s", (keys["email"],))
            conn.execute("update auth.users set last_sign_in_at = now() where id = %s", (user["id"],))
        if refusal:
            # The account tried, when there is one; never the email typed, which may be anyone's.
            security_log.append(conn, "sign_in_failed", client=client,
                                object=f"user:{user['id']}" if user else None,
                                details={"reason": refusal.key.removeprefix("auth.")})
    if refusal:
        raise refusal
    identity = load_identity(str(user["id"]))
    security_log.record(identity, "sign_in", client=client, object=f"user:{identity.user_id}")
    return identity


def change_password(user: Identity, current: str, new: str, client: str | None = None) -> Identity:
    """The user's own new password: the current one must be right, the new one must pass the
    district's policy and differ from the last N. Every session of the account ends (the caller
    starts a new one for this browser); returns the identity, no longer bound to change it."""
    if not current or not new:
        raise DomainError("auth.missing")
    with db.as_auth() as conn:
        row = conn.execute("select encrypted_password from auth.users where id = %s for update",
                           (user.user_id,)).fetchone()
        if row is None or not verify_password(current, row["encrypted_password"]):
            raise DomainError("account.current_password_wrong")
        if hmac.compare_digest(current, new):
            raise DomainError("account.password_reused", n=1)
        passwords.check(conn, new, email=user.email, name=user.display_name, user_id=user.user_id)
        conn.execute("select private.change_own_password(%s, %s)", (user.user_id, hash_password(new)))
        security_log.append(conn, "password_change", client=client, object=f"user:{user.user_id}",
                            details={"forced": user.must_change or None})
    return load_identity(user.user_id, user.claims)

"""The second factor (两步验证) of local accounts: who must have one, enrolment, the code asked after
the password, recovery codes, removal by the user and reset by an administrator.

The TOTP secret, the last accepted time-step and the hashed recovery codes live in
private.mfa_factor / private.mfa_recovery_code, which only the sign-in role (gongzhi_auth) reaches;
every read and write here runs as that role. A session's assurance level is the `aal` claim
(`aal1` after the password, `aal2` after the second factor), which the database's restrictive
policies read (private.aal_ok). Whether a user must have `aal2` is decided in one place,
private.requires_aal2_of, which `requires_second_factor` asks too.

A wrong or replayed code at sign-in counts as a failed sign-in (the same lockout as a wrong
password). On hosted Supabase, Supabase Auth keeps the factors (gongzhi.auth.supabase_auth).
"""
from __future__ import annotations

import dataclasses
import json
from contextlib import contextmanager

import psycopg

from gongzhi import db, security_log
from gongzhi.auth import totp
from gongzhi.auth.identity import Identity
from gongzhi.auth.local import CLIENT_MAX_FAILURES, LOCK_MINUTES, MAX_FAILURES, _key
from gongzhi.errors import DomainError, from_db

AAL1, AAL2 = "aal1", "aal2"


def _user_id(who: Identity | str) -> str:
    return who.user_id if isinstance(who, Identity) else str(who)


def requires_second_factor(who: Identity | str) -> bool:
    """Whether the account must sign in with a second factor (the district's settings, read by the
    same database function as the policies: private.requires_aal2_of)."""
    with db.as_auth() as conn:
        return conn.execute("select private.requires_aal2_of(%s) as must", (_user_id(who),)).fetchone()["must"]


def with_aal(identity: Identity, aal: str) -> Identity:
    """`identity` whose requests carry the assurance level `aal`."""
    return dataclasses.replace(identity, claims={**identity.claims, "aal": aal})


def aal_of(identity: Identity) -> str:
    return identity.claims.get("aal") or AAL1


@contextmanager
def _as_auth_for(user_id: str | None):
    """A sign-in transaction; with `user_id`, that user is the actor of the entries it logs."""
    with db.as_auth() as conn:
        if user_id is not None:
            conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": user_id}),))
        yield conn


def _factor(conn, user_id: str, lock: bool = False) -> dict | None:
    return conn.execute("select secret, confirmed_at, last_step from private.mfa_factor where user_id = %s"
                        + (" for update" if lock else ""), (user_id,)).fetchone()


def is_enrolled(who: Identity | str) -> bool:
    with db.as_auth() as conn:
        row = _factor(conn, _user_id(who))
    return bool(row and row["confirmed_at"])


def next_step(identity: Identity) -> str | None:
    """What sign-in asks after a correct password: `code` (the account has a second factor),
    `enrol` (it must have one and has none yet), or None (a session at aal1)."""
    if is_enrolled(identity):
        return "code"
    return "enrol" if requires_second_factor(identity) else None


def check_resumed(identity: Identity) -> None:
    """A session resumed from its cookie at aal1 whose account must now present a second factor
    (the district turned the requirement on since) ends: DomainError mfa.now_required."""
    if aal_of(identity) != AAL2 and requires_second_factor(identity):
        raise DomainError("mfa.now_required")


@dataclasses.dataclass(frozen=True)
class Status:
    enrolled: bool
    required: bool
    recovery_codes_left: int


def status(who: Identity | str) -> Status:
    """The account's second factor as its page shows it, in one transaction."""
    with db.as_auth() as conn:
        row = conn.execute(
            """select private.requires_aal2_of(%(u)s) as required,
                      exists (select from private.mfa_factor where user_id = %(u)s and confirmed_at is not null) as enrolled,
                      (select count(*) from private.mfa_recovery_code where user_id = %(u)s and used_at is null) as left""",
            {"u": _user_id(who)}).fetchone()
    return Status(row["enrolled"], row["required"], row["left"])


# ---------------------------------------------------------------- enrolment
@dataclasses.dataclass(frozen=True)
class Enrolment:
    """A pending enrolment: what the page shows (the secret as text, its QR code)."""
    secret: str
    uri: str

    @property
    def qr_png(self) -> bytes:
        return totp.qr_png(self.uri)


def begin_enrolment(identity: Identity) -> Enrolment:
    """A new secret for `identity`, kept as pending until a code confirms it (a pending one is
    replaced). Refused when the account already has a confirmed factor."""
    secret = totp.new_secret()
    with db.as_auth() as conn:
        row = _factor(conn, identity.user_id, lock=True)
        if row and row["confirmed_at"]:
            raise DomainError("mfa.already_enrolled")
        conn.execute("insert into private.mfa_factor (user_id, secret) values (%s, %s)"
                     " on conflict (user_id) do update set secret = excluded.secret, confirmed_at = null,"
                     " last_step = null, created_at = now()", (identity.user_id, secret))
    return Enrolment(secret, totp.provisioning_uri(secret, identity.email))


def confirm_enrolment(identity: Identity, code: str, client: str | None = None, at: float | None = None) -> list[str]:
    """Confirm the pending enrolment with a current code; returns the recovery codes, shown once
    (only their hashes are kept). The step of that code counts as used."""
    with _as_auth_for(identity.user_id) as conn:
        row = _factor(conn, identity.user_id, lock=True)
        if row is None:
            raise DomainError("mfa.no_enrolment")
        if row["confirmed_at"]:
            raise DomainError("mfa.already_enrolled")
        step = totp.matching_step(row["secret"], code, at)
        if step is None:
            raise DomainError("mfa.wrong_code")
        codes = totp.new_recovery_codes()
        conn.execute("update private.mfa_factor set confirmed_at = now(), last_step = %s where user_id = %s",
                     (step, identity.user_id))
        conn.execute("delete from private.mfa_recovery_code where user_id = %s", (identity.user_id,))
        conn.cursor().executemany("insert into private.mfa_recovery_code (user_id, code_hash) values (%s, %s)",
                                  [(identity.user_id, totp.recovery_hash(identity.user_id, c)) for c in codes])
        security_log.append(conn, "mfa_enrol", client=client, object=f"user:{identity.user_id}",
                            details={"factor": "totp", "recovery_codes": len(codes)})
    return codes


# ---------------------------------------------------------------- checking a code
def _check(conn, user_id: str, code: str, at: float | None) -> str:
    """`totp` or `recovery` for an accepted code (its step or the recovery code is spent);
    otherwise DomainError mfa.wrong_code / mfa.replayed. `conn` is a gongzhi_auth transaction."""
    row = _factor(conn, user_id, lock=True)
    if row is None or not row["confirmed_at"]:
        raise DomainError("mfa.not_enrolled")
    typed = totp.normalise_code(code)
    if totp.is_totp_shape(typed):
        step = totp.matching_step(row["secret"], typed, at)
        if step is None:
            raise DomainError("mfa.wrong_code")
        if row["last_step"] is not None and step <= row["last_step"]:
            raise DomainError("mfa.replayed")
        conn.execute("update private.mfa_factor set last_step = %s where user_id = %s", (step, user_id))
        return "totp"
    if totp.looks_like_recovery(code):
        spent = conn.execute("update private.mfa_recovery_code set used_at = now()"
                             " where user_id = %s and code_hash = %s and used_at is null returning 1",
                             (user_id, totp.recovery_hash(user_id, code))).fetchone()
        if spent is None:
            raise DomainError("mfa.wrong_recovery_code")
        return "recovery"
    raise DomainError("mfa.wrong_code")


def _locked(conn, email_key: bytes, client_key: bytes) -> DomainError | None:
    rows = {r["kind"]: r for r in conn.execute(
        """select kind, count(*) as n,
                  ceil(extract(epoch from min(at) + make_interval(mins => %(mins)s) - now()) / 60)::int as minutes
           from private.sign_in_failure
           where at > now() - make_interval(mins => %(mins)s)
             and ((kind = 'email' and key = %(email)s) or (kind = 'client' and key = %(client)s))
           group by kind""", {"email": email_key, "client": client_key, "mins": LOCK_MINUTES})}
    if rows.get("client") and rows["client"]["n"] >= CLIENT_MAX_FAILURES:
        return DomainError("auth.too_many", minutes=max(rows["client"]["minutes"], 1))
    if rows.get("email") and rows["email"]["n"] >= MAX_FAILURES:
        return DomainError("auth.locked", minutes=max(rows["email"]["minutes"], 1))
    return None


def verify_sign_in(identity: Identity, code: str, client: str | None = None, at: float | None = None) -> Identity:
    """The second step of signing in: `identity` (whose password was right) at aal2 when `code` is a
    current TOTP code not used before, or one of its unused recovery codes. A wrong, replayed or
    used code is a failed sign-in: counted for the lockout and logged (`mfa_failed`)."""
    keys = {"email": _key(identity.email.strip().lower()), "client": _key(client or "unknown")}
    refusal: DomainError | None = None
    with db.as_auth() as conn:
        conn.execute("select pg_advisory_xact_lock(7312, hashtext(%s))", (identity.email.strip().lower(),))
        refusal = _locked(conn, keys["email"], keys["client"])
        if refusal is None:
            try:
                with conn.transaction():
                    used = _check(conn, identity.user_id, code, at)
            except DomainError as exc:
                refusal = exc
                conn.execute("insert into private.sign_in_failure (kind, key) values ('email', %(email)s), ('client', %(client)s)",
                             keys)
        if refusal is not None:
            security_log.append(conn, "mfa_failed", client=client, object=f"user:{identity.user_id}",
                                details={"reason": refusal.key.removeprefix("mfa.").removeprefix("auth.")})
        else:
            conn.execute("delete from private.sign_in_failure where kind = 'email' and key = %s", (keys["email"],))
            if used == "recovery":
                left = conn.execute("select count(*) as n from private.mfa_recovery_code where user_id = %s"
                                    " and used_at is null", (identity.user_id,)).fetchone()["n"]
                security_log.append(conn, "recovery_code_used", client=client, object=f"user:{identity.user_id}",
                                    details={"left": left})
    if refusal is not None:
        raise refusal
    return with_aal(identity, AAL2)


# ---------------------------------------------------------------- removal
def remove(identity: Identity, code: str, client: str | None = None, at: float | None = None) -> None:
    """The user removes their own second factor with a current code (not a recovery code);
    refused while the district requires one of them. Their sessions drop to aal1."""
    if requires_second_factor(identity):
        raise DomainError("mfa.required")
    if not totp.is_totp_shape(totp.normalise_code(code)):
        raise DomainError("mfa.wrong_code")
    with _as_auth_for(identity.user_id) as conn:
        _check(conn, identity.user_id, code, at)
        conn.execute("delete from private.mfa_recovery_code where user_id = %s", (identity.user_id,))
        conn.execute("delete from private.mfa_factor where user_id = %s", (identity.user_id,))
        conn.execute("update private.staff_session set aal = 'aal1' where user_id = %s", (identity.user_id,))
        security_log.append(conn, "mfa_remove", client=client, object=f"user:{identity.user_id}",
                            details={"by": "user"})


def reset(admin: Identity, user_id: str, client: str | None = None) -> bool:
    """An administrator removes another account's second factor (a lost phone) and ends its
    sessions; the account enrols again at its next sign-in when it must have one. The database
    decides who may (private.mfa_reset). Returns whether the account had a factor."""
    try:
        with admin.session() as conn:
            found = conn.execute("select private.mfa_reset(%s) as found", (user_id,)).fetchone()["found"]
            security_log.append(conn, "mfa_remove", client=client, object=f"user:{user_id}",
                                details={"by": "administrator", "had_factor": bool(found)})
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return bool(found)


def reset_by_email(admin: Identity, email: str, client: str | None = None) -> bool:
    """`reset` of the account signing in with `email` (district staff read the sign-in emails)."""
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("auth.missing")
    try:
        with admin.session() as conn:
            row = conn.execute("select user_id from private.staff_logins() where email = %s", (email,)).fetchone()
    except psycopg.Error as exc:
        raise from_db(exc) from None
    if row is None:
        raise DomainError("mfa.reset.unknown")
    return reset(admin, str(row["user_id"]), client)


def raise_session(token: str | None, identity: Identity) -> Identity:
    """After enrolling while signed in: this browser's session, and `identity`, at aal2."""
    from gongzhi.auth import sessions
    sessions.set_aal(token, AAL2)
    return with_aal(identity, AAL2)

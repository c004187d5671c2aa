"""TOTP arithmetic (RFC 6238) and recovery codes, without the database: a new secret, the
`otpauth://` address an authenticator app (腾讯身份验证器, Google Authenticator, FreeOTP …) scans
from a QR code, which time-step a typed code belongs to, and the single-use recovery codes with
the hash that is stored instead of them. Codes are six digits, 30-second steps, SHA-1: what every
authenticator app computes by default.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

import pyotp
import segno

ISSUER = "共治 Gongzhi"
DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1            # steps either side of now that are accepted: a phone's clock may be 30 s off
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud, typed by hand


def new_secret() -> str:
    """A new random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(secret: str, account: str) -> str:
    """The `otpauth://totp/…` address of the secret, as the QR code carries it."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_png(uri: str) -> bytes:
    """The QR code of `uri` as a PNG image."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def step_of(at: float | None = None) -> int:
    """The time-step (RFC 6238's T) of the moment `at` (now by default)."""
    return int((time.time() if at is None else at) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of `secret` for the time-step `step`."""
    return _totp(secret).generate_otp(step)


def normalise_code(code: str | None) -> str:
    """The code as typed, without spaces (apps show `123 456`)."""
    return "".join((code or "").split())


def is_totp_shape(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time-step within WINDOW of now whose code is `code`, or None."""
    code = normalise_code(code)
    if not is_totp_shape(code):
        return None
    now = step_of(at)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(code_at(secret, step), code):   # compare every step: same time either way
            found = step if found is None else found
    return found


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """`count` random recovery codes `XXXX-XXXX-XXXX-XXXX` (80 bits each)."""
    return ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(4))
            for _ in range(count)]


def normalise_recovery(code: str | None) -> str:
    """A recovery code as typed: upper case, without dashes and spaces."""
    return "".join(ch for ch in (code or "").upper() if ch not in "- \t")


def looks_like_recovery(code: str | None) -> bool:
    plain = normalise_recovery(code)
    return len(plain) == 16 and all(ch in _RECOVERY_ALPHABET for ch in plain)


def recovery_hash(user_id: str, code: str) -> bytes:
    """What is stored instead of a recovery code: SHA-256 of the user and the code (80 random bits
    need no slow hash; the user in the input keeps one account's hashes useless for another)."""
    return hashlib.sha256(f"{user_id}:{normalise_recovery(code)}".encode()).digest()

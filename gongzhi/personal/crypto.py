"""What the key-holding code does to one personal value: normalise and check it, encrypt it
(SM4-GCM), compute its blind index (HMAC-SM3) and its masked copy, and decrypt it again.

Ciphertext is `key id (1 byte) | nonce (12 random bytes) | SM4-GCM ciphertext | tag (16 bytes)`,
with the field's kind as associated data, so several keys coexist during a rotation and a phone's
ciphertext cannot pass for an ID number's. The blind index is HMAC-SM3 under the separate index
key over `kind:normalised value` (digits only for phones), so equal values find each other
whatever the spaces and dashes, and nothing else can be learnt from it without the key.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gongzhi.errors import DomainError
from gongzhi.personal import keys as keyring

NONCE_BYTES = 12
TAG_BYTES = 16
KINDS = ("phone", "id_number")


class BadValue(DomainError):
    """A value that is not a valid phone / ID number; `key` is the i18n message key."""


@dataclass(frozen=True)
class Sealed:
    """What is stored for one value: `<col>_enc`, `<col>_bidx`, `<col>_masked`."""
    enc: bytes
    bidx: bytes
    masked: str


# ---------------------------------------------------------------- the keyring of this process
_ring: keyring.Keyring | None = None
_ring_stamp: object = None
_lock = threading.Lock()


def ring() -> keyring.Keyring:
    """The keyring, read again when its file or setting changed (a rotation in another process)."""
    global _ring, _ring_stamp
    from gongzhi import config
    configured = config.setting(keyring.ENV)
    if configured is not None:
        stamp = ("env", configured)
    else:
        try:
            st = keyring.path().stat()
            stamp = ("file", str(keyring.path()), st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
    with _lock:
        if _ring is None or stamp is None or stamp != _ring_stamp:
            _ring = keyring.load()
            if stamp is None:
                st = keyring.path().stat()
                stamp = ("file", str(keyring.path()), st.st_mtime_ns, st.st_size, st.st_ino)
            _ring_stamp = stamp
        return _ring


def forget() -> None:
    """Drop the cached keyring (tests that switch keyrings)."""
    global _ring, _ring_stamp
    with _lock:
        _ring, _ring_stamp = None, None


# ---------------------------------------------------------------- values
_PHONE_SHAPE = re.compile(r"^\+?[0-9 -]+$")
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def normalise(kind: str, value: str) -> str:
    """The canonical form the blind index covers; BadValue when it is not a valid value of `kind`."""
    text = (value or "").strip()
    if kind == "phone":
        digits = re.sub(r"[^0-9]", "", text)
        if not _PHONE_SHAPE.match(text) or not 7 <= len(digits) <= 15 or len(text) > 21:
            raise BadValue("field.error.phone")
        return digits
    if kind == "id_number":
        compact = re.sub(r"[\s-]", "", text).upper()
        if not _ID_SHAPE.match(compact):
            raise BadValue("field.error.id_number")
        return compact
    raise ValueError(f"unknown kind of personal value: {kind}")


def mask(kind: str, normalised: str) -> str:
    """The copy shown where the full value may not be: phones 138****8000, ID numbers 1101**********123X."""
    if kind == "phone":
        if len(normalised) <= 7:
            return "*" * 7
        return normalised[:3] + "*" * (len(normalised) - 7) + normalised[-4:]
    if kind == "id_number":
        return normalised[:4] + "*" * (len(normalised) - 8) + normalised[-4:]
    raise ValueError(kind)


def blind_index(kind: str, value: str, ring_: keyring.Keyring | None = None) -> bytes:
    """HMAC-SM3 of the normalised value under the index key: equal values, equal index."""
    h = hmac.HMAC((ring_ or ring()).index_key, hashes.SM3())
    h.update(f"{kind}:{normalise(kind, value)}".encode())
    return h.finalize()


def encrypt(kind: str, plain: str, ring_: keyring.Keyring | None = None) -> bytes:
    r = ring_ or ring()
    key_id = r.current_id
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(r.key(key_id)), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(kind.encode())
    body = enc.update(plain.encode()) + enc.finalize()
    return bytes([key_id]) + nonce + body + enc.tag


def decrypt(kind: str, blob: bytes, ring_: keyring.Keyring | None = None) -> str:
    """The plain value; KeyError_ when the key is missing or the ciphertext does not open with it."""
    r = ring_ or ring()
    blob = bytes(blob)
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise keyring.KeyError_("A stored ciphertext is too short to be one: the data is damaged.")
    key_id, nonce, body, tag = blob[0], blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(r.key(key_id)), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(kind.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag:
        raise keyring.KeyError_(f"A stored value does not decrypt with data key {key_id} of {r.source}: this "
                                "keyring is not the one the data was written with (or the data was altered). "
                                "Restore the keyring that belongs to this database.") from None


def key_id_of(blob: bytes) -> int:
    return bytes(blob)[0]


def seal(kind: str, value: str, ring_: keyring.Keyring | None = None) -> Sealed:
    """Check, normalise and seal one value; BadValue when it is not a valid `kind`."""
    r = ring_ or ring()
    normalised = normalise(kind, value)
    h = hmac.HMAC(r.index_key, hashes.SM3())
    h.update(f"{kind}:{normalised}".encode())
    return Sealed(encrypt(kind, value.strip(), r), h.finalize(), mask(kind, normalised))


def seal_optional(kind: str, value: str | None, ring_: keyring.Keyring | None = None) -> Sealed | None:
    if value is None or not str(value).strip():
        return None
    return seal(kind, str(value), ring_)


def columns_of(sealed: Sealed | None) -> tuple:
    """(enc, bidx, masked) of a sealed value, three nulls for none."""
    return (sealed.enc, sealed.bidx, sealed.masked) if sealed else (None, None, None)

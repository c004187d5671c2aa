"""Supabase access tokens: verify one (HS256 with the project's JWT secret, or the project's JWKS
for asymmetric signing keys) and turn it into the signed-in Identity.

A token is accepted only when its signature, expiry and audience (`authenticated`) hold and its
`role` claim is `authenticated`: a token claiming `service_role` (or anything else) is refused
here, so it can never reach the database. The verified claims then travel with the Identity, and
every query runs through `gongzhi.db.as_user` as `authenticated` (district staff:
`gongzhi_district`) with those claims — the same data path as the embedded server.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import jwt

from gongzhi import config
from gongzhi.auth.identity import Identity, load_identity
from gongzhi.errors import DomainError

AUDIENCE = "authenticated"
ROLE = "authenticated"
HMAC_ALGORITHMS = ("HS256",)
ASYMMETRIC_ALGORITHMS = ("RS256", "ES256", "EdDSA")
LEEWAY_SECONDS = 10


@dataclass(frozen=True)
class Verifier:
    """How to check signatures: the project's JWT secret (HS256), its JWKS URL, or both."""
    secret: str | None = None
    jwks_url: str | None = None

    @classmethod
    def from_config(cls) -> "Verifier":
        url = config.setting("SUPABASE_URL")
        jwks_url = config.setting("SUPABASE_JWKS_URL")
        if not jwks_url and url and not config.setting("SUPABASE_JWT_SECRET"):
            jwks_url = url.rstrip("/") + "/auth/v1/.well-known/jwks.json"
        return cls(secret=config.setting("SUPABASE_JWT_SECRET"), jwks_url=jwks_url)


@lru_cache(maxsize=8)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    """One JWKS client per URL: it caches the project's public keys (they hold no user data)."""
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600, timeout=10)


def verify(token: str, verifier: Verifier | None = None) -> dict:
    """The claims of a valid access token; DomainError (`token.*`) for anything else."""
    verifier = verifier or Verifier.from_config()
    if not token or not isinstance(token, str):
        raise DomainError("token.invalid")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise DomainError("token.invalid") from None
    alg = header.get("alg")
    if alg in HMAC_ALGORITHMS:
        if not verifier.secret:
            raise DomainError("token.no_key")
        key = verifier.secret
    elif alg in ASYMMETRIC_ALGORITHMS:
        if not verifier.jwks_url:
            raise DomainError("token.no_key")
        try:
            key = _jwks_client(verifier.jwks_url).get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            raise DomainError("token.jwks_unreachable") from None
        except jwt.PyJWTError:
            raise DomainError("token.invalid") from None
    else:  # "none", or an algorithm we do not use: never trust it
        raise DomainError("token.invalid")
    try:
        claims = jwt.decode(token, key, algorithms=[alg], audience=AUDIENCE, leeway=LEEWAY_SECONDS,
                            options={"require": ["exp", "sub", "aud", "role"]})
    except jwt.ExpiredSignatureError:
        raise DomainError("token.expired") from None
    except jwt.InvalidAudienceError:
        raise DomainError("token.wrong_audience") from None
    except jwt.PyJWTError:
        raise DomainError("token.invalid") from None
    if claims.get("role") != ROLE:
        raise DomainError("token.wrong_role")
    return claims


def identity_from_token(token: str, verifier: Verifier | None = None) -> Identity:
    """The staff member a verified access token names, carrying its claims for every query."""
    claims = verify(token, verifier)
    return load_identity(str(claims["sub"]), claims)


def seconds_left(identity: Identity, now: float | None = None) -> float:
    """How long the token behind `identity` stays valid; infinite for local sign-in."""
    exp = identity.claims.get("exp") if identity.claims else None
    if exp is None:
        return float("inf")
    return float(exp) - (time.time() if now is None else now)

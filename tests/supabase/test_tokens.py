"""Access tokens signed here, as Supabase Auth signs them: only a valid one reaches any data, and
it reaches it through as_user on the Supabase-flavoured database, under row-level security."""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gongzhi import config
from gongzhi.auth import tokens
from gongzhi.errors import DomainError
from tests.conftest import DEMO_EMAILS

SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
VERIFIER = tokens.Verifier(secret=SECRET)


def user_id(url: str, role: str = "grid") -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("select id from auth.users where email = %s", (DEMO_EMAILS[role],)).fetchone()[0])


def claims_for(uid: str, **changes) -> dict:
    now = int(time.time())
    claims = {"iss": "https://demo.supabase.co/auth/v1", "sub": uid, "aud": "authenticated",
              "role": "authenticated", "email": "wangge@demo.gongzhi.cn", "iat": now, "exp": now + 3600,
              "session_id": str(uuid.uuid4()), "aal": "aal1"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict, key: str = SECRET, alg: str = "HS256", **headers) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers=headers or None)


def demands_seen(token: str, verifier=VERIFIER) -> int:
    user = tokens.identity_from_token(token, verifier)
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.demand").fetchone()["n"]


def test_only_the_valid_token_gets_data(supabase_db):
    uid = user_id(supabase_db)
    now = int(time.time())
    refused = {
        "expired": (sign(claims_for(uid, iat=now - 7200, exp=now - 3600)), "token.expired"),
        "wrong secret": (sign(claims_for(uid), key="another-secret-of-another-project-0123456789"), "token.invalid"),
        "wrong audience": (sign(claims_for(uid, aud="anon")), "token.wrong_audience"),
        "role forged to service_role": (sign(claims_for(uid, role="service_role")), "token.wrong_role"),
        "role forged to gongzhi_district": (sign(claims_for(uid, role="gongzhi_district")), "token.wrong_role"),
        "no expiry": (sign(claims_for(uid, exp=None)), "token.invalid"),
        "unsigned": (jwt.encode(claims_for(uid), None, algorithm="none"), "token.invalid"),
        "garbage": ("not.a.token", "token.invalid"),
    }
    for case, (token, key) in refused.items():
        with pytest.raises(DomainError) as refusal:
            demands_seen(token)
        assert refusal.value.key == key, case
    assert demands_seen(sign(claims_for(uid))) > 0


def test_the_verified_claims_reach_the_database_and_rls_decides(supabase_db):
    uid = user_id(supabase_db)
    claims = claims_for(uid)
    user = tokens.identity_from_token(sign(claims), VERIFIER)
    assert user.role == "grid" and user.claims["session_id"] == claims["session_id"]
    with user.session() as conn:
        row = conn.execute("select current_user as who, auth.uid()::text as uid,"
                           " auth.jwt() ->> 'session_id' as session_id,"
                           " count(distinct grid_id) as grids from public.demand").fetchone()
    assert row == {"who": "authenticated", "uid": uid, "session_id": claims["session_id"], "grids": 1}


def test_a_district_token_runs_as_the_district_role(supabase_db):
    user = tokens.identity_from_token(sign(claims_for(user_id(supabase_db, "district"))), VERIFIER)
    with user.session() as conn:
        assert conn.execute("select current_user as who").fetchone()["who"] == "gongzhi_district"


def test_a_valid_token_of_someone_who_is_not_staff_is_refused(supabase_db):
    with pytest.raises(DomainError) as refusal:
        demands_seen(sign(claims_for(str(uuid.uuid4()))))
    assert refusal.value.key == "auth.not_staff"


def test_hs256_tokens_are_refused_when_only_a_jwks_is_configured(supabase_db):
    with pytest.raises(DomainError) as refusal:
        tokens.verify(sign(claims_for(user_id(supabase_db))), tokens.Verifier(jwks_url="http://127.0.0.1:9/jwks"))
    assert refusal.value.key == "token.no_key"


@pytest.fixture
def jwks_server():
    """The project's public signing key served as a JWKS on loopback, as Supabase Auth serves it."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid="gz-test-key", alg="ES256", use="sig")
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield private, f"http://127.0.0.1:{server.server_port}/auth/v1/.well-known/jwks.json"
    server.shutdown()
    tokens._jwks_client.cache_clear()


def test_asymmetric_tokens_verify_against_the_project_jwks(supabase_db, jwks_server):
    private, url = jwks_server
    verifier = tokens.Verifier(jwks_url=url)
    uid = user_id(supabase_db)
    assert demands_seen(sign(claims_for(uid), key=private, alg="ES256", kid="gz-test-key"), verifier) > 0
    other = ec.generate_private_key(ec.SECP256R1())
    for token in (sign(claims_for(uid), key=other, alg="ES256", kid="gz-test-key"),
                  sign(claims_for(uid), key=private, alg="ES256", kid="unknown-key")):
        with pytest.raises(DomainError) as refusal:
            demands_seen(token, verifier)
        assert refusal.value.key == "token.invalid"


def test_settings_come_from_the_environment_before_the_secrets_file(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('SUPABASE_URL = "https://abc.supabase.co"\nSUPABASE_JWT_SECRET = "from-file"\n'
                       'GONGZHI_DATABASE_URL = "postgresql://postgres@db.abc.supabase.co/postgres"\n')
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", str(secrets))
    for name in ("SUPABASE_URL", "SUPABASE_JWT_SECRET", "SUPABASE_JWKS_URL", "GONGZHI_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert config.backend() == "supabase"
    assert config.database_url() == "postgresql://postgres@db.abc.supabase.co/postgres"
    assert tokens.Verifier.from_config() == tokens.Verifier(secret="from-file", jwks_url=None)
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "from-env")
    assert tokens.Verifier.from_config().secret == "from-env"
    monkeypatch.delenv("SUPABASE_JWT_SECRET")
    secrets.write_text('SUPABASE_URL = "https://abc.supabase.co"\n')
    assert tokens.Verifier.from_config().jwks_url == "https://abc.supabase.co/auth/v1/.well-known/jwks.json"
    secrets.write_text('GONGZHI_DATABASE_URL = "postgresql://u@h/db"\n')
    assert config.backend() == "postgres"
    secrets.unlink()
    assert config.backend() == "embedded"

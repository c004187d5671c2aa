"""The second factor on hosted Supabase: the portal's Supabase Auth client (supabase-py, as in
production) speaks real HTTP on loopback to a small server keeping Supabase Auth's MFA contract
(POST /token, GET /user, POST /factors, /factors/{id}/challenge, /factors/{id}/verify, DELETE
/factors/{id}), which checks TOTP codes with pyotp and signs tokens whose `aal` claim is `aal1`
after the password and `aal2` after a code. The tokens then reach the Supabase-flavoured database,
where the one restrictive policy refuses the aal1 token of a district account that must present
the second factor and lets its aal2 token through."""
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import psycopg
import pyotp
import pytest

from gongzhi.auth import supabase_auth
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from tests.conftest import DEMO_EMAILS

SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"
NOW_ISO = "2026-12-05T00:00:00Z"


class AuthContract:
    """The state of the Auth server: users by email, their factors, challenges, issued tokens."""

    def __init__(self, users: dict[str, str]):
        self.users = users                      # email -> user id
        self.factors: dict[str, dict] = {}      # factor id -> {user, secret, status, last}
        self.challenges: dict[str, str] = {}    # challenge id -> factor id
        self.tokens: dict[str, dict] = {}       # access token -> claims

    def user_json(self, uid: str, email: str) -> dict:
        factors = [{"id": fid, "friendly_name": f["name"], "factor_type": "totp", "status": f["status"],
                    "created_at": NOW_ISO, "updated_at": NOW_ISO}
                   for fid, f in self.factors.items() if f["user"] == uid]
        return {"id": uid, "aud": "authenticated", "role": "authenticated", "email": email,
                "app_metadata": {"provider": "email"}, "user_metadata": {}, "created_at": NOW_ISO,
                "factors": factors or None}

    def session(self, uid: str, email: str, aal: str) -> dict:
        now = int(time.time())
        claims = {"sub": uid, "aud": "authenticated", "role": "authenticated", "email": email, "iat": now,
                  "exp": now + 3600, "aal": aal, "session_id": str(uuid.uuid4()),
                  "amr": [{"method": "password", "timestamp": now}] + ([{"method": "totp", "timestamp": now}] if aal == "aal2" else [])}
        token = jwt.encode(claims, SECRET, algorithm="HS256")
        self.tokens[token] = claims
        return {"access_token": token, "token_type": "bearer", "expires_in": 3600, "expires_at": now + 3600,
                "refresh_token": uuid.uuid4().hex, "user": self.user_json(uid, email)}


def _handler(contract: AuthContract):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict | None = None):
            data = json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str, msg: str):
            self._send(status, {"code": status, "error_code": code, "msg": msg})

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _caller(self) -> dict | None:
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            return contract.tokens.get(token)

        def do_POST(self):
            path, body = self.path.split("?")[0].removeprefix("/auth/v1"), self._body()
            if path == "/token" and "grant_type=password" in self.path:
                uid = contract.users.get(body.get("email"))
                if uid is None or body.get("password") != DEMO_PASSWORD:
                    return self._error(400, "invalid_credentials", "Invalid login credentials")
                return self._send(200, contract.session(uid, body["email"], "aal1"))
            if path == "/logout":
                return self._send(204)
            caller = self._caller()
            if caller is None:
                return self._error(401, "bad_jwt", "invalid JWT")
            if path == "/factors":
                secret, fid = pyotp.random_base32(), str(uuid.uuid4())
                contract.factors[fid] = {"user": caller["sub"], "secret": secret, "status": "unverified",
                                         "name": body.get("friendly_name"), "last": None}
                uri = pyotp.TOTP(secret).provisioning_uri(name=caller["email"], issuer_name=body.get("issuer"))
                return self._send(200, {"id": fid, "type": "totp", "friendly_name": body.get("friendly_name"),
                                        "totp": {"qr_code": "<svg/>", "secret": secret, "uri": uri}})
            match = re.fullmatch(r"/factors/([^/]+)/(challenge|verify)", path)
            factor = contract.factors.get(match.group(1)) if match else None
            if factor is None or factor["user"] != caller["sub"]:
                return self._error(404, "mfa_factor_not_found", "Factor not found")
            if match.group(2) == "challenge":
                cid = str(uuid.uuid4())
                contract.challenges[cid] = match.group(1)
                return self._send(200, {"id": cid, "type": "totp", "expires_at": int(time.time()) + 300})
            if contract.challenges.pop(body.get("challenge_id"), None) != match.group(1):
                return self._error(422, "mfa_challenge_expired", "Challenge not found")
            code = body.get("code")
            if not pyotp.TOTP(factor["secret"]).verify(code, valid_window=1) or code == factor["last"]:
                return self._error(422, "mfa_verification_failed", "Invalid TOTP code entered")
            factor["status"], factor["last"] = "verified", code
            return self._send(200, contract.session(caller["sub"], caller["email"], "aal2"))

        def do_GET(self):
            caller = self._caller()
            if self.path.split("?")[0] != "/auth/v1/user" or caller is None:
                return self._error(401, "bad_jwt", "invalid JWT")
            return self._send(200, contract.user_json(caller["sub"], caller["email"]))

        def do_DELETE(self):
            caller = self._caller()
            fid = self.path.rsplit("/", 1)[-1]
            if caller is None or contract.factors.get(fid, {}).get("user") != caller["sub"]:
                return self._error(404, "mfa_factor_not_found", "Factor not found")
            del contract.factors[fid]
            return self._send(200, {"id": fid})

        def log_message(self, *args):
            pass
    return Handler


@pytest.fixture
def auth_server(supabase_db, monkeypatch):
    """The contract server on a loopback port, configured as the project's Auth; the portal's
    database is the Supabase-flavoured one, with the district's second factor required."""
    with psycopg.connect(supabase_db, autocommit=True) as conn:
        users = {DEMO_EMAILS[r]: str(conn.execute("select id from auth.users where email = %s",
                                                  (DEMO_EMAILS[r],)).fetchone()[0]) for r in ("district", "grid")}
        conn.execute("update public.security_setting set value = 'true' where key = 'mfa.required_for_district'")
        # Outside demo mode, where the second factor is required; the demo accounts are taken to
        # have set their own passwords (the forced change is tested in test_identity_on_supabase.py).
        conn.execute("update public.security_setting set value = 'false' where key = 'demo_mode'")
        conn.execute("update private.password_state set must_change = false, reason = null, demo = false where demo")
    contract = AuthContract(users)
    server = HTTPServer(("127.0.0.1", 0), _handler(contract))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("SUPABASE_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("SUPABASE_ANON_KEY", jwt.encode({"role": "anon"}, SECRET, algorithm="HS256"))
    monkeypatch.setenv("SUPABASE_JWT_SECRET", SECRET)
    monkeypatch.delenv("SUPABASE_JWKS_URL", raising=False)
    try:
        yield contract
    finally:
        server.shutdown()
        server.server_close()


def _demands(user) -> int:
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.demand").fetchone()["n"]


def test_a_district_account_enrols_through_supabase_auth_and_its_aal2_token_reaches_the_data(auth_server):
    auth = supabase_auth.AuthSession()
    first = auth.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD)
    assert first.claims["aal"] == "aal1" and first.role == "district"
    assert _demands(first) == 0                     # the aal1 token reaches nothing: the policy refuses it
    assert auth.second_factor_step(first) == "enrol"

    enrolment = auth.begin_enrolment(first)
    assert enrolment.uri.startswith("otpauth://totp/") and enrolment.qr_png.startswith(b"\x89PNG")
    with pytest.raises(DomainError) as wrong:
        auth.confirm_enrolment("000000" if pyotp.TOTP(enrolment.secret).now() != "000000" else "111111")
    assert wrong.value.key == "mfa.wrong_code"
    full = auth.confirm_enrolment(pyotp.TOTP(enrolment.secret).now())
    assert full.claims["aal"] == "aal2" and full.user_id == first.user_id
    assert _demands(full) > 0

    # Signed in again, the account is asked for a code; a reused one is refused by Supabase Auth.
    again = supabase_auth.AuthSession()
    user = again.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD)
    assert again.second_factor_step(user) == "code"
    with pytest.raises(DomainError) as replayed:
        again.verify_code(pyotp.TOTP(enrolment.secret).now())
    assert replayed.value.key == "mfa.wrong_code"
    later = again.verify_code(pyotp.TOTP(enrolment.secret).at(time.time() + 30))
    assert later.claims["aal"] == "aal2" and _demands(later) > 0


def test_a_grid_worker_without_a_factor_keeps_a_password_session(auth_server):
    auth = supabase_auth.AuthSession()
    user = auth.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    assert auth.second_factor_step(user) is None and _demands(user) > 0


def test_the_login_page_enrols_a_district_account_through_supabase_auth(auth_server):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP, TIMEOUT
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input(DEMO_EMAILS["district"])
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and "identity" not in at.session_state
    assert at.subheader[0].value == "启用两步验证"
    secret = at.session_state["mfa_pending"]["enrolment"].secret
    at.text_input(key="mfa_forced_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:mfa_forced-2. 输入验证码确认").click().run()
    assert not at.exception
    assert at.session_state["identity"].claims["aal"] == "aal2" and "您好" in at.title[0].value

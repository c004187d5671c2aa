"""Supabase Auth calls, tested without Supabase's servers (which must not be mocked): the parts
that decide without a network — one client per session, refresh timing, error messages, refusals
before any e-mail goes out — and a real unreachable server. docs/deploy-supabase.md exercises the
calls against a real project by hand."""
import socket
import time

import jwt
import pytest
from streamlit.testing.v1 import AppTest
from supabase_auth.errors import AuthApiError, AuthRetryableError

from gongzhi.auth import supabase_auth
from gongzhi.auth.identity import Identity
from gongzhi.errors import DomainError
from tests.pages.conftest import APP, TIMEOUT, identity_of

ANON_KEY = jwt.encode({"iss": "supabase", "role": "anon", "exp": int(time.time()) + 86400}, "s" * 40, algorithm="HS256")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_project(monkeypatch):
    """Supabase settings whose Auth server does not answer (a closed loopback port)."""
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.setenv("SUPABASE_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SUPABASE_ANON_KEY", ANON_KEY)
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "s" * 40)
    monkeypatch.delenv("SUPABASE_SERVICE_ROLE_KEY", raising=False)


def _identity(exp: float | None, role: str = "grid", admin: str | None = None) -> Identity:
    return Identity(user_id="00000000-0000-0000-0000-000000000001", email="a@b.cn", display_name="刘洋",
                    role=role, org_unit_id=1, org_unit_name="丽水社区第一网格", org_unit_kind="grid",
                    claims={} if exp is None else {"exp": exp}, admin=admin)


def test_each_user_session_gets_its_own_client(unreachable_project):
    first, second = supabase_auth.AuthSession(), supabase_auth.AuthSession()
    assert first.client is not second.client and first.client.auth is not second.client.auth


def test_without_supabase_settings_sign_in_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    with pytest.raises(DomainError) as refusal:
        supabase_auth.AuthSession()
    assert refusal.value.key == "supabase_auth.not_configured"


def test_an_unreachable_auth_server_gets_a_clear_message(unreachable_project):
    auth = supabase_auth.AuthSession()
    with pytest.raises(DomainError) as refusal:
        auth.sign_in("wangge@demo.gongzhi.cn", "gongzhi2026")
    assert refusal.value.key == "supabase_auth.unreachable"
    with pytest.raises(DomainError) as refusal:
        supabase_auth.send_password_reset("wangge@demo.gongzhi.cn")
    assert refusal.value.key == "supabase_auth.unreachable"


def test_a_token_is_refreshed_only_near_its_expiry(unreachable_project):
    auth = supabase_auth.AuthSession()
    fresh = _identity(time.time() + 3600)
    assert auth.keep_fresh(fresh) is fresh                     # no call to the server at all
    local = _identity(None)
    assert auth.keep_fresh(local) is local                     # local sign-in has no token
    expiring = _identity(time.time() + 30)
    with pytest.raises(DomainError) as refusal:
        auth.keep_fresh(expiring)
    assert refusal.value.key == "supabase_auth.session_ended"  # no refresh token: sign in again
    auth.refresh_token = "a-refresh-token"
    with pytest.raises(DomainError) as refusal:
        auth.keep_fresh(expiring)
    assert refusal.value.key == "supabase_auth.unreachable"


@pytest.mark.parametrize("error,key", [
    (AuthApiError("Invalid login credentials", 400, "invalid_credentials"), "supabase_auth.wrong_password"),
    (AuthApiError("Email not confirmed", 400, "email_not_confirmed"), "supabase_auth.email_not_confirmed"),
    (AuthApiError("Too many", 429, "over_request_rate_limit"), "supabase_auth.rate_limited"),
    (AuthApiError("Invalid Refresh Token", 400, "refresh_token_not_found"), "supabase_auth.session_ended"),
    (AuthRetryableError("timeout", 0), "supabase_auth.unreachable"),
    (AuthApiError("Something else", 500, "unexpected_failure"), "supabase_auth.failed"),
])
def test_auth_errors_become_messages(error, key):
    assert supabase_auth.auth_error(error).key == key


def test_only_the_system_administrator_invites_and_nothing_is_sent_otherwise(unreachable_project):
    for someone in (_identity(None, role="street"), _identity(None, role="district"),
                    _identity(None, role="district", admin="security")):
        with pytest.raises(DomainError) as refusal:
            supabase_auth.invite_staff(someone, email="new@x.cn", role="grid", org_unit_id=1, display_name="新同事")
        assert refusal.value.key == "error.forbidden"
    with pytest.raises(DomainError) as refusal:   # the service key is needed, and only on the server
        supabase_auth.invite_staff(_identity(None, role="district", admin="system"), email="new@x.cn", role="grid",
                                   org_unit_id=1, display_name="新同事")
    assert refusal.value.key == "supabase_auth.no_service_key"


def test_the_login_page_uses_supabase_auth_on_the_supabase_backend(fresh_db, unreachable_project):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.expander and at.expander[0].label == "忘记密码？"
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input("gongzhi2026")
    at.button[0].click().run()
    assert at.error[0].value == "无法连接 Supabase 认证服务，请稍后再试"
    assert "identity" not in at.session_state
    assert isinstance(at.session_state["supabase_auth"], supabase_auth.AuthSession)


def test_the_login_page_keeps_local_sign_in_elsewhere(fresh_db, monkeypatch):
    monkeypatch.setenv("GONGZHI_SECRETS_FILE", "/nonexistent/secrets.toml")
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.expander
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input("gongzhi2026")
    at.button[0].click().run()
    assert at.session_state["identity"] == identity_of("wangge@demo.gongzhi.cn")
    assert "supabase_auth" not in at.session_state


def _signed_in_with_expiring_token(at: AppTest, refresh_token: str | None) -> AppTest:
    auth = supabase_auth.AuthSession()
    auth.refresh_token = refresh_token
    user = identity_of("wangge@demo.gongzhi.cn")
    at.session_state["identity"] = Identity(**{**user.__dict__, "claims": {"exp": time.time() + 30}})
    at.session_state["supabase_auth"] = auth
    return at


def test_a_session_that_cannot_be_renewed_signs_out_with_a_message(fresh_db, unreachable_project):
    at = _signed_in_with_expiring_token(AppTest.from_file(APP, default_timeout=TIMEOUT), None).run()
    assert not at.exception
    assert "identity" not in at.session_state and "supabase_auth" not in at.session_state
    assert at.warning[0].value == "登录已过期，请重新登录"
    assert at.text_input(key="login_email").value == ""


def test_a_fresh_token_keeps_the_user_signed_in_without_calling_the_server(fresh_db, unreachable_project):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    auth = supabase_auth.AuthSession()
    user = identity_of("wangge@demo.gongzhi.cn")
    at.session_state["identity"] = Identity(**{**user.__dict__, "claims": {"exp": time.time() + 3600}})
    at.session_state["supabase_auth"] = auth
    at.run()
    assert not at.exception and at.title[0].value == "今日走访"   # the grid worker's landing page
    assert any("刘洋" in m.value for m in at.sidebar.markdown)
    at.button(key="sign_out").click().run()
    assert "identity" not in at.session_state and "supabase_auth" not in at.session_state


def test_the_org_page_invites_through_supabase_auth_and_writes_nothing_when_it_fails(fresh_db, unreachable_project):
    import psycopg
    from gongzhi.org import commands
    from gongzhi.org.forms import AccountForm
    district = identity_of("xitong@demo.gongzhi.cn")   # the system administrator (三权分立)
    with psycopg.connect(fresh_db) as conn:
        grid = conn.execute("select id from public.org_unit where name = '丽水社区第二网格'").fetchone()[0]
        before = conn.execute("select count(*) from auth.users").fetchone()[0]
    form = AccountForm(email="invitee@demo.gongzhi.cn", password="Not-used-2026!", display_name="新同事",
                       org_unit_id=grid)
    with pytest.raises(DomainError) as refusal:
        commands.create_account(district, form)
    assert refusal.value.key == "supabase_auth.no_service_key"   # it went to Supabase Auth, not to auth.users
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from auth.users").fetchone()[0] == before

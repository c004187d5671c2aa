"""The second factor in the portal (AppTest on the real app.py): a district account that must
have one enrols at its sign-in before any session exists; an enrolled account is asked for the
code after its password; the 两步验证 page enrols a grid worker who chooses to."""
import pyotp
import psycopg
from psycopg.rows import dict_row
from streamlit.testing.v1 import AppTest

from gongzhi.demo_data import DEMO_PASSWORD
from tests.conftest import DEMO_EMAILS
from tests.pages.conftest import APP, TIMEOUT


def _sql(url, query, params=()):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _password(at, role):
    at.text_input(key="login_email").input(DEMO_EMAILS[role])
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception


def _sessions(url, role):
    return _sql(url, "select s.aal from private.staff_session s join auth.users u on u.id = s.user_id"
                     " where u.email = %s", (DEMO_EMAILS[role],))


def test_a_district_account_enrols_at_sign_in_then_signs_in_with_a_code(fresh_db):
    _sql(fresh_db, "update public.security_setting set value = 'true' where key = 'mfa.required_for_district'")
    _sql(fresh_db, "update public.security_setting set value = 'false' where key = 'demo_mode'")   # outside demo mode
    _sql(fresh_db, "update private.password_state set must_change = false, reason = null, demo = false where demo")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _password(at, "district")
    assert "identity" not in at.session_state and _sessions(fresh_db, "district") == []
    assert at.subheader[0].value == "启用两步验证"
    secret = at.session_state["mfa_pending"]["enrolment"].secret
    assert any(secret[:4] in c.value for c in at.code)
    at.text_input(key="mfa_forced_code").input("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    at.button(key="FormSubmitter:mfa_forced-2. 输入验证码确认").click().run()
    assert at.error[0].value.startswith("验证码不正确或已过期")
    at.text_input(key="mfa_forced_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:mfa_forced-2. 输入验证码确认").click().run()
    assert not at.exception and "identity" not in at.session_state
    codes = at.code[-1].value.split("\n")
    assert len(codes) == 10
    at.button(key="mfa_forced_continue").click().run()
    assert not at.exception
    assert at.session_state["identity"].claims["aal"] == "aal2" and "您好" in at.title[0].value
    assert _sessions(fresh_db, "district") == [{"aal": "aal2"}]

    # Signed out, the next sign-in asks for the code; a recovery code also works.
    at.button(key="sign_out").click().run()
    at.run()
    _password(at, "district")
    assert at.subheader[0].value == "两步验证" and "identity" not in at.session_state
    at.text_input(key="mfa_code_input").input(codes[0])
    at.button(key="FormSubmitter:mfa_code-验证并登录").click().run()
    assert not at.exception and at.session_state["identity"].claims["aal"] == "aal2"


def test_a_grid_worker_enrols_on_the_page_and_is_then_asked_for_the_code(app_as, fresh_db):
    at = app_as("grid", "pages/second_factor.py").run()
    assert not at.exception
    at.button(key="mfa_start").click().run()
    secret = at.session_state["mfa_enrolment"].secret
    at.text_input(key="mfa_enrol_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:mfa_enrol-2. 输入验证码确认").click().run()
    assert not at.exception and len(at.code[-1].value.split("\n")) == 10
    assert at.session_state["identity"].claims["aal"] == "aal2"
    at.button(key="mfa_codes_seen").click().run()
    assert at.success[0].value.startswith("两步验证已启用")

    login = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _password(login, "grid")
    assert login.subheader[0].value == "两步验证"
    login.text_input(key="mfa_code_input").input("12345a")
    login.button(key="FormSubmitter:mfa_code-验证并登录").click().run()
    assert login.error[0].value.startswith("验证码不正确") and "identity" not in login.session_state
    login.button(key="mfa_cancel").click().run()
    assert login.text_input(key="login_email")


def test_the_system_administrator_resets_a_lost_factor_on_the_page(app_as, fresh_db):
    from gongzhi.auth import local, second_factor
    grid = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    enrolment = second_factor.begin_enrolment(grid)
    second_factor.confirm_enrolment(grid, pyotp.TOTP(enrolment.secret).now())

    for other in ("street", "district", "security"):
        page = app_as(other, "pages/second_factor.py").run()
        assert not page.exception and not any(s.value == "重置他人的两步验证" for s in page.subheader), other

    at = app_as("system", "pages/second_factor.py").run()
    at.text_input(key="mfa_reset_email").input("nobody@demo.gongzhi.cn")
    at.button(key="FormSubmitter:mfa_reset-重置").click().run()
    assert at.error[0].value == "没有使用该邮箱的账号" and second_factor.is_enrolled(grid)
    at.text_input(key="mfa_reset_email").input(DEMO_EMAILS["grid"])
    at.button(key="FormSubmitter:mfa_reset-重置").click().run()
    assert not at.exception and at.success[-1].value == "已重置该账号的两步验证"
    assert not second_factor.is_enrolled(grid)
    assert _sql(fresh_db, "select details from private.security_log where kind = 'mfa_remove'") == \
        [{"details": {"by": "administrator", "had_factor": True}}]

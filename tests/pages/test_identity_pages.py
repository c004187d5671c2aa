"""身份鉴别 in the portal: the forced password change is the only page until it is done, the demo
banner on every page, the expiry warning, sessions that end (idle, signed in elsewhere, signed out
everywhere) with their reason on the sign-in page, and the security administrator's settings page."""
import psycopg
import pytest
from psycopg.rows import dict_row
from streamlit.testing.v1 import AppTest

from gongzhi import db, security_settings
from gongzhi.accounts import create_staff
from gongzhi.auth import local, sessions
from gongzhi.auth.pages import pages_for
from gongzhi.demo_data import DEMO_PASSWORD
from tests.conftest import ACCOUNTS, ADMIN_EMAILS, DEMO_EMAILS
from tests.pages.conftest import APP, TIMEOUT, identity_of

DEMO_BANNER = "演示模式：所有演示账号共用公开密码，切勿存放真实数据"


def _sign_in_through_the_page(email: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def _signed_in_browser(role: str) -> tuple[AppTest, str]:
    """An AppTest of a browser that signed in as the demo account `role` (with its session token)."""
    user = identity_of(ACCOUNTS[role])
    token = sessions.start(user.user_id)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["identity"] = user
    at.session_state["session_token"] = token
    return at, token


def test_a_first_sign_in_shows_only_the_password_page_until_it_is_changed(fresh_db):
    create_staff(email="zhou@demo.cn", password="Binjiang-ledger-7!", role="grid", org="丽水社区第一网格",
                 display_name="周琳")
    at = _sign_in_through_the_page("zhou@demo.cn", "Binjiang-ledger-7!")
    assert at.title[0].value == "账号安全"
    assert at.info[0].value == "首次登录，请先设置您自己的密码"
    assert [p.key for p in pages_for("grid", must_change=True)] == ["account"]
    with pytest.raises(Exception):
        at.switch_page("pages/demands.py").run()        # not registered for this browser
    at = _sign_in_through_the_page("zhou@demo.cn", "Binjiang-ledger-7!")
    at.text_input(key="account_current").input("Binjiang-ledger-7!")
    at.text_input(key="account_new").input("Binjiang-ledger-7!")
    at.text_input(key="account_repeat").input("Binjiang-ledger-7!")
    _submit(at)
    assert at.session_state["identity"].must_change == "first"
    assert any("最近" in e.value for e in at.error)                 # the district's password: not again
    at.text_input(key="account_current").input("Binjiang-ledger-7!")
    at.text_input(key="account_new").input("Harbor-lantern-71!")
    at.text_input(key="account_repeat").input("Harbor-lantern-71!")
    _submit(at)
    assert not at.exception
    assert at.session_state["identity"].must_change == ""
    assert at.session_state["session_token"]                          # a new session for this browser
    at.switch_page("pages/demands.py").run()
    assert not at.exception and at.title[0].value == "需求清单"


def _submit(at: AppTest) -> None:
    next(b for b in at.button if b.label == "修改密码").click().run()


def test_the_password_page_refuses_a_weak_or_mistyped_password(fresh_db):
    at, _ = _signed_in_browser("grid")
    at.switch_page("pages/account.py").run()
    for current, new, repeat, message in [
            ("wrong", "Harbor-lantern-71!", "Harbor-lantern-71!", "当前密码不正确"),
            (DEMO_PASSWORD, "Harbor-lantern-71!", "Harbor-lantern-72!", "两次输入的新密码不一致"),
            (DEMO_PASSWORD, "12345678", "12345678", "密码太短：至少 10 位（可由区里设得更长）")]:
        at.text_input(key="account_current").input(current)
        at.text_input(key="account_new").input(new)
        at.text_input(key="account_repeat").input(repeat)
        _submit(at)
        assert [e.value for e in at.error] == [message]
    assert local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD).must_change == ""   # nothing changed


def test_demo_mode_puts_a_banner_on_every_page_and_off_forces_the_change(fresh_db, app_as):
    # app.py draws it before any page (AppTest shows the entry script's elements on the first page only)
    for role in ACCOUNTS:                   # the administrators too
        at = app_as(role).run()
        assert DEMO_BANNER in [w.value for w in at.warning], role
    login = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert DEMO_BANNER in [w.value for w in login.warning]
    assert "gongzhi2026" in login.caption[-1].value
    security = app_as("security", "pages/security_settings.py").run()
    security.button(key="security_demo_off").click().run()
    assert not security.exception and "演示模式已关闭" in [s.value for s in security.success]
    login = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert DEMO_BANNER not in [w.value for w in login.warning]
    assert not any("gongzhi2026" in c.value for c in login.caption)   # the password is no longer published
    at = _sign_in_through_the_page(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    assert at.title[0].value == "账号安全"
    assert at.info[0].value == "演示模式已关闭，演示密码不能再用，请先设置您自己的密码"


def test_a_password_near_its_expiry_is_announced(fresh_db, app_as):
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("update private.password_state set changed_at = now() - interval '86 days', demo = false"
                  " where user_id = (select id from auth.users where email = %s)", (DEMO_EMAILS["grid"],))
    at = app_as("grid").run()
    assert any(w.value.startswith("您的密码将在") for w in at.warning)


def test_an_idle_session_signs_the_browser_out_with_the_reason(fresh_db):
    at, token = _signed_in_browser("grid")
    at.run()
    assert "identity" in at.session_state
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("update private.staff_session set last_seen_at = now() - interval '31 minutes'")
    at.run()
    assert not at.exception and "identity" not in at.session_state
    assert at.warning[0].value == "长时间未操作，已自动退出"
    assert sessions.status(token) == (None, None)


def test_a_second_sign_in_tells_the_older_browser_why_it_was_signed_out(fresh_db):
    older, _ = _signed_in_browser("grid")
    older.run()
    newer = _sign_in_through_the_page(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    assert newer.session_state["identity"].role == "grid"
    older.run()
    assert "identity" not in older.session_state
    assert older.warning[0].value == "您的账号已在其他地方登录"
    newer.run()
    assert "identity" in newer.session_state


def test_under_the_rule_refuse_the_second_browser_is_refused(fresh_db):
    security_settings.change(identity_of(ADMIN_EMAILS["security"]), "session.second_sign_in", "refuse")
    older, _ = _signed_in_browser("grid")
    older.run()
    newer = _sign_in_through_the_page(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    assert "identity" not in newer.session_state
    assert newer.error[0].value.startswith("该账号已在其他地方登录")
    older.run()
    assert "identity" in older.session_state


def test_sign_out_everywhere_from_the_account_page_and_from_the_org_page(fresh_db):
    one, _ = _signed_in_browser("grid")
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into public.security_setting (key, value) values ('session.second_sign_in', '\"refuse\"')")
    two, _ = _signed_in_browser("grid")
    one.switch_page("pages/account.py").run()
    one.button(key="account_everywhere").click().run()
    assert "identity" not in one.session_state
    one.switch_page("pages/login.py").run()     # a browser lands on the sign-in page (AppTest keeps the address)
    assert one.warning[0].value == "您的账号已退出所有设备"
    two.run()
    assert "identity" not in two.session_state and two.warning[0].value == "您的账号已退出所有设备"

    three, _ = _signed_in_browser("grid")
    three.run()
    system, _ = _signed_in_browser("system")        # the org page is the system administrator's
    system.switch_page("pages/org.py").run()
    system.text_input(key="org_search").input("刘洋").run()
    rows = system.dataframe(key="org_staff_table").value
    assert len(rows) >= 1
    system.session_state["org_staff_table"] = {"selection": {"rows": [0], "columns": []}}
    system.run()
    system.button(key="org_everywhere").click().run()
    assert not system.exception
    assert any("已退出所有设备" in s.value for s in system.success)
    three.run()
    assert "identity" not in three.session_state


def test_the_district_changes_a_session_setting_on_its_page_and_others_have_no_page(fresh_db, app_as):
    at = app_as("security", "pages/security_settings.py").run()
    assert not at.exception and at.title[0].value == "安全设置"
    at.number_input(key="security_setting_session.idle_minutes").set_value(15)
    _save(at, "session.idle_minutes")
    assert not at.exception
    with db.owner() as conn:
        assert security_settings.get(conn, "session.idle_minutes") == 15
    assert "已保存：无操作自动退出（分钟）" in [s.value for s in at.success]
    assert "security_settings" in [p.key for p in pages_for("district", admin="security")]
    for role in ("district", "street", "community", "grid", "department"):
        assert "security_settings" not in [p.key for p in pages_for(role)]
    for admin in ("system", "audit"):
        assert "security_settings" not in [p.key for p in pages_for("district", admin=admin)]
    district = app_as("district", "pages/security_settings.py").run()   # not its page: no form at all
    assert not district.number_input


def _save(at: AppTest, key: str) -> None:
    keys = [k for k in security_settings.DEFAULTS if k.startswith(("password.", "session."))]
    [b for b in at.button if b.label == "保存"][keys.index(key)].click().run()


def test_the_session_check_is_part_of_the_page_transaction(fresh_db):
    at, _ = _signed_in_browser("community")
    at.run()
    at.switch_page("pages/demands.py").run()
    before = db.checkouts()
    at.run()
    assert not at.exception and db.checkouts() - before == 1
    with psycopg.connect(fresh_db, autocommit=True, row_factory=dict_row) as c:
        assert c.execute("select count(*) as n from private.staff_session").fetchone()["n"] == 1

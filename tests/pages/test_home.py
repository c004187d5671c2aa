"""The shell and the home page, for every role, against the real demo database."""
import pytest
from streamlit.testing.v1 import AppTest

from gongzhi.auth.pages import landing, pages_for
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.home import overview
from tests.pages.conftest import APP, TIMEOUT, identity_of
from tests.conftest import ADMIN_EMAILS, DEMO_EMAILS


HOME = "pages/home.py"   # the grid role lands on its day page (今日走访); home is one click away


def _home(app_as, role: str):
    """The home page of `role` inside app.py, as a click in the menu opens it."""
    at = app_as(role).run()
    return at.switch_page(HOME).run()



def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("role", list(DEMO_EMAILS))
def test_home_shows_name_territory_and_what_the_role_can_see(app_as, role):
    landing = app_as(role).run()
    user = identity_of(DEMO_EMAILS[role])
    assert any(user.org_unit_name in c.value for c in landing.sidebar.caption)
    at = landing.switch_page(HOME).run()
    assert not at.exception
    assert user.display_name in at.title[0].value
    figures = overview(user)
    assert _metric(at, "需求清单") == f"{figures['demands']:,}"
    assert _metric(at, "资源清单") == f"{figures['resources']:,}"
    assert _metric(at, "项目清单") == f"{figures['projects']:,}"


def test_territories_nest_in_the_counts(fresh_db):
    counts = {role: overview(identity_of(email))["demands"] for role, email in DEMO_EMAILS.items()}
    assert counts["district"] > counts["street"] > counts["community"] > counts["grid"] > 0
    assert counts["department"] == 0


def test_sign_in_with_the_form_then_sign_out(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "今日走访"          # the grid worker lands on the day's page
    assert any("刘洋" in m.value for m in at.sidebar.markdown)
    at.button(key="sign_out").click().run()
    assert "identity" not in at.session_state
    at.run()  # the browser lands on the sign-in page
    assert at.text_input(key="login_email").value == ""
    assert not at.metric


def test_wrong_password_shows_a_message_in_chinese(fresh_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input("not-the-password")
    at.button[0].click().run()
    assert at.error[0].value == "邮箱或密码不正确"
    assert "identity" not in at.session_state


def test_the_language_switch_turns_the_page_english(app_as):
    at = app_as("grid").run()
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not at.exception and at.title[0].value == "Today's rounds"
    at.switch_page(HOME).run()
    assert at.title[0].value.startswith("Hello")


def test_each_role_registers_only_its_pages():
    assert [p.key for p in pages_for("nobody")] == []
    for role in DEMO_EMAILS:
        assert pages_for(role)[0].key == landing(role)
    assert landing("grid") == "field_today" and landing("grid", "system") == "home"


@pytest.mark.parametrize("admin", list(ADMIN_EMAILS))
def test_an_administrator_gets_the_pages_of_the_duty_and_no_figures(app_as, admin):
    """三权分立: the administrators' menus hold only their own administration, and home shows no data."""
    at = app_as(admin).run()
    assert not at.exception and not at.metric
    assert identity_of(ADMIN_EMAILS[admin]).admin == admin
    keys = {p.key for p in pages_for("district", admin)}
    everyone = {"home", "second_factor", "account", "privacy"}
    assert keys == everyone | {"system": {"org", "dormant_accounts", "whistle_settings"},
                               "security": {"security_settings", "unmask_grants"}, "audit": {"security_log"}}[admin]
    assert not keys & {"demands", "resources", "projects", "dashboard", "matching"}
    assert "security_log" not in {p.key for p in pages_for("district")}


def test_signing_in_starts_a_session_that_a_reload_resumes_and_sign_out_ends(fresh_db, monkeypatch):
    import psycopg

    from ui import session
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    token = at.session_state[session.TOKEN]
    # A reload: a new browser session with nothing in it but the cookie.
    monkeypatch.setattr(session, "_cookie", lambda: token)
    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not reloaded.exception and any("刘洋" in m.value for m in reloaded.sidebar.markdown)
    reloaded.button(key="sign_out").click().run()
    again = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "identity" not in again.session_state and again.text_input(key="login_email").value == ""

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_email").input("wangge@demo.gongzhi.cn")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    token = at.session_state[session.TOKEN]
    with psycopg.connect(fresh_db) as conn:   # the district disables the account meanwhile
        conn.execute("update public.staff set active = false where user_id ="
                     " (select id from auth.users where email = 'wangge@demo.gongzhi.cn')")
        assert conn.execute("select count(*) from private.staff_session").fetchone()[0] == 0   # ended at once
    disabled = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "identity" not in disabled.session_state and not disabled.exception
    assert disabled.text_input(key="login_email").value == ""


def test_a_failed_restore_drill_is_shown_loudly_to_the_system_administrator_only(app_as, fresh_db):
    import psycopg

    from gongzhi import security_log
    from gongzhi.i18n import t
    assert not app_as("system").run().error                    # no drill yet: nothing to say
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        security_log.append(conn, "drill", object="20261205T020000",
                            details={"ok": False, "problems": ["barman check failed: WAL archive"]})
    shown = app_as("system").run()
    assert len(shown.error) == 1 and "barman check failed: WAL archive" in shown.error[0].value
    assert shown.error[0].value.startswith(t("home.drill_failed", at="", problems="").split("（")[0])
    assert not app_as("district").run().error and not app_as("audit").run().error
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        security_log.append(conn, "drill", object="20261206T020000", details={"ok": True, "problems": []})
    assert not app_as("system").run().error

"""身份鉴别: password history, expiry, the forced change (first sign-in, a reset, demo mode off) and
what the database serves meanwhile, and the browser sessions (idle timeout, the second sign-in rule
both ways, sign out everywhere)."""
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from gongzhi import db, security_settings
from gongzhi.accounts import create_staff
from gongzhi.auth import demo_mode, load_identity, local, sessions
from gongzhi.cli import main
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from tests.conftest import ACCOUNTS, ADMIN_EMAILS, DEMO_EMAILS, user_id

STRONG = ["Harbor-lantern-71!", "Quiet-maple-road-82!", "Violet-stone-bridge-93!", "Copper-kite-river-14!",
          "Amber-fjord-pine-25!", "Silver-owl-meadow-36!", "Jade-comet-harbor-47!"]


def _owner(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def _entries(url, kind):
    with _owner(url) as c:
        return c.execute("select * from private.security_log where kind = %s order by id", (kind,)).fetchall()


def _sees(user) -> int:
    """How many demands `user`'s requests are served."""
    with user.session() as conn:
        return conn.execute("select count(*) as n from public.demand").fetchone()["n"]


# ---------------------------------------------------------------- history

def test_a_user_cannot_reuse_any_of_their_last_five_passwords(fresh_db):
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    current = DEMO_PASSWORD
    with pytest.raises(DomainError) as refusal:
        local.change_password(user, "not-my-password-1A!", STRONG[0])
    assert refusal.value.key == "account.current_password_wrong"
    for new in STRONG[:5]:
        user = local.change_password(user, current, new)
        current = new
    for old in STRONG[:4]:                       # the last five: STRONG[0..4]
        with pytest.raises(DomainError) as refusal:
            local.change_password(user, current, old)
        assert refusal.value.key == "account.password_reused"
    with pytest.raises(DomainError) as refusal:
        local.change_password(user, current, current)
    assert refusal.value.key == "account.password_reused"
    user = local.change_password(user, current, STRONG[5])
    user = local.change_password(user, STRONG[5], STRONG[0])     # six changes ago: allowed again
    assert local.sign_in(DEMO_EMAILS["grid"], STRONG[0]).user_id == user.user_id
    with _owner(fresh_db) as c:
        hashes = [r["hash"] for r in c.execute("select hash from private.password_history where user_id = %s",
                                               (user.user_id,))]
    assert all(h.startswith("scrypt$") and not any(p in h for p in STRONG) for h in hashes)
    assert len(_entries(fresh_db, "password_change")) == 7


def test_the_district_may_remember_more_passwords(fresh_db):
    security = load_identity(local.sign_in(ADMIN_EMAILS["security"], DEMO_PASSWORD).user_id)
    security_settings.change(security, "password.history", 8)
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    current = DEMO_PASSWORD
    for new in STRONG[:6]:
        user = local.change_password(user, current, new)
        current = new
    with pytest.raises(DomainError, match="account.password_reused"):
        local.change_password(user, current, STRONG[0])


# ---------------------------------------------------------------- expiry

def _age_password(url, email, days):
    with _owner(url) as c:
        c.execute("update private.password_state set changed_at = now() - make_interval(days => %s), demo = false"
                  " where user_id = (select id from auth.users where email = %s)", (days, email))


def test_an_expired_password_must_be_changed_and_the_database_serves_nothing_meanwhile(fresh_db):
    email = DEMO_EMAILS["grid"]
    _age_password(fresh_db, email, 85)
    user = local.sign_in(email, DEMO_PASSWORD)
    assert user.must_change == ""
    assert user.password_days_left(datetime.now(timezone.utc)) in (4, 5)      # the warning week
    assert user.password_days_left(user.password_expires_at - timedelta(days=8)) is None
    assert _sees(user) > 0
    _age_password(fresh_db, email, 91)
    user = local.sign_in(email, DEMO_PASSWORD)
    assert user.must_change == "expired"
    assert _sees(user) == 0
    with user.session() as conn:
        assert conn.execute("select private.staff_role() as r, current_user as u").fetchone() == {"r": None, "u": "authenticated"}
    user = local.change_password(user, DEMO_PASSWORD, STRONG[0])
    assert user.must_change == "" and _sees(user) > 0


def test_a_shorter_expiry_set_by_the_district_applies_at_the_next_sign_in(fresh_db):
    security = local.sign_in(ADMIN_EMAILS["security"], DEMO_PASSWORD)
    security_settings.change(security, "password.expiry_days", 30)
    _age_password(fresh_db, DEMO_EMAILS["community"], 31)
    assert local.sign_in(DEMO_EMAILS["community"], DEMO_PASSWORD).must_change == "expired"


# ---------------------------------------------------------------- forced change

def test_an_account_made_on_the_command_line_changes_its_password_first(fresh_db):
    new_id = create_staff(email="zhou@demo.cn", password="Binjiang-ledger-7!", role="district", org="滨江区",
                          display_name="周琳")
    user = local.sign_in("zhou@demo.cn", "Binjiang-ledger-7!")
    assert (user.user_id, user.must_change) == (new_id, "first")
    with user.session() as conn:            # a district account, yet not the district's role
        assert conn.execute("select current_user as u").fetchone()["u"] == "authenticated"
        assert conn.execute("select count(*) as n from public.staff").fetchone()["n"] == 1   # itself only
    assert _sees(user) == 0
    user = local.change_password(user, "Binjiang-ledger-7!", STRONG[1])
    with user.session() as conn:
        assert conn.execute("select current_user as u").fetchone()["u"] == "gongzhi_district"
    assert _sees(user) > 0


def test_a_district_reset_forces_a_change(fresh_db):
    from gongzhi.org import commands
    system = local.sign_in(ADMIN_EMAILS["system"], DEMO_PASSWORD)
    grid = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    grid = local.change_password(grid, DEMO_PASSWORD, STRONG[0])
    district = local.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD)
    with pytest.raises(DomainError, match="error.forbidden"):
        commands.reset_password(district, grid.user_id)           # district staff administer nobody
    password = commands.reset_password(system, grid.user_id)
    user = local.sign_in(DEMO_EMAILS["grid"], password)
    assert user.must_change == "reset" and _sees(user) == 0
    [entry] = _entries(fresh_db, "password_reset")
    assert (str(entry["actor"]), entry["object"]) == (system.user_id, f"user:{grid.user_id}")


def test_demo_accounts_keep_the_demo_password_only_in_demo_mode(fresh_db):
    for role in ACCOUNTS:                   # the administrators too
        assert local.sign_in(ACCOUNTS[role], DEMO_PASSWORD).must_change == "", role
    security = local.sign_in(ADMIN_EMAILS["security"], DEMO_PASSWORD)
    with pytest.raises(DomainError, match="security_setting.demo_on"):
        security_settings.change(security, "demo_mode", True)        # on already: a user may not write it on
    result = CliRunner().invoke(main, ["demo-mode", "off"])
    assert result.exit_code == 0 and "turned off" in result.output
    assert CliRunner().invoke(main, ["demo-mode", "status"]).output.strip() == "demo mode is off"
    for role in ACCOUNTS:
        user = local.sign_in(ACCOUNTS[role], DEMO_PASSWORD)
        assert user.must_change == "demo" and not user.demo_mode and _sees(user) == 0, role
    with pytest.raises(DomainError):
        security_settings.change(security, "demo_mode", True)        # and nobody turns it on again
    with _owner(fresh_db) as c:
        entries = c.execute("select details from private.security_log where kind = 'setting'"
                            " and object = 'setting:demo_mode'").fetchall()
    assert [e["details"] for e in entries] == [{"from": True, "to": False}]


def test_a_district_loading_its_own_org_tree_leaves_demo_mode(fresh_db):
    from gongzhi.org import tree_import
    system = local.sign_in(ADMIN_EMAILS["system"], DEMO_PASSWORD)
    data = "上级,名称,代码\n滨江区,自建街道,\n".encode("utf-8")
    plan = tree_import.preview(system, "tree.csv", data)
    assert not plan.problems
    tree_import.commit(system, plan)
    with db.owner() as conn:
        assert not demo_mode.is_on(conn)
    assert local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD).must_change == "demo"


# ---------------------------------------------------------------- sessions

def _idle(url, token_owner_email, minutes):
    with _owner(url) as c:
        c.execute("update private.staff_session set last_seen_at = now() - make_interval(mins => %s)"
                  " where user_id = (select id from auth.users where email = %s)", (minutes, token_owner_email))


def test_a_session_idle_for_longer_than_the_setting_ends(fresh_db):
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    token = sessions.start(user.user_id)
    _idle(fresh_db, DEMO_EMAILS["grid"], 29)
    assert sessions.check(user, token) == ("live", False)          # seen again: the clock restarts
    _idle(fresh_db, DEMO_EMAILS["grid"], 31)
    assert sessions.status(token) == (user.user_id, "idle") and sessions.resume(token) is None
    sessions.expire(token, user.user_id, "idle")
    [entry] = _entries(fresh_db, "session_expired")
    assert (entry["object"], entry["details"]) == (f"user:{user.user_id}", {"reason": "idle"})
    assert sessions.status(token) == (None, None)


def test_a_live_session_is_marked_seen_at_most_once_a_minute(fresh_db):
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    token = sessions.start(user.user_id)

    def seen():
        with _owner(fresh_db) as c:
            return c.execute("select last_seen_at from private.staff_session").fetchone()["last_seen_at"]
    first = seen()
    sessions.check(user, token)
    assert seen() == first
    _idle(fresh_db, DEMO_EMAILS["grid"], 2)
    before = seen()
    sessions.check(user, token)
    assert seen() > before


def test_the_district_sets_the_idle_timeout_within_its_bounds(fresh_db):
    security = local.sign_in(ADMIN_EMAILS["security"], DEMO_PASSWORD)
    for bad in (4, 31, "soon"):
        with pytest.raises(DomainError, match="security_setting.not_int|security_setting.out_of_range"):
            security_settings.change(security, "session.idle_minutes", bad)
    with pytest.raises(DomainError, match="error.forbidden"):
        security_settings.change(local.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD), "session.idle_minutes", 10)
    security_settings.change(security, "session.idle_minutes", 10)
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    token = sessions.start(user.user_id)
    _idle(fresh_db, DEMO_EMAILS["grid"], 11)
    assert sessions.status(token)[1] == "idle"


def test_a_second_sign_in_ends_the_older_session_by_default(fresh_db):
    first = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    older = sessions.start(first.user_id)
    second = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    newer = sessions.start(second.user_id)
    assert sessions.check(first, older) == ("elsewhere", False)
    assert sessions.check(second, newer) == ("live", False)


def test_a_second_sign_in_is_refused_under_the_rule_refuse(fresh_db):
    security = local.sign_in(ADMIN_EMAILS["security"], DEMO_PASSWORD)
    with pytest.raises(DomainError, match="not_a_choice"):
        security_settings.change(security, "session.second_sign_in", "ask")
    security_settings.change(security, "session.second_sign_in", "refuse")
    first = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    token = sessions.start(first.user_id)
    with pytest.raises(DomainError) as refusal:
        local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, "198.51.100.4")
    assert refusal.value.key == "auth.signed_in_elsewhere"
    assert sessions.check(first, token) == ("live", False)           # the first browser carries on
    assert _entries(fresh_db, "sign_in_failed")[-1]["details"] == {"reason": "signed_in_elsewhere"}
    _idle(fresh_db, DEMO_EMAILS["grid"], 31)                          # once it has timed out
    assert local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD).user_id == first.user_id


def test_sign_out_everywhere_by_the_user_and_by_the_district(fresh_db):
    grid = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    street = local.sign_in(DEMO_EMAILS["street"], DEMO_PASSWORD)
    district = local.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD)
    system = local.sign_in(ADMIN_EMAILS["system"], DEMO_PASSWORD)
    with _owner(fresh_db) as c:     # two browsers at once, as the rule `refuse` would leave them
        c.execute("insert into public.security_setting (key, value) values ('session.second_sign_in', '\"refuse\"')")
    tokens = [sessions.start(grid.user_id), sessions.start(grid.user_id)]
    assert sessions.end_everywhere(grid, grid.user_id) == 2
    assert [sessions.check(grid, t)[0] for t in tokens] == ["everywhere", "everywhere"]
    token = sessions.start(grid.user_id)
    with pytest.raises(DomainError, match="error.forbidden"):
        sessions.end_everywhere(street, grid.user_id)                # only the system administrator
    with pytest.raises(DomainError, match="error.forbidden"):
        sessions.end_everywhere(district, grid.user_id)              # ends another's: not district staff
    assert sessions.check(grid, token)[0] == "live"
    assert sessions.end_everywhere(system, grid.user_id) == 1
    assert sessions.check(grid, token)[0] == "everywhere"
    entries = _entries(fresh_db, "sign_out_everywhere")
    assert [(str(e["actor"]), e["object"], e["details"]) for e in entries] == [
        (grid.user_id, f"user:{grid.user_id}", {"sessions": 2}),
        (system.user_id, f"user:{grid.user_id}", {"sessions": 1})]
    with db.owner() as conn:
        assert user_id(conn, "grid") == grid.user_id

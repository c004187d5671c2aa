"""Dormant accounts: listed for the system administrator after `accounts.dormant_days` without a
sign-in, disabled in one step (all or none), each logged; nobody else may list or disable them."""
import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi import security_settings
from gongzhi.admin import dormant
from gongzhi.auth.local import sign_in
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError


def _age(url, emails, days):
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("update auth.users set last_sign_in_at = now()")
        c.execute("update auth.users set last_sign_in_at = now() - make_interval(days => %s) where email = any(%s)",
                  (days, emails))


def test_dormant_accounts_are_listed_and_disabled_in_one_step(fresh_db, user_of):
    _age(fresh_db, ["wangge@demo.gongzhi.cn", "shequ@demo.gongzhi.cn", "shenji@demo.gongzhi.cn"], 120)
    system = user_of("system")
    found = dormant.accounts(system)
    assert {r["email"] for r in found} == {"wangge@demo.gongzhi.cn", "shequ@demo.gongzhi.cn"}   # not the admin
    assert dormant.accounts(system, 200) == []
    assert dormant.disable(system, [str(r["user_id"]) for r in found]) == 2
    with pytest.raises(DomainError, match="auth.disabled"):
        sign_in("wangge@demo.gongzhi.cn", DEMO_PASSWORD)
    with psycopg.connect(fresh_db, row_factory=dict_row) as c:
        entries = c.execute("select kind, object, details from private.security_log order by id desc limit 2").fetchall()
    assert {(e["kind"], e["details"]["action"], e["details"]["reason"]) for e in entries} == {
        ("account", "disable", "dormant")}
    assert {e["object"] for e in entries} == {f"user:{r['user_id']}" for r in found}
    assert dormant.accounts(system) == []


def test_the_period_is_the_security_setting(fresh_db, user_of):
    _age(fresh_db, ["wangge@demo.gongzhi.cn"], 40)
    assert dormant.accounts(user_of("system")) == []
    security_settings.change(user_of("security"), "accounts.dormant_days", 30)
    assert [r["email"] for r in dormant.accounts(user_of("system"))] == ["wangge@demo.gongzhi.cn"]
    with pytest.raises(DomainError, match="out_of_range"):
        security_settings.change(user_of("security"), "accounts.dormant_days", 1)


def test_an_account_that_signed_in_since_is_not_disabled_and_nothing_changes(fresh_db, user_of):
    _age(fresh_db, ["wangge@demo.gongzhi.cn", "shequ@demo.gongzhi.cn"], 120)
    system = user_of("system")
    chosen = [str(r["user_id"]) for r in dormant.accounts(system)]
    sign_in("shequ@demo.gongzhi.cn", DEMO_PASSWORD)
    with pytest.raises(DomainError, match="admin.dormant.not_dormant"):
        dormant.disable(system, chosen)
    with pytest.raises(DomainError, match="admin.dormant.none_chosen"):
        dormant.disable(system, [])
    sign_in("wangge@demo.gongzhi.cn", DEMO_PASSWORD)   # still active


@pytest.mark.parametrize("who", ["district", "security", "audit", "grid"])
def test_nobody_else_lists_or_disables_dormant_accounts(fresh_db, user_of, who):
    _age(fresh_db, ["wangge@demo.gongzhi.cn"], 120)
    wangge = user_of("grid").user_id
    with pytest.raises(DomainError, match="error.forbidden"):
        dormant.accounts(user_of(who))
    with pytest.raises(DomainError, match="error.forbidden"):
        dormant.disable(user_of(who), [wangge])

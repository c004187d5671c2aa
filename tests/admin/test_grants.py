"""Capabilities from the command line (the deployer's act): the first administrators of a new
district, one capability per account, each change logged; and the summary the compliance report reads."""
import psycopg
from click.testing import CliRunner
from psycopg.rows import dict_row

from gongzhi import admin
from gongzhi.auth.local import sign_in
from gongzhi.cli import main

PASSWORD = "Guanli-2026-Pw!"


def _last_entry(url):
    with psycopg.connect(url, row_factory=dict_row) as c:
        return c.execute("select * from private.security_log where kind = 'capability' order by id desc limit 1"
                         ).fetchone()


def test_user_add_makes_an_administrator_who_gets_only_the_duty(fresh_db):
    result = CliRunner().invoke(main, ["user", "add", "--email", "it@demo.gongzhi.cn", "--password", PASSWORD,
                                       "--role", "district", "--org", "滨江区", "--name", "新管理员", "--admin", "audit"])
    assert result.exit_code == 0, result.output
    me = sign_in("it@demo.gongzhi.cn", PASSWORD)
    assert (me.role, me.admin) == ("district", "audit")
    entry = _last_entry(fresh_db)
    assert (entry["kind"], entry["object"], entry["details"]) == (
        "capability", f"user:{me.user_id}", {"action": "grant", "capability": "audit"})


def test_an_administrator_must_sit_at_the_district_and_nothing_is_left_half_made(fresh_db):
    result = CliRunner().invoke(main, ["user", "add", "--email", "g@demo.gongzhi.cn", "--password", PASSWORD,
                                       "--role", "grid", "--org", "丽水社区第一网格", "--name", "网格员", "--admin", "system"])
    assert result.exit_code != 0 and "只有区级账号可以担任管理员" in result.output
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from auth.users where email = 'g@demo.gongzhi.cn'").fetchone()[0] == 0


def test_grant_revoke_and_list_one_capability_per_account(fresh_db):
    runner = CliRunner()
    second = runner.invoke(main, ["admin", "grant", "xitong@demo.gongzhi.cn", "audit"])
    assert second.exit_code != 0 and "一个账号只能担任一种管理员" in second.output
    listed = runner.invoke(main, ["admin", "list"])
    assert listed.exit_code == 0 and listed.output.splitlines()[0].startswith("system\txitong@demo.gongzhi.cn")
    assert runner.invoke(main, ["admin", "revoke", "shenji@demo.gongzhi.cn"]).output.strip() == "audit"
    assert _last_entry(fresh_db)["details"] == {"action": "revoke", "capability": "audit"}
    assert runner.invoke(main, ["admin", "revoke", "shenji@demo.gongzhi.cn"]).exit_code != 0
    granted = runner.invoke(main, ["admin", "grant", "qu@demo.gongzhi.cn", "audit"])
    assert granted.exit_code == 0, granted.output
    assert sign_in("qu@demo.gongzhi.cn", "gongzhi2026").admin == "audit"
    unknown = runner.invoke(main, ["admin", "grant", "nobody@demo.gongzhi.cn", "audit"])
    assert unknown.exit_code != 0


def test_the_summary_counts_holders_and_dormant_accounts(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row, autocommit=True) as c:
        before = admin.summary(c)
        c.execute("update auth.users set last_sign_in_at = now() - interval '200 days'"
                  " where email in ('wangge@demo.gongzhi.cn', 'shenji@demo.gongzhi.cn')")
        c.execute("update auth.users set last_sign_in_at = now() where email <> 'wangge@demo.gongzhi.cn'"
                  " and email <> 'shenji@demo.gongzhi.cn'")
        after = admin.summary(c)
    assert before["holders"] == {"system": 1, "security": 1, "audit": 1} and before["separated"]
    assert before["holding_two"] == 0 and before["dormant_days"] == 90
    assert (after["dormant"], after["dormant_admins"]) == (1, 1)

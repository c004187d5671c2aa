"""The administrators' own pages (三权分立): dormant accounts for the system administrator, unmasking
grants for the security administrator; nobody else has them, and opened directly they show nothing."""
import psycopg
import pytest

from gongzhi.auth.pages import pages_for

DORMANT = "pages/dormant_accounts.py"
UNMASK = "pages/unmask_grants.py"


def test_the_system_administrator_disables_dormant_accounts_in_one_step(app_as, fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("update auth.users set last_sign_in_at = now()")
        c.execute("update auth.users set last_sign_in_at = now() - interval '100 days'"
                  " where email in ('wangge@demo.gongzhi.cn', 'shequ@demo.gongzhi.cn')")
    at = app_as("system", DORMANT).run()
    assert not at.exception and at.title[0].value == "长期未登录账号"
    assert "90 天" in at.caption[0].value
    assert set(at.dataframe[0].value["登录邮箱"]) == {"wangge@demo.gongzhi.cn", "shequ@demo.gongzhi.cn"}
    assert at.button(key="dormant_disable").disabled
    at.session_state["dormant_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    at.button(key="dormant_disable").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已停用 2 个账号"]
    assert at.info[0].value == "没有长期未登录的账号"
    with psycopg.connect(fresh_db) as c:
        assert c.execute("select count(*) from public.staff s join auth.users u on u.id = s.user_id"
                         " where not s.active and u.email in ('wangge@demo.gongzhi.cn', 'shequ@demo.gongzhi.cn')"
                         ).fetchone()[0] == 2


def test_the_security_administrator_grants_unmasking_with_a_reason(app_as, fresh_db):
    at = app_as("security", UNMASK).run()
    assert not at.exception and at.info[0].value == "目前没有人可以查看完整个人信息"
    at.button(key="FormSubmitter:unmask_grant-授权").click().run()
    assert [e.value for e in at.error] == ["请填写授权原因"]
    at.text_input(key="unmask_reason").input("核实困难家庭名单")
    at.button(key="FormSubmitter:unmask_grant-授权").click().run()
    assert not at.exception and [s.value for s in at.success] == ["已授权"]
    assert at.dataframe[0].value["授权原因"].tolist() == ["核实困难家庭名单"]
    at.button(key="unmask_withdraw").click().run()
    assert [s.value for s in at.success] == ["已撤销授权"] and not at.dataframe


@pytest.mark.parametrize("page", [DORMANT, UNMASK])
@pytest.mark.parametrize("who", ["district", "grid", "system", "security", "audit"])
def test_nobody_else_has_the_page(app_as, who, page):
    owner = {DORMANT: "system", UNMASK: "security"}[page]
    if who == owner:
        return
    admin = who if who in ("system", "security", "audit") else None
    key = page.removeprefix("pages/").removesuffix(".py")
    assert key not in [p.key for p in pages_for("district" if admin else who, admin)]
    at = app_as(who)
    try:
        at.switch_page(page).run()
    except Exception:
        return   # navigation refuses a page the role does not have
    assert not at.exception and not at.dataframe
    assert [e.value for e in at.error] == ["您无权进行此操作，或该记录不在您的辖区内"]

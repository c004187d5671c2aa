"""组织与账号 commands: the system administrator (系统管理员) manages units and accounts through its
own RLS; nobody else can — plain district staff included — and nobody can disable, move or re-role
themselves."""
import pytest

from gongzhi.auth import load_identity
from gongzhi.auth.local import change_password, sign_in
from gongzhi.db import owner
from gongzhi.errors import DomainError
from gongzhi.org import commands, queries
from gongzhi.org.forms import AccountForm, UnitForm
from gongzhi import preferences
from tests.imports.conftest import count


def _unit(name):
    with owner() as conn:
        return conn.execute("select id from public.org_unit where name = %s", (name,)).fetchone()["id"]


def test_the_district_adds_a_street_community_and_grid_numbered_after_the_parent(user_of):
    district = user_of("system")
    street = commands.add_unit(district, UnitForm(_unit("滨江区"), "滨湖街道"))
    community = commands.add_unit(district, UnitForm(street, "滨湖社区"))
    grid = commands.add_unit(district, UnitForm(community, "滨湖社区第一网格", "BH-G1"))
    rows = {r["id"]: r for r in queries.tree(district)}
    assert [rows[i]["kind"] for i in (street, community, grid)] == ["street", "community", "grid"]
    assert rows[street]["code"] == "330100005" and rows[community]["code"] == "330100005001"
    assert rows[grid]["code"] == "BH-G1"
    with pytest.raises(DomainError, match="org.unit.code_taken"):
        commands.add_unit(district, UnitForm(community, "重复编码", "BH-G1"))
    with pytest.raises(DomainError, match="org_unit.bad_parent"):
        commands.add_unit(district, UnitForm(grid, "网格下不能建网格"))
    with pytest.raises(DomainError, match="org.unit.bad_name"):
        commands.add_unit(district, UnitForm(street, "  "))
    commands.rename_unit(district, grid, "滨湖一网格")
    assert {r["name"] for r in queries.tree(district)} >= {"滨湖一网格"}


@pytest.mark.parametrize("who", ["street", "district", "security", "audit"])
def test_only_the_system_administrator_changes_the_tree_and_accounts(user_of, who):
    street = user_of(who)
    before = count("org_unit")
    assert not queries.can_manage(street)
    with pytest.raises(DomainError, match="error.forbidden"):
        commands.add_unit(street, UnitForm(_unit("长江路街道"), "偷建社区"))
    with pytest.raises(DomainError, match="error.forbidden"):
        commands.create_account(street, AccountForm("x@y.cn", "Secret-2026!x", "某人", _unit("丽水社区")))
    with pytest.raises(DomainError, match="error.forbidden"):
        commands.reset_password(street, user_of("grid").user_id, "Newpass-2026!")
    with pytest.raises(DomainError, match="error.forbidden"):
        commands.set_active(street, user_of("grid").user_id, False)
    assert count("org_unit") == before and count("staff", "active") == count("staff")
    if who == "street":
        with pytest.raises(DomainError, match="error.forbidden"):
            queries.staff(street)


def test_create_an_account_sign_in_disable_it_reset_and_move(user_of):
    district = user_of("system")
    grid_unit = _unit("丽水社区第三网格")
    new_id = commands.create_account(district, AccountForm(" Zhao@Demo.cn ", "Chushi-2026!", "赵敏", grid_unit,
                                                           phone="13912345678"))
    me = sign_in("zhao@demo.cn", "Chushi-2026!")
    assert (me.user_id, me.role, me.org_unit_name, me.must_change) == (new_id, "grid", "丽水社区第三网格", "first")
    me = change_password(me, "Chushi-2026!", "Lanting-ink-2026!")   # the district chose it: changed at once
    assert me.must_change == ""
    found = queries.staff(district, "赵敏")
    assert found.total == 1 and found.rows[0]["email"] == "zhao@demo.cn"
    with pytest.raises(DomainError, match="org.account.email_taken"):
        commands.create_account(district, AccountForm("zhao@demo.cn", "Chushi-2026!", "另一个赵敏", grid_unit))
    with pytest.raises(DomainError, match="org.account.bad_email"):
        commands.create_account(district, AccountForm("not-an-email", "Chushi-2026!", "某人", grid_unit))
    with pytest.raises(DomainError, match="account.password_short"):
        commands.create_account(district, AccountForm("a@b.cn", "short", "某人", grid_unit))

    commands.set_active(district, new_id, False)
    with pytest.raises(DomainError, match="auth.disabled"):
        sign_in("zhao@demo.cn", "Lanting-ink-2026!")
    with me.session() as conn:   # a session still open when disabled reads nothing any more
        assert conn.execute("select count(*) as n from public.demand").fetchone()["n"] == 0
    commands.set_active(district, new_id, True)

    password = commands.reset_password(district, new_id)
    assert len(password) >= 8
    with pytest.raises(DomainError, match="auth.wrong_password"):
        sign_in("zhao@demo.cn", "Lanting-ink-2026!")
    assert sign_in("zhao@demo.cn", password).must_change == "reset"

    commands.move(district, new_id, _unit("江滩社区"))
    moved = load_identity(new_id)
    assert (moved.role, moved.org_unit_name) == ("community", "江滩社区")


def test_department_and_district_accounts_sit_at_the_district(user_of):
    district = user_of("system")
    with pytest.raises(DomainError, match="staff.department_required"):
        commands.create_account(district, AccountForm("cg@demo.cn", "Chengguan-2026!", "城管王科", _unit("滨江区"), "department"))
    department = queries.departments(district)[0]["id"]
    dept = commands.create_account(district, AccountForm("cg@demo.cn", "Chengguan-2026!", "城管王科", _unit("滨江区"),
                                                         "department", department_id=department))
    assert load_identity(dept).role == "department"
    commands.move(district, dept, _unit("滨江区"))
    assert load_identity(dept).role == "department"
    commands.move(district, dept, _unit("丽水社区"))   # leaves the department with the district
    assert load_identity(dept).role == "community"


def test_nobody_disables_or_moves_themselves(user_of):
    district = user_of("system")
    with pytest.raises(DomainError, match="org.account.not_yourself"):
        commands.set_active(district, district.user_id, False)
    with pytest.raises(DomainError, match="org.account.not_yourself"):
        commands.move(district, district.user_id, _unit("长江路街道"))
    assert load_identity(district.user_id).admin == "system"


def test_language_is_kept_per_user(user_of):
    grid, street = user_of("grid"), user_of("street")
    assert preferences.language(grid) is None
    preferences.set_language(grid, "en")
    preferences.set_language(grid, "en")
    assert (preferences.language(grid), preferences.language(street)) == ("en", None)
    with pytest.raises(DomainError):
        preferences.set_language(grid, "fr")
    preferences.set_language(user_of("district"), "en")
    assert preferences.language(user_of("district")) == "en"

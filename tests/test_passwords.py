"""The password policy: each class of weak password refused with its own message, a strong one
accepted, the same rule wherever a password is set."""
import pytest
from click.testing import CliRunner

from gongzhi.auth import passwords
from gongzhi.cli import main


@pytest.mark.parametrize("password, key", [
    ("12345678", "account.password_short"),
    ("Ab1!", "account.password_short"),
    ("abcdefghijkl", "account.password_kinds"),
    ("gongzhi2026gongzhi", "account.password_kinds"),
    ("Zhaomin-2026!", "account.password_personal"),     # the account's email name
    ("Password123!", "account.password_weak"),
    ("Qwerty12345!", "account.password_weak"),
])
def test_each_kind_of_weak_password_is_refused(password, key):
    assert key in passwords.problems(password, email="zhaomin@demo.cn", name="赵敏")


def test_a_strong_password_passes_and_generated_ones_always_do():
    assert passwords.problems("Lishui-grid-7!Ray", email="zhaomin@demo.cn", name="赵敏") == []
    assert all(passwords.problems(passwords.generate()) == [] for _ in range(20))


def test_the_district_may_ask_for_longer_passwords_but_not_shorter(fresh_db):
    from gongzhi import db, security_settings
    from gongzhi.errors import DomainError
    from tests.pages.conftest import identity_of
    security = identity_of("anquan@demo.gongzhi.cn")             # the security administrator
    with db.owner() as conn:
        passwords.check(conn, "Lishui-grid-7!R")                  # 15 characters: the default allows it
    security_settings.change(security, "password.min_length", 16)
    with db.owner() as conn, pytest.raises(DomainError) as refusal:
        passwords.check(conn, "Lishui-grid-7!R")
    assert refusal.value.key == "account.password_short"
    with pytest.raises(DomainError) as refusal:
        security_settings.change(security, "password.min_length", 8)
    assert refusal.value.key == "security_setting.out_of_range"
    assert "account.password_short" in passwords.problems("Kx7!mQ2#z", min_length=4)   # never below 10


def test_the_command_line_refuses_a_weak_password(fresh_db):
    result = CliRunner().invoke(main, ["user", "add", "--email", "weak@demo.gongzhi.cn", "--password", "12345678",
                                       "--role", "grid", "--org", "丽水社区第一网格", "--name", "弱密码"])
    assert result.exit_code != 0 and "密码太短" in result.output

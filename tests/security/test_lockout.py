"""Item 10 of the hardening issue: sign-in answers the same for known and unknown emails, and a
slow spray over many accounts from one client is stopped."""
import pytest

from gongzhi.auth import local
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError


def _answers(email: str, client: str, tries: int) -> list[str]:
    answers = []
    for _ in range(tries):
        with pytest.raises(DomainError) as refused:
            local.sign_in(email, "wrong-password", client)
        answers.append(refused.value.key)
    return answers


def test_a_known_and_an_unknown_email_read_the_same(fresh_db):
    known = _answers("wangge@demo.gongzhi.cn", "203.0.113.1", local.MAX_FAILURES + 1)
    unknown = _answers("nobody@demo.gongzhi.cn", "203.0.113.2", local.MAX_FAILURES + 1)
    assert known == unknown == ["auth.wrong_password"] * local.MAX_FAILURES + ["auth.locked"]


def test_a_spray_across_accounts_from_one_client_trips(fresh_db):
    answers = []
    for i in range(local.CLIENT_MAX_FAILURES + 1):   # one try per account: no account reaches its own limit
        answers += _answers(f"staff{i}@demo.gongzhi.cn", "198.51.100.66", 1)
    assert answers[-1] == "auth.too_many" and set(answers[:-1]) == {"auth.wrong_password"}
    with pytest.raises(DomainError) as refused:   # that client is stopped even with a right password
        local.sign_in("qu@demo.gongzhi.cn", DEMO_PASSWORD, "198.51.100.66")
    assert refused.value.key == "auth.too_many"
    assert local.sign_in("qu@demo.gongzhi.cn", DEMO_PASSWORD, "198.51.100.67").role == "district"

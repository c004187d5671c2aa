"""Local sign-in: slow hashes, clear refusals, lockout after repeated failures."""
import psycopg
import pytest

from gongzhi.auth import local
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError


def test_password_hashes_are_salted_scrypt():
    first, second = local.hash_password("秘密口令123"), local.hash_password("秘密口令123")
    assert first.startswith("scrypt$") and first != second
    assert local.verify_password("秘密口令123", first)
    assert not local.verify_password("秘密口令124", first)
    assert not local.verify_password("anything", None)


@pytest.mark.parametrize("role,email", [
    ("district", "qu@demo.gongzhi.cn"), ("street", "jiedao@demo.gongzhi.cn"),
    ("community", "shequ@demo.gongzhi.cn"), ("grid", "wangge@demo.gongzhi.cn"),
    ("department", "bumen@demo.gongzhi.cn"),
])
def test_every_demo_account_signs_in_with_its_role(fresh_db, role, email):
    identity = local.sign_in(f"  {email.upper()} ", DEMO_PASSWORD)
    assert identity.role == role and identity.email == email


def test_wrong_password_and_unknown_email_get_the_same_message(fresh_db):
    for email in ("wangge@demo.gongzhi.cn", "nobody@demo.gongzhi.cn"):
        with pytest.raises(DomainError) as refused:
            local.sign_in(email, "wrong-password")
        assert refused.value.key == "auth.wrong_password"


def test_empty_fields_are_refused(fresh_db):
    with pytest.raises(DomainError) as refused:
        local.sign_in("", "")
    assert refused.value.key == "auth.missing"


def test_lockout_after_repeated_failures_even_with_the_right_password(fresh_db):
    for _ in range(local.MAX_FAILURES):
        with pytest.raises(DomainError):
            local.sign_in("wangge@demo.gongzhi.cn", "wrong-password")
    with pytest.raises(DomainError) as refused:
        local.sign_in("wangge@demo.gongzhi.cn", DEMO_PASSWORD)
    assert refused.value.key == "auth.locked" and refused.value.params["minutes"] == local.LOCK_MINUTES
    with psycopg.connect(fresh_db) as conn:
        conn.execute("update private.sign_in_failure set at = at - make_interval(mins => %s)", (local.LOCK_MINUTES,))
        conn.commit()
    assert local.sign_in("wangge@demo.gongzhi.cn", DEMO_PASSWORD).role == "grid"


def test_a_success_resets_the_failure_count(fresh_db):
    for _ in range(local.MAX_FAILURES - 1):
        with pytest.raises(DomainError):
            local.sign_in("shequ@demo.gongzhi.cn", "wrong-password")
    local.sign_in("shequ@demo.gongzhi.cn", DEMO_PASSWORD)
    with pytest.raises(DomainError) as refused:
        local.sign_in("shequ@demo.gongzhi.cn", "wrong-password")
    assert refused.value.key == "auth.wrong_password"


def test_disabled_staff_cannot_sign_in(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("update public.staff set active = false where user_id ="
                     " (select id from auth.users where email = 'jiedao@demo.gongzhi.cn')")
        conn.commit()
    with pytest.raises(DomainError) as refused:
        local.sign_in("jiedao@demo.gongzhi.cn", DEMO_PASSWORD)
    assert refused.value.key == "auth.disabled"

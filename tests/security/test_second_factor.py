"""The second factor (issue #25, 身份鉴别): TOTP enrolment confirmed by a code computed from the
enrolled secret, a wrong code, a code replayed within its window, recovery codes used once, the
lockout counting wrong codes like wrong passwords, removal and an administrator's reset logged,
and who must enrol. Times are passed in (`at`), never waited for."""
import time

import psycopg
import pyotp
import pytest
from psycopg.rows import dict_row

from gongzhi.auth import local, second_factor, sessions, totp
from gongzhi.demo_data import DEMO_PASSWORD
from gongzhi.errors import DomainError
from tests.conftest import ADMIN_EMAILS, DEMO_EMAILS

NOW = time.time()
CLIENT = "203.0.113.9"


def _sql(url, query, params=()):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def _require(url, everyone=False):
    """The second factor required, outside demo mode (whose accounts are taken to have set their own
    passwords, so that the second factor's rules decide)."""
    _sql(url, """insert into public.security_setting (key, value) values
                   ('mfa.required_for_district', 'true'), ('mfa.optional_for_others', %s), ('demo_mode', 'false')
                 on conflict (key) do update set value = excluded.value""", ("false" if everyone else "true",))
    _sql(url, "update private.password_state set must_change = false, reason = null, demo = false where demo")


def _log(url, kind):
    return _sql(url, "select * from private.security_log where kind = %s order by id", (kind,))


def _enrol(role="grid", at=NOW):
    user = local.sign_in(DEMO_EMAILS[role], DEMO_PASSWORD, CLIENT)
    enrolment = second_factor.begin_enrolment(user)
    codes = second_factor.confirm_enrolment(user, pyotp.TOTP(enrolment.secret).at(at), CLIENT, at=at)
    return user, enrolment.secret, codes


def test_enrolment_with_a_code_computed_from_the_secret(fresh_db):
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, CLIENT)
    assert second_factor.next_step(user) is None   # optional for a grid worker: a password session
    enrolment = second_factor.begin_enrolment(user)
    assert enrolment.uri.startswith("otpauth://totp/") and f"secret={enrolment.secret}" in enrolment.uri
    assert enrolment.qr_png.startswith(b"\x89PNG")
    # Stored for the sign-in role only: no API role reads the table.
    for role in ("anon", "authenticated", "gongzhi_district", "gongzhi_portal"):
        assert not _sql(fresh_db, "select has_table_privilege(%s, 'private.mfa_factor', 'select') as may",
                        (role,))[0]["may"], role
    with pytest.raises(DomainError) as wrong:
        second_factor.confirm_enrolment(user, "000000" if pyotp.TOTP(enrolment.secret).at(NOW) != "000000" else "111111",
                                        CLIENT, at=NOW)
    assert wrong.value.key == "mfa.wrong_code"
    assert not second_factor.is_enrolled(user)

    codes = second_factor.confirm_enrolment(user, pyotp.TOTP(enrolment.secret).at(NOW), CLIENT, at=NOW)
    assert len(codes) == 10 == len(set(codes))
    assert second_factor.is_enrolled(user) and second_factor.next_step(user) == "code"
    stored = _sql(fresh_db, "select code_hash from private.mfa_recovery_code where user_id = %s", (user.user_id,))
    assert len(stored) == 10 and not any(c.replace("-", "").encode() in r["code_hash"] for c in codes for r in stored)
    [entry] = _log(fresh_db, "mfa_enrol")
    assert entry["object"] == f"user:{user.user_id}" and str(entry["actor"]) == user.user_id
    with pytest.raises(DomainError) as again:
        second_factor.begin_enrolment(user)
    assert again.value.key == "mfa.already_enrolled"


def test_a_wrong_code_is_refused_counted_and_logged(fresh_db):
    user, secret, _codes = _enrol()
    wrong = "123456" if pyotp.TOTP(secret).at(NOW + 60) != "123456" else "654321"
    with pytest.raises(DomainError) as refused:
        second_factor.verify_sign_in(user, wrong, CLIENT, at=NOW + 60)
    assert refused.value.key == "mfa.wrong_code"
    # An expired code (ten minutes old) is as wrong.
    with pytest.raises(DomainError) as expired:
        second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(NOW - 600), CLIENT, at=NOW + 60)
    assert expired.value.key == "mfa.wrong_code"
    assert [e["details"]["reason"] for e in _log(fresh_db, "mfa_failed")] == ["wrong_code", "wrong_code"]
    failures = _sql(fresh_db, "select count(*) as n from private.sign_in_failure where kind = 'email'"
                              " and key = sha256(convert_to(%s, 'UTF8'))", (DEMO_EMAILS["grid"],))[0]["n"]
    assert failures == 2
    done = second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(NOW + 60), CLIENT, at=NOW + 60)
    assert done.claims["aal"] == "aal2" and done.user_id == user.user_id


def test_wrong_codes_lock_the_account_like_wrong_passwords(fresh_db):
    user, secret, _codes = _enrol()
    answers = []
    for _ in range(local.MAX_FAILURES + 1):
        with pytest.raises(DomainError) as refused:
            second_factor.verify_sign_in(user, "999999" if pyotp.TOTP(secret).at(NOW + 60) != "999999" else "888888",
                                         CLIENT, at=NOW + 60)
        answers.append(refused.value.key)
    assert answers == ["mfa.wrong_code"] * local.MAX_FAILURES + ["auth.locked"]
    with pytest.raises(DomainError) as locked:   # the right code is refused too while locked
        second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(NOW + 60), CLIENT, at=NOW + 60)
    assert locked.value.key == "auth.locked"
    with pytest.raises(DomainError) as password:   # and so is the password
        local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, CLIENT)
    assert password.value.key == "auth.locked"


def test_a_code_replayed_within_its_window_is_refused(fresh_db):
    user, secret, _codes = _enrol(at=NOW)
    # The code that confirmed the enrolment is spent: within its window it does not sign in.
    with pytest.raises(DomainError) as replayed:
        second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(NOW), CLIENT, at=NOW + 5)
    assert replayed.value.key == "mfa.replayed"
    later = NOW + 2 * totp.STEP_SECONDS
    code = pyotp.TOTP(secret).at(later)
    second_factor.verify_sign_in(user, code, CLIENT, at=later)
    with pytest.raises(DomainError) as again:   # the same code a second time, a few seconds later
        second_factor.verify_sign_in(user, code, CLIENT, at=later + 10)
    assert again.value.key == "mfa.replayed"
    with pytest.raises(DomainError) as older:   # an older step still inside the window, after a newer one
        second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(later - totp.STEP_SECONDS), CLIENT, at=later)
    assert older.value.key == "mfa.replayed"
    assert [e["details"]["reason"] for e in _log(fresh_db, "mfa_failed")] == ["replayed"] * 3


def test_a_recovery_code_signs_in_once(fresh_db):
    user, _secret, codes = _enrol()
    done = second_factor.verify_sign_in(user, codes[3].lower().replace("-", " "), CLIENT)   # as typed by hand
    assert done.claims["aal"] == "aal2"
    [used] = _log(fresh_db, "recovery_code_used")
    assert used["details"] == {"left": 9} and codes[3] not in str(used)
    with pytest.raises(DomainError) as twice:
        second_factor.verify_sign_in(user, codes[3], CLIENT)
    assert twice.value.key == "mfa.wrong_recovery_code"
    assert second_factor.status(user).recovery_codes_left == 9
    other, _s, _c = _enrol("street")
    with pytest.raises(DomainError) as elsewhere:   # one account's code is nothing to another
        second_factor.verify_sign_in(other, codes[4], CLIENT)
    assert elsewhere.value.key == "mfa.wrong_recovery_code"


def test_who_must_enrol_follows_the_district_settings(fresh_db):
    district = local.sign_in(DEMO_EMAILS["district"], DEMO_PASSWORD, CLIENT)
    grid = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD, CLIENT)
    assert (second_factor.next_step(district), second_factor.next_step(grid)) == (None, None)   # tests' template: off
    _require(fresh_db)
    assert (second_factor.next_step(district), second_factor.next_step(grid)) == ("enrol", None)
    _require(fresh_db, everyone=True)
    assert second_factor.next_step(grid) == "enrol"
    _sql(fresh_db, "update public.security_setting set value = 'true' where key = 'demo_mode'")
    assert (second_factor.next_step(district), second_factor.next_step(grid)) == (None, None)


def test_sessions_keep_their_assurance_level_and_an_aal1_session_ends_when_now_required(fresh_db):
    user, secret, _codes = _enrol("district")
    done = second_factor.verify_sign_in(user, pyotp.TOTP(secret).at(NOW + 60), CLIENT, at=NOW + 60)
    token = sessions.start(done.user_id, done.claims["aal"])
    assert sessions.session_of(token) == (done.user_id, "aal2")
    plain = sessions.start(user.user_id)
    assert sessions.session_of(plain) == (user.user_id, "aal1")
    second_factor.check_resumed(second_factor.with_aal(user, "aal1"))   # not required yet: fine
    _require(fresh_db)
    with pytest.raises(DomainError) as ended:
        second_factor.check_resumed(second_factor.with_aal(user, "aal1"))
    assert ended.value.key == "mfa.now_required"
    second_factor.check_resumed(done)


def test_the_user_removes_it_with_a_current_code_unless_required(fresh_db):
    user, secret, _codes = _enrol("grid")
    with pytest.raises(DomainError) as wrong:
        second_factor.remove(user, "000000" if pyotp.TOTP(secret).at(NOW + 60) != "000000" else "111111", CLIENT, at=NOW + 60)
    assert wrong.value.key == "mfa.wrong_code" and second_factor.is_enrolled(user)
    _require(fresh_db, everyone=True)
    with pytest.raises(DomainError) as required:
        second_factor.remove(user, pyotp.TOTP(secret).at(NOW + 60), CLIENT, at=NOW + 60)
    assert required.value.key == "mfa.required"
    _require(fresh_db)
    token = sessions.start(user.user_id, "aal2")
    second_factor.remove(user, pyotp.TOTP(secret).at(NOW + 60), CLIENT, at=NOW + 60)
    assert not second_factor.is_enrolled(user) and second_factor.status(user).recovery_codes_left == 0
    assert sessions.session_of(token) == (user.user_id, "aal1")
    [entry] = _log(fresh_db, "mfa_remove")
    assert entry["details"] == {"by": "user"} and str(entry["actor"]) == user.user_id


def test_an_administrator_resets_another_accounts_factor_and_it_is_logged(fresh_db):
    grid, _secret, _codes = _enrol("grid")
    token = sessions.start(grid.user_id, "aal2")
    admin = second_factor.with_aal(local.sign_in(ADMIN_EMAILS["system"], DEMO_PASSWORD, CLIENT), "aal2")
    for other in (DEMO_EMAILS["district"], ADMIN_EMAILS["security"]):   # only the system administrator may
        with pytest.raises(DomainError) as refused:
            second_factor.reset(second_factor.with_aal(local.sign_in(other, DEMO_PASSWORD, CLIENT), "aal2"),
                                grid.user_id)
        assert refused.value.key == "error.forbidden" and second_factor.is_enrolled(grid)
    with pytest.raises(DomainError) as own:
        second_factor.reset(admin, admin.user_id)
    assert own.value.key == "mfa.reset_self"
    assert second_factor.reset_by_email(admin, DEMO_EMAILS["grid"].upper(), CLIENT) is True
    assert not second_factor.is_enrolled(grid) and sessions.session_of(token) is None
    [entry] = _log(fresh_db, "mfa_remove")
    assert (entry["details"], entry["object"], str(entry["actor"])) == \
        ({"by": "administrator", "had_factor": True}, f"user:{grid.user_id}", admin.user_id)
    with pytest.raises(DomainError) as unknown:
        second_factor.reset_by_email(admin, "nobody@demo.gongzhi.cn")
    assert unknown.value.key == "mfa.reset.unknown"


def test_an_administrator_at_aal1_may_not_reset_when_required(fresh_db):
    grid, _secret, _codes = _enrol("grid")
    _require(fresh_db)
    admin = second_factor.with_aal(local.sign_in(ADMIN_EMAILS["system"], DEMO_PASSWORD, CLIENT), "aal1")
    with pytest.raises(DomainError):
        second_factor.reset(admin, grid.user_id)
    assert second_factor.is_enrolled(grid)
    _sql(fresh_db, "update public.security_setting set value = 'false' where key = 'mfa.required_for_district'")
    with pytest.raises(DomainError):   # an administrator's requirement is not the district accounts' setting
        second_factor.reset(admin, grid.user_id)
    assert second_factor.is_enrolled(grid)


def test_totp_arithmetic_matches_the_reference():
    secret = totp.new_secret()
    assert len(secret) == 32
    for offset in (-30, 0, 30):
        assert totp.matching_step(secret, pyotp.TOTP(secret).at(NOW + offset), at=NOW) == totp.step_of(NOW + offset)
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(NOW + 90), at=NOW) is None
    assert totp.matching_step(secret, "12345", at=NOW) is None and totp.matching_step(secret, "abcdef", at=NOW) is None
    # RFC 6238 appendix B, SHA-1, truncated to six digits.
    rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp.code_at(rfc, totp.step_of(59)) == "287082"
    assert totp.code_at(rfc, totp.step_of(1111111109)) == "081804"

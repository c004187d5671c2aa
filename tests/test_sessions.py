"""Sessions that outlive a page reload (gongzhi.auth.sessions): only the token's hash is stored,
an ended or expired session does not resume, and no client role can read the table."""
import hashlib

import psycopg
import pytest

from gongzhi.auth import local, sessions
from gongzhi.demo_data import DEMO_PASSWORD
from tests.conftest import DEMO_EMAILS, act_as, act_as_owner


def test_a_session_resumes_until_it_ends(fresh_db):
    user = local.sign_in(DEMO_EMAILS["grid"], DEMO_PASSWORD)
    token = sessions.start(user.user_id)
    assert sessions.resume(token) == user.user_id
    other = sessions.start(user.user_id)   # the same person in another browser: the older one ends
    assert sessions.status(token) == (user.user_id, "elsewhere") and sessions.resume(token) is None
    token = sessions.start(user.user_id)
    assert sessions.resume(other) is None and sessions.resume(token) == user.user_id
    with psycopg.connect(fresh_db) as conn:
        stored = [r[0] for r in conn.execute("select token_hash from private.staff_session").fetchall()]
    assert hashlib.sha256(token.encode()).digest() in stored and token.encode() not in stored
    sessions.end(token)
    assert sessions.resume(token) is None and sessions.status(token) == (None, None)


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-session", 42])
def test_crafted_cookies_resume_nothing(fresh_db, token):
    assert sessions.resume(token) is None
    sessions.end(token)   # and ending one is harmless


def test_an_expired_session_does_not_resume(fresh_db):
    user = local.sign_in(DEMO_EMAILS["community"], DEMO_PASSWORD)
    token = sessions.start(user.user_id)
    with psycopg.connect(fresh_db) as conn:
        conn.execute("update private.staff_session set expires_at = now() - interval '1 minute'")
    assert sessions.resume(token) is None
    sessions.start(user.user_id)
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select count(*) from private.staff_session where expires_at < now()").fetchone()[0] == 0


@pytest.mark.parametrize("role", [None, "grid", "district"])   # None: anon
def test_no_client_role_reads_or_writes_the_sessions(conn, role):
    for sql in ("select count(*) from private.staff_session",
                "delete from private.staff_session",
                "insert into private.staff_session (token_hash, user_id, expires_at)"
                " select sha256('x'), id, now() from auth.users limit 1"):
        act_as(conn, role)
        try:
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql)
        finally:
            act_as_owner(conn)

"""Item 8 of the hardening issue: a new password, or a disabled account, ends every session."""
from gongzhi.auth import sessions
from tests.conftest import user_id


def test_a_new_password_and_a_disabled_account_end_every_session(fresh_db):
    from gongzhi import db
    with db.owner() as conn:
        grid, community = user_id(conn, "grid"), user_id(conn, "community")
        # Two live sessions of one account: the rule that does not end the older one at sign-in.
        conn.execute("insert into public.security_setting (key, value) values ('session.second_sign_in', '\"refuse\"')")
    tokens = [sessions.start(grid), sessions.start(grid)]
    other = sessions.start(community)
    assert all(sessions.resume(t) == grid for t in tokens)
    with db.owner() as conn:   # as the district's reset does: through the database, any client
        conn.execute("update auth.users set encrypted_password = 'scrypt$x' where id = %s", (grid,))
    assert [sessions.resume(t) for t in tokens] == [None, None]
    assert sessions.resume(other) == community
    with db.owner() as conn:
        conn.execute("update public.staff set active = false where user_id = %s", (community,))
    assert sessions.resume(other) is None

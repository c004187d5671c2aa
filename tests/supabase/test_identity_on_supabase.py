"""身份鉴别 on hosted Supabase, where the control lives in the database: an account that must change
its password is served nothing through the API either; the portal records a password changed
through Supabase Auth (history, state) without touching Supabase's own hash; and a reused or weak
password is refused before Supabase Auth is asked (its server here is a closed loopback port)."""
import json

import pytest

from gongzhi.auth import supabase_auth
from gongzhi.auth.local import hash_password, verify_password
from gongzhi.errors import DomainError
from tests.conftest import DEMO_EMAILS, act_as, act_as_owner, user_id
from tests.pages.conftest import identity_of
from tests.supabase.test_supabase_auth import unreachable_project  # noqa: F401  (a fixture)


def _as_the_api(conn, uid):
    """What PostgREST does with a user's access token: role `authenticated`, the token's claims."""
    conn.execute("reset role")
    conn.execute("select set_config('request.jwt.claims', %s, true), set_config('role', 'authenticated', true)",
                 (json.dumps({"sub": uid, "role": "authenticated", "aud": "authenticated"}),))


def test_an_account_that_must_change_its_password_is_served_nothing_through_the_api(conn):
    uid = user_id(conn, "district")
    _as_the_api(conn, uid)
    assert conn.execute("select count(*) as n from public.demand").fetchone()["n"] > 0
    act_as_owner(conn)
    conn.execute("update private.password_state set must_change = true, reason = 'reset' where user_id = %s", (uid,))
    _as_the_api(conn, uid)
    assert conn.execute("select count(*) as n from public.demand").fetchone()["n"] == 0
    assert conn.execute("select private.staff_role() as r").fetchone()["r"] is None
    act_as(conn, "district")        # the portal's path: never the district's role meanwhile
    assert conn.execute("select current_user as u").fetchone()["u"] == "authenticated"
    act_as_owner(conn)


def test_a_password_changed_through_supabase_auth_is_recorded_without_touching_its_hash(conn):
    uid = user_id(conn, "grid")
    before = conn.execute("select encrypted_password from auth.users where id = %s", (uid,)).fetchone()
    conn.execute("update private.password_state set must_change = true, reason = 'expired' where user_id = %s", (uid,))
    assert conn.execute("select has_function_privilege('gongzhi_auth', 'private.change_own_password(uuid, text)',"
                        " 'execute') as ok").fetchone()["ok"]          # the portal's sign-in role calls it
    conn.execute("select private.change_own_password(%s, %s)", (uid, hash_password("Harbor-lantern-71!")))
    assert conn.execute("select encrypted_password from auth.users where id = %s", (uid,)).fetchone() == before
    state = conn.execute("select must_change, reason from private.password_state where user_id = %s", (uid,)).fetchone()
    assert state == {"must_change": False, "reason": None}
    latest = conn.execute("select hash from private.password_history where user_id = %s order by id desc limit 1",
                          (uid,)).fetchone()["hash"]
    assert verify_password("Harbor-lantern-71!", latest)


def test_a_reused_or_weak_password_is_refused_before_supabase_auth_is_asked(fresh_db, unreachable_project):  # noqa: F811
    auth = supabase_auth.AuthSession()
    user = identity_of(DEMO_EMAILS["grid"])
    with pytest.raises(DomainError) as refusal:
        auth.change_password(user, "gongzhi2026")
    assert refusal.value.key == "account.password_kinds"
    import psycopg
    with psycopg.connect(fresh_db, autocommit=True) as c:
        c.execute("insert into private.password_history (user_id, hash) values (%s, %s)",
                  (user.user_id, hash_password("Harbor-lantern-71!")))
        before = c.execute("select count(*) from private.password_history").fetchone()[0]
    with pytest.raises(DomainError) as refusal:
        auth.change_password(user, "Harbor-lantern-71!")
    assert refusal.value.key == "account.password_reused"
    with pytest.raises(DomainError) as refusal:
        auth.change_password(user, "Quiet-maple-road-82!")     # allowed: now the Supabase client is asked
    assert refusal.value.key == "supabase_auth.session_ended"   # (this one holds no signed-in session)
    with psycopg.connect(fresh_db, autocommit=True) as c:       # and nothing was recorded
        assert c.execute("select count(*) from private.password_history").fetchone()[0] == before
    auth.refresh_token = "a-refresh-token"
    auth.sign_out_everywhere()                                 # nothing to end on the server: harmless
    assert auth.refresh_token is None

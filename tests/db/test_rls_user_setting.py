"""RLS matrix: each user reads and writes only their own settings; nobody touches another's."""
import pytest
from psycopg import errors

from tests.conftest import act_as, act_as_owner, user_id
from tests.db.rls import NOTHING, Spec, cell_test, new_auth_user


def _prepare(conn, unit):
    return {"user": new_auth_user(conn), "unit": unit}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.user_setting (user_id, language) values (%(user)s, 'zh')", key)
    return key


SPEC = Spec(
    table="user_setting",
    key="user_id = %(user)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.user_setting (user_id, language) values (%(user)s, 'en')",
    update_set="language = 'en'",
)
NOBODY_ELSE = NOTHING
MATRIX = {role: NOBODY_ELSE for role in ("district", "street", "community", "grid", "department", "anon")}


test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["district", "street", "community", "grid", "department"])
def test_each_user_keeps_their_own_language(conn, role):
    act_as(conn, role)
    conn.execute("insert into public.user_setting (language) values ('en')")
    conn.execute("update public.user_setting set language = 'zh'")
    rows = conn.execute("select user_id, language from public.user_setting").fetchall()
    act_as_owner(conn)
    assert [(str(r["user_id"]), r["language"]) for r in rows] == [(user_id(conn, role), "zh")]


def test_anon_has_no_settings_and_languages_are_checked(conn):
    act_as(conn, None)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("insert into public.user_setting (user_id, language) values (%s, 'en')", (user_id(conn, "grid"),))
    act_as(conn, "grid")
    with pytest.raises(errors.CheckViolation), conn.transaction():
        conn.execute("insert into public.user_setting (language) values ('fr')")
    act_as_owner(conn)

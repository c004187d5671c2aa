"""The portal's connection (gongzhi_portal, the authenticator pattern): it can become the API roles
and the sign-in role and nothing else, owns nothing and reads nothing as itself, so a statement
that escaped the app's role switching could not reach the owner's rights."""
from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from gongzhi.db import connection


@pytest.fixture
def portal(shared_url):
    with psycopg.connect(connection.portal_url(shared_url)) as conn:
        yield conn
        conn.rollback()


def test_the_portal_logs_in_as_a_role_that_is_neither_superuser_nor_owner(portal):
    row = portal.execute("select session_user, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls"
                         " from pg_roles r where r.rolname = session_user").fetchone()
    assert row == ("gongzhi_portal", False, False, False, False, False)
    assert portal.execute("select count(*) from pg_class c join pg_roles r on r.oid = c.relowner"
                          " where r.rolname = 'gongzhi_portal'").fetchone()[0] == 0


@pytest.mark.parametrize("role", ["postgres", "service_role"])
def test_it_cannot_become_the_owner_or_a_role_that_bypasses_row_security(portal, role):
    with pytest.raises(errors.InsufficientPrivilege):
        portal.execute(f"set role {role}")


@pytest.mark.parametrize("statement", [
    "select count(*) from public.demand",
    "select count(*) from public.staff",
    "select count(*) from private.staff_session",
    "select count(*) from auth.users",
    "create table public.planted (x int)",
    "select private.staff_identity(gen_random_uuid())",
])
def test_as_itself_it_reads_and_creates_nothing(portal, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        portal.execute(statement)


def test_as_anon_it_reads_nothing_and_cannot_take_the_sign_in_role_s_tables(portal):
    portal.execute("set local role anon")
    for statement in ("select count(*) from public.demand", "select count(*) from private.staff_session",
                      "select * from private.public_communities()"):
        with pytest.raises(errors.InsufficientPrivilege), portal.transaction():
            portal.execute(statement)


def test_the_sign_in_role_reads_sessions_and_identities_but_no_list(portal):
    portal.execute("set local role gongzhi_auth")
    assert portal.execute("select count(*) from private.staff_session").fetchone()[0] >= 0
    assert portal.execute("select count(*) from private.public_communities()").fetchone()[0] > 0
    for statement in ("select count(*) from public.demand", "select count(*) from public.staff",
                      "update auth.users set encrypted_password = 'x'", "select count(*) from public.audit_log"):
        with pytest.raises(errors.InsufficientPrivilege), portal.transaction():
            portal.execute(statement)

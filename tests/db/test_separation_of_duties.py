"""三权分立: the separation-of-duties matrix of the administration functions, and the rules around
the capabilities themselves. The tables' cells are in tests/db/test_rls_<table>.py (ADMIN_MATRIX).

Identities: the three demo administrators (`system`, `security`, `audit`), plain district staff and
grid staff. Each cell calls a function as the identity and checks it was allowed or refused."""
import uuid

import pytest
from psycopg import errors

from gongzhi.auth.local import hash_password
from tests.conftest import act_as, act_as_owner, user_id

WHO = ("district", "grid", "system", "security", "audit")


def _staff_logins(conn):
    return conn.execute("select count(*) as n from private.staff_logins()").fetchone()["n"] > 0


def _dormant(conn):
    conn.execute("select * from private.dormant_accounts(1)").fetchall()
    return True


def _create_login(conn):
    conn.execute("select private.create_login(%s, %s)", (f"sod-{uuid.uuid4().hex[:8]}@test.cn", hash_password("x")))
    return True


def _set_password(conn):
    grid = conn.execute("select user_id from public.staff where display_name = '刘洋'").fetchone()
    conn.execute("select private.set_login_password(%s, %s)",
                 (grid["user_id"] if grid else uuid.uuid4(), hash_password("x")))
    return True


def _log_page(conn):
    conn.execute("select * from private.security_log_page(null, null, null, '', '', 10, 0)").fetchall()
    return True


def _log_rows(conn):
    conn.execute("select * from private.security_log_rows(null, null, null, '', '')").fetchall()
    return True


# function → the identities allowed to use it
FUNCTIONS = {
    "staff_logins": (_staff_logins, {"system"}),
    "dormant_accounts": (_dormant, {"system"}),
    "create_login": (_create_login, {"system"}),
    "set_login_password": (_set_password, {"system"}),
    "security_log_page": (_log_page, {"audit"}),
    "security_log_rows": (_log_rows, {"audit"}),
}


def _allowed(conn, call) -> bool:
    try:
        with conn.transaction():
            return call(conn)
    except (errors.InsufficientPrivilege, errors.RaiseException) as exc:
        if isinstance(exc, errors.RaiseException) and not str(exc).startswith("gongzhi:"):
            raise
        return False


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_function_cell(conn, who, function):
    call, allowed = FUNCTIONS[function]
    act_as(conn, who)
    outcome = _allowed(conn, call)
    act_as_owner(conn)
    assert outcome == (who in allowed), f"{who} {function}"


ADMIN_TABLES = {"staff", "org_unit", "org_geometry", "department", "category", "event_routing", "event_deadline", "work_calendar",
                "security_setting", "audit_log", "admin_grant", "unmask_grant"}   # org_geometry: the org tree on a map


def test_administrators_reach_no_table_of_the_districts_data(conn):
    """gongzhi_admin has rights on the administration tables only: demands, residents, volunteers,
    events and every table added later stay out of an administrator's reach."""
    reachable = {r["relname"] for r in conn.execute(
        """select c.relname from pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
             and (has_table_privilege('gongzhi_admin', c.oid, 'select, insert, update, delete')
                  or has_any_column_privilege('gongzhi_admin', c.oid, 'select, insert, update'))""")}
    assert reachable == ADMIN_TABLES


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_an_administrator_reads_no_demand(conn, who):
    act_as(conn, who)
    with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
        conn.execute("select id from public.demand_row limit 1")
    act_as_owner(conn)


@pytest.mark.parametrize("who", ["district", "grid", "system", "security", "audit"])
@pytest.mark.parametrize("attempt", ["grant myself", "grant myself a second", "change mine", "grant another"])
def test_nobody_grants_a_capability_through_the_database(conn, who, attempt):
    me = user_id(conn, who)
    other = user_id(conn, "district")
    sql = {"grant myself": ("insert into public.admin_grant (user_id, capability) values (%s, 'audit')", (me,)),
           "grant myself a second": ("insert into public.admin_grant (user_id, capability) values (%s, 'security')",
                                     (me,)),
           "change mine": ("update public.admin_grant set capability = 'audit' where user_id = %s", (me,)),
           "grant another": ("insert into public.admin_grant (user_id, capability) values (%s, 'system')",
                             (other,))}[attempt]
    act_as(conn, who)
    try:
        with conn.transaction():
            changed = conn.execute(*sql).rowcount == 1
    except (errors.InsufficientPrivilege, errors.RaiseException, errors.UniqueViolation):
        changed = False
    act_as_owner(conn)
    assert not changed
    assert conn.execute("select count(*) as n from public.admin_grant").fetchone()["n"] == 3


def test_no_account_holds_two_capabilities_even_by_the_owner(conn):
    with pytest.raises(errors.UniqueViolation, match="admin.one_capability"), conn.transaction():
        conn.execute("insert into public.admin_grant (user_id, capability) values (%s, 'audit')",
                     (user_id(conn, "system"),))
    with pytest.raises(errors.CheckViolation, match="admin.capability_fixed"), conn.transaction():
        conn.execute("update public.admin_grant set capability = 'audit' where user_id = %s", (user_id(conn, "system"),))
    with pytest.raises(errors.CheckViolation, match="admin.district_only"), conn.transaction():
        conn.execute("insert into public.admin_grant (user_id, capability) values (%s, 'audit')",
                     (user_id(conn, "grid"),))
    # The primary key says the same when the trigger is not there to say it first.
    conn.execute("alter table public.admin_grant disable trigger admin_grant_checked")
    with pytest.raises(errors.UniqueViolation, match="admin_grant_one_capability_per_account"), conn.transaction():
        conn.execute("insert into public.admin_grant (user_id, capability) values (%s, 'audit')",
                     (user_id(conn, "system"),))


def test_the_system_administrator_cannot_take_over_another_administrators_account(conn):
    audit = user_id(conn, "audit")
    act_as(conn, "system")
    with pytest.raises(errors.InsufficientPrivilege, match="admin.account_protected"), conn.transaction():
        conn.execute("select private.set_login_password(%s, %s)", (audit, hash_password("x")))
    with pytest.raises(errors.InsufficientPrivilege, match="admin.account_protected"), conn.transaction():
        conn.execute("update public.staff set active = false where user_id = %s", (audit,))
    with pytest.raises(errors.InsufficientPrivilege, match="admin.account_protected"), conn.transaction():
        conn.execute("delete from public.staff where user_id = %s", (audit,))
    act_as_owner(conn)


def test_administrators_cannot_be_allowed_to_unmask(conn):
    admins = [user_id(conn, who) for who in ("system", "security", "audit")]
    act_as(conn, "security")
    for admin in admins:
        with pytest.raises(errors.CheckViolation, match="admin.unmask_not_for_admins"), conn.transaction():
            conn.execute("insert into public.unmask_grant (user_id, reason) values (%s, '试')", (admin,))
    act_as_owner(conn)


def test_may_unmask_answers_for_the_signed_in_user_only_while_granted(conn):
    grid = user_id(conn, "grid")
    act_as(conn, "grid")
    before = conn.execute("select private.may_unmask() as ok").fetchone()["ok"]
    act_as(conn, "security")
    conn.execute("insert into public.unmask_grant (user_id, reason) values (%s, '入户核实')", (grid,))
    act_as(conn, "grid")
    granted = conn.execute("select private.may_unmask() as ok").fetchone()["ok"]
    act_as(conn, "community")
    other = conn.execute("select private.may_unmask() as ok").fetchone()["ok"]
    act_as_owner(conn)
    assert (before, granted, other) == (False, True, False)


@pytest.mark.parametrize("who,role", [("district", "gongzhi_district"), ("grid", "authenticated"),
                                      ("system", "gongzhi_admin"), ("security", "gongzhi_admin"),
                                      ("audit", "gongzhi_admin")])
def test_requests_run_as_the_role_of_the_duty(conn, who, role):
    act_as(conn, who)
    current, capability = conn.execute("select current_user as r, private.admin_capability() as c").fetchone().values()
    act_as_owner(conn)
    assert current == role
    assert capability == (who if who in ("system", "security", "audit") else None)

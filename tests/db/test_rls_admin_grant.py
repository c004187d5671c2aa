"""RLS matrix: the administrator capabilities (三权分立) are written by no API role at all — the
deployer grants them from the command line; administrators read them; staff read nothing."""
from tests.db.rls import ALL, NONE, NOTHING, ROLES, Spec, admin_cell_test, cell_test, new_auth_user


def _district_staff(conn):
    user = new_auth_user(conn)
    conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name)"
                 " select %s, id, 'district', '测试管理员' from public.org_unit where kind = 'district'", (user,))
    return {"user": user}


def _make(conn, unit):
    key = _district_staff(conn)
    conn.execute("insert into public.admin_grant (user_id, capability) values (%(user)s, 'audit')", key)
    return key


SPEC = Spec(
    table="admin_grant",
    key="user_id = %(user)s",
    make=_make,
    prepare=lambda conn, unit: _district_staff(conn),
    insert="insert into public.admin_grant (user_id, capability) values (%(user)s, 'audit')",
    update_set="capability = 'system'",
)
MATRIX = {role: NOTHING for role in ROLES}
READ_ALL = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
ADMIN_MATRIX = {"system": READ_ALL, "audit": READ_ALL, "security": READ_ALL}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

"""RLS matrix: who may unmask personal data is kept by the security administrator alone (三权分立):
no staff role and no other administrator reads or writes the grants; nobody changes one in place."""
from tests.db.rls import ALL, NONE, NOTHING, ROLES, Spec, admin_cell_test, cell_test, new_auth_user, unit_role


def _prepare(conn, unit):
    user = new_auth_user(conn)
    conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name) values (%s, %s, %s, '测试员')",
                 (user, unit, unit_role(conn, unit)))
    return {"user": user}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.unmask_grant (user_id, reason) values (%(user)s, '核查重复登记')", key)
    return key


SPEC = Spec(
    table="unmask_grant",
    key="user_id = %(user)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.unmask_grant (user_id, reason) values (%(user)s, '走访核实')",
    update_set="reason = '改'",
)
MATRIX = {role: NOTHING for role in ROLES}
ADMIN_MATRIX = {"security": dict(select=ALL, insert=ALL, update=NONE, delete=ALL),
                "system": NOTHING, "audit": NOTHING}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

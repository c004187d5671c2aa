"""RLS matrix: staff see themselves and the staff of their territory; district staff read every account;
only the system administrator manages accounts (三权分立)."""
import pytest

from tests.conftest import act_as, act_as_owner, user_id
from tests.db.rls import (ALL, EVERYTHING, INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out,
                          new_auth_user, unit_role, admin_cell_test)


def _role(conn, unit):
    kind = unit_role(conn, unit)
    return kind


def _prepare(conn, unit):
    return {"user": new_auth_user(conn), "unit": unit, "role": _role(conn, unit)}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name)"
                 " values (%(user)s, %(unit)s, %(role)s, '测试员')", key)
    return key


SPEC = Spec(
    table="staff",
    key="user_id = %(user)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.staff (user_id, org_unit_id, role, display_name) values (%(user)s, %(unit)s, %(role)s, '新人')",
    update_set="display_name = display_name || '（改）'",
    move="update public.staff set org_unit_id = %(unit)s where user_id = %(user)s",
)
READ_TERRITORY = dict(select=INSIDE, insert=NONE, update=NONE, delete=NONE)
READ_ALL = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": READ_ALL,
    "street": READ_TERRITORY, "community": READ_TERRITORY, "grid": READ_TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


ADMIN_MATRIX = {"system": EVERYTHING, "security": READ_ALL, "audit": READ_ALL}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)


@pytest.mark.parametrize("role", ["street", "community", "grid", "department"])
def test_everyone_sees_their_own_staff_row_and_cannot_promote_themselves(conn, role):
    me = user_id(conn, role)
    act_as(conn, role)
    assert conn.execute("select count(*) as n from public.staff where user_id = %s", (me,)).fetchone()["n"] == 1
    promoted = conn.execute("update public.staff set role = 'district' where user_id = %s", (me,)).rowcount
    act_as_owner(conn)
    assert promoted == 0


def test_grid_staff_cannot_move_a_colleague(conn):
    with pytest.raises(AssertionError, match="must be visible"):
        check_move_out(conn, SPEC, "department")
    check_move_out(conn, SPEC, "grid")


def test_role_must_fit_the_unit(conn):
    from psycopg import errors
    from tests.conftest import unit_id
    user = new_auth_user(conn)
    with pytest.raises(errors.CheckViolation, match="staff.role_unit_mismatch"), conn.transaction():
        conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name) values (%s, %s, 'district', 'x')",
                     (user, unit_id(conn, "丽水社区第一网格")))

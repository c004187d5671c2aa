"""RLS matrix: departments are read by all staff and configured by the system administrator (三权分立)."""
import uuid

import pytest

from tests.db.rls import SETTINGS_MATRIX, SYSTEM_KEEPS, Spec, admin_cell_test, cell_test


def _code():
    return {"code": "d" + uuid.uuid4().hex[:10]}


def _make(conn, unit):
    key = _code()
    key["id"] = conn.execute("insert into public.department (code, name_zh, name_en) values (%(code)s, '区测试局', 'Test')"
                             " returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="department",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: _code(),
    insert="insert into public.department (code, name_zh, name_en) values (%(code)s, '区新局', 'New')",
    update_set="name_zh = '改名局'",
)
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = SYSTEM_KEEPS


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)


def test_department_staff_must_belong_to_a_department_checked_at_commit(fresh_db):
    import psycopg
    from psycopg import errors
    with psycopg.connect(fresh_db) as c:
        user = c.execute("select id from auth.users where email = 'bumen@demo.gongzhi.cn'").fetchone()[0]
        c.execute("update public.staff set department_id = null where user_id = %s", (user,))
        with pytest.raises(errors.RaiseException, match="staff.department_required"):
            c.commit()
    with psycopg.connect(fresh_db) as c:
        grid_user = c.execute("select id from auth.users where email = 'wangge@demo.gongzhi.cn'").fetchone()[0]
        c.execute("update public.staff set department_id = (select min(id) from public.department)"
                  " where user_id = %s", (grid_user,))
        with pytest.raises(errors.RaiseException, match="staff.department_only"):
            c.commit()

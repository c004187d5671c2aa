"""RLS matrix: the security settings are read by all staff and kept by the security
administrator alone (三权分立). Anon reads nothing."""
import uuid

from tests.db.rls import EVERYTHING, READ_ONLY, SETTINGS_MATRIX, Spec, admin_cell_test, cell_test


def _key():
    return {"key": "test." + uuid.uuid4().hex[:12]}


def _make(conn, unit):
    key = _key()
    conn.execute("insert into public.security_setting (key, value) values (%(key)s, '1')", key)
    return key


SPEC = Spec(
    table="security_setting",
    key="key = %(key)s",
    make=_make,
    prepare=lambda conn, unit: _key(),
    insert="insert into public.security_setting (key, value) values (%(key)s, '2')",
    update_set="value = '3'",
)
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = {"security": EVERYTHING, "system": READ_ONLY, "audit": READ_ONLY}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

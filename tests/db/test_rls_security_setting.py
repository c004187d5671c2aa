"""RLS matrix: the security settings are read by all staff and kept by the district (the
separation-of-duties work narrows who keeps them). Anon reads nothing."""
import uuid

from tests.db.rls import REFERENCE_MATRIX, Spec, cell_test


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
MATRIX = REFERENCE_MATRIX


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the notice versions are read by every staff member and written by nobody (a migration
adds a version); anon reads nothing — the public page prints its notice from the catalogue."""
import uuid

from tests.db.rls import NOTHING, READ_ONLY, Spec, cell_test


def _key():
    return {"version": "test_" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "abcdefghij")) + "_v1"}


def _make(conn, unit):
    key = _key()
    conn.execute("insert into public.privacy_notice (version, form, published_on) values (%(version)s, 'claim', current_date)",
                 key)
    return key


SPEC = Spec(
    table="privacy_notice",
    key="version = %(version)s",
    make=_make,
    prepare=lambda conn, unit: _key(),
    insert="insert into public.privacy_notice (version, form, published_on) values (%(version)s, 'claim', current_date)",
    update_set="published_on = published_on + 1",
)
MATRIX = {"district": READ_ONLY, "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
          "department": READ_ONLY, "anon": NOTHING}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: provider records are read by staff of every territory and written by nobody but the
match triggers (they are district-wide track records, not territorial rows)."""
import uuid


from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test


def _prepare(conn, unit):
    return {"provider": f"测试提供方{unit}-{uuid.uuid4().hex[:6]}"}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.provider_record (provider, done) values (%(provider)s, 1)", key)
    return key


SPEC = Spec(
    table="provider_record",
    key="provider = %(provider)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.provider_record (provider) values (%(provider)s)",
    update_set="lapsed = lapsed + 1",
)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": READ_ONLY, "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

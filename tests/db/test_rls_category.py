"""RLS matrix: categories are read by all staff and maintained by the district."""
import uuid


from tests.db.rls import NOTHING, READ_ONLY, REFERENCE_MATRIX, Spec, admin_cell_test, cell_test


def _code():
    return {"code": "t" + uuid.uuid4().hex[:10]}


def _make(conn, unit):
    key = _code()
    key["id"] = conn.execute("insert into public.category (code, name_zh, name_en) values (%(code)s, '测试', 'Test')"
                             " returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="category",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: _code(),
    insert="insert into public.category (code, name_zh, name_en) values (%(code)s, '新类', 'New')",
    update_set="name_zh = '改名'",
)
MATRIX = REFERENCE_MATRIX
ADMIN_MATRIX = {"system": READ_ONLY, "security": NOTHING, "audit": NOTHING}


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

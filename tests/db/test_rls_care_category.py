"""RLS matrix: the categories of people to look after are read by all staff and kept by the district."""
import uuid

from tests.db.rls import REFERENCE_MATRIX, Spec, cell_test


def _code():
    return {"code": "t" + uuid.uuid4().hex[:10]}


def _make(conn, unit):
    key = _code()
    key["id"] = conn.execute("insert into public.care_category (code, name_zh, name_en, visit_every_days)"
                             " values (%(code)s, '测试', 'Test', 5) returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="care_category",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: _code(),
    insert="insert into public.care_category (code, name_zh, name_en, visit_every_days)"
           " values (%(code)s, '空巢老人', 'Empty nesters', 10)",
    update_set="visit_every_days = 3",
)
MATRIX = REFERENCE_MATRIX

test_cell = cell_test(SPEC, MATRIX)

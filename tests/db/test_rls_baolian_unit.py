"""RLS matrix: the 包联 units are a list every staff member reads and the district keeps."""
import uuid

from tests.db.rls import REFERENCE_MATRIX, Spec, cell_test
from tests.levers.makers import baolian_unit

SPEC = Spec(
    table="baolian_unit",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": baolian_unit(conn, unit)},
    prepare=lambda conn, unit: {"unit": unit, "name": f"新单位{uuid.uuid4().hex[:6]}"},
    insert="insert into public.baolian_unit (name, functions, strength, capacity, located_at)"
           " values (%(name)s, '{repair}', 30, 2, %(unit)s)",
    update_set="strength = strength + 1",
)
MATRIX = REFERENCE_MATRIX

test_cell = cell_test(SPEC, MATRIX)

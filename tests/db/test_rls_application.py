"""RLS matrix: anon reaches nothing (the public form writes through the portal as gongzhi_public); staff read, decide and
remove the applications of their territory."""
import uuid

import pytest

from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out
from tests.personal import sealed
from tests.volunteers.makers import at, new_application, phone

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="application",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_application),
    prepare=lambda conn, unit: {"unit": unit, **sealed(phone()), "fp": uuid.uuid4().hex},
    insert="insert into public.application (kind, org_unit_id, name, phone_enc, phone_bidx, phone_masked, fingerprint, notice_version)"
           " values ('volunteer', %(unit)s, '王芳', %(phone_enc)s, %(phone_bidx)s, %(phone_masked)s, %(fp)s, 'application_v1')",
    update_set="note = '已电话联系'",
    move="update public.application set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=IN_OUT),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,   # the public form writes through the portal as gongzhi_public (tests/security/test_personal_at_rest.py)
}


test_cell = cell_test(SPEC, MATRIX)


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_an_application_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

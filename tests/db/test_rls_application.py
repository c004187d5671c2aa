"""RLS matrix: anon may only submit an application (reading nothing back); staff read, decide and
remove the applications of their territory."""
import uuid

import pytest

from tests.db.rls import ALL, INSIDE, NONE, Spec, check_cell, check_move_out, matrix_cases
from tests.volunteers.makers import at, new_application, phone

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="application",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_application),
    prepare=lambda conn, unit: {"unit": unit, "phone": phone(), "fp": uuid.uuid4().hex},
    insert="insert into public.application (kind, org_unit_id, name, phone, fingerprint)"
           " values ('volunteer', %(unit)s, '王芳', %(phone)s, %(fp)s)",
    update_set="note = '已电话联系'",
    move="update public.application set org_unit_id = %(unit)s where id = %(id)s",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=IN_OUT),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": dict(select=NONE, insert=NONE, update=NONE, delete=NONE),
    "anon": dict(select=NONE, insert=ALL, update=NONE, delete=NONE),
}


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])


@pytest.mark.parametrize("role", ["street", "community", "grid"])
def test_cannot_move_an_application_out_of_the_territory(conn, role):
    check_move_out(conn, SPEC, role)

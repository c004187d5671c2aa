"""RLS matrix: residents' requests are recorded and answered by community staff of their territory
and by district staff; street, grid and department staff and anon see none; nobody deletes one."""
import pytest

from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test, check_move_out


def _make(conn, unit):
    return {"id": conn.execute(
        "insert into public.subject_request (org_unit_id, kind, received_on, phone_masked)"
        " values (%s, 'access', current_date, '139****1234') returning id", (unit,)).fetchone()["id"]}


SPEC = Spec(
    table="subject_request",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.subject_request (org_unit_id, kind, received_on, phone_masked)"
           " values (%(unit)s, 'copy', current_date, '139****1234')",
    update_set="note = '已电话联系'",
    move="update public.subject_request set org_unit_id = %(unit)s where id = %(id)s",
)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": NOTHING,
    "community": dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE),
    "grid": NOTHING,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_community_staff_cannot_move_a_request_out_of_their_territory(conn):
    check_move_out(conn, SPEC, "community")

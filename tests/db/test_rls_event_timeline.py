"""RLS matrix: an event's timeline is read by its territory and its summoned departments and
written only by the database's triggers: nobody inserts, changes or removes a line."""
import pytest

from tests.db.rls import ALL, INSIDE, NONE, Spec, check_cell, matrix_cases
from tests.whistle.helpers import new_event


def _make(conn, unit):
    event = new_event(conn, unit)
    return {"id": conn.execute("select id from public.event_timeline where event_id = %s", (event,)).fetchone()["id"],
            "event": event}


SPEC = Spec(
    table="event_timeline",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"event": new_event(conn, unit)},
    insert="insert into public.event_timeline (event_id, kind, step, note) values (%(event)s, 'step', 'evaluate', '伪造')",
    update_set="note = '改写'",
)
NOTHING = dict(insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, **NOTHING),
    "street": dict(select=INSIDE, **NOTHING), "community": dict(select=INSIDE, **NOTHING),
    "grid": dict(select=INSIDE, **NOTHING), "department": dict(select=INSIDE, **NOTHING),
    "anon": dict(select=NONE, **NOTHING),
}


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])

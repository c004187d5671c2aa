"""RLS matrix: an event's timeline is read by its territory and its summoned departments and
written only by the database's triggers: nobody inserts, changes or removes a line."""

from tests.db.rls import ALL, INSIDE, NONE, Spec, cell_test
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
NO_WRITE = dict(insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, **NO_WRITE),
    "street": dict(select=INSIDE, **NO_WRITE), "community": dict(select=INSIDE, **NO_WRITE),
    "grid": dict(select=INSIDE, **NO_WRITE), "department": dict(select=INSIDE, **NO_WRITE),
    "anon": dict(select=NONE, **NO_WRITE),
}


test_cell = cell_test(SPEC, MATRIX)

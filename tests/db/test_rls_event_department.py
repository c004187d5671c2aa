"""RLS matrix: summons are seen by the event's territory and by the department summoned; only that
department reports on its own summons; the database writes summons when an event is whistled."""

from tests.db.rls import EVERYTHING, INSIDE, NONE, NOTHING, Spec, cell_test
from tests.whistle.helpers import department_id, new_event


def _make(conn, unit):
    event = new_event(conn, unit)
    row = conn.execute("select department_id from public.event_department where event_id = %s", (event,)).fetchone()
    return {"event": event, "department": row["department_id"]}


def _prepare(conn, unit):
    return {"event": new_event(conn, unit), "department": department_id(conn, "shuiwu")}


SPEC = Spec(
    table="event_department",
    key="event_id = %(event)s and department_id = %(department)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.event_department (event_id, department_id, report_deadline)"
           " values (%(event)s, %(department)s, now())",
    update_set="report_note = '已收到'",
)
READ_TERRITORY = dict(select=INSIDE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": EVERYTHING,
    "street": READ_TERRITORY, "community": READ_TERRITORY, "grid": READ_TERRITORY,
    "department": dict(select=INSIDE, insert=NONE, update=INSIDE, delete=NONE),
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

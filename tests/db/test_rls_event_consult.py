"""RLS matrix: consult records are written and read by the event's territory and its summoned
departments; once written they are changed only by the district."""

from tests.db.rls import EVERYTHING, INSIDE, NONE, NOTHING, Spec, cell_test
from tests.whistle.helpers import new_event, report_all


def _prepare(conn, unit):
    event = new_event(conn, unit)
    report_all(conn, event)
    return {"event": event}


def _make(conn, unit):
    key = _prepare(conn, unit)
    key["id"] = conn.execute("insert into public.event_consult (event_id, attendees, decision)"
                             " values (%(event)s, '网格员、城管', '限期整改') returning id", key).fetchone()["id"]
    return key


SPEC = Spec(
    table="event_consult",
    key="id = %(id)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.event_consult (event_id, attendees, decision) values (%(event)s, '社区书记', '联合执法')",
    update_set="decision = decision || '（补充）'",
)
WRITE_TERRITORY = dict(select=INSIDE, insert=INSIDE, update=NONE, delete=NONE)
MATRIX = {
    "district": EVERYTHING,
    "street": WRITE_TERRITORY, "community": WRITE_TERRITORY, "grid": WRITE_TERRITORY,
    "department": WRITE_TERRITORY,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

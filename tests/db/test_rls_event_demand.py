"""RLS matrix: links between events and demands belong to the event's territory; departments see
no demands and no links."""

from tests.db.rls import EVERYTHING, INSIDE, NONE, NOTHING, Spec, cell_test, new_demand
from tests.whistle.helpers import grid_at, new_event


def _prepare(conn, unit):
    return {"event": new_event(conn, unit), "demand": new_demand(conn, grid_at(conn, unit))}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.event_demand (event_id, demand_id, relation) values (%(event)s, %(demand)s, 'source')",
                 key)
    return key


SPEC = Spec(
    table="event_demand",
    key="event_id = %(event)s and demand_id = %(demand)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.event_demand (event_id, demand_id, relation) values (%(event)s, %(demand)s, 'spawned')",
    update_set="relation = relation",
)
LINK_TERRITORY = dict(select=INSIDE, insert=INSIDE, update=NONE, delete=NONE)
MATRIX = {
    "district": EVERYTHING,
    "street": LINK_TERRITORY, "community": LINK_TERRITORY, "grid": LINK_TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: an event is seen and moved by its territory and by the departments summoned to it;
grid, community and street staff whistle in their territory; only the district removes events."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test
from tests.whistle.helpers import HOME_GRID, INSERT_EVENT, event_row, new_event

SPEC = Spec(
    table="event",
    key="id = %(id)s",
    make=lambda conn, unit: {"id": new_event(conn, unit)},
    prepare=event_row,
    insert=INSERT_EVENT,
    update_set="step = step",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=ALL, delete=ALL),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": dict(select=INSIDE, insert=NONE, update=INSIDE, delete=NONE),
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_a_department_sees_only_its_events_and_nothing_else_of_the_district(conn):
    act_as(conn, "department")
    mine = conn.execute("select count(*) as n from public.event").fetchone()["n"]
    others = conn.execute("select count(*) as n from public.event"
                          " where not departments @> array[(select private.department_id())]").fetchone()["n"]
    demands = conn.execute("select count(*) as n from public.demand").fetchone()["n"]
    act_as_owner(conn)
    total = conn.execute("select count(*) as n from public.event").fetchone()["n"]
    assert 0 < mine < total and others == 0 and demands == 0


def test_streets_see_their_streets_events_and_grids_only_theirs(conn):
    counts = {}
    for role in ("street", "community", "grid"):
        act_as(conn, role)
        counts[role] = conn.execute("select count(*) as n, count(*) filter (where terr between"
                                    " (select private.terr_lo()) and (select private.terr_hi())) as inside"
                                    " from public.event").fetchone()
    act_as_owner(conn)
    assert all(c["n"] == c["inside"] for c in counts.values())
    assert counts["street"]["n"] >= counts["community"]["n"] >= counts["grid"]["n"] > 0


def test_territory_columns_cannot_be_changed_after_the_whistle(conn):
    event = new_event(conn, unit_id(conn, HOME_GRID))
    act_as(conn, "grid")
    with pytest.raises(Exception, match="whistle.immutable"), conn.transaction():
        conn.execute("update public.event set org_unit_id = %s where id = %s",
                     (unit_id(conn, "丽水社区第二网格"), event))
    act_as_owner(conn)

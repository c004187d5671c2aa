"""RLS matrix: a round's findings lie where the round lies: read, recorded and corrected by staff of
that territory and by the district; nobody deletes one; department staff and anon see none. A
finding cannot be moved to a round outside the territory."""
import psycopg
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, INSIDE, NONE, NOTHING, PLACES, Spec, cell_test


def _visit(conn, unit):
    return conn.execute("insert into public.visit (kind, org_unit_id, place) values ('patrol', %s, '车棚')"
                        " returning id", (unit,)).fetchone()["id"]


def _make(conn, unit):
    return {"id": conn.execute("insert into public.finding (visit_id, what, outcome) values (%s, '楼道杂物', 'on_spot')"
                               " returning id", (_visit(conn, unit),)).fetchone()["id"]}


SPEC = Spec(
    table="finding",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"visit": _visit(conn, unit)},
    insert="insert into public.finding (visit_id, what, outcome) values (%(visit)s, '飞线充电', 'on_spot')",
    update_set="what = '飞线充电（已劝导）'",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": TERRITORY,
    "community": TERRITORY,
    "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def test_grid_staff_cannot_hang_a_finding_on_a_round_outside_their_grid(conn):
    act_as_owner(conn)
    finding = _make(conn, unit_id(conn, PLACES["grid"]["inside"]))["id"]
    elsewhere = _visit(conn, unit_id(conn, PLACES["grid"]["outside"]))
    act_as(conn, "grid")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("update public.finding set visit_id = %s where id = %s", (elsewhere, finding))
    act_as_owner(conn)
    assert conn.execute("select visit_id <> %s as kept from public.finding where id = %s",
                        (elsewhere, finding)).fetchone()["kept"]

"""RLS matrix: a 重点整治 campaign is set and changed by street staff in their street (and by the
district); every staff member whose territory it covers reads it (rows of the units above them);
nobody deletes one; department staff and anon see none."""
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test, check_move_out


def _make(conn, unit):
    return {"id": conn.execute(
        "insert into public.campaign (org_unit_id, name, items, starts_on, ends_on)"
        " values (%s, '飞线充电整治', array['电动车飞线充电'], current_date, current_date + 30) returning id",
        (unit,)).fetchone()["id"]}


SPEC = Spec(
    table="campaign",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"unit": unit},
    insert="insert into public.campaign (org_unit_id, name, items, starts_on, ends_on)"
           " values (%(unit)s, '杂物堆积整治', array['楼道杂物'], current_date, current_date + 14)",
    update_set="name = '楼道杂物清理'",
    move="update public.campaign set org_unit_id = %(unit)s where id = %(id)s",
)
READS = dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=INSIDE, update=INSIDE, delete=NONE),
    "community": READS,
    "grid": READS,
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)


def test_street_staff_cannot_move_a_campaign_out_of_their_street(conn):
    check_move_out(conn, SPEC, "street")

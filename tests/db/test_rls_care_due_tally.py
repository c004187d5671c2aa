"""RLS matrix: the overdue-visit tally is read exactly like the people to look after it sums, and
written by nobody but the triggers on care_person."""

from tests.db.rls import ALL, INSIDE, NONE, NOTHING, Spec, cell_test


def _tally_row(conn, unit: int) -> dict:
    """As owner: a person to look after at `unit`, due on a day of their own; the tally row of it."""
    person = conn.execute(
        "insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked, created_at)"
        " values (%s, 1, '测试', '测*', '2001-02-03') returning terr, next_due_on", (unit,)).fetchone()
    return conn.execute("select id from public.care_due_tally where terr = %s and due_on = %s",
                        (person["terr"], person["next_due_on"])).fetchone()


SPEC = Spec(
    table="care_due_tally",
    key="id = %(id)s",
    make=_tally_row,
    prepare=lambda conn, unit: {"terr": conn.execute("select terr from public.org_unit where id = %s",
                                                     (unit,)).fetchone()["terr"]},
    insert="insert into public.care_due_tally (terr, due_on, n) values (%(terr)s, '2000-01-01', 1)",
    update_set="n = n + 1",
)
READ_ONLY = dict(select=INSIDE, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the overdue-visit tally is read exactly like the people to look after it sums, and
written by nobody but the triggers on care_person."""

from tests.db.rls import INSIDE, Spec, cell_test, tally_matrix, unit_terr


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
    prepare=unit_terr,
    insert="insert into public.care_due_tally (terr, due_on, n) values (%(terr)s, '2000-01-01', 1)",
    update_set="n = n + 1",
)
MATRIX = tally_matrix(INSIDE)


test_cell = cell_test(SPEC, MATRIX)

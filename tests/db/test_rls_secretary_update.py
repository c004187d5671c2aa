"""RLS matrix: reports and supervision notes (督) are read like their claim; a report is added by
the claim's own unit once approved (a note by the level above: tests/levers); none is changed or
removed. A grid place stands for its community's claim."""
from tests.db.rls import ALL, INSIDE, INSIDE_ABOVE, NONE, NOTHING, Spec, cell_test
from tests.levers.makers import secretary_project

ABOVE = frozenset({"above"})


def _make(conn, unit):
    claim = secretary_project(conn, unit, "approved")
    return {"id": conn.execute("insert into public.secretary_update (secretary_project_id, kind, body, progress)"
                               " values (%s, 'report', '进展', 20) returning id", (claim,)).fetchone()["id"]}


SPEC = Spec(
    table="secretary_update",
    key="id = %(id)s",
    make=_make,
    prepare=lambda conn, unit: {"claim": secretary_project(conn, unit, "approved")},
    insert="insert into public.secretary_update (secretary_project_id, kind, body, progress)"
           " values (%(claim)s, 'report', '本月进展', 50)",
    update_set="body = '改写'",
)
MATRIX = {
    "district": dict(select=ALL, insert=ABOVE, update=NONE, delete=NONE),
    "street": dict(select=INSIDE_ABOVE, insert=NONE, update=NONE, delete=NONE),
    "community": dict(select=INSIDE_ABOVE, insert=INSIDE, update=NONE, delete=NONE),
    "grid": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
    "department": NOTHING,
    "anon": NOTHING,
}

test_cell = cell_test(SPEC, MATRIX)

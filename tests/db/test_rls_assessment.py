"""RLS matrix: assessment rows are written by private.compute_assessment; staff read those of their
territory and enter the residents' evaluation; nobody inserts directly (the figures are computed),
only the district removes."""

from tests.db.rls import INSIDE, NONE, NOTHING, Spec, cell_test
from tests.volunteers.makers import at, new_assessment, new_volunteer, registrable

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="assessment",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_assessment),
    prepare=lambda conn, unit: {"volunteer": new_volunteer(conn, unit) if registrable(conn, unit) else -1},
    insert="insert into public.assessment (period, subject, volunteer_id, org_unit_id)"
           " values ('2026H1', 'volunteer', %(volunteer)s, 0)",
    update_set="evaluation = 85",
)
MATRIX = {
    "district": dict(select=IN_OUT, insert=NONE, update=IN_OUT, delete=IN_OUT),
    **{role: dict(select=INSIDE, insert=NONE, update=INSIDE, delete=NONE) for role in ("street", "community", "grid")},
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: the assessment weights are read by all staff and changed only by the district;
the set of factors is fixed (no inserts or deletes through the API)."""

from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test

SPEC = Spec(
    table="assessment_weight",
    key="subject = %(subject)s and factor = %(factor)s",
    make=lambda conn, unit: {"subject": "volunteer", "factor": "hours"},
    prepare=lambda conn, unit: {},
    insert="insert into public.assessment_weight (subject, factor, weight) values ('volunteer', 'hours', 0.5)",
    update_set="weight = weight",
)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=NONE, update=ALL, delete=NONE),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY, "department": READ_ONLY,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)

"""RLS matrix: deadlines per step and urgency are read by all staff and set by the system administrator (三权分立)."""

from tests.db.rls import SETTINGS_MATRIX, SYSTEM_KEEPS_ALONE, Spec, admin_cell_test, cell_test

KEY = {"urgency": "normal", "step": "report"}


def _make(conn, unit):
    conn.execute("insert into public.event_deadline (urgency, step, hours) values (%(urgency)s, %(step)s, 24)"
                 " on conflict (urgency, step) do nothing", KEY)
    return dict(KEY)


def _prepare(conn, unit):
    conn.execute("delete from public.event_deadline where urgency = 'urgent' and step = 'evaluate'")
    return {"urgency": "urgent", "step": "evaluate"}


SPEC = Spec(
    table="event_deadline",
    key="urgency = %(urgency)s and step = %(step)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.event_deadline (urgency, step, hours) values (%(urgency)s, %(step)s, 72)",
    update_set="hours = hours + 1",
)
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = SYSTEM_KEEPS_ALONE


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

"""RLS matrix: the working-day calendar is read by all staff and kept by the system administrator (三权分立)."""
import datetime as dt
import random


from tests.db.rls import SETTINGS_MATRIX, SYSTEM_KEEPS_ALONE, Spec, admin_cell_test, cell_test


def _day():
    return {"day": dt.date(2030, 1, 1) + dt.timedelta(days=random.randrange(3000))}


def _make(conn, unit):
    key = _day()
    conn.execute("insert into public.work_calendar (day, working, note) values (%(day)s, false, '假日')"
                 " on conflict (day) do nothing", key)
    return key


SPEC = Spec(
    table="work_calendar",
    key="day = %(day)s",
    make=_make,
    prepare=lambda conn, unit: _day(),
    insert="insert into public.work_calendar (day, working, note) values (%(day)s, true, '调休上班')",
    update_set="note = '改'",
)
MATRIX = SETTINGS_MATRIX
ADMIN_MATRIX = SYSTEM_KEEPS_ALONE


test_cell = cell_test(SPEC, MATRIX)
test_admin_cell = admin_cell_test(SPEC, ADMIN_MATRIX)

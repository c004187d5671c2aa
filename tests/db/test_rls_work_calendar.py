"""RLS matrix: the working-day calendar is read by all staff and kept by the district."""
import datetime as dt
import random

import pytest

from tests.db.rls import ALL, NONE, Spec, check_cell, matrix_cases


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
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
MATRIX = {
    "district": dict(select=ALL, insert=ALL, update=ALL, delete=ALL),
    "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY, "department": READ_ONLY,
    "anon": dict(select=NONE, insert=NONE, update=NONE, delete=NONE),
}


@pytest.mark.parametrize("role,op", matrix_cases(MATRIX))
def test_cell(conn, role, op):
    check_cell(conn, SPEC, role, op, MATRIX[role][op])

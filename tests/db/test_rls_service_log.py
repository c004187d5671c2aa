"""RLS matrix: service records lie in the volunteer's territory; staff record, verify and rate
there, and remove only unverified records."""
import datetime as dt

import pytest

from tests.db.rls import INSIDE, NOTHING, Spec, cell_test
from tests.volunteers.makers import at, new_service_log, new_volunteer, registrable

IN_OUT = frozenset({"inside", "outside"})
SPEC = Spec(
    table="service_log",
    key="id = %(id)s",
    make=lambda conn, unit: at(conn, unit, new_service_log),
    prepare=lambda conn, unit: {"volunteer": new_volunteer(conn, unit) if registrable(conn, unit) else -1,
                                "day": dt.date.today()},
    insert="insert into public.service_log (volunteer_id, served_on, hours) values (%(volunteer)s, %(day)s, 3)",
    update_set="note = '服务认真'",
)
TERRITORY = dict(select=INSIDE, insert=INSIDE, update=INSIDE, delete=INSIDE)
MATRIX = {
    "district": dict(select=IN_OUT, insert=IN_OUT, update=IN_OUT, delete=IN_OUT),
    "street": TERRITORY, "community": TERRITORY, "grid": TERRITORY,
    "department": NOTHING,
    "anon": NOTHING,
}


test_cell = cell_test(SPEC, MATRIX)


def test_a_verified_record_cannot_be_removed_or_changed(conn):
    from psycopg import errors
    from tests.conftest import act_as, act_as_owner, unit_id
    log = new_service_log(conn, unit_id(conn, "丽水社区第二网格"), verified=True)
    act_as(conn, "community")
    for sql in ("delete from public.service_log where id = %s", "update public.service_log set hours = 9 where id = %s"):
        with pytest.raises(errors.RaiseException, match="gongzhi:service_log.verified"), conn.transaction():
            conn.execute(sql, (log,))
    act_as_owner(conn)

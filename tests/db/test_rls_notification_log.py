"""RLS matrix: the notification log is written by the notify job alone and read by those who keep
the robot (the district all; street and community staff their own unit's; a department its own)."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db import _notify_rows as rows
from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test

SPEC = Spec(
    table="notification_log",
    key="errmsg = %(errmsg)s",
    make=lambda conn, unit: rows.log(conn, unit),
    prepare=lambda conn, unit: {"errmsg": "test new", "robot": rows.robot(conn, unit), "unit": unit},
    insert="""insert into public.notification_log (robot_id, org_unit_id, notifications, ok, errmsg)
              values (%(robot)s, %(unit)s, 1, true, %(errmsg)s)""",
    update_set="ok = false",
)
MATRIX = {"district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
          "street": NOTHING, "community": NOTHING, "grid": NOTHING, "department": NOTHING, "anon": NOTHING}

test_cell = cell_test(SPEC, MATRIX)


def _seen(conn, role, key) -> bool:
    act_as(conn, role)
    n = conn.execute("select count(*) as n from public.notification_log where errmsg = %(errmsg)s", key).fetchone()["n"]
    act_as_owner(conn)
    return n == 1


@pytest.mark.parametrize("role,own,neighbour", [("community", "丽水社区", "江滩社区"),
                                                ("street", "长江路街道", "文昌街道")])
def test_keepers_read_their_own_units_log(conn, role, own, neighbour):
    assert _seen(conn, role, rows.log(conn, unit_id(conn, own)))
    assert not _seen(conn, role, rows.log(conn, unit_id(conn, neighbour)))

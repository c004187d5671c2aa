"""RLS matrix: notifications are written by the notify job alone; those who keep the robot read
them (the district all; street and community staff their own unit's; a department its own)."""
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db import _notify_rows as rows
from tests.db.rls import ALL, NONE, NOTHING, Spec, cell_test

SPEC = Spec(
    table="notification",
    key="dedup_key = %(dedup)s",
    make=lambda conn, unit: rows.notification(conn, unit),
    prepare=lambda conn, unit: {"dedup": "test:new", "robot": rows.robot(conn, unit), "unit": unit},
    insert="""insert into public.notification (dedup_key, robot_id, org_unit_id, kind, body)
              values (%(dedup)s, %(robot)s, %(unit)s, 'red', '测试')""",
    update_set="status = 'sent'",
)
MATRIX = {"district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
          "street": NOTHING, "community": NOTHING, "grid": NOTHING, "department": NOTHING, "anon": NOTHING}

test_cell = cell_test(SPEC, MATRIX)


def _seen(conn, role, key) -> bool:
    act_as(conn, role)
    n = conn.execute("select count(*) as n from public.notification where dedup_key = %(dedup)s", key).fetchone()["n"]
    act_as_owner(conn)
    return n == 1


@pytest.mark.parametrize("role,own,neighbour", [("community", "丽水社区", "江滩社区"),
                                                ("street", "长江路街道", "文昌街道")])
def test_keepers_read_their_own_units_notifications(conn, role, own, neighbour):
    assert _seen(conn, role, rows.notification(conn, unit_id(conn, own)))
    assert not _seen(conn, role, rows.notification(conn, unit_id(conn, neighbour)))


def test_a_department_reads_its_own_notifications(conn):
    mine = conn.execute("""select s.department_id from public.staff s join auth.users u on u.id = s.user_id
                           where u.email = 'bumen@demo.gongzhi.cn'""").fetchone()["department_id"]
    assert _seen(conn, "department", rows.notification(conn, department=mine))
    assert not _seen(conn, "department", rows.notification(conn, department=mine + 1))

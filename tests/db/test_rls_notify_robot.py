"""RLS matrix: a robot's webhook is read and kept only by those who keep the robot — district staff
every robot, street and community staff their own unit's, department staff their own department's.
The matrix places robots at grids (nobody's own unit but the district's reach); the tests below
check each keeper's own unit or department against a neighbour's."""
import uuid

import psycopg
import pytest

from tests.conftest import act_as, act_as_owner, unit_id
from tests.db.rls import ALL, NOTHING, Spec, cell_test

URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def _prepare(conn, unit):
    return {"unit": unit, "url": URL + uuid.uuid4().hex}


def _make(conn, unit):
    key = _prepare(conn, unit)
    conn.execute("insert into public.notify_robot (org_unit_id, kind, webhook_url) values (%(unit)s, 'wecom', %(url)s)",
                 key)
    return key


SPEC = Spec(
    table="notify_robot",
    key="webhook_url = %(url)s",
    make=_make,
    prepare=_prepare,
    insert="insert into public.notify_robot (org_unit_id, kind, webhook_url) values (%(unit)s, 'wecom', %(url)s)",
    update_set="active = false",
)
MATRIX = {"district": dict(select=ALL, insert=ALL, update=ALL, delete=ALL),
          "street": NOTHING, "community": NOTHING, "grid": NOTHING, "department": NOTHING, "anon": NOTHING}

test_cell = cell_test(SPEC, MATRIX)


def _attempts(conn, role, sql_by_op: dict, params: dict) -> dict:
    done = {}
    for op, sql in sql_by_op.items():
        act_as(conn, role)
        try:
            with conn.transaction():
                done[op] = conn.execute(sql, params).rowcount == 1 if op != "select" else \
                    conn.execute(sql, params).fetchone()["n"] == 1
                raise _Undo
        except _Undo:
            pass
        except psycopg.Error:   # refused by a policy or a grant
            done[op] = False
        act_as_owner(conn)
    return done


class _Undo(Exception):
    pass


OPS = {"select": "select count(*) as n from public.notify_robot where webhook_url = %(url)s",
       "update": "update public.notify_robot set active = false where webhook_url = %(url)s",
       "delete": "delete from public.notify_robot where webhook_url = %(url)s"}
INSERT = "insert into public.notify_robot ({column}, kind, webhook_url) values (%(owner)s, 'wecom', %(new)s)"


@pytest.mark.parametrize("role,own,neighbour", [("community", "丽水社区", "江滩社区"),
                                                ("street", "长江路街道", "文昌街道")])
def test_street_and_community_staff_keep_their_own_units_robot_only(conn, role, own, neighbour):
    for unit, allowed in ((own, True), (neighbour, False)):
        key = _make(conn, unit_id(conn, unit))
        key.update(owner=key["unit"], new=URL + uuid.uuid4().hex)
        done = _attempts(conn, role, {**OPS, "insert": INSERT.format(column="org_unit_id")}, key)
        assert done == dict.fromkeys(done, allowed), (role, unit)


def test_department_staff_keep_their_own_departments_robot_only(conn):
    mine = conn.execute("""select s.department_id from public.staff s join auth.users u on u.id = s.user_id
                           where u.email = 'bumen@demo.gongzhi.cn'""").fetchone()["department_id"]
    other = conn.execute("select min(id) as id from public.department where id <> %s", (mine,)).fetchone()["id"]
    for department, allowed in ((mine, True), (other, False)):
        key = {"url": URL + uuid.uuid4().hex, "owner": department, "new": URL + uuid.uuid4().hex}
        conn.execute("insert into public.notify_robot (department_id, kind, webhook_url) values (%(owner)s, 'wecom', %(url)s)",
                     key)
        done = _attempts(conn, "department", {**OPS, "insert": INSERT.format(column="department_id")}, key)
        assert done == dict.fromkeys(done, allowed), department

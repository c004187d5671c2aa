"""Rows of the notify tables for the RLS tests: a robot at a unit (or of a department) and its
notification and log rows, made as the owner (only the notify job writes them)."""
import uuid


def robot(conn, unit: int | None = None, department: int | None = None) -> int:
    return conn.execute("""insert into public.notify_robot (org_unit_id, department_id, kind, webhook_url)
                           values (%s, %s, 'wecom', %s) returning id""",
                        (unit, department, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + uuid.uuid4().hex)
                        ).fetchone()["id"]


def notification(conn, unit: int | None = None, department: int | None = None) -> dict:
    key = {"dedup": "test:" + uuid.uuid4().hex, "robot": robot(conn, unit, department), "unit": unit,
           "department": department}
    conn.execute("""insert into public.notification (dedup_key, robot_id, org_unit_id, department_id, kind, body)
                    values (%(dedup)s, %(robot)s, %(unit)s, %(department)s, 'red', '【红灯】测试')""", key)
    return key


def log(conn, unit: int | None = None, department: int | None = None) -> dict:
    key = {"errmsg": "test " + uuid.uuid4().hex, "robot": robot(conn, unit, department), "unit": unit,
           "department": department}
    conn.execute("""insert into public.notification_log (robot_id, org_unit_id, department_id, notifications, ok, errmsg)
                    values (%(robot)s, %(unit)s, %(department)s, 3, true, %(errmsg)s)""", key)
    return key

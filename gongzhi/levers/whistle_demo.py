"""The demo district's 包联 units answering the whistle: one unit confirmed for 丽水社区 (registered
there, 单位报到), its own account (`baolian@demo.gongzhi.cn`) and one event of 丽水社区 that
summons it beside a department."""
from __future__ import annotations

import json
import zlib

import psycopg
from psycopg.rows import dict_row

from gongzhi import demo_data as d
from gongzhi.auth.local import hash_password
from gongzhi.levers import baolian
from gongzhi.levers.pairing import pair_points
from gongzhi.personal.crypto import seal

UNIT = "国网滨江供电公司"
COMMUNITY = "丽水社区"
GRID = "丽水社区第二网格"
EMAIL = "baolian@demo.gongzhi.cn"
CONTACT = ("刘建军", "13907310042")
EVENT = ("小区配电箱老化频繁跳闸", "3号楼配电箱线路老化，夏季用电高峰频繁跳闸，需供电公司与住建部门共同处置。",
         "丽水小区3号楼")


def load(conn: psycopg.Connection) -> None:
    """As the owner, after the whistle's and the levers' demo data."""
    unit = conn.execute("select id, department_id from public.baolian_unit where name = %s", (UNIT,)).fetchone()
    community = conn.execute("select id from public.org_unit where name = %s", (COMMUNITY,)).fetchone()[0]
    phone = seal("phone", CONTACT[1])
    registration = conn.execute(
        """insert into public.unit (org_unit_id, name, unit_type, contact_name, phone_enc, phone_bidx, phone_masked)
           values (%s, %s, 'enterprise', %s, %s, %s, %s) returning id""",
        (community, UNIT, CONTACT[0], phone.enc, phone.bidx, phone.masked)).fetchone()[0]
    units, communities = baolian.load(conn.cursor(row_factory=dict_row))
    score, reasons = pair_points(next(u for u in units if u.key == unit[0]),
                                 next(c for c in communities if c.key == community))
    conn.execute("""insert into public.baolian_pair (baolian_unit_id, org_unit_id, score, reasons, status, unit_id)
                    values (%s, %s, %s, %s, 'confirmed', %s)""",
                 (unit[0], community, round(score, 3), json.dumps(reasons, ensure_ascii=False), registration))
    _account(conn, unit[1])
    grid = conn.execute("select id from public.org_unit where name = %s", (GRID,)).fetchone()[0]
    repair = conn.execute("select id from public.category where code = 'repair'").fetchone()[0]
    zhujian = conn.execute("select id from public.department where code = 'zhujian'").fetchone()[0]
    conn.execute("""insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments)
                    values (%s, %s, %s, %s, %s, 'urgent', %s)""",
                 (grid, repair, EVENT[0], EVENT[1], EVENT[2], [zhujian, unit[1]]))


def _account(conn: psycopg.Connection, department_id: int) -> None:
    district = conn.execute("select id from public.org_unit where kind = 'district'").fetchone()[0]
    user_id = conn.execute("insert into auth.users (email, encrypted_password, email_confirmed_at)"
                           " values (%s, %s, now()) returning id", (EMAIL, hash_password(d.DEMO_PASSWORD))).fetchone()[0]
    phone = seal("phone", f"13{zlib.crc32(EMAIL.encode()) % 10**9:09d}")
    conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx,"
                 " phone_masked, department_id) values (%s, %s, 'department', %s, %s, %s, %s, %s)",
                 (user_id, district, CONTACT[0], phone.enc, phone.bidx, phone.masked, department_id))
    conn.execute("""insert into private.password_state (user_id, must_change, reason, demo) values (%s, false, null, true)
                    on conflict (user_id) do update set must_change = false, reason = null, demo = true""", (user_id,))

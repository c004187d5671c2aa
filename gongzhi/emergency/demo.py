"""The demo district's emergency record: one ended 平战结合 emergency the district declared over
长江路街道 three weeks ago (so district and street staff both see it) —
temporary organisations in its 小区, four task types, three days of shifts, the call-up made by the
matcher, check-ins and check-outs whose hours are in the service records, and the requests of
residents in quarantine, all closed. Loaded as the owner by gongzhi.demo."""
from __future__ import annotations

import datetime as dt
import random

import psycopg
from psycopg.rows import dict_row

from gongzhi.emergency import callup, commands
from gongzhi.clock import BEIJING

STREET = "长江路街道"
NAME = "长江路街道疫情防控应急响应"
SUMMARY = ("11月，长江路街道出现本土聚集性疫情，区委决定该街道进入战时状态：以小区为单位成立临时党支部，"
           "在职党员就地转岗，承担核酸采样扫码、楼栋值守、送菜送药和政策宣传。")
REQUESTS = [
    ("medicine", "3单元独居老人需要代购降压药（硝苯地平）"),
    ("medicine", "糖尿病患者胰岛素即将用完，需要代取"),
    ("food", "隔离户家中缺少蔬菜和鸡蛋"),
    ("food", "老两口不会网上买菜，需要代购大米和食用油"),
    ("care", "独居高龄老人需要每日电话问候和上门查看"),
    ("medicine", "儿童发热，需要代购退烧药"),
    ("care", "残疾人家庭需要协助倒垃圾"),
    ("other", "居民咨询返乡人员报备流程"),
]


def load(conn: psycopg.Connection, seed: int = 2026) -> None:
    """Adds the ended emergency (as the owner, inside the demo loader's transaction)."""
    rng = random.Random(seed)
    conn.row_factory = dict_row
    street = conn.execute("select id from public.org_unit where name = %s", (STREET,)).fetchone()["id"]
    emergency = conn.execute("insert into public.emergency (org_unit_id, declared_level, name, kind, summary)"
                             " values (%s, 'district', %s, 'epidemic', %s) returning id",
                             (street, NAME, SUMMARY)).fetchone()["id"]
    tasks = {}
    for name, skills in commands.DEFAULT_TASKS:
        tasks[name] = conn.execute("insert into public.emergency_task (emergency_id, name, skills) values (%s, %s, %s)"
                                   " returning id", (emergency, name, skills)).fetchone()["id"]
    grids = conn.execute("select id, name, terr from public.org_unit where kind = 'grid' and street_id = %s order by terr",
                         (street,)).fetchall()
    for grid in grids:
        head = conn.execute("select v.id from public.volunteer v where v.active and v.grid_id = %s order by v.id limit 1",
                            (grid["id"],)).fetchone()
        conn.execute("insert into public.emergency_org (emergency_id, org_unit_id, name, head_volunteer_id)"
                     " values (%s, %s, %s, %s)", (emergency, grid["id"], f"{grid['name']}临时党支部", head and head["id"]))
    day0 = dt.datetime.combine(dt.date.today() - dt.timedelta(days=21), dt.time(8), BEIJING)
    for day in range(3):
        base = day0 + dt.timedelta(days=day)
        for grid in grids:
            for task, start, hours, capacity in (("值守", 0, 6, 2), ("值守", 6, 6, 2), ("采样扫码", 0, 4, 1),
                                                 ("送菜送药", 2, 4, 1)):
                begins = base + dt.timedelta(hours=start)
                conn.execute("insert into public.shift (emergency_id, task_id, org_unit_id, starts_at, ends_at, capacity)"
                             " values (%s, %s, %s, %s, %s, %s)",
                             (emergency, tasks[task], grid["id"], begins, begins + dt.timedelta(hours=hours), capacity))
    problem, shift_ids, persons = commands.load_problem(conn, emergency, per_person=3, upcoming=False)
    chosen = callup.optimal(problem)
    conn.execute("insert into public.callup (shift_id, volunteer_id) select * from unnest(%s::bigint[], %s::bigint[])",
                 (shift_ids[problem.edge_shift[chosen]].tolist(), persons[problem.edge_person[chosen]].tolist()))
    for c in conn.execute("select c.id, lower(c.during) as s, upper(c.during) as e from public.callup c"
                          " where c.emergency_id = %s order by c.id", (emergency,)).fetchall():
        if rng.random() < 0.05:
            conn.execute("update public.callup set status = 'cancelled' where id = %s", (c["id"],))
            continue
        conn.execute("update public.callup set status = 'on_duty', checked_in_at = %s where id = %s",
                     (c["s"] + dt.timedelta(minutes=rng.randint(-15, 10)), c["id"]))
        conn.execute("update public.callup set status = 'done', checked_out_at = %s where id = %s",
                     (c["e"] + dt.timedelta(minutes=rng.randint(-10, 20)), c["id"]))
    buildings = conn.execute("select id from public.org_unit where kind = 'building' and street_id = %s order by terr",
                             (street,)).fetchall()
    for i in range(24):
        kind, detail = REQUESTS[i % len(REQUESTS)]
        due = day0 + dt.timedelta(hours=rng.randint(2, 60))
        rid = conn.execute("insert into public.emergency_request (emergency_id, org_unit_id, kind, detail, due_at)"
                           " values (%s, %s, %s, %s, %s) returning id",
                           (emergency, rng.choice(buildings)["id"], kind, detail, due)).fetchone()["id"]
        conn.execute("update public.emergency_request set status = 'done' where id = %s", (rid,))
    conn.execute("update public.emergency set status = 'ended' where id = %s", (emergency,))
    # The record's dates as they were: declared before the first shift, ended after the last.
    ended = day0 + dt.timedelta(days=7)
    for table, trigger in (("emergency", "emergency_check"), ("emergency_org", "emergency_org_check"),
                           ("emergency_request", "emergency_request_part"), ("emergency_request", "emergency_request_done")):
        conn.execute(f"alter table public.{table} disable trigger {trigger}")
    conn.execute("update public.emergency set declared_at = %s, ended_at = %s where id = %s",
                 (day0 - dt.timedelta(hours=10), ended, emergency))
    conn.execute("update public.emergency_org set ended_at = %s where emergency_id = %s", (ended, emergency))
    conn.execute("update public.emergency_request set done_at = due_at - interval '30 minutes' where emergency_id = %s",
                 (emergency,))
    for table, trigger in (("emergency", "emergency_check"), ("emergency_org", "emergency_org_check"),
                           ("emergency_request", "emergency_request_part"), ("emergency_request", "emergency_request_done")):
        conn.execute(f"alter table public.{table} enable trigger {trigger}")
    conn.row_factory = psycopg.rows.tuple_row

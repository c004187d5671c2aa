"""The demo district's 重点整治 beyond the running 飞线充电 campaign: its rounds per grid, and a
closed 楼道杂物 campaign of last month that targeted two grids of 丽水社区, with its rounds and
findings — so the campaigns page shows progress lights and a closed campaign from the start."""
from __future__ import annotations

import datetime as dt

import psycopg
from gongzhi import clock
from gongzhi.clock import BEIJING

STREET = "长江路街道"
RUNNING_ROUNDS = 6     # the 飞线充电 campaign's rounds per grid over its month
CLOSED = ("楼道杂物清理月", ["楼道杂物堆积", "消防通道占用"])
TARGETS = ("丽水社区第一网格", "丽水社区第二网格")
ROUNDS = ((28, "3号楼楼道", "楼道杂物堆积", "3号楼楼道堆放旧家具，已联系住户搬离"),
          (21, "5号楼楼道", "消防通道占用", "消防通道停放电动车，已劝离"),
          (14, "小区东门", None, None))


def load(conn: psycopg.Connection) -> None:
    today = clock.today()
    conn.execute("update public.campaign set rounds_per_grid = %s where name = '飞线充电专项整治'", (RUNNING_ROUNDS,))
    street = conn.execute("select id from public.org_unit where kind = 'street' and name = %s", (STREET,)).fetchone()[0]
    grids = [r[0] for r in conn.execute("select id from public.org_unit where name = any(%s) order by terr",
                                        (list(TARGETS),))]
    campaign = conn.execute(
        """insert into public.campaign (org_unit_id, name, items, starts_on, ends_on, grids, rounds_per_grid)
           values (%s, %s, %s, %s, %s, %s, 3) returning id""",
        (street, CLOSED[0], CLOSED[1], today - dt.timedelta(days=35), today - dt.timedelta(days=8), grids)).fetchone()[0]
    for i, grid in enumerate(grids):
        for days_ago, place, item, what in ROUNDS[:3 - i]:          # the second grid fell one round short
            day = today - dt.timedelta(days=days_ago)
            at = dt.datetime.combine(day, dt.time(15, 30), tzinfo=BEIJING)
            visit = conn.execute(
                """insert into public.visit (kind, org_unit_id, campaign_id, visited_at, visited_on, place, people_met,
                                             created_at)
                   values ('campaign', %s, %s, %s, %s, %s, '楼长', %s) returning id""",
                (grid, campaign, at, day, place, at)).fetchone()[0]
            if what:
                conn.execute("""insert into public.finding (visit_id, what, campaign_item, outcome, created_at)
                                values (%s, %s, %s, 'on_spot', %s)""", (visit, what, item, at))
    conn.execute("update public.campaign set closed_at = %s where id = %s",
                 (dt.datetime.combine(today - dt.timedelta(days=7), dt.time(9), tzinfo=dt.timezone.utc), campaign))

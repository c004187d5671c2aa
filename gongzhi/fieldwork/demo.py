"""The demo district's share of the grid worker's day: one or two people to look after in every building
(with valid, sealed ID numbers and phones), a month of visits and night patrols, and one street's
飞线充电 campaign with its findings, some solved on the spot and some reported up.

Called by `gongzhi.demo.load_demo` inside its transaction, as the table owner; rows go through the
tables' triggers, so due dates, territories and lights are what the portal would have written.
`add_visits` is the set-based variant for the benchmark.
"""
from __future__ import annotations

import datetime as dt
import random

import psycopg

from gongzhi import demo_data as d
from gongzhi.personal import crypto
from gongzhi.clock import BEIJING

DAYS = 30
CAMPAIGN = ("飞线充电专项整治", ["电动车飞线充电", "楼道杂物堆积", "消防通道占用"])
CAMPAIGN_STREET = "长江路街道"
NOTES = ["身体状况良好，精神不错", "反映腿脚不便，需要助餐", "家中燃气灶老化", "已提醒注意防诈骗",
         "子女本周来探望", "血压偏高，已联系社区医生", "家中一切正常"]
PATROL_PLACES = ["小区东门", "地下车库", "3号楼楼道", "小区广场", "沿街商铺", "非机动车棚"]
FINDINGS = [("楼道堆放纸箱杂物", "楼道杂物堆积", "on_spot"), ("电动车从窗口飞线充电", "电动车飞线充电", "on_spot"),
            ("消防通道被私家车占用", "消防通道占用", "demand"), ("路灯损坏，夜间照明不足", None, "demand"),
            ("井盖松动有安全隐患", None, "on_spot")]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random, born: dt.date, region: str = "330106") -> str:
    """A resident ID number with a valid GB 11643-1999 check digit."""
    body = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def load(conn: psycopg.Connection, today: dt.date | None = None) -> None:
    rng = random.Random(2026)
    today = today or dt.date.today()
    ring = crypto.ring()
    cats = {code: cid for cid, code in conn.execute("select id, code from public.care_category")}
    kinds = ["elderly_alone", "elderly_alone", "disabled", "hardship", "left_behind_child"]
    buildings = conn.execute("""select b.id, b.parent_id as grid, b.name from public.org_unit b
                                where b.kind = 'building' order by b.id""").fetchall()
    start = today - dt.timedelta(days=DAYS)
    people = []
    for n, (building, grid, name) in enumerate(buildings):
        for k in range(1 + (n % 2)):
            kind = kinds[(n + k) % len(kinds)]
            born = dt.date(1938 + rng.randint(0, 15), rng.randint(1, 12), rng.randint(1, 28)) \
                if kind.startswith("elderly") else dt.date(1960 + rng.randint(0, 50), rng.randint(1, 12),
                                                         rng.randint(1, 28))
            person = d.SURNAMES[rng.randrange(len(d.SURNAMES))] + d.GIVEN_NAMES[rng.randrange(len(d.GIVEN_NAMES))]
            phone = crypto.seal("phone", f"13{rng.randint(0, 999_999_999):09d}", ring)
            ident = crypto.seal("id_number", id_number(rng, born), ring)
            pid = conn.execute(
                """insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked,
                     home_address, phone_enc, phone_bidx, phone_masked, id_number_enc, id_number_bidx,
                     id_number_masked, created_at)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id""",
                (building, cats[kind], person, person[0] + "*" * (len(person) - 1),
                 f"{name}{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
                 phone.enc, phone.bidx, phone.masked, ident.enc, ident.bidx, ident.masked,
                 dt.datetime.combine(start, dt.time(9)))).fetchone()[0]
            people.append((pid, building, name, cats[kind]))
    every = dict(conn.execute("select id, visit_every_days from public.care_category"))
    visits = []
    for pid, building, name, cat in people:
        day = start + dt.timedelta(days=rng.randint(0, 4))
        while day < today:
            if day.weekday() < 5:
                visits.append(("visit", building, pid, None, day, f"{name}走访", rng.choice(NOTES)))
                day += dt.timedelta(days=every[cat] * 7 // 5 + rng.randint(-1, 3))
            else:
                day += dt.timedelta(days=1)
    grids = conn.execute("select id, name, street_id from public.org_unit where kind = 'grid' order by id").fetchall()
    for grid, gname, _street in grids:
        for offset in range(0, DAYS, 3 + grid % 3):
            visits.append(("patrol", grid, None, None, start + dt.timedelta(days=offset),
                           rng.choice(PATROL_PLACES), ""))
    street = conn.execute("select id from public.org_unit where kind = 'street' and name = %s",
                          (CAMPAIGN_STREET,)).fetchone()[0]
    campaign = conn.execute(
        """insert into public.campaign (org_unit_id, name, items, starts_on, ends_on)
           values (%s, %s, %s, %s, %s) returning id""",
        (street, CAMPAIGN[0], CAMPAIGN[1], today - dt.timedelta(days=14), today + dt.timedelta(days=16))).fetchone()[0]
    for grid, _gname, street_id in grids:
        if street_id == street:
            for offset in (13, 9, 5, 2):
                visits.append(("campaign", grid, None, campaign, today - dt.timedelta(days=offset),
                               rng.choice(PATROL_PLACES), ""))
    category_of = dict(conn.execute("select code, id from public.category"))
    staff_of = dict(conn.execute("select org_unit_id, user_id from public.staff where role = 'grid'"))
    for kind, unit, pid, cid, day, place, note in visits:
        at = dt.datetime.combine(day, dt.time(21 if kind == "patrol" else 10, rng.randint(0, 59)),
                                 tzinfo=BEIJING)
        vid = conn.execute(
            """insert into public.visit (kind, org_unit_id, care_person_id, campaign_id, visited_at, visited_on,
                 place, people_met, note, created_at)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id""",
            (kind, unit, pid, cid, at, day, place, "" if kind == "visit" else "物业保安", note, at)).fetchone()[0]
        if kind == "visit" or rng.random() < 0.4:
            continue
        what, item, outcome = rng.choice(FINDINGS)
        if kind != "campaign":
            item = None
        demand = None
        if outcome == "demand":
            grid = conn.execute("select grid_id from public.org_unit where id = %s", (unit,)).fetchone()[0]
            demand = conn.execute(
                """insert into public.demand (org_unit_id, category_id, title, address, description, created_by,
                     created_at) values (%s, %s, %s, %s, %s, %s, %s) returning id""",
                (grid, category_of["safety"], what, place, f"{place}：{what}", staff_of.get(grid), at)).fetchone()[0]
        conn.execute("""insert into public.finding (visit_id, what, campaign_item, outcome, demand_id, created_at)
                        values (%s, %s, %s, %s, %s, %s)""", (vid, what, item, outcome, demand, at))


def add_visits(conn: psycopg.Connection, grid_id: int, people: int, days: int, today: dt.date) -> None:
    """Benchmark data: `people` people to look after in grid `grid_id`, each visited about weekly
    for `days` days, set-based (sealed columns left empty: they do not take part in the timing)."""
    cat = conn.execute("select id from public.care_category order by id limit 1").fetchone()[0]
    conn.execute(
        """insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked, created_at)
           select %s, %s, '测试' || i, '测*', now() - interval '1 year' from generate_series(1, %s) i""",
        (grid_id, cat, people))
    conn.execute(
        """insert into public.visit (kind, org_unit_id, care_person_id, visited_at, visited_on, place)
           select 'visit', p.org_unit_id, p.id, (%(today)s - g)::timestamptz, %(today)s - g, '入户'
           from public.care_person p cross join generate_series(1, %(days)s, 7) g
           where p.org_unit_id = %(grid)s and p.person_name like '测试%%'""",
        {"today": today, "days": days, "grid": grid_id})

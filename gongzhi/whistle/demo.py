"""Whistle-and-report demo data: departments, routing, department staff and events in every step.

Called by `gongzhi.demo.load_demo` inside its transaction, as the table owner. Events go through the
same triggers as the portal's (as the system, with times in the past), so deadlines, lights and
timelines are exactly what the portal would have written; `add_events` is the set-based variant
for benchmarks.
"""
from __future__ import annotations

import random
import zlib

import psycopg

from gongzhi import demo_data as d
from gongzhi.auth.local import hash_password
from gongzhi.personal.crypto import seal

# code, Chinese name, English name
DEPARTMENTS = [
    ("chengguan", "区城管执法局", "Urban Management"),
    ("gongan", "区公安分局", "Public Security"),
    ("zhujian", "区住建局", "Housing and Construction"),
    ("shichang", "区市场监管局", "Market Regulation"),
    ("shuiwu", "区水务局", "Water Authority"),
    ("huanbao", "区生态环境分局", "Ecology and Environment"),
    ("xiaofang", "区消防救援大队", "Fire and Rescue"),
]
# category code → departments summoned by default, the first leads
ROUTING = {
    "environment": ["chengguan", "huanbao"],
    "safety": ["xiaofang", "gongan"],
    "repair": ["zhujian", "shuiwu"],
    "legal": ["gongan"],
    "health": ["shichang"],
    "culture": ["chengguan"],
}
# department code → (email, name) of its demo staff; the README's bumen@ account belongs to 城管
DEPARTMENT_STAFF = {
    "chengguan": ("bumen@demo.gongzhi.cn", None),
    "gongan": ("dept-gongan@demo.gongzhi.cn", "周海峰"),
    "zhujian": ("dept-zhujian@demo.gongzhi.cn", "吴国栋"),
    "shichang": ("dept-shichang@demo.gongzhi.cn", "郑丽华"),
    "shuiwu": ("dept-shuiwu@demo.gongzhi.cn", "孙海涛"),
    "huanbao": ("dept-huanbao@demo.gongzhi.cn", "何青"),
    "xiaofang": ("dept-xiaofang@demo.gongzhi.cn", "马骁"),
}
# category code → (title, description) of issues beyond a grid's power
EVENT_TEMPLATES = {
    "environment": [("违章搭建占用公共绿地", "一楼住户在公共绿地上私自搭建彩钢棚，多次劝阻无效。"),
                    ("餐馆油烟直排扰民", "临街餐馆未安装油烟净化设备，油烟直排居民楼。"),
                    ("建筑垃圾乱堆放", "装修建筑垃圾堆放在小区主干道旁一周无人清运。")],
    "safety": [("消防通道被长期占用", "私家车长期停放在消防通道上，消防车无法通行。"),
               ("楼道电动车充电火灾隐患", "多户居民在楼道内私拉电线给电动车充电。"),
               ("群租房安全隐患", "一套住房隔成十余间出租，人员复杂，存在消防隐患。")],
    "repair": [("楼上漏水殃及楼下住户", "楼上住户卫生间漏水，楼下天花板大面积渗水，双方协商不成。"),
               ("小区供水主管破裂", "小区供水主管破裂，整栋楼停水，需水务部门抢修。"),
               ("外墙瓷砖脱落伤人隐患", "高层外墙瓷砖多处空鼓脱落，危及行人安全。")],
    "legal": [("商铺夜间经营噪声扰民", "商铺夜间营业噪声大，居民多次报警未解决。")],
    "health": [("无证食品摊点占道经营", "学校门口多个无证食品摊点占道经营，卫生堪忧。")],
    "culture": [("广场舞噪声扰民", "晚间广场舞音响音量过大，影响周边居民休息。")],
}
# the step each demo event has reached, in turn
STATES = ["whistle", "whistle", "report", "consult", "implement", "feedback", "evaluate", "evaluate",
          "evaluate", "reopened"]


def load(conn: psycopg.Connection, events: int = 60) -> None:
    """Departments, routing, department staff (incl. bumen@ → 城管) and `events` demo events."""
    ids = _departments(conn)
    _routing(conn, ids)
    _staff(conn, ids)
    _events(conn, ids, events)


def _departments(conn) -> dict[str, int]:
    ids = {}
    for i, (code, zh, en) in enumerate(DEPARTMENTS):
        ids[code] = conn.execute("insert into public.department (code, name_zh, name_en, position)"
                                 " values (%s, %s, %s, %s) returning id", (code, zh, en, i)).fetchone()[0]
    return ids


def _routing(conn, ids: dict[str, int]) -> None:
    categories = dict(conn.execute("select code, id from public.category").fetchall())
    with conn.cursor() as cur:
        cur.executemany("insert into public.event_routing (category_id, department_id, position) values (%s, %s, %s)",
                        [(categories[c], ids[dep], i) for c, deps in ROUTING.items() for i, dep in enumerate(deps)])


def _staff(conn, ids: dict[str, int]) -> None:
    district = conn.execute("select id from public.org_unit where kind = 'district'").fetchone()[0]
    shared_hash = hash_password(d.DEMO_PASSWORD)
    for code, (email, name) in DEPARTMENT_STAFF.items():
        row = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()
        if row is None:
            user_id = conn.execute("insert into auth.users (email, encrypted_password, email_confirmed_at)"
                                   " values (%s, %s, now()) returning id", (email, shared_hash)).fetchone()[0]
            phone = seal("phone", f"13{zlib.crc32(email.encode()) % 10**9:09d}")
            conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx,"
                         " phone_masked, department_id) values (%s, %s, 'department', %s, %s, %s, %s, %s)",
                         (user_id, district, name, phone.enc, phone.bidx, phone.masked, ids[code]))
        else:
            conn.execute("update public.staff set department_id = %s where user_id = %s", (ids[code], row[0]))


def _events(conn, ids: dict[str, int], count: int) -> None:
    rng = random.Random(2026)
    categories = dict(conn.execute("select code, id from public.category").fetchall())
    grids = conn.execute("""select g.id, g.name from public.org_unit g where g.kind = 'grid' order by g.id""").fetchall()
    home = next(g for g in grids if g[1] == d.DEMO_ACCOUNTS[3][2])  # the demo grid account's grid
    for i in range(count):
        grid_id, grid_name = home if i % 3 == 0 else grids[rng.randrange(len(grids))]
        category = list(EVENT_TEMPLATES)[i % len(EVENT_TEMPLATES)]
        title, description = rng.choice(EVENT_TEMPLATES[category])
        departments = [ids[c] for c in ROUTING[category]]
        if i % 2 == 0 and ids["chengguan"] not in departments:
            departments.append(ids["chengguan"])  # the demo department account sees every other event
        urgency = "urgent" if i % 4 == 0 else "normal"
        state = STATES[i % len(STATES)]
        building = 1 + (i % 7 if i % 11 else 0)  # every 11th event repeats an address
        address = f"{grid_name.replace('第', '')[:4]}{building}号楼"
        age_h = (0.3 + rng.random() * 2 if state == "whistle" and urgency == "urgent"
                 else 24 * (1 + rng.random() * 30) if state == "evaluate" else 1 + rng.random() * 96)
        _event(conn, rng, dict(org_unit_id=grid_id, category_id=categories[category], title=title,
                               description=description, address=address, urgency=urgency,
                               departments=departments), state, age_h)
    conn.execute("select private.escalate_overdue(now())")


def _event(conn, rng: random.Random, row: dict, state: str, age_h: float) -> None:
    """One event whistled `age_h` hours ago, moved through its steps up to `state`."""
    event_id, created = conn.execute(
        """insert into public.event (org_unit_id, category_id, title, description, address, urgency, departments,
                                     created_at)
           values (%(org_unit_id)s, %(category_id)s, %(title)s, %(description)s, %(address)s, %(urgency)s,
                   %(departments)s, now() - %(age)s * interval '1 hour') returning id, created_at""",
        {**row, "age": age_h}).fetchone()
    if state == "whistle":
        return
    span = age_h / 6  # hours between steps
    times = [conn.execute("select %s::timestamptz + %s * interval '1 hour'", (created, span * (k + rng.random() * 0.5)))
             .fetchone()[0] for k in range(1, 6)]
    for dep in row["departments"]:
        conn.execute("update public.event_department set reported_at = %s, report_note = %s"
                     " where event_id = %s and department_id = %s",
                     (times[0], "已收到，安排专人处置", event_id, dep))
    if state == "report":
        return
    conn.execute("insert into public.event_consult (event_id, department_id, attendees, decision, created_at)"
                 " values (%s, %s, %s, %s, %s)",
                 (event_id, row["departments"][0], "网格员、社区书记、部门执法人员、居民代表",
                  "现场核实情况，限期整改，由牵头部门落实", times[1]))
    if state == "consult":
        return
    conn.execute("update public.event set step = 'implement', step_at = %s, implement_note = %s where id = %s",
                 (times[2], "已现场处置完毕，整改到位", event_id))
    if state == "implement":
        return
    conn.execute("update public.event set step = 'feedback', step_at = %s, feedback_note = %s where id = %s",
                 (times[3], "已向反映人电话反馈处置结果", event_id))
    if state == "feedback":
        return
    if state == "reopened":
        conn.execute("update public.event set step = 'consult', step_at = %s, evaluate_note = %s where id = %s",
                     (times[4], "居民反映问题仍未解决", event_id))
        return
    conn.execute("update public.event set step = 'evaluate', step_at = %s, satisfaction = %s, evaluate_note = %s"
                 " where id = %s", (times[4], rng.choice([5, 5, 4, 4, 3, 2]), "处置及时", event_id))


def add_events(conn: psycopg.Connection, events: int) -> None:
    """Append `events` events set-based (benchmarks), with their summons, in the caller's transaction.

    Triggers are off: steps, deadlines and reports are written as they would be after months of work.
    """
    conn.execute("alter table public.event disable trigger user")
    conn.execute("alter table public.event_department disable trigger user")
    conn.execute("""
        create temp table seed_event_grid on commit drop as
          select row_number() over (order by id) as n, id, street_id, community_id, terr
          from public.org_unit where kind = 'grid';
        create temp table seed_event_route on commit drop as
          select row_number() over (order by category_id) as n, category_id,
                 array_agg(department_id order by position) as departments
          from public.event_routing group by category_id;
    """)
    conn.execute("""
        insert into public.event (org_unit_id, street_id, community_id, grid_id, terr, category_id, title, description,
                                  address, urgency, departments, lead_department_id, step, step_at, deadline,
                                  yellow_at, escalated_at, reopen_count, satisfaction, created_at, closed_at)
        select g.id, g.street_id, g.community_id, g.id, g.terr, r.category_id, '批量事件' || x.i, '',
               '测试路' || (x.i %% 500) || '号', x.urgency, r.departments, r.departments[1], x.step,
               x.step_at, case when x.step <> 'evaluate' then x.step_at + x.allowed end,
               case when x.step <> 'evaluate' then x.step_at + x.allowed * 0.75 end,
               case when x.step <> 'evaluate' and x.step_at + x.allowed < now() then x.step_at + x.allowed end,
               0, case when x.step = 'evaluate' then 1 + (x.i %% 5) end, x.created_at,
               case when x.step = 'evaluate' then x.step_at end
        from (select i, created_at, urgency, step,
                     created_at + (now() - created_at) * 0.8 * (array_position(array['whistle','report','consult',
                        'implement','feedback','evaluate'], step) - 1) / 5.0 as step_at,
                     case urgency when 'urgent' then interval '8 hours' else interval '3 days' end as allowed,
                     grid_n, route_n
              from (select i, now() - power(random(), 1.5) * interval '365 days' as created_at,
                           case when random() < 0.2 then 'urgent' else 'normal' end as urgency,
                           case when random() < 0.85 then 'evaluate'
                                else (array['whistle','report','consult','implement','feedback'])[1 + floor(random() * 5)::int]
                           end as step,
                           1 + floor(random() * (select count(*) from seed_event_grid))::int as grid_n,
                           1 + floor(random() * (select count(*) from seed_event_route))::int as route_n
                    from generate_series(1, %(n)s) i) raw) x
        join seed_event_grid g on g.n = x.grid_n
        join seed_event_route r on r.n = x.route_n
    """, {"n": events})
    conn.execute("""
        insert into public.event_department (event_id, department_id, terr, summoned_at, report_deadline, reported_at)
        select e.id, dep, e.terr, e.created_at, e.created_at + interval '24 hours',
               case when e.step <> 'whistle' then e.created_at + (e.id % 40) * interval '1 hour' end
        from public.event e cross join unnest(e.departments) dep
        where not exists (select from public.event_department x where x.event_id = e.id)
    """)
    conn.execute("alter table public.event enable trigger user")
    conn.execute("alter table public.event_department enable trigger user")
    conn.execute("select private.recount_department_open_tally()")  # the board's tally, which the triggers keep

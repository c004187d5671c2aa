"""Volunteer rows for the demo district and the benchmark, set-based (generate_series), called from
gongzhi.demo: resident units with a pledged resource each, volunteers registered at communities
(some members of a unit), posts and activities over the last year and the coming month with their
sign-ups (activities of one community never overlap, so the overlap rule holds), verified and
rated service records, a few pending applications, and the assessment of the last two half-years.

Runs as the table owner in the caller's transaction with the user triggers of these tables off,
computing territory columns and counters itself, like gongzhi.demo does for the three lists.
"""
from __future__ import annotations

import psycopg

from gongzhi import demo_data as d
from gongzhi.personal import seeding
from gongzhi.personal.crypto import seal

TABLES = ["application", "unit", "volunteer", "post", "signup", "service_log", "assessment"]
DEMO_PHONE = "13800138000"     # the demo volunteer of 丽水社区 who may sign up on the public page …
DEMO_CODE = "DEMO2026"         # … with this code

UNIT_NAMES = [
    ("滨江区供电公司", "enterprise"), ("滨江区人民医院", "institution"), ("市第十一中学", "institution"),
    ("建设银行滨江支行", "enterprise"), ("区市场监督管理局", "organ"), ("区税务局第二分局", "organ"),
    ("江城律师事务所", "organisation"), ("长江物业服务公司", "enterprise"), ("区图书馆", "institution"),
    ("滨江社工服务中心", "organisation"), ("区消防救援大队", "organ"), ("华联超市滨江店", "enterprise"),
]
POSTS = [
    ("post", "楼栋长助理", "协助楼栋长走访住户、收集民情"), ("activity", "文明劝导", "在路口劝导非机动车规范停放"),
    ("activity", "垃圾分类督导", "早晚高峰在投放点指导居民分类投放"), ("activity", "助老陪伴", "上门陪伴独居老人聊天、读报"),
    ("activity", "义诊服务", "为老年人测量血压血糖并讲解用药"), ("activity", "四点半课堂", "为双职工家庭孩子辅导作业"),
    ("activity", "防汛巡查", "汛期巡查低洼地段和地下车库"), ("activity", "反诈宣传", "在小区广场讲解防范电信诈骗"),
    ("post", "平安巡逻", "夜间在小区内巡逻，发现隐患及时上报"), ("activity", "环境整治", "清理楼道堆物和绿化带垃圾"),
]
PLACES = ["社区党群服务中心", "社区广场", "小区南门", "社区活动室", "居民楼道", "社区卫生服务站"]
SLOT_HOURS = [9, 14, 19]          # activity slots per day (2–3 h each): never overlapping in a community


def _run(conn: psycopg.Connection, sql: str, params: dict | None = None) -> None:
    """Each statement of `sql` in turn, all with the same parameters (`%%` is a literal %)."""
    for statement in sql.split(";\n"):
        if statement.strip():
            conn.execute(statement, params or {})


def add_rows(conn: psycopg.Connection, *, volunteers: int, units: int, posts: int, logs: int,
             applications: int = 0) -> None:
    """Append volunteer rows; posts and logs are spread over the communities and the last year."""
    for table in TABLES:
        conn.execute(f"alter table public.{table} disable trigger user")
    _run(conn, """
        create temp table seed_community on commit drop as
        select row_number() over (order by c.terr) as n, c.id, c.street_id, c.terr,
               (select s.user_id from public.staff s where s.org_unit_id = c.id order by s.created_at limit 1) as staff_id
        from public.org_unit c where c.kind = 'community';
        create temp table seed_vname on commit drop as
        select row_number() over () as n, s || g as name
        from unnest(string_to_array(%(surnames)s, null)) s cross join unnest(%(given)s::text[]) g;
    """, {"surnames": d.SURNAMES, "given": d.GIVEN_NAMES})
    n_comm = conn.execute("select count(*) from seed_community").fetchone()[0]
    base = conn.execute("select coalesce(max(id), 0) from public.volunteer").fetchone()[0]
    units_before = conn.execute("select count(*) from public.unit").fetchone()[0]
    seeding.phone_table(conn, "seed_unit_phone", [f"027-{8000000 + units_before + i:08d}" for i in range(1, units + 1)])
    seeding.phone_table(conn, "seed_volunteer_phone", [f"13{700000000 + base + i:09d}" for i in range(1, volunteers + 1)])
    seeding.phone_table(conn, "seed_application_phone", [f"15{800000000 + base + i:09d}" for i in range(1, applications + 1)])
    _run(conn, """
        create temp table seed_unit_res on commit drop as
        select i, nextval(pg_get_serial_sequence('public.resource', 'id')) as rid,
               c.id as community_id, c.street_id, c.terr, t.name || case when i > %(k)s then (i / %(k)s + 1)::text || '部' else '' end as name,
               t.type, (select id from public.category order by (id * 7 + i) %% 10 limit 1) as category_id
        from generate_series(1, %(units)s) i
        join seed_community c on c.n = 1 + (i * 7) %% %(nc)s
        cross join lateral (select * from unnest(%(names)s::text[], %(types)s::text[]) with ordinality u(name, type, k)
                            where u.k = 1 + (i - 1) %% %(k)s) t;
        insert into public.resource (id, org_unit_id, street_id, community_id, terr, kind, category_id, name, description,
                                     provider, provider_kind, capacity, available_from, status)
        overriding system value
        select rid, community_id, street_id, community_id, terr, 'service', category_id, name || '志愿服务',
               name || '报到承诺的服务资源', name, 'unit', 5 + i %% 20, current_date - 300, 'available'
        from seed_unit_res;
        insert into public.unit (org_unit_id, street_id, community_id, terr, name, unit_type, contact_name, phone_enc,
                                 phone_bidx, phone_masked, pledged_hours, resource_ids, created_at)
        select u.community_id, u.street_id, u.community_id, u.terr, u.name, u.type,
               (select name from seed_vname where n = 1 + u.i * 13 %% 500), ph.enc, ph.bidx, ph.masked,
               100 + (u.i %% 5) * 50, array[u.rid], now() - interval '1 year'
        from seed_unit_res u join seed_unit_phone ph on ph.n = u.i;
    """, {"units": units, "nc": n_comm, "k": len(UNIT_NAMES), "names": [n for n, _ in UNIT_NAMES],
          "types": [t for _, t in UNIT_NAMES]})
    conn.execute("""
        insert into public.volunteer (org_unit_id, street_id, community_id, grid_id, terr, name, phone_enc, phone_bidx,
                                      phone_masked, workplace, unit_id, skills, availability, pledged_hours, created_at)
        select coalesce(g.id, c.id), c.street_id, c.id, g.id, coalesce(g.terr, c.terr),
               nm.name, ph.enc, ph.bidx, ph.masked, un.name, un.id,
               array[(select code from public.category order by (id * 3 + i) %% 10 limit 1)],
               (array['工作日晚上', '周末全天', '周六上午', '节假日'])[1 + i %% 4], 20 + (i %% 5) * 10,
               now() - (i %% 365) * interval '1 day'
        from generate_series(1, %(n)s) i
        join seed_community c on c.n = 1 + i %% %(nc)s
        left join lateral (select o.id, o.terr from public.org_unit o where o.parent_id = c.id and o.kind = 'grid'
                           order by o.terr offset (i / %(nc)s) %% 5 limit 1) g on i %% 5 < 3
        left join lateral (select x.id, x.name from public.unit x where x.community_id is not null
                           order by x.id offset (i * 11) %% greatest((select count(*) from public.unit), 1) limit 1) un
               on i %% 5 < 2
        join seed_vname nm on nm.n = 1 + (i * 17) %% (select count(*) from seed_vname)
        join seed_volunteer_phone ph on ph.n = i
    """, {"n": volunteers, "nc": n_comm, "base": base})
    demo = seal("phone", DEMO_PHONE)
    conn.execute("update public.volunteer set phone_enc = %s, phone_bidx = %s, phone_masked = %s,"
                 " code_hash = encode(sha256(convert_to(id::text || ':' || %s, 'UTF8')), 'hex')"
                 " where id = (select min(v.id) from public.volunteer v join public.org_unit c on c.id = v.community_id"
                 " where c.name = '丽水社区') and not exists (select from public.volunteer where phone_bidx = %s)",
                 (demo.enc, demo.bidx, demo.masked, DEMO_CODE, demo.bidx))
    # Posts: the j-th post of a community takes slot j (a day and an hour) counted back from the
    # coming month, after the slots earlier calls used, so activities of one community never overlap.
    slot0 = conn.execute("select count(*) from public.post").fetchone()[0] // n_comm + 1
    _run(conn, """
        create temp table seed_post on commit drop as
        select p.id, p.community_id, p.capacity, p.starts_at, p.ends_at, p.kind,
               row_number() over (partition by p.community_id order by p.id) as j
        from public.post p where false;
        with made as (
          insert into public.post (org_unit_id, street_id, community_id, terr, kind, title, description, place,
                                   starts_at, ends_at, capacity, taken, skills, status, created_by, created_at)
          select c.id, c.street_id, c.id, c.terr, t.kind, t.title, t.description, (%(places)s::text[])[1 + i %% 6],
                 s.starts_at, case when t.kind = 'activity' then s.starts_at + interval '2 hours'
                                   else s.starts_at + interval '90 days' end,
                 5 + (i * 7) %% 16, 0, '{}', 'open', c.staff_id, s.starts_at - interval '10 days'
          from generate_series(1, %(n)s) i
          join seed_community c on c.n = 1 + i %% %(nc)s
          cross join lateral (select * from unnest(%(kinds)s::text[], %(titles)s::text[], %(descs)s::text[])
                                with ordinality x(kind, title, description, k)
                              where x.k = 1 + (i / %(nc)s) %% %(nt)s) t
          cross join lateral (select date_trunc('day', now()) + interval '30 days'
                                     - ((i / %(nc)s + %(slot0)s) / %(slots)s) * interval '1 day'
                                     + (%(hours)s::int[])[1 + (i / %(nc)s + %(slot0)s) %% %(slots)s] * interval '1 hour'
                                     as starts_at) s
          returning id, community_id, capacity, starts_at, ends_at, kind
        )
        insert into seed_post select *, 0 from made;
        update seed_post p set j = x.j from (select id, row_number() over (partition by community_id order by id) as j
                                             from seed_post) x where x.id = p.id;
    """, {"n": posts, "nc": n_comm, "places": PLACES, "kinds": [k for k, _, _ in POSTS],
          "titles": [t for _, t, _ in POSTS], "descs": [x for _, _, x in POSTS], "nt": len(POSTS),
          "slots": len(SLOT_HOURS), "hours": SLOT_HOURS, "slot0": slot0})
    _run(conn, """
        create temp table seed_vol on commit drop as
        select v.id, v.community_id, row_number() over (partition by v.community_id order by v.id) as r,
               count(*) over (partition by v.community_id) as nv
        from public.volunteer v where v.active;
        create index on seed_vol (community_id, r);
        analyze seed_vol;
        alter table seed_community add column nv bigint;
        update seed_community c set nv = (select count(*) from seed_vol v where v.community_id = c.id);
        -- past posts fill up; upcoming ones are 60 %% full, every fifth full with two on the waitlist
        insert into public.signup (post_id, volunteer_id, terr, status, via, during, created_by, created_at, updated_at)
        select p.id, v.id, c.terr,
               case when s < p.capacity then 'confirmed' else 'waitlisted' end,
               case when s %% 4 = 0 then 'public' else 'staff' end,
               case when p.kind = 'activity' then tstzrange(p.starts_at, p.ends_at) end,
               case when s %% 4 = 0 then null else c.staff_id end,
               p.starts_at - interval '5 days' + s * interval '1 minute', p.starts_at - interval '5 days'
        from seed_post p join seed_community c on c.id = p.community_id
        cross join lateral generate_series(0, case when p.starts_at < now() then p.capacity - 1
                                                   when p.j %% 5 = 0 then p.capacity + 1
                                                   else (p.capacity * 0.6)::int - 1 end) s
        join seed_vol v on v.community_id = p.community_id
                       and v.r = 1 + (p.j * 37 + s) %% c.nv
        where s < c.nv;
        update public.post p set taken = x.n
        from (select post_id, count(*) as n from public.signup where status = 'confirmed' group by post_id) x
        where x.post_id = p.id and p.id in (select id from seed_post);
    """, {})
    # Service records: one per confirmed sign-up of a past activity, the rest general service.
    conn.execute("""
        insert into public.service_log (volunteer_id, post_id, terr, served_on, hours, rating, rated_by, verified_by,
                                        verified_at, created_by, created_at)
        select s.volunteer_id, s.post_id, v.terr, p.starts_at::date, 2,
               case when s.id %% 5 < 3 then 3 + s.id %% 3 end, case when s.id %% 5 < 3 then 'resident' end,
               case when s.id %% 10 <> 0 then c.staff_id end,
               case when s.id %% 10 <> 0 then p.starts_at + interval '1 day' end, c.staff_id, p.ends_at
        from public.signup s join seed_post p on p.id = s.post_id
        join public.volunteer v on v.id = s.volunteer_id join seed_community c on c.id = p.community_id
        where s.status = 'confirmed' and p.ends_at < now() - interval '1 day' and p.kind = 'activity'
        limit %(logs)s
    """, {"logs": logs})
    have = conn.execute("select count(*) from public.service_log").fetchone()[0]
    conn.execute("""
        insert into public.service_log (volunteer_id, terr, served_on, hours, rating, rated_by, note, verified_by,
                                        verified_at, created_by, created_at)
        select v.id, vv.terr, d.day, 1 + (i %% 4), case when i %% 3 = 0 then 4 + i %% 2 end,
               case when i %% 3 = 0 then 'staff' end, (array['日常巡查', '楼道清扫', '入户走访', '政策宣传'])[1 + i %% 4],
               case when i %% 8 <> 0 then c.staff_id end, case when i %% 8 <> 0 then d.day + interval '2 days' end,
               c.staff_id, d.day
        from generate_series(1, greatest(%(logs)s - %(have)s, 0)) i
        join seed_community c on c.n = 1 + i %% %(nc)s and c.nv > 0
        join seed_vol v on v.community_id = c.id and v.r = 1 + (i::bigint * 7919) %% c.nv
        join public.volunteer vv on vv.id = v.id
        cross join lateral (select (current_date - 3 - (i * 31) %% 360) as day) d
    """, {"logs": logs, "have": have, "nc": n_comm})
    if applications:
        conn.execute("""
            insert into public.application (kind, org_unit_id, street_id, community_id, terr, name, phone_enc,
                                            phone_bidx, phone_masked, unit_type,
                                            workplace, skills, availability, pledged_hours, offers, fingerprint, status,
                                            created_at)
            select case when i %% 4 = 0 then 'unit' else 'volunteer' end, c.id, c.street_id, c.id, c.terr,
                   case when i %% 4 = 0 then (%(names)s::text[])[1 + i %% 12] || '第' || i || '支部' else nm.name end,
                   ph.enc, ph.bidx, ph.masked, case when i %% 4 = 0 then 'enterprise' end,
                   case when i %% 4 <> 0 then '区教育局' end,
                   case when i %% 4 <> 0 then array['elderly'] else '{}' end, '周末', 20,
                   case when i %% 4 = 0 then '[{"kind": "venue", "category": "culture", "name": "会议室", "capacity": 30}]'
                        else '[{"kind": "skill", "category": "elderly", "name": "助老服务", "capacity": 1}]' end::jsonb,
                   'seed', 'pending', now() - i * interval '7 hours'
            from generate_series(1, %(n)s) i join seed_community c on c.n = 1 + (i * 5) %% %(nc)s
            join seed_vname nm on nm.n = 1 + (i * 29) %% 500
            join seed_application_phone ph on ph.n = i
        """, {"n": applications, "nc": n_comm, "names": [n for n, _ in UNIT_NAMES]})
    for table in TABLES:
        conn.execute(f"alter table public.{table} enable trigger user")


def assess(conn: psycopg.Connection, periods: list[str]) -> None:
    """Compute the assessment of `periods` as the district's demo account."""
    from gongzhi.demo_data import DEMO_ACCOUNTS
    email = next(e for e, role, _u, _n in DEMO_ACCOUNTS if role == "district")
    uid = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()[0]
    conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{uid}"}}',))
    for period in periods:
        conn.execute("select private.compute_assessment(%s)", (period,))
    conn.execute("select set_config('request.jwt.claims', '', true)")


def load_demo(conn: psycopg.Connection) -> None:
    """The demo district's volunteers: 36 units, 640 volunteers, 160 posts, ~4,000 service records."""
    from gongzhi.volunteers.assessment import recent_periods
    add_rows(conn, volunteers=640, units=36, posts=160, logs=4000, applications=12)
    assess(conn, recent_periods(count=2))

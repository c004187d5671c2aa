"""The one builder of seed data: the Chinese demo district, and scale data for benchmarks.

`load_demo` builds the org tree, staff (one per unit plus the README's demo accounts, all on the
published demo password, which demo mode allows), categories, and the three lists; `add_rows` appends demands, resources and projects set-based
(generate_series), so a million demands take seconds. Seeding runs as the table owner with the
user triggers of the lists switched off inside its transaction: the seed computes territory
columns itself and writes statuses as they would be after a year of work.
"""
from __future__ import annotations

import random
import zlib

import psycopg
from psycopg.rows import tuple_row

from gongzhi import demo_data as d
from gongzhi import territory
from gongzhi.geo import demo as geo_demo
from gongzhi.auth.local import hash_password
from gongzhi.personal import crypto, seeding
from gongzhi.fieldwork import demo as fieldwork_demo
from gongzhi.fieldwork import demo_campaigns
from gongzhi.levers import demo as levers_demo
from gongzhi.levers import whistle_demo as baolian_whistle_demo
from gongzhi.suggest import demo as suggest_demo
from gongzhi.photos import demo as photos_demo
from gongzhi.photos import board_demo as board_photos_demo
from gongzhi.whistle import demo as whistle_demo
from gongzhi.whistle import flags as whistle_flags
from gongzhi.deliberation import demo as deliberation_demo
from gongzhi.volunteers import seed as volunteer_seed
from gongzhi.emergency import demo as emergency_demo
from gongzhi.dashboard import demo as bulletin_demo

LIST_TABLES = ["demand", "resource", "project", "project_milestone", "project_demand",
               "project_resource", "match"]


def is_loaded(conn: psycopg.Connection) -> bool:
    return conn.execute("select exists (select from public.org_unit)").fetchone()[0]


def load_demo(url: str, *, demands: int = 2000, resources: int = 500, projects: int = 30) -> bool:
    """Load the demo district into an empty database; False if it already has an org tree."""
    with psycopg.connect(url) as conn:
        if is_loaded(conn):
            return False
        conn.execute("select setseed(0.2026)")
        _org_tree(conn)
        geo_demo.load(conn, d.GRIDS_PER_COMMUNITY)
        _categories(conn)
        _staff(conn)
        add_rows(conn, demands=demands, resources=resources, projects=projects)
        whistle_demo.load(conn)
        _demo_mode(conn)
        volunteer_seed.load_demo(conn)
        deliberation_demo.load(conn)
        fieldwork_demo.load(conn)
        demo_campaigns.load(conn)
        levers_demo.load(conn)
        baolian_whistle_demo.load(conn)
        suggest_demo.load(conn)
        emergency_demo.load(conn)
        bulletin_demo.load(conn)
        photos_demo.load(conn)
        board_photos_demo.load(conn)
        whistle_flags.refresh_on(conn)
        conn.commit()
    return True


def seed_scale(url: str, *, demands: int = 0, resources: int = 0, projects: int = 0) -> None:
    """Append scale data to a database that has the demo org tree."""
    with psycopg.connect(url) as conn:
        if not is_loaded(conn):
            raise RuntimeError("load the demo district first (seed --demo)")
        add_rows(conn, demands=demands, resources=resources, projects=projects)
        conn.commit()
        conn.autocommit = True
        for table in ("demand", "resource", "project"):
            conn.execute(f"vacuum analyze public.{table}")


def _org_tree(conn: psycopg.Connection) -> None:
    name, code = d.DISTRICT
    district = conn.execute("insert into public.org_unit (kind, name, code) values ('district', %s, %s)"
                            " returning id", (name, code)).fetchone()[0]
    for s, (street, communities) in enumerate(d.STREETS.items(), 1):
        street_code = f"{code}{s:03d}"
        street_id = _unit(conn, district, "street", street, street_code)
        for c, community in enumerate(communities, 1):
            community_code = f"{street_code}{c:03d}"
            community_id = _unit(conn, street_id, "community", community, community_code)
            for g in range(d.GRIDS_PER_COMMUNITY):
                grid_code = f"{community_code}{g + 1:03d}"
                grid_id = _unit(conn, community_id, "grid", f"{community}{d.GRID_NAMES[g]}", grid_code)
                for b in range(1, d.BUILDINGS_PER_GRID + 1):
                    _unit(conn, grid_id, "building", f"{community}{g * d.BUILDINGS_PER_GRID + b}号楼",
                          f"{grid_code}{b:02d}")


def _unit(conn, parent_id: int, kind: str, name: str, code: str) -> int:
    return conn.execute("insert into public.org_unit (parent_id, kind, name, code) values (%s, %s, %s, %s)"
                        " returning id", (parent_id, kind, name, code)).fetchone()[0]


def _categories(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        cur.executemany("insert into public.category (code, name_zh, name_en, position) values (%s, %s, %s, %s)",
                        [(code, zh, en, i) for i, (code, zh, en) in enumerate(d.CATEGORIES)])


def _staff(conn: psycopg.Connection) -> None:
    """A staff member for every street, community and grid, and the README's demo accounts."""
    shared_hash = hash_password(d.DEMO_PASSWORD)
    units = conn.execute("select id, kind, name, code from public.org_unit"
                         " where kind in ('street', 'community', 'grid') order by id").fetchall()
    people = []
    for i, (unit_id, kind, _name, code) in enumerate(units):
        display = d.SURNAMES[(i * 7) % len(d.SURNAMES)] + d.GIVEN_NAMES[(i * 11) % len(d.GIVEN_NAMES)]
        people.append((f"{kind}-{code}@demo.gongzhi.cn", unit_id, kind, display))
    for email, role, unit_name, display in d.DEMO_ACCOUNTS:
        unit_id = conn.execute("select id from public.org_unit where kind = %s and name = %s",
                               ("district" if unit_name is None else role, unit_name or d.DISTRICT[0])).fetchone()[0]
        people.append((email, unit_id, role, display))
    district = conn.execute("select id from public.org_unit where kind = 'district'").fetchone()[0]
    people += [(email, district, "district", display) for email, _capability, display in d.DEMO_ADMINS]
    ring = crypto.ring()
    for email, unit_id, role, display in people:
        user_id = conn.execute("insert into auth.users (email, encrypted_password, email_confirmed_at)"
                               " values (%s, %s, now()) returning id", (email, shared_hash)).fetchone()[0]
        phone = crypto.seal("phone", f"13{zlib.crc32(email.encode()) % 10**9:09d}", ring)
        conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx,"
                     " phone_masked) values (%s, %s, %s, %s, %s, %s, %s)",
                     (user_id, unit_id, role, display, phone.enc, phone.bidx, phone.masked))
    for email, capability, _display in d.DEMO_ADMINS:
        conn.execute("insert into public.admin_grant (user_id, capability)"
                     " select id, %s from auth.users where email = %s", (capability, email))


def _demo_mode(conn: psycopg.Connection) -> None:
    """Demo mode on: every account keeps the published demo password (private.password_state.demo)
    until a district turns demo mode off or loads its own org tree; then each must change it."""
    conn.execute("insert into private.password_history (user_id, hash) select id, %s from auth.users",
                 (hash_password(d.DEMO_PASSWORD),))
    conn.execute("""insert into private.password_state (user_id, must_change, reason, demo)
                    select id, false, null, true from auth.users
                    on conflict (user_id) do update set must_change = false, reason = null, demo = true""")
    conn.execute("""insert into public.security_setting (key, value) values ('demo_mode', 'true')
                    on conflict (key) do update set value = excluded.value""")


def _templates(conn: psycopg.Connection) -> None:
    """Temporary tables of words, numbered from 1 so that random rows can pick by number."""
    conn.execute("""
        create temp table seed_demand_tpl (n serial, category_id bigint, title text, description text) on commit drop;
        create temp table seed_resource_tpl (n serial, category_id bigint, kind text, name text, provider text,
                                             provider_kind text) on commit drop;
        create temp table seed_name (n serial, name text) on commit drop;
        create temp table seed_grid (n serial, id bigint, street_id bigint, community_id bigint, terr bigint,
                                     community_name text, staff_id uuid) on commit drop;
        create temp table seed_area (n serial, id bigint, street_id bigint, community_id bigint, grid_id bigint,
                                     terr bigint, name text) on commit drop;
    """)
    categories = dict(conn.cursor(row_factory=tuple_row).execute("select code, id from public.category").fetchall())
    with conn.cursor() as cur:
        cur.executemany("insert into seed_demand_tpl (category_id, title, description) values (%s, %s, %s)",
                        [(categories[c], title, desc) for c, rows in d.DEMAND_TEMPLATES.items()
                         for title, desc in rows])
        cur.executemany("insert into seed_resource_tpl (category_id, kind, name, provider, provider_kind)"
                        " values (%s, %s, %s, %s, %s)",
                        [(categories[c], *row) for c, rows in d.RESOURCE_TEMPLATES.items() for row in rows])
        cur.executemany("insert into seed_name (name) values (%s)",
                        [(s + g,) for s in d.SURNAMES for g in d.GIVEN_NAMES[:12]])
    conn.execute("""
        insert into seed_grid (id, street_id, community_id, terr, community_name, staff_id)
        select g.id, g.street_id, g.community_id, g.terr, c.name,
               (select s.user_id from public.staff s where s.org_unit_id = g.id order by s.created_at limit 1)
        from public.org_unit g join public.org_unit c on c.id = g.community_id
        where g.kind = 'grid' order by g.id;
        insert into seed_area (id, street_id, community_id, grid_id, terr, name)
        select id, street_id, community_id, grid_id, terr, name from public.org_unit
        where kind in ('street', 'community', 'grid') order by random();
    """)


def _phones(conn: psycopg.Connection, demands: int, resources: int) -> None:
    """Pools of sealed phones the rows draw from (a beneficiary's phone may recur, as in life):
    mobile numbers for beneficiaries, landlines for resources' contacts."""
    rng = random.Random(demands * 7919 + resources)
    seeding.phone_table(conn, "seed_demand_phone",
                        [f"1{rng.choice('358')}{rng.randrange(10**9):09d}" for _ in range(max(1, min(demands, 20000)))])
    seeding.phone_table(conn, "seed_resource_phone",
                        [f"0{rng.randrange(27, 30)}-{rng.randrange(10**8):08d}" for _ in range(max(1, min(resources, 5000)))])


def add_rows(conn: psycopg.Connection, *, demands: int, resources: int, projects: int) -> None:
    """Append rows to the three lists, set-based, in the caller's transaction."""
    _templates(conn)
    _phones(conn, demands, resources)
    for table in LIST_TABLES:
        conn.execute(f"alter table public.{table} disable trigger user")
    conn.execute("""
        insert into public.demand (org_unit_id, street_id, community_id, grid_id, terr, category_id, title,
            description, urgency, status, quantity, needed_by, beneficiary_name, beneficiary_phone_enc,
            beneficiary_phone_bidx, beneficiary_phone_masked, address, created_by, created_at, updated_at, closed_at)
        select g.id, g.street_id, g.community_id, g.id, g.terr, t.category_id, t.title, t.description,
               (array['low','normal','normal','normal','high','urgent'])[1 + floor(r.u * 6)::int],
               r.status, 1 + floor(r.q * r.q * 5)::int, (r.created_at + interval '3 days' + r.q * interval '60 days')::date,
               nm.name, ph.enc, ph.bidx, ph.masked,
               g.community_name || (1 + floor(r.p * 30))::int || '号楼' || (1 + floor(r.u * 6))::int || '单元',
               g.staff_id, r.created_at, coalesce(r.closed_at, r.created_at), r.closed_at
        from (
          select i, u, q, p, created_at, status,
                 case when status in ('done', 'cancelled')
                      then least(created_at + (0.5 + q * 20) * interval '1 day', now()) end as closed_at,
                 1 + floor(random() * (select count(*) from seed_grid))::int as grid_n,
                 1 + floor(random() * (select count(*) from seed_demand_tpl))::int as tpl_n,
                 1 + floor(random() * (select count(*) from seed_name))::int as name_n
          from (
            select i, u, q, p, created_at,
                   case when s < least(0.92, extract(epoch from now() - created_at) / 86400 / 100)
                        then case when q < 0.94 then 'done' else 'cancelled' end
                        else (array['new','new','new','in_progress'])[1 + floor(u * 4)::int] end as status
            from (select i, random() as u, random() as q, random() as p, random() as s,
                         now() - power(random(), 1.3) * interval '365 days' as created_at
                  from generate_series(1, %(demands)s) i) raw
          ) aged
        ) r
        join seed_grid g on g.n = r.grid_n
        join seed_demand_tpl t on t.n = r.tpl_n
        join seed_name nm on nm.n = r.name_n
        join seed_demand_phone ph on ph.n = 1 + floor(r.p * (select count(*) from seed_demand_phone))::int
    """, {"demands": demands})
    conn.execute("""
        insert into public.resource (org_unit_id, street_id, community_id, grid_id, terr, kind, category_id, name,
            description, provider, provider_kind, contact_phone_enc, contact_phone_bidx, contact_phone_masked,
            capacity, available_from, available_to, status,
            created_at, updated_at)
        select a.id, a.street_id, a.community_id, a.grid_id, a.terr, t.kind, t.category_id, t.name,
               a.name || '可提供：' || t.name, t.provider, t.provider_kind,
               ph.enc, ph.bidx, ph.masked,
               1 + floor(r.u * r.u * 30)::int, (r.created_at)::date,
               case when r.p < 0.3 then (r.created_at + interval '1 year')::date end,
               case when r.q < 0.9 then 'available' else 'paused' end, r.created_at, r.created_at
        from (select i, random() as u, random() as p, random() as q,
                     now() - random() * interval '365 days' as created_at,
                     1 + floor(random() * (select count(*) from seed_area))::int as area_n,
                     1 + floor(random() * (select count(*) from seed_resource_tpl))::int as tpl_n
              from generate_series(1, %(resources)s) i) r
        join seed_area a on a.n = r.area_n
        join seed_resource_phone ph on ph.n = 1 + floor(r.p * (select count(*) from seed_resource_phone))::int
        join seed_resource_tpl t on t.n = r.tpl_n
    """, {"resources": resources})
    if projects:
        _projects(conn, projects)
    for table in LIST_TABLES:
        conn.execute(f"alter table public.{table} enable trigger user")


def _projects(conn: psycopg.Connection, projects: int) -> None:
    """Projects owned by communities and streets, with milestones, and demands matched to resources."""
    conn.execute("create temp table seed_project_tpl (n serial, kind text, name text, description text) on commit drop")
    with conn.cursor() as cur:
        cur.executemany("insert into seed_project_tpl (kind, name, description) values (%s, %s, %s)",
                        d.PROJECT_TEMPLATES)
    conn.execute("""
        insert into public.project (org_unit_id, street_id, community_id, grid_id, terr, kind, name, description,
            budget, spent, beneficiaries, start_date, end_date, progress, status, created_at, updated_at)
        select a.id, a.street_id, a.community_id, a.grid_id, a.terr, t.kind, a.name || t.name, t.description,
               round((5 + r.u * 95)::numeric, 0) * 10000, 0, (20 + r.p * 500)::int,
               r.start_date, r.start_date + (90 + floor(r.p * 180))::int,
               0, r.status, r.start_date, r.start_date
        from (select i, random() as u, random() as p,
                     (now() - random() * interval '330 days')::date as start_date,
                     (array['planning','in_progress','in_progress','in_progress','done'])[1 + floor(random() * 5)::int] as status,
                     1 + floor(random() * (select count(*) from seed_project_tpl))::int as tpl_n,
                     1 + floor(random() * (select count(*) from seed_area where grid_id is null))::int as area_n
              from generate_series(1, %(n)s) i) r
        join seed_project_tpl t on t.n = r.tpl_n
        join (select row_number() over (order by n) as k, * from seed_area where grid_id is null) a on a.k = r.area_n
    """, {"n": projects})
    conn.execute("""
        update public.project p set
          progress = case p.status when 'done' then 100 when 'planning' then 0
                     else 10 + (p.id * 37 % 80) end,
          spent = case p.status when 'planning' then 0
                  else round(p.budget * (case p.status when 'done' then 0.95 else (p.id * 37 % 80) / 100.0 end), 2) end
        where p.progress = 0 and p.spent = 0
    """)
    conn.execute("""
        insert into public.project_milestone (project_id, terr, title, due_date, done_at, position)
        select p.id, p.terr, m.title, p.start_date + (m.pos * (p.end_date - p.start_date) / 4)::int,
               case when m.pos * 25 <= p.progress then p.start_date + (m.pos * (p.end_date - p.start_date) / 4)::int end,
               m.pos
        from public.project p
        cross join unnest(%(milestones)s::text[]) with ordinality as m(title, pos)
        where not exists (select from public.project_milestone x where x.project_id = p.id);
    """, {"milestones": d.MILESTONES})
    # Matches: a demand in progress or done, and every third new one (a proposal: it reads as
    # matched; "matched" is never stored), gets a resource of its category serving its area,
    # while that resource has capacity left.
    conn.execute(f"""
        with wanted as (
          select dm.id as demand_id, dm.terr, dm.org_unit_id, dm.street_id, dm.community_id, dm.grid_id,
                 dm.status, dm.created_at,
                 (select r.id from public.resource r
                  where r.category_id = dm.category_id and r.status = 'available'
                    and r.terr = any ({territory.sql_serving('dm.terr')})
                  order by (r.id * 2654435761 + dm.id) % 1000 limit 1) as resource_id
          from public.demand dm
          where (dm.status in ('in_progress', 'done') or (dm.status = 'new' and dm.id % 3 = 0))
            and not exists (select from public.match m where m.demand_id = dm.id)
        ), ranked as (
          select w.*, r.terr as resource_terr, r.capacity - r.allocated as room,
                 row_number() over (partition by w.resource_id order by w.created_at) as k
          from wanted w join public.resource r on r.id = w.resource_id
        )
        insert into public.match (demand_id, resource_id, org_unit_id, street_id, community_id, grid_id, terr,
                                  resource_terr, quantity, score, reasons, status, rating, created_at, updated_at)
        select demand_id, resource_id, org_unit_id, street_id, community_id, grid_id, terr, resource_terr, 1,
               round((60 + (demand_id % 40))::numeric, 3), '[]'::jsonb,
               case status when 'done' then 'done' when 'new' then 'proposed' else 'accepted' end,
               case when status = 'done' then 3 + (demand_id % 3)::int end, made_at, made_at
        from (select *, case when status = 'new'  -- proposals are fresh, inside the lapse window
                             then greatest(created_at, now() - (demand_id % 48) * interval '1 hour')
                             else created_at end as made_at from ranked) x
        where k <= room;
        update public.resource r set allocated = r.allocated + x.n
        from (select resource_id, count(*)::int as n from public.match
              where status in ('proposed', 'accepted') group by resource_id) x
        where r.id = x.resource_id and r.allocated = 0;
        insert into public.project_demand (project_id, demand_id, terr)
        select p.id, dm.id, p.terr
        from public.project p
        join lateral (select dm.id from public.demand dm
                      where dm.terr between p.terr and p.terr + private.terr_span(private.terr_level(p.terr))
                        and (dm.status in ('in_progress', 'done') or (dm.status = 'new' and dm.id % 3 = 0))
                      order by dm.id limit 3) dm on true
        on conflict do nothing;
    """)

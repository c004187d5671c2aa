"""Named reads for matching, run as the signed-in user under row-level security, paginated in SQL."""
from __future__ import annotations

from gongzhi import statuses, territory
from gongzhi.auth import Identity
from gongzhi.matching import scoring

LIVE = statuses.sql_list(statuses.LIVE_MATCH)
PAGE_SIZE = 50

# What a demand still needs: its quantity less its live matches.
WANT = f"""d.quantity - coalesce((select sum(m.quantity) from public.match m
                                  where m.demand_id = d.id and m.status in {LIVE}), 0)"""

OPEN_DEMANDS = f"""
select d.id, d.title, d.category_id, c.name_zh as category_zh, c.name_en as category_en, d.urgency,
       private.demand_status(d.id, d.status) as status,
       d.quantity, {WANT} as want, d.needed_by, o.name as unit
from public.demand d
join public.category c on c.id = d.category_id
join public.org_unit o on o.id = d.org_unit_id
where d.status = 'new' and (%(category)s::bigint is null or d.category_id = %(category)s)
  and {WANT} > 0
order by d.id desc
limit %(limit)s offset %(offset)s
"""

# Candidates of one demand: available resources of its category serving its area with capacity
# left, visible to the user, best first. `%(resource)s` narrows to one resource (assignment).
SUGGEST = f"""
with d as (
  select d.id, d.category_id, d.terr, d.needed_by, d.quantity, {WANT} as want
  from public.demand d where d.id = %(demand)s
)
select r.id as resource_id, r.name, r.provider, r.provider_kind, r.kind, o.name as unit,
       s.*, {scoring.score('s')} as score, {scoring.reasons('s')} as reasons
from d
join public.resource r on r.category_id = d.category_id and r.status = 'available'
  and r.terr = any ({scoring.serves('d.terr')})
  and r.capacity > r.allocated and (r.available_to is null or r.available_to >= current_date)
join public.org_unit o on o.id = r.org_unit_id
left join public.provider_record p on p.provider = r.provider
cross join lateral (select {scoring.parts('d', 'r', 'p', 'd.want')}) s
where d.want > 0 and (%(resource)s::bigint is null or r.id = %(resource)s)
  and not exists (select from public.match m where m.demand_id = d.id and m.resource_id = r.id
                  and m.status in ('proposed', 'accepted'))
order by score desc, r.id
limit %(limit)s
"""

MATCHES = f"""
select m.id, m.demand_id, d.title as demand_title, m.resource_id, r.name as resource_name, r.provider,
       m.quantity, m.score, m.reasons, m.status, m.rating, m.created_at,
       m.terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), {territory.SPAN["district"]})
         as demand_side,
       m.resource_terr between coalesce((select private.terr_lo()), 0) and coalesce((select private.terr_hi()), {territory.SPAN["district"]})
         as provider_side
from public.match m
join public.demand d on d.id = m.demand_id
join public.resource r on r.id = m.resource_id
where (%(status)s::text is null or m.status = %(status)s)
order by m.id desc
limit %(limit)s offset %(offset)s
"""

LAPSES = """
select r.provider, count(*) as matches,
       count(*) filter (where m.status = 'lapsed') as lapsed,
       round(100.0 * count(*) filter (where m.status = 'lapsed') / count(*), 1) as lapsed_pct,
       max(m.updated_at) filter (where m.status = 'lapsed') as last_lapsed
from public.match m join public.resource r on r.id = m.resource_id
group by r.provider
having count(*) filter (where m.status = 'lapsed') > 0
order by lapsed desc, r.provider
limit %(limit)s
"""


def open_demands(user: Identity, *, category_id: int | None = None, limit: int = PAGE_SIZE,
                 offset: int = 0) -> list[dict]:
    """Demands of the user's territory that still need resources, newest first."""
    with user.session() as conn:
        return conn.execute(OPEN_DEMANDS, {"category": category_id, "limit": limit, "offset": offset}).fetchall()


def suggest(user: Identity, demand_id: int, *, limit: int = 10) -> list[dict]:
    """Resources the user may assign to the demand, best first, each with score and reasons."""
    with user.session() as conn:
        return suggest_in(conn, demand_id, limit=limit)


def suggest_in(conn, demand_id: int, *, limit: int = 10, resource_id: int | None = None) -> list[dict]:
    """`suggest` inside an open transaction of the user."""
    return conn.execute(SUGGEST, {"demand": demand_id, "limit": limit, "resource": resource_id}).fetchall()


def matches(user: Identity, *, status: str | None = None, limit: int = PAGE_SIZE, offset: int = 0) -> list[dict]:
    """Matches of the user's demands or resources, newest first, with which side the user is on."""
    with user.session() as conn:
        return conn.execute(MATCHES, {"status": status, "limit": limit, "offset": offset}).fetchall()


def lapses_by_provider(user: Identity, *, limit: int = 20) -> list[dict]:
    """Providers that let proposals lapse, among the matches the user can see, worst first."""
    with user.session() as conn:
        return conn.execute(LAPSES, {"limit": limit}).fetchall()


def categories(user: Identity) -> list[dict]:
    with user.session() as conn:
        return conn.execute("select id, code, name_zh, name_en from public.category order by position, id").fetchall()

"""Reads of the emergency mode, as the signed-in user under row-level security: the emergencies a
user sees, the live board of a street, the roster of call-ups (paginated in SQL), the record."""
from __future__ import annotations

import datetime as dt

from gongzhi.auth import Identity

PAGE_SIZE = 50
# A request's light: red once due, yellow within this many hours of it, green before.
YELLOW_HOURS = 2


def emergencies(user: Identity) -> list[dict]:
    """Every emergency the user sees (declared by their level or one above, over their territory or
    within it; the district sees only the ones it declared), newest first."""
    with user.session() as conn:
        return conn.execute(
            "select e.id, e.name, e.kind, e.status, e.declared_level, e.declared_at, e.ended_at, e.summary,"
            " o.name as place, o.kind as level"
            " from public.emergency e join public.org_unit o on o.id = e.org_unit_id"
            " order by e.status = 'active' desc, e.declared_at desc").fetchall()


def declarable_places(user: Identity) -> list[dict]:
    """The units where the user may declare: the district and streets of their territory."""
    with user.session() as conn:
        return conn.execute(
            "select o.id, o.name, o.kind from public.org_unit o where o.kind in ('district', 'street')"
            " and (current_user = 'gongzhi_district'"
            "      or o.terr between (select private.terr_lo()) and (select private.terr_hi()))"
            " order by o.terr").fetchall()


def streets(user: Identity, emergency_id: int) -> list[dict]:
    """The streets of the emergency's territory the user sees (their own, for street staff and below)."""
    with user.session() as conn:
        return conn.execute(
            "select s.id, s.name, s.terr, s.terr_hi from public.emergency e join public.org_unit d on d.id = e.org_unit_id"
            " join public.org_unit s on s.kind = 'street' and s.terr between d.terr and d.terr_hi"
            " where e.id = %s and (current_user = 'gongzhi_district' or s.terr = any ((select private.terr_above())::bigint[])"
            "      or s.terr between (select private.terr_lo()) and (select private.terr_hi()))"
            " order by s.terr", (emergency_id,)).fetchall()


def tasks(user: Identity, emergency_id: int) -> list[dict]:
    with user.session() as conn:
        return conn.execute("select id, name, skills from public.emergency_task where emergency_id = %s order by id",
                            (emergency_id,)).fetchall()


def places(user: Identity, lo: int, hi: int, kinds: tuple[str, ...] = ("grid", "building")) -> list[dict]:
    """小区 (grids) and 楼栋 (buildings) in terr lo..hi, for shifts and requests."""
    with user.session() as conn:
        return conn.execute("select id, name, kind, terr from public.org_unit where kind = any (%s)"
                            " and terr between %s and %s order by terr", (list(kinds), lo, hi)).fetchall()


def residents(user: Identity, grid_id: int) -> list[dict]:
    """Registered members living in a 小区, for the head of its temporary organisation (names only)."""
    with user.session() as conn:
        return conn.execute("select v.id, v.name from public.volunteer v join public.org_unit g on g.id = %s"
                            " where v.active and v.terr between g.terr and g.terr_hi order by v.name limit 500",
                            (grid_id,)).fetchall()


def board(user: Identity, emergency_id: int, lo: int, hi: int, at: dt.datetime | None = None) -> dict:
    """The live board of one street (terr lo..hi; within it, the user's own territory) at `at` (now;
    an ended emergency at its end):
    per community the shifts running, people on duty and called up, buildings uncovered; and the
    open requests with their lights."""
    with user.session() as conn:
        e = conn.execute("select status, ended_at from public.emergency where id = %s", (emergency_id,)).fetchone()
        if e is None:
            return {"communities": [], "uncovered": [], "requests": [], "at": at}
        at = at or e["ended_at"] or conn.execute("select now() as n").fetchone()["n"]
        # Staff below the street see the part of it that is theirs.
        lo, hi = conn.execute("select greatest(%(lo)s, coalesce((select private.terr_lo()), %(lo)s)) as lo,"
                              " least(%(hi)s, coalesce((select private.terr_hi()), %(hi)s)) as hi",
                              {"lo": lo, "hi": hi}).fetchone().values()
        params = {"e": emergency_id, "lo": lo, "hi": hi, "at": at, "yellow": dt.timedelta(hours=YELLOW_HOURS)}
        communities = conn.execute("""
            with running as (
              select s.id, s.community_id, s.grid_id, s.org_unit_id, s.capacity from public.shift s
              where s.emergency_id = %(e)s and s.terr between %(lo)s and %(hi)s and s.during @> %(at)s::timestamptz),
            people as (
              select r.community_id, count(*) filter (where c.status = 'on_duty') as on_duty,
                     count(*) filter (where c.status in ('assigned', 'on_duty', 'done')) as called
              from running r join public.callup c on c.shift_id = r.id group by r.community_id)
            select o.id, o.name, coalesce(count(r.id), 0) as shifts, coalesce(sum(r.capacity), 0) as seats,
                   coalesce(max(p.on_duty), 0) as on_duty, coalesce(max(p.called), 0) as called
            from public.org_unit o left join running r on r.community_id = o.id
            left join people p on p.community_id = o.id
            where o.kind = 'community' and o.terr between %(lo)s and %(hi)s
            group by o.id, o.name, o.terr order by o.terr""", params).fetchall()
        uncovered = conn.execute("""
            select b.id, b.name, c.name as community from public.org_unit b
            join public.org_unit c on c.id = b.community_id
            where b.kind = 'building' and b.terr between %(lo)s and %(hi)s
              and not exists (
                select from public.shift s join public.callup k on k.shift_id = s.id
                where s.emergency_id = %(e)s and s.during @> %(at)s::timestamptz
                  and s.org_unit_id in (b.id, b.grid_id)
                  and k.status in ('assigned', 'on_duty', 'done'))
            order by b.terr""", params).fetchall()
        requests = conn.execute("""
            select q.id, q.kind, q.detail, q.due_at, o.name as place,
                   case when q.due_at < %(at)s::timestamptz then 'red'
                        when q.due_at < %(at)s::timestamptz + %(yellow)s then 'yellow' else 'green' end as light
            from public.emergency_request q join public.org_unit o on o.id = q.org_unit_id
            where q.emergency_id = %(e)s and q.status = 'open' and q.terr between %(lo)s and %(hi)s
            order by q.due_at limit 200""", params).fetchall()
        return {"communities": communities, "uncovered": uncovered, "requests": requests, "at": at}


def roster(user: Identity, emergency_id: int, page: int = 1, size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """Call-ups of the emergency the user sees, by shift time: (rows, total)."""
    page, size = max(1, int(page)), max(1, min(int(size), 500))
    with user.session() as conn:
        total = conn.execute("select count(*) as n from public.callup where emergency_id = %s",
                             (emergency_id,)).fetchone()["n"]
        rows = conn.execute(
            "select c.id, c.status, v.name as person, t.name as task, o.name as place, s.starts_at, s.ends_at,"
            " c.checked_in_at, c.checked_out_at, c.hours"
            " from public.callup c join public.shift s on s.id = c.shift_id"
            " join public.emergency_task t on t.id = s.task_id join public.org_unit o on o.id = s.org_unit_id"
            " left join public.volunteer v on v.id = c.volunteer_id"
            " where c.emergency_id = %s order by s.starts_at, o.terr, c.id limit %s offset %s",
            (emergency_id, size, (page - 1) * size)).fetchall()
    return rows, total


def record(user: Identity, emergency_id: int) -> dict:
    """What the emergency did, as far as the user sees: organisations, shifts, people, hours, requests."""
    with user.session() as conn:
        return conn.execute("""
            select (select count(*) from public.emergency_org where emergency_id = %(e)s) as orgs,
                   (select count(*) from public.shift where emergency_id = %(e)s) as shifts,
                   (select count(distinct volunteer_id) from public.callup where emergency_id = %(e)s
                      and status <> 'cancelled') as people,
                   (select coalesce(sum(hours), 0) from public.callup where emergency_id = %(e)s) as hours,
                   (select count(*) from public.emergency_request where emergency_id = %(e)s) as requests,
                   (select count(*) from public.emergency_request where emergency_id = %(e)s and status = 'done') as requests_done
            """, {"e": emergency_id}).fetchone()

"""Reads of the volunteer screens, as the signed-in user under row-level security (the public page
reads as anon), paginated in SQL: each list returns (rows, total)."""
from __future__ import annotations

import datetime as dt

from gongzhi import db, territory
from gongzhi.auth import Identity
from gongzhi.lists.fields import Lookups
from gongzhi.volunteers.assessment import period_bounds
from gongzhi.personal.crypto import BadValue, blind_index

PAGE_SIZE = 50


def _page(page: int, size: int) -> dict:
    page, size = max(1, int(page)), max(1, min(int(size), 500))
    return {"limit": size, "offset": (page - 1) * size}


# ---------------------------------------------------------------- the public page
def public_lookups() -> Lookups:
    """Categories and communities by name, for the public form. The org tree and the categories are
    public administrative facts; anon reads no table, so these come from the sign-in role's functions."""
    with db.as_auth() as conn:
        categories = {r["code"]: r["id"] for r in conn.execute("select id, code from private.public_categories()")}
        units = {}
        for r in conn.execute("select id, name, code from private.public_communities()"):
            units[r["name"]] = units[r["code"]] = r["id"]
    return Lookups(categories=categories, org_units=units)


def public_choices() -> dict:
    """What the public form offers: communities (with their street) and categories, in order."""
    with db.as_auth() as conn:
        communities = conn.execute("select id, street, name from private.public_communities()").fetchall()
        categories = conn.execute("select code, name_zh, name_en from private.public_categories()").fetchall()
    return {"communities": communities, "categories": categories}


def public_posts(community_id: int, limit: int = 50) -> list[dict]:
    """Open posts and upcoming activities of a community: the notices the public page lists. anon
    reads no table, so the portal reads these public columns through the sign-in role (no personal data)."""
    with db.as_auth() as conn:
        return conn.execute("select * from private.public_posts(%s, %s)", (community_id, limit)).fetchall()


# ---------------------------------------------------------------- staff lists
def applications(user: Identity, status: str = "pending", page: int = 1, size: int = PAGE_SIZE):
    with user.session() as conn:
        rows = conn.execute(
            """select a.id, a.kind, o.name as place, a.name, a.phone_masked as phone, a.contact_name, a.unit_type, a.workplace,
                      a.skills, a.availability, a.pledged_hours, a.offers, a.note, a.status, a.reason, a.created_at,
                      a.duplicate
               from public.application a join public.org_unit o on o.id = a.org_unit_id
               where a.status = %(status)s order by a.created_at desc, a.id desc limit %(limit)s offset %(offset)s""",
            {"status": status, **_page(page, size)}).fetchall()
        total = conn.execute("select count(*) as n from public.application where status = %s", (status,)).fetchone()["n"]
    return rows, total


def volunteers(user: Identity, search: str = "", page: int = 1, size: int = PAGE_SIZE,
               today: dt.date | None = None):
    """The community's volunteer page: members with their verified hours this half-year."""
    start, _end = period_bounds(None, today)
    like = f"%{search.strip()}%" if search.strip() else None
    bidx = _phone_index(search)
    with user.session() as conn:
        rows = conn.execute(
            """select v.id, v.name, v.phone_masked as phone, o.name as place, v.workplace, u.name as unit_name, v.skills,
                      v.pledged_hours, v.active, v.created_at,
                      coalesce((select sum(l.hours) from public.service_log l
                                where l.volunteer_id = v.id and l.served_on >= %(start)s
                                  and l.verified_at is not null), 0) as hours
               from public.volunteer v join public.org_unit o on o.id = v.org_unit_id
               left join public.unit u on u.id = v.unit_id
               where (%(like)s::text is null or v.name like %(like)s or v.phone_bidx = %(bidx)s)
               order by v.id desc limit %(limit)s offset %(offset)s""",
            {"start": start, "like": like, "bidx": bidx, **_page(page, size)}).fetchall()
        total = conn.execute("select count(*) as n from public.volunteer v"
                             " where (%(like)s::text is null or v.name like %(like)s or v.phone_bidx = %(bidx)s)",
                             {"like": like, "bidx": bidx}).fetchone()["n"]
    return rows, total


def units(user: Identity, page: int = 1, size: int = PAGE_SIZE):
    with user.session() as conn:
        rows = conn.execute(
            """select u.id, u.name, u.unit_type, o.name as place, u.contact_name, u.phone_masked as phone, u.pledged_hours,
                      cardinality(u.resource_ids) as resources,
                      (select count(*) from public.volunteer v where v.unit_id = u.id) as members, u.active
               from public.unit u join public.org_unit o on o.id = u.org_unit_id
               order by u.id desc limit %(limit)s offset %(offset)s""", _page(page, size)).fetchall()
        total = conn.execute("select count(*) as n from public.unit").fetchone()["n"]
    return rows, total


def posts(user: Identity, upcoming: bool = True, page: int = 1, size: int = PAGE_SIZE):
    with user.session() as conn:
        rows = conn.execute(
            """select p.id, p.kind, p.title, o.name as place_unit, p.place, p.starts_at, p.ends_at, p.capacity, p.taken,
                      (select count(*) from public.signup s where s.post_id = p.id and s.status = 'waitlisted') as waitlisted,
                      p.skills, p.status
               from public.post p join public.org_unit o on o.id = p.org_unit_id
               where not %(upcoming)s or p.kind = 'post' or p.ends_at > now()
               order by p.starts_at desc, p.id desc limit %(limit)s offset %(offset)s""",
            {"upcoming": upcoming, **_page(page, size)}).fetchall()
        total = conn.execute("select count(*) as n from public.post p"
                             " where not %(upcoming)s or p.kind = 'post' or p.ends_at > now()",
                             {"upcoming": upcoming}).fetchone()["n"]
    return rows, total


def signups(user: Identity, post_id: int) -> list[dict]:
    with user.session() as conn:
        return conn.execute(
            """select s.id, v.name, v.phone_masked as phone, s.status, s.via, s.created_at
               from public.signup s join public.volunteer v on v.id = s.volunteer_id
               where s.post_id = %s
               order by case s.status when 'confirmed' then 0 when 'waitlisted' then 1 else 2 end, s.created_at, s.id""",
            (post_id,)).fetchall()


def overlaps(user: Identity, volunteer_id: int, post_id: int) -> list[dict]:
    """Activities the volunteer already holds that overlap `post_id`: the warning before assigning."""
    with user.session() as conn:
        return conn.execute(
            """select p.id, p.title, p.starts_at, p.ends_at, s.status
               from public.signup s join public.post p on p.id = s.post_id
               join public.post target on target.id = %(post)s and target.kind = 'activity'
               where s.volunteer_id = %(volunteer)s and s.status in ('confirmed', 'waitlisted')
                 and s.during && target.during and p.id <> target.id""",
            {"post": post_id, "volunteer": volunteer_id}).fetchall()


def volunteer_choices(user: Identity, search: str = "", limit: int = 50) -> list[dict]:
    like = f"%{search.strip()}%"
    with user.session() as conn:
        return conn.execute("select id, name, phone_masked as phone from public.volunteer"
                            " where active and (name like %s or phone_bidx = %s)"
                            " order by name, id limit %s", (like, _phone_index(search), limit)).fetchall()


def _phone_index(search: str) -> bytes | None:
    """A search that is a whole phone number finds it by blind index (phones are stored encrypted:
    no part of one can be searched)."""
    try:
        return blind_index("phone", search) if search.strip() else None
    except BadValue:
        return None


def service_logs(user: Identity, verified: bool | None = None, page: int = 1, size: int = PAGE_SIZE):
    with user.session() as conn:
        rows = conn.execute(
            """select l.id, v.name, p.title as post, l.served_on, l.hours, l.rating, l.rated_by, l.note,
                      l.verified_at is not null as verified, l.verified_at
               from public.service_log l join public.volunteer v on v.id = l.volunteer_id
               left join public.post p on p.id = l.post_id
               where %(verified)s::boolean is null or (l.verified_at is not null) = %(verified)s
               order by l.served_on desc, l.id desc limit %(limit)s offset %(offset)s""",
            {"verified": verified, **_page(page, size)}).fetchall()
        total = conn.execute("select count(*) as n from public.service_log l where %(verified)s::boolean is null"
                             " or (l.verified_at is not null) = %(verified)s", {"verified": verified}).fetchone()["n"]
    return rows, total


def ranking(user: Identity, period: str, subject: str = "volunteer", page: int = 1, size: int = PAGE_SIZE):
    """Assessment results of `period`, ranked within each community."""
    with user.session() as conn:
        rows = conn.execute(
            """select a.id, a.unit_id, c.name as community, coalesce(v.name, u.name) as name, a.hours, a.activities, a.rating,
                      a.matches, a.evaluation, a.score,
                      rank() over (partition by a.community_id order by a.score desc) as rank
               from public.assessment a join public.org_unit c on c.id = a.community_id
               left join public.volunteer v on v.id = a.volunteer_id left join public.unit u on u.id = a.unit_id
               where a.period = %(period)s and a.subject = %(subject)s
               order by c.terr, rank, a.id limit %(limit)s offset %(offset)s""",
            {"period": period, "subject": subject, **_page(page, size)}).fetchall()
        total = conn.execute("select count(*) as n from public.assessment where period = %s and subject = %s",
                             (period, subject)).fetchone()["n"]
    return rows, total


def weights(user: Identity) -> list[dict]:
    with user.session() as conn:
        return conn.execute("select subject, factor, weight, target from public.assessment_weight"
                            " order by subject desc, factor").fetchall()


def ledger(user: Identity, subject: str = "unit", period: str | None = None, page: int = 1, size: int = PAGE_SIZE):
    """Pledged against delivered, per registered unit or member: hours, resources, matches."""
    start, end = period_bounds(period)
    table = "unit" if subject == "unit" else "volunteer"
    hours = ("(select coalesce(sum(l.hours), 0) from public.service_log l join public.volunteer m on m.id = l.volunteer_id"
             " where m.unit_id = x.id and l.verified_at is not null and l.served_on >= %(start)s and l.served_on < %(end)s)"
             if table == "unit" else
             "(select coalesce(sum(l.hours), 0) from public.service_log l where l.volunteer_id = x.id"
             " and l.verified_at is not null and l.served_on >= %(start)s and l.served_on < %(end)s)")
    with user.session() as conn:
        rows = conn.execute(
            f"""select x.id, x.name, o.name as place, x.pledged_hours, {hours} as delivered_hours,
                       cardinality(x.resource_ids) as pledged_resources,
                       (select coalesce(sum(r.capacity), 0) from public.resource r where r.id = any (x.resource_ids)) as pledged_capacity,
                       (select count(*) from public.match mt where mt.resource_id = any (x.resource_ids)
                          and mt.status in ('accepted', 'done')) as matches
                from public.{table} x join public.org_unit o on o.id = x.org_unit_id
                where x.active order by x.id limit %(limit)s offset %(offset)s""",
            {"start": start, "end": end, **_page(page, size)}).fetchall()
        total = conn.execute(f"select count(*) as n from public.{table} where active").fetchone()["n"]
    return rows, total


def overview(user: Identity, months: int = 12) -> dict:
    """The street and district overview: registered members and units per community, and verified
    hours per community and month (aggregated in SQL)."""
    with user.session() as conn:
        members = conn.execute(
            f"""select c.name as community, s.name as street,
                      (select count(*) from public.volunteer v where v.community_id = c.id and v.active) as volunteers,
                      (select count(*) from public.unit u where u.community_id = c.id and u.active) as units
               from public.org_unit c join public.org_unit s on s.id = c.parent_id
               where c.kind = 'community'
                 and c.terr between {territory.sql_unit('(select private.terr_lo())', 'community')} and (select private.terr_hi())
               order by c.terr""").fetchall()
        hours = conn.execute(
            """select date_trunc('month', l.served_on)::date as month, sum(l.hours) as hours, count(*) as records
               from public.service_log l
               where l.verified_at is not null and l.served_on >= (date_trunc('month', now()) - make_interval(months => %s))::date
               group by 1 order by 1""", (months - 1,)).fetchall()
    return {"members": members, "hours": hours}


def unit_report(user: Identity, period: str, unit_id: int) -> dict | None:
    """What is fed back to one unit (双报告): its assessment of `period` with its rank in the
    community, and each member's verified hours and activities in the half-year; None if unseen."""
    start, end = period_bounds(period)
    with user.session() as conn:
        result = conn.execute(
            """select * from (
                 select a.unit_id, c.name as community, u.name, a.hours, a.activities, a.rating, a.matches,
                        a.evaluation, a.score, rank() over (partition by a.community_id order by a.score desc) as rank
                 from public.assessment a join public.org_unit c on c.id = a.community_id
                 join public.unit u on u.id = a.unit_id
                 where a.period = %s and a.subject = 'unit') x
               where x.unit_id = %s""", (period, unit_id)).fetchone()
        if result is None:
            return None
        members = conn.execute(
            """select v.name, coalesce(sum(l.hours), 0) as hours, count(distinct l.post_id) as activities
               from public.volunteer v
               left join public.service_log l on l.volunteer_id = v.id and l.verified_at is not null
                    and l.served_on >= %s and l.served_on < %s
               where v.unit_id = %s group by v.id, v.name order by hours desc, v.name""",
            (start, end, unit_id)).fetchall()
    return {"result": result, "members": members}

"""Reads of whistle and report: the supervision board, event lists and details, suggested
departments, the three rates and the weekly feedback report. Every read runs as the signed-in user
under row-level security; the clock (`now`) is always passed in, so lights are reproducible."""
from __future__ import annotations

import datetime as dt

from gongzhi import todo
from gongzhi.auth import Identity
from gongzhi.fieldwork import queries as fieldwork_queries
from gongzhi.suggest import queries as suggest_queries

STEPS = ("whistle", "report", "consult", "implement", "feedback", "evaluate")
LIGHTS = ("red", "yellow", "green")
PAGE_SIZE = 50

# The one definition of a light: red past the deadline, yellow with less than a quarter of the time left.
LIGHT_SQL = """case when e.closed_at is not null then 'closed'
                    when e.deadline < %(now)s then 'red'
                    when e.yellow_at <= %(now)s then 'yellow' else 'green' end"""

_EVENT_COLUMNS = f"""e.id, e.title, e.address, e.urgency, e.step, e.step_at, e.deadline, e.created_at,
    e.category_id, e.org_unit_id, e.departments, e.lead_department_id, e.escalated_at is not null as escalated,
    e.repeat_of, e.reopen_count, e.satisfaction, e.closed_at, {LIGHT_SQL} as light,
    extract(epoch from %(now)s - e.deadline) / 3600.0 as hours_late"""


def light(user: Identity, event_id: int, now: dt.datetime) -> str | None:
    """The light of one event at `now`: red, yellow, green, or closed; None if not visible."""
    with user.session() as conn:
        row = conn.execute(f"select {LIGHT_SQL} as light from public.event e where e.id = %(id)s",
                           {"now": now, "id": event_id}).fetchone()
    return row["light"] if row else None


def board(user: Identity, now: dt.datetime, *, light: str | None = None, page: int = 0,
          page_size: int = PAGE_SIZE, todo_key: str | None = None) -> dict:
    """The supervision board: open events visible to `user`, latest deadline first (most overdue at
    the top), one page of them, and how many are red, yellow and green at `now`; `todo_key` keeps
    the events of one home card (gongzhi.todo)."""
    where = todo.predicate(todo_key, "event") if todo_key else "true"
    with user.session() as conn:
        return board_on(conn, now, light=light, page=page, page_size=page_size, where=where,
                        extra=todo.params(now) if todo_key else None)


_COUNTS_WHERE = """
    select count(*) filter (where e.deadline < %(now)s) as red,
           count(*) filter (where e.deadline >= %(now)s and e.yellow_at <= %(now)s) as yellow,
           count(*) filter (where e.yellow_at > %(now)s or e.deadline is null) as green,
           count(*) filter (where e.escalated_at is not null) as escalated
    from public.event e where e.closed_at is null and {where}"""
# The whole board's counts: a department's come from private.department_board_counts (its own open
# events by index; the function returns nothing for anyone else), everyone else's from the events
# their policies let them read; the scan below is skipped when the first part returned its row.
_COUNTS = """
    with dept as materialized (select * from private.department_board_counts(%(now)s))
    select red, yellow, green, escalated from dept
    union all
    select * from (""" + _COUNTS_WHERE.format(where="not exists (select from dept)") + """
                   having not exists (select from dept)) everyone"""


def board_on(conn, now: dt.datetime, *, light: str | None = None, page: int = 0, page_size: int = PAGE_SIZE,
             where: str = "true", extra: dict | None = None) -> dict:
    """The board's two statements on an open connection (the benchmark times them as owner, with the
    territory written into `where`, against the same under row-level security)."""
    params = {**(extra or {}), "now": now, "limit": page_size, "offset": page * page_size, "light": light}
    counts = conn.execute(_COUNTS if where == "true" else _COUNTS_WHERE.format(where=where), params).fetchone()
    rows = conn.execute(f"""
        select {_EVENT_COLUMNS} from public.event e
        where e.closed_at is null and {where} and (%(light)s::text is null or {LIGHT_SQL} = %(light)s)
        order by e.deadline nulls last, e.id
        limit %(limit)s offset %(offset)s""", params).fetchall()
    return {"counts": dict(counts), "rows": rows}


def events(user: Identity, now: dt.datetime, *, open_only: bool = False, page: int = 0,
           page_size: int = PAGE_SIZE, todo_key: str | None = None) -> list[dict]:
    """Events visible to `user` (a grid's, a street's, or those summoned to a department), newest
    first; `todo_key` keeps the events of one home card (gongzhi.todo)."""
    where = todo.predicate(todo_key, "event") if todo_key else "true"
    with user.session() as conn:
        return conn.execute(f"""
            select {_EVENT_COLUMNS} from public.event e
            where (not %(open_only)s or e.closed_at is null) and {where}
            order by e.id desc limit %(limit)s offset %(offset)s""",
                            {**todo.params(now), "open_only": open_only, "limit": page_size,
                             "offset": page * page_size}).fetchall()


def events_total(user: Identity, now: dt.datetime, *, open_only: bool = False, todo_key: str | None = None) -> int:
    """How many events `events` pages through."""
    where = todo.predicate(todo_key, "event") if todo_key else "true"
    with user.session() as conn:
        return conn.execute(f"""select count(*) as n from public.event e
                                where (not %(open_only)s or e.closed_at is null) and {where}""",
                            {**todo.params(now), "open_only": open_only}).fetchone()["n"]


def event(user: Identity, event_id: int, now: dt.datetime) -> dict | None:
    """One event with its summoned departments, consults, timeline and linked demands; None if not visible."""
    with user.session() as conn:
        row = conn.execute(f"""
            select {_EVENT_COLUMNS}, e.description, e.implement_note, e.feedback_note, e.evaluate_note,
                   o.name as grid_name, c.name_zh as category_zh, c.name_en as category_en
            from public.event e join public.org_unit o on o.id = e.org_unit_id
            join public.category c on c.id = e.category_id
            where e.id = %(id)s""", {"now": now, "id": event_id}).fetchone()
        if row is None:
            return None
        row["summons"] = conn.execute("""
            select ed.department_id, d.name_zh, d.name_en, ed.report_deadline, ed.reported_at, ed.report_note,
                   ed.not_fixed, ed.reported_at <= ed.report_deadline as on_time
            from public.event_department ed join public.department d on d.id = ed.department_id
            where ed.event_id = %s order by ed.summoned_at, d.position""", (event_id,)).fetchall()
        row["consults"] = conn.execute("""
            select x.created_at, x.attendees, x.decision, d.name_zh, d.name_en
            from public.event_consult x left join public.department d on d.id = x.department_id
            where x.event_id = %s order by x.created_at""", (event_id,)).fetchall()
        row["timeline"] = conn.execute("""
            select t.at, t.kind, t.step, t.note, d.name_zh, d.name_en
            from public.event_timeline t left join public.department d on d.id = t.department_id
            where t.event_id = %s order by t.at, t.id""", (event_id,)).fetchall()
        row["demands"] = conn.execute("""
            select l.demand_id, l.relation, dm.title, dm.status
            from public.event_demand l left join public.demand dm on dm.id = l.demand_id
            where l.event_id = %s order by l.demand_id""", (event_id,)).fetchall()
    return row


def departments(user: Identity, *, active_only: bool = True, units: bool = False) -> list[dict]:
    """The departments, in the district's order; with `units`, also the 包联 units' own departments
    (summoned only where the unit is paired, see `paired_units`)."""
    with user.session() as conn:
        return conn.execute("""select id, code, name_zh, name_en, position, active from public.department d
                               where (active or not %s)
                                 and (%s or not private.answers_for_baolian_unit(d.id))
                               order by position, id""", (active_only, units)).fetchall()


def paired_units(user: Identity, grid_id: int | None) -> list[dict]:
    """The 包联 units confirmed for the community of `grid_id`, as the departments they answer
    whistles as (id, name_zh, name_en), by name."""
    if grid_id is None:
        return []
    with user.session() as conn:
        return conn.execute("""select d.id, d.name_zh, d.name_en from public.org_unit g
                               join public.baolian_pair p on p.org_unit_id = g.community_id and p.status = 'confirmed'
                               join public.baolian_unit b on b.id = p.baolian_unit_id and b.active
                               join public.department d on d.id = b.department_id and d.active
                               where g.id = %s order by d.name_zh""", (grid_id,)).fetchall()


def suggested_departments(user: Identity, category_id: int) -> list[int]:
    """The departments the routing table summons for `category_id`, the lead first."""
    with user.session() as conn:
        return [r["department_id"] for r in conn.execute(
            """select r.department_id from public.event_routing r join public.department d on d.id = r.department_id
               where r.category_id = %s and d.active order by r.position, d.position""", (category_id,))]


def my_department(user: Identity) -> int | None:
    """The department of a department staff member; None for other roles."""
    with user.session() as conn:
        return conn.execute("select private.department_id() as id").fetchone()["id"]


def deadlines(user: Identity) -> list[dict]:
    """The time allowed per step and urgency."""
    with user.session() as conn:
        return conn.execute("""select urgency, step, hours, working_time from public.event_deadline
                               order by urgency, array_position(%s::text[], step)""", (list(STEPS),)).fetchall()


def can_configure(user: Identity) -> bool:
    """True for the system administrator (系统管理员): the only one RLS lets change departments,
    routing, time limits and the work calendar."""
    with user.session() as conn:
        return bool(conn.execute("select (select private.admin_capability()) = 'system' as ok").fetchone()["ok"])


def routing(user: Identity) -> dict[int, list[int]]:
    """The whole routing table: category id → the departments it summons, the lead first."""
    out: dict[int, list[int]] = {}
    with user.session() as conn:
        for r in conn.execute("""select r.category_id, r.department_id from public.event_routing r
                                 join public.department d on d.id = r.department_id
                                 order by r.category_id, r.position, d.position"""):
            out.setdefault(r["category_id"], []).append(r["department_id"])
    return out


def calendar(user: Identity, year: int) -> list[dict]:
    """The work calendar's exceptions (holidays, 调休 working days) in `year`, by date."""
    with user.session() as conn:
        return conn.execute("""select day, working, note from public.work_calendar
                               where day >= make_date(%(y)s, 1, 1) and day < make_date(%(y)s + 1, 1, 1)
                               order by day""", {"y": int(year)}).fetchall()


# ---------------------------------------------------------------- rates and ranking
RATE_GROUPS = ("department", "street", "grid")


def rates(user: Identity, by: str, *, since: dt.datetime | None = None) -> list[dict]:
    """响应率 / 解决率 / 满意率 per department, street or grid over the events `user` sees whistled since
    `since`, best first: responded = summons reported by their deadline, resolved = events closed
    without a "not fixed", satisfied = scores of 4 or 5 among scored events."""
    if by not in RATE_GROUPS:
        raise ValueError(by)
    params = {"since": since}
    if by == "department":
        sql = """
            select d.id, d.name_zh, d.name_en, count(*) as events,
                   count(*) filter (where ed.reported_at <= ed.report_deadline) as responded,
                   count(*) filter (where e.closed_at is not null and ed.not_fixed = 0) as resolved,
                   count(e.satisfaction) as scored, count(*) filter (where e.satisfaction >= 4) as satisfied
            from public.event_department ed join public.event e on e.id = ed.event_id
            join public.department d on d.id = ed.department_id
            where %(since)s::timestamptz is null or e.created_at >= %(since)s
            group by d.id"""
    else:
        column = "street_id" if by == "street" else "grid_id"
        sql = f"""
            select o.id, o.name as name_zh, o.name as name_en, count(*) as events,
                   sum(x.on_time) as responded,
                   count(*) filter (where e.closed_at is not null and e.reopen_count = 0) as resolved,
                   count(e.satisfaction) as scored, count(*) filter (where e.satisfaction >= 4) as satisfied
            from public.event e join public.org_unit o on o.id = e.{column}
            cross join lateral (select (count(*) filter (where ed.reported_at > ed.report_deadline
                                                         or (ed.reported_at is null and ed.report_deadline < now())) = 0)::int as on_time
                                from public.event_department ed where ed.event_id = e.id) x
            where %(since)s::timestamptz is null or e.created_at >= %(since)s
            group by o.id"""
    with user.session() as conn:
        rows = conn.execute(sql, params).fetchall()
    for r in rows:
        r["response_rate"] = _rate(r["responded"], r["events"])
        r["resolution_rate"] = _rate(r["resolved"], r["events"])
        r["satisfaction_rate"] = _rate(r["satisfied"], r["scored"])
        r["score"] = round((r["response_rate"] + r["resolution_rate"] + r["satisfaction_rate"]) / 3, 1)
    return sorted(rows, key=lambda r: (-r["score"], -r["events"], r["id"]))


def _rate(part, whole) -> float:
    return round(100.0 * float(part or 0) / whole, 1) if whole else 0.0


# ---------------------------------------------------------------- weekly feedback report
def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def weekly(user: Identity, monday: dt.date) -> dict:
    """周反馈: the events whistled in the week starting `monday` in `user`'s territory, per department
    and per grid: whistled, answered on time, late, closed and the mean satisfaction."""
    params = {"start": monday, "end": monday + dt.timedelta(days=7)}
    week = """e.created_at >= (%(start)s::date::timestamp at time zone 'Asia/Shanghai')
              and e.created_at < (%(end)s::date::timestamp at time zone 'Asia/Shanghai')"""
    with user.session() as conn:
        per_department = conn.execute(f"""
            select d.name_zh, d.name_en, count(*) as whistled,
                   count(*) filter (where ed.reported_at <= ed.report_deadline) as on_time,
                   count(*) filter (where ed.reported_at > ed.report_deadline
                                    or (ed.reported_at is null and ed.report_deadline < now())) as late,
                   count(*) filter (where e.closed_at is not null) as closed,
                   round(avg(e.satisfaction), 2) as satisfaction
            from public.event_department ed join public.event e on e.id = ed.event_id
            join public.department d on d.id = ed.department_id
            where {week} group by d.id order by d.position""", params).fetchall()
        per_grid = conn.execute(f"""
            select o.name, count(*) as whistled,
                   count(*) filter (where x.late = 0 and x.open = 0) as on_time,
                   count(*) filter (where x.late > 0) as late,
                   count(*) filter (where e.closed_at is not null) as closed,
                   round(avg(e.satisfaction), 2) as satisfaction
            from public.event e join public.org_unit o on o.id = e.grid_id
            cross join lateral (select count(*) filter (where ed.reported_at > ed.report_deadline
                                        or (ed.reported_at is null and ed.report_deadline < now())) as late,
                                       count(*) filter (where ed.reported_at is null) as open
                                from public.event_department ed where ed.event_id = e.id) x
            where {week} group by o.id order by o.terr""", params).fetchall()
        rounds = fieldwork_queries.per_grid(conn, monday, monday + dt.timedelta(days=6))
    box = suggest_queries.counts(user, monday, monday + dt.timedelta(days=7))
    return {"monday": monday, "per_department": per_department, "per_grid": per_grid, "rounds": rounds,
            "suggestions": box}


def categories(user: Identity) -> list[dict]:
    """The categories an event may have, in the district's order."""
    with user.session() as conn:
        return conn.execute("select id, name_zh, name_en from public.category order by position, id").fetchall()


def grids(user: Identity) -> list[dict]:
    """The grids of `user`'s territory, where they may whistle."""
    with user.session() as conn:
        return conn.execute("""select id, name from public.org_unit where kind = 'grid'
                               and terr between (select private.terr_lo()) and (select private.terr_hi())
                               order by terr""").fetchall()

"""The dashboard's figures for one viewer, scope and period, computed in PostgreSQL.

Every query runs as the signed-in user (`user.session()`), so row-level security decides what is
counted exactly as on the list pages; the scope (a unit of the viewer's territory, reached by
drilling down) narrows it further to that unit's territory range. Demand and resource figures are
sums over `demand_tally` and `resource_tally` (kept exact by triggers); matches and projects are
aggregated from their own tables. Nothing loads rows into Python to count them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import psycopg

from gongzhi import db, statuses, territory
from gongzhi.auth import Identity
from gongzhi.dashboard.kpis import CORE, Figure, all_kpis
from gongzhi.dashboard.periods import Period
from gongzhi.errors import DomainError

OPEN = statuses.OPEN_DEMAND
CHILD_KIND = {"district": "street", "street": "community", "community": "grid"}
PROJECT_CHART_LIMIT = 20
TZ = "Asia/Shanghai"
TODAY_SQL = f"(now() at time zone '{TZ}')::date"


@dataclass(frozen=True)
class Unit:
    id: int
    name: str
    kind: str
    terr: int
    terr_hi: int


@dataclass(frozen=True)
class Scope:
    """The unit whose territory the dashboard shows, and the path down to it from the viewer's unit."""
    unit: Unit
    path: tuple[Unit, ...]          # from the viewer's own unit to `unit`, both included
    children: tuple[Unit, ...]      # the sub-units one can drill into

    @property
    def child_kind(self) -> str | None:
        return CHILD_KIND.get(self.unit.kind)

    def params(self) -> dict:
        t = self.unit.terr
        return {"lo": t, "hi": self.unit.terr_hi, "above": territory.above(t),
                "kind": self.unit.kind}


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    previous: Period
    figures: list[Figure]
    units: list[dict] = field(default_factory=list)       # by sub-unit: new, closed, rate, days, open
    categories: list[dict] = field(default_factory=list)  # by category: new in period, open now
    trend: list[dict] = field(default_factory=list)       # by week: new, closed
    resources: list[dict] = field(default_factory=list)   # by kind: count, in use, idle, utilisation
    projects: list[dict] = field(default_factory=list)    # active projects: progress, late
    projects_active: int = 0
    as_of: dt.datetime | None = None  # read from a standby: when its data was current (数据截至)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


_UNIT_SQL = """
select o.id, o.name, o.kind, o.terr, o.terr_hi from public.org_unit o
where o.kind in ('district', 'street', 'community', 'grid')
  and o.terr >= (select private.terr_lo()) and o.terr_hi <= (select private.terr_hi())
"""


def _unit(row: dict) -> Unit:
    return Unit(row["id"], row["name"], row["kind"], row["terr"], row["terr_hi"])


def resolve_scope(conn: psycopg.Connection, user: Identity, unit_id: int | None) -> Scope:
    """The scope for `unit_id` (the viewer's own unit when None), inside the viewer's territory.

    A unit outside it, or no unit at all, is refused with `dashboard.scope_outside`.
    """
    unit_id = user.org_unit_id if unit_id is None else unit_id
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise DomainError("dashboard.scope_outside") from None
    row = conn.execute(_UNIT_SQL + " and o.id = %s", (unit_id,)).fetchone()
    if row is None:
        raise DomainError("dashboard.scope_outside")
    unit = _unit(row)
    path = tuple(_unit(r) for r in conn.execute(
        _UNIT_SQL + " and o.terr <= %s and o.terr_hi >= %s order by o.terr_hi - o.terr desc",
        (unit.terr, unit.terr_hi)))
    children = tuple(_unit(r) for r in conn.execute(
        _UNIT_SQL + " and o.parent_id = %s order by o.terr", (unit.id,)))
    return Scope(unit, path, children)


def _day_params(period: Period, previous: Period) -> dict:
    return {"s": period.start, "e": period.end, "ps": previous.start, "pe": previous.end}


def core_figures(conn: psycopg.Connection, scope: Scope, period: Period, previous: Period) -> dict[str, tuple]:
    """The core KPIs as {key: (now, previous period)}."""
    p = scope.params() | _day_params(period, previous)
    d = conn.execute("""
        select coalesce(sum(open_n) filter (where day = 'infinity'), 0) as open_now,
               coalesce(sum(created_n) filter (where day between %(s)s and %(e)s), 0) as new_n,
               coalesce(sum(created_n) filter (where day between %(ps)s and %(pe)s), 0) as new_p,
               coalesce(sum(closed_n) filter (where day between %(s)s and %(e)s), 0) as closed_any,
               coalesce(sum(created_done_n) filter (where day between %(s)s and %(e)s), 0) as cdone_n,
               coalesce(sum(created_done_n) filter (where day between %(ps)s and %(pe)s), 0) as cdone_p,
               coalesce(sum(done_n) filter (where day between %(s)s and %(e)s), 0) as done_n,
               coalesce(sum(done_n) filter (where day between %(ps)s and %(pe)s), 0) as done_p,
               coalesce(sum(done_days) filter (where day between %(s)s and %(e)s), 0) as days_n,
               coalesce(sum(done_days) filter (where day between %(ps)s and %(pe)s), 0) as days_p
        from public.demand_tally
        where terr between %(lo)s and %(hi)s and (day between %(ps)s and %(e)s or day = 'infinity')
    """, p).fetchone()
    today = conn.execute(f"select {TODAY_SQL} as d").fetchone()["d"]
    # Open demands are a snapshot of now; for a period that includes today, the previous figure is
    # the open count at its start: now minus what the period added (new) and took away (closed).
    open_before = d["open_now"] - d["new_n"] + d["closed_any"] if period.start <= today <= period.end else None
    m = conn.execute("""
        select count(*) filter (where created_at >= %(s)s::date::timestamp at time zone 'Asia/Shanghai') as n,
               count(*) filter (where created_at < %(s)s::date::timestamp at time zone 'Asia/Shanghai') as p
        from public.match
        where (terr between %(lo)s and %(hi)s or resource_terr between %(lo)s and %(hi)s)
          and created_at >= %(ps)s::date::timestamp at time zone 'Asia/Shanghai'
          and created_at < (%(e)s::date + 1)::timestamp at time zone 'Asia/Shanghai'
    """, p).fetchone()
    r = conn.execute("""
        select coalesce(sum(in_use), 0) as in_use, coalesce(sum(idle), 0) as idle
        from public.resource_tally where terr between %(lo)s and %(hi)s or terr = any (%(above)s::bigint[])
    """, p).fetchone()
    pr = _project_counts(conn, p)
    return {
        "open_demands": (d["open_now"], open_before),
        "new_demands": (d["new_n"], d["new_p"]),
        "closed_demands": (d["done_n"], d["done_p"]),
        "closure_rate": (_ratio(d["cdone_n"], d["new_n"]), _ratio(d["cdone_p"], d["new_p"])),
        "avg_days_to_close": (_ratio(d["days_n"], d["done_n"], 1), _ratio(d["days_p"], d["done_p"], 1)),
        "matches_made": (m["n"], m["p"]),
        "resources_in_use": (r["in_use"], None),
        "resources_idle": (r["idle"], None),
        "projects_on_track": (pr["on_track"], None),
        "projects_late": (pr["late"], None),
    }


def _ratio(part, whole, digits: int = 4):
    return round(float(part) / float(whole), digits) if whole else None


_PROJECTS_IN_SCOPE = "(p.terr between %(lo)s and %(hi)s or p.terr = any (%(above)s::bigint[]))"
_LATE = f"""(p.end_date < {TODAY_SQL} or exists (
    select from public.project_milestone m
    where m.project_id = p.id and m.done_at is null and m.due_date < {TODAY_SQL}))"""


def _project_counts(conn, p: dict) -> dict:
    return conn.execute(f"""
        select count(*) filter (where not {_LATE}) as on_track, count(*) filter (where {_LATE}) as late
        from public.project p where p.status in {statuses.sql_list(statuses.OPEN_PROJECT)} and {_PROJECTS_IN_SCOPE}
    """, p).fetchone()


def _figures(conn, scope: Scope, period: Period, previous: Period) -> list[Figure]:
    core = core_figures(conn, scope, period, previous)
    out = [Figure(k.key, *core[k.key], unit=k.unit, better=k.better) for k in CORE]
    for k in all_kpis():
        if k.compute is None:
            continue
        if conn.execute("select to_regclass(%s) is not null as ok", (f"public.{k.requires}",)).fetchone()["ok"]:
            out.append(Figure(k.key, *k.compute(conn, scope, period, previous), unit=k.unit, better=k.better))
    return out


def _child_expr(kind: str) -> str:
    child = CHILD_KIND.get(kind)
    return territory.sql_unit("terr", child) if child else "terr"


def units(conn, scope: Scope, period: Period, previous: Period) -> list[dict]:
    """Demands by sub-unit (and the scope's own level, when it has demands of its own)."""
    if scope.child_kind is None:
        return []
    p = scope.params() | _day_params(period, previous)
    rows = {r["child"]: r for r in conn.execute(f"""
        select {_child_expr(scope.unit.kind)} as child,
               coalesce(sum(created_n) filter (where day between %(s)s and %(e)s), 0) as new_n,
               coalesce(sum(created_done_n) filter (where day between %(s)s and %(e)s), 0) as cdone_n,
               coalesce(sum(done_n) filter (where day between %(s)s and %(e)s), 0) as done_n,
               coalesce(sum(done_days) filter (where day between %(s)s and %(e)s), 0) as days_n,
               coalesce(sum(open_n) filter (where day = 'infinity'), 0) as open_n
        from public.demand_tally
        where terr between %(lo)s and %(hi)s and (day between %(s)s and %(e)s or day = 'infinity')
        group by 1
    """, p)}
    out = []
    own = rows.get(scope.unit.terr)
    places = [(c.id, c.name, c.terr) for c in scope.children]
    if own and scope.unit.terr not in {c.terr for c in scope.children}:
        places.insert(0, (None, None, scope.unit.terr))  # demands filed at the scope's own level
    for unit_id, name, terr in places:
        r = rows.get(terr) or {"new_n": 0, "cdone_n": 0, "done_n": 0, "days_n": 0, "open_n": 0}
        out.append({"unit_id": unit_id, "name": name, "new": r["new_n"], "closed": r["done_n"],
                    "open": r["open_n"], "closure_rate": _ratio(r["cdone_n"], r["new_n"]),
                    "avg_days_to_close": _ratio(r["days_n"], r["done_n"], 1)})
    return out


def categories(conn, scope: Scope, period: Period) -> list[dict]:
    p = scope.params() | {"s": period.start, "e": period.end}
    return conn.execute("""
        select c.id as category_id, c.code, c.name_zh, c.name_en,
               coalesce(x.new_n, 0) as new, coalesce(x.open_n, 0) as open
        from public.category c
        left join (select category_id,
                          sum(created_n) filter (where day between %(s)s and %(e)s) as new_n,
                          sum(open_n) filter (where day = 'infinity') as open_n
                   from public.demand_tally
                   where terr between %(lo)s and %(hi)s and (day between %(s)s and %(e)s or day = 'infinity')
                   group by category_id) x on x.category_id = c.id
        order by c.position, c.id
    """, p).fetchall()


def trend(conn, scope: Scope, period: Period) -> list[dict]:
    """New and closed demands per week (weeks start on Monday), every week up to today present."""
    today = conn.execute(f"select {TODAY_SQL} as d").fetchone()["d"]
    p = scope.params() | {"s": period.trend_start(), "e": min(period.end, max(today, period.start))}
    found = {r["week"]: r for r in conn.execute("""
        select date_trunc('week', day)::date as week, sum(created_n) as new, sum(done_n) as closed
        from public.demand_tally
        where terr between %(lo)s and %(hi)s and day between %(s)s and %(e)s
        group by 1
    """, p)}
    out, week = [], p["s"]
    while week <= p["e"]:
        r = found.get(week)
        out.append({"week": week, "new": int(r["new"]) if r else 0, "closed": int(r["closed"]) if r else 0})
        week += dt.timedelta(days=7)
    return out


def resources(conn, scope: Scope) -> list[dict]:
    """Resources serving the scope by kind: how many, in use, idle, and allocated / capacity."""
    rows = conn.execute("""
        select kind, sum(n) as n, sum(in_use) as in_use, sum(idle) as idle,
               sum(capacity)::bigint as capacity, sum(allocated)::bigint as allocated
        from public.resource_tally where terr between %(lo)s and %(hi)s or terr = any (%(above)s::bigint[])
        group by kind having sum(n) > 0 order by kind
    """, scope.params()).fetchall()
    for r in rows:
        r["utilisation"] = _ratio(r["allocated"], r["capacity"])
    return rows


def projects(conn, scope: Scope) -> tuple[list[dict], int]:
    """Active projects serving the scope, late ones first (at most PROJECT_CHART_LIMIT), and how many there are."""
    p = scope.params() | {"limit": PROJECT_CHART_LIMIT}
    rows = conn.execute(f"""
        select p.id, p.name, p.kind, p.status, p.progress, p.end_date, {_LATE} as late,
               count(*) over () as total
        from public.project p where p.status in {statuses.sql_list(statuses.OPEN_PROJECT)} and {_PROJECTS_IN_SCOPE}
        order by late desc, p.end_date nulls last, p.id limit %(limit)s
    """, p).fetchall()
    total = rows[0]["total"] if rows else 0
    for r in rows:
        del r["total"]
    return rows, total


def load(user: Identity, unit_id: int | None, period: Period) -> Dashboard:
    """Everything the dashboard shows, in one transaction as `user`, on the read server where one
    is configured (it may lag by the standby's replay: the board says as of when)."""
    with db.as_reader(user.user_id, user.claims) as conn:
        board = load_in(conn, user, unit_id, period)
        board.as_of = db.data_as_of(conn)
        return board


def load_in(conn: psycopg.Connection, user: Identity, unit_id: int | None, period: Period) -> Dashboard:
    """`load` inside a transaction already acting as `user` (dict rows)."""
    previous = period.previous()
    scope = resolve_scope(conn, user, unit_id)
    board = Dashboard(scope, period, previous, _figures(conn, scope, period, previous))
    board.units = units(conn, scope, period, previous)
    board.categories = categories(conn, scope, period)
    board.trend = trend(conn, scope, period)
    board.resources = resources(conn, scope)
    board.projects, board.projects_active = projects(conn, scope)
    return board


def grid_ranking(user: Identity, unit_id: int | None, period: Period) -> list[dict]:
    """Every grid of the scope with its demands in `period`: new, closed, closure rate, days to close."""
    with db.as_reader(user.user_id, user.claims) as conn:
        scope = resolve_scope(conn, user, unit_id)
        p = scope.params() | {"s": period.start, "e": period.end}
        rows = conn.execute("""
            select o.id as unit_id, o.name, coalesce(x.new_n, 0) as new, coalesce(x.done_n, 0) as closed,
                   coalesce(x.cdone_n, 0) as cdone, coalesce(x.days_n, 0) as days
            from public.org_unit o
            left join (select terr, sum(created_n) as new_n, sum(created_done_n) as cdone_n,
                              sum(done_n) as done_n, sum(done_days) as days_n
                       from public.demand_tally
                       where terr between %(lo)s and %(hi)s and day between %(s)s and %(e)s
                       group by terr) x on x.terr = o.terr
            where o.kind = 'grid' and o.terr between %(lo)s and %(hi)s
            order by o.terr
        """, p).fetchall()
    return [{"unit_id": r["unit_id"], "name": r["name"], "new": r["new"], "closed": r["closed"],
             "closure_rate": _ratio(r["cdone"], r["new"]), "avg_days_to_close": _ratio(r["days"], r["closed"], 1)}
            for r in rows]

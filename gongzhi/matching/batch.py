"""The 对接会: batch matching of a territory's open demands to its resources.

`preview` reads, as the signed-in user under row-level security, the open demands (optionally of
one unit of the territory, one category, some urgencies) and the available resources, ranks the
top-K candidates once per (category, territory code), groups the demands into classes that score
every candidate alike (optimise.Classes), scores each class's edges in SQL and fetches them as one
binary value, solves the maximum-score assignment on the classes (optimise.assign), compares the
best-pair-first greedy pass, and says why each unmatched demand found nothing. `commit` writes a
previewed plan, less any demands staff took out, as proposed matches in one statement; the
database checks every rule, capacity and quantities again, so a plan that went stale is refused
whole. The batch writes only matches (and their audit rows and the resources' bookings): a demand
with a proposal reads as matched.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import psycopg
from psycopg import sql

from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.lists import queries as lists
from gongzhi.matching import scoring
from gongzhi.matching.optimise import Classes, assign
from gongzhi.matching.queries import LIVE

K = 20
MAX_DEMANDS = 100_000
UNMATCHED_SHOWN = 200
UNMATCHED_REASONS = ("no_category", "out_of_area", "capacity_exhausted")

# Open demands still wanting units, under the filters `{where}` (gongzhi.lists.queries.where), the
# most urgent and soonest needed first.
_DEMANDS = f"""
create temp table mt_dem on commit drop as
select d.id, d.category_id, d.terr, d.needed_by, d.quantity - coalesce(x.q, 0) as want,
       x.q is not null as has_live
from public.demand d
left join (select m.demand_id, sum(m.quantity)::int as q from public.match m
           where m.status in {LIVE} group by m.demand_id) x on x.demand_id = d.id
where d.status = 'new' and d.quantity > coalesce(x.q, 0) and {{where}}
order by case d.urgency when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end,
         d.needed_by nulls last, d.id
limit %(limit)s
"""

_RESOURCES = """
create temp table mt_res on commit drop as
select r.id, r.category_id, r.terr, r.capacity, r.allocated, r.available_from,
       p.rated, p.rating_sum, p.done
from public.resource r left join public.provider_record p on p.provider = r.provider
where r.status = 'available' and r.capacity > r.allocated
  and (r.available_to is null or r.available_to >= current_date)
  and r.category_id in (select distinct category_id from mt_dem)
"""

# Resources ranked once per (category, territory code) of the demands, by their score for a
# demand wanting one unit with no deadline; the top K of each group become every demand's edges,
# carrying their own points so that each edge adds only the pair's.
_CANDIDATES = f"""
create temp table mt_cand on commit drop as
select * from (
  select g.category_id, g.terr as dterr, r.id as resource_id, r.capacity, r.allocated, r.available_from,
         {scoring.resource_columns('s')},
         row_number() over (partition by g.category_id, g.terr order by {scoring.cost('s')} desc, r.id) as k
  from (select distinct category_id, terr, null::date as needed_by from mt_dem) g
  join mt_res r on r.category_id = g.category_id and r.terr = any ({scoring.serves('g.terr')})
  cross join lateral (select {scoring.parts('g', 'r', 'r', '1')}) s
) ranked where k <= %(k)s
"""

# Each open demand's class (gongzhi.matching.optimise.Classes): demands with the same candidates
# (the top K of their category and territory code; neighbouring grids served only from above share
# them) that want the same units and find the same of them too late (the latest-starting ones:
# `late` counts them) score every edge alike. A demand that already has live matches has edges of
# its own (not to those resources again). Class 0: demands with no candidate at all.
_CLASSES = f"""
create temp table mt_class on commit drop as
select d.id, d.want, d.category_id, d.terr, d.needed_by, d.has_live,
       case when g.list is null then 0
            else dense_rank() over (order by g.list nulls last, d.want, l.late,
                                             case when d.has_live then d.id end) end as class
from mt_dem d
left join (select g.*, dense_rank() over (order by g.resources) as list
           from (select c.category_id, c.dterr, array_agg(c.resource_id order by c.resource_id) as resources,
                        min(c.starts) as lo, max(c.starts) as hi, count(*) as n
                 from (select c.*, {scoring.available_on('c')} as starts from mt_cand c) c
                 group by c.category_id, c.dterr) g) g on g.category_id = d.category_id and g.dterr = d.terr
cross join lateral (
  select case when g.list is null or d.needed_by is null or d.needed_by >= g.hi then 0
              when d.needed_by < g.lo then g.n
              else (select count(*) from mt_cand c where c.category_id = d.category_id and c.dterr = d.terr
                    and {scoring.available_on('c')} > d.needed_by) end as late) l
"""

# Rows of bigints travel as one bytea of their `int8send` bytes and a count (see `_bigints`): one
# value instead of a COPY message per row.
_DEMAND_ROWS = """
select string_agg(int8send(id) || int8send(want) || int8send(class), ''::bytea order by id) as data,
       count(*) as rows
from mt_class
"""

_RESOURCE_ROWS = """
select string_agg(int8send(id) || int8send(capacity - allocated), ''::bytea order by id) as data,
       count(*) as rows
from mt_res
"""

# The candidate edges of each class, scored for one of its members, by class then resource.
_CLASS_EDGES = f"""
select string_agg(int8send(d.class) || int8send(c.resource_id) || int8send({scoring.cost('s')}), ''::bytea
                  order by d.class, c.resource_id) as data,
       count(*) as rows
from (select distinct on (class) * from mt_class where class > 0 order by class, id) d
join mt_cand c on c.category_id = d.category_id and c.dterr = d.terr
cross join lateral (select {scoring.resource_columns('c')}, {scoring.pair_parts('d', 'c', 'd.want')}) s
where not d.has_live or not exists (select from public.match m where m.demand_id = d.id
                                    and m.resource_id = c.resource_id and m.status in ('proposed', 'accepted'))
"""

# Why demands with no candidate at all (class 0) found nothing; a demand with candidates that the
# batch leaves unmatched found every one of them used up (`capacity_exhausted`, said without asking).
_UNMATCHED = f"""
select u.id, d.title, d.category_id,
       case when %(exhausted)s then 'capacity_exhausted'
            when not exists (select from public.resource r where r.category_id = d.category_id
                             and r.status = 'available') then 'no_category'
            when not exists (select from public.resource r where r.category_id = d.category_id
                             and r.status = 'available' and r.terr = any ({scoring.serves('d.terr')})) then 'out_of_area'
            else 'capacity_exhausted' end as reason
from unnest(%(ids)s::bigint[]) u(id) join public.demand d on d.id = u.id
order by u.id
"""

# The plan's rows arrive as four arrays in binary, unnested in the statement (a temporary table
# filled by COPY and analysed cost 0.12–0.15 s more). The plan's demands are looked up by id
# (`offset 0` keeps the index): the planner would rather hash the plan and scan the whole demand
# table, 0.3 s slower for 86,000 rows of a 1M table. Only the columns staff may read are named (the
# beneficiary's are not granted).
_COMMIT = f"""
insert into public.match (demand_id, resource_id, quantity, score, reasons,
                          org_unit_id, street_id, community_id, grid_id, terr, resource_terr, created_by)
select p.demand_id, p.resource_id, p.quantity, {scoring.score('s')}, {scoring.reasons('s')},
       d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, r.terr, me.id
from unnest(%(demand)b::bigint[], %(resource)b::bigint[], %(quantity)b::int[], %(want)b::int[])
       as p(demand_id, resource_id, quantity, want)
cross join lateral (select d.org_unit_id, d.street_id, d.community_id, d.grid_id, d.terr, d.needed_by
                    from public.demand d where d.id = p.demand_id offset 0) d
join public.resource r on r.id = p.resource_id
left join public.provider_record pr on pr.provider = r.provider
cross join (select private.uid() as id) me
cross join lateral (select {scoring.parts('d', 'r', 'pr', 'p.want')}) s
"""


@dataclass
class Plan:
    """A previewed batch: the chosen (demand, resource, units) rows and how they compare."""
    demand_id: np.ndarray
    resource_id: np.ndarray
    quantity: np.ndarray
    score: np.ndarray          # per unit, points × SCALE
    want: np.ndarray           # what each row's demand wanted when previewed
    open_demands: int
    matched_demands: int
    total_score: float         # points
    greedy_score: float
    greedy_matched: int
    edges: int
    unmatched: list[dict] = field(default_factory=list)       # first UNMATCHED_SHOWN, with reason
    unmatched_counts: dict = field(default_factory=dict)      # reason → number of demands
    timings: dict = field(default_factory=dict)

    @property
    def optimal_over_greedy(self) -> float:
        return round(self.total_score / self.greedy_score, 4) if self.greedy_score else 1.0

    def rows(self, limit: int | None = None) -> list[dict]:
        n = len(self.demand_id) if limit is None else min(limit, len(self.demand_id))
        return [{"demand_id": int(self.demand_id[i]), "resource_id": int(self.resource_id[i]),
                 "quantity": int(self.quantity[i]), "score": round(self.score[i] / scoring.SCALE, 1)}
                for i in range(n)]


def _bigints(conn, sql: str, columns: int) -> np.ndarray:
    """The rows of a query answering one row (data, rows): `data` the rows' `columns` bigints as
    `int8send` bytes (8 each, big-endian) aggregated with string_agg, `rows` how many rows."""
    row = conn.cursor(binary=True).execute(sql).fetchone()
    values = np.frombuffer(row["data"] or b"", dtype=">i8")
    if len(values) != row["rows"] * columns:   # string_agg skips a row whose bytes are null
        raise ValueError("a null among the bigints")
    return values.astype(np.int64).reshape(-1, columns)


def _classes(demands: np.ndarray, resources: np.ndarray, edges: np.ndarray) -> Classes:
    """The classes of (id, want, class) demand rows sorted by id, over (id, room) resource rows
    sorted by id, from (class, resource id, score) edge rows sorted by class and resource."""
    of = demands[:, 2]
    n_c = int(of.max(initial=0)) + 1
    want = np.zeros(n_c, dtype=np.int64)
    want[of] = demands[:, 1]
    want[0] = 0
    start = np.concatenate([[0], np.cumsum(np.bincount(edges[:, 0], minlength=n_c))])
    return Classes(of=of, want=want, start=start,
                   resource=np.searchsorted(resources[:, 0], edges[:, 1]).astype(np.int32),
                   score=edges[:, 2].astype(np.int32))       # points × SCALE: at most 100,000


def _tables(conn, filters: lists.ListFilters, limit: int, k: int) -> None:
    """The preview's temporary tables, in the user's transaction: the open demands (mt_dem), the
    available resources (mt_res), each (category, territory code)'s candidates (mt_cand) and each
    demand's class (mt_class)."""
    chosen = lists.where(conn, "demand", filters)
    conn.execute(sql.SQL(_DEMANDS).format(where=chosen.composed()), {**chosen.params, "limit": limit})
    conn.execute(_RESOURCES)
    conn.execute("create index on mt_res (category_id, terr); analyze mt_dem; analyze mt_res")
    conn.execute(_CANDIDATES, {"k": k})
    conn.execute("analyze mt_cand; create index on mt_cand (category_id, dterr)")
    conn.execute(_CLASSES)


def _unmatched(conn, d_ids: np.ndarray, of: np.ndarray, matched: np.ndarray) -> tuple[list[dict], dict]:
    """The first UNMATCHED_SHOWN unmatched demands with their reason, and the number for each reason."""
    left = np.ones(len(d_ids), dtype=bool)
    left[matched] = False
    without, exhausted = d_ids[left & (of == 0)], d_ids[left & (of > 0)]
    described = conn.execute(_UNMATCHED, {"ids": without.tolist(), "exhausted": False}).fetchall()
    counts = {reason: 0 for reason in UNMATCHED_REASONS}
    for row in described:
        counts[row["reason"]] += 1
    counts["capacity_exhausted"] += len(exhausted)
    first = np.sort(np.concatenate([without, exhausted]))[:UNMATCHED_SHOWN]
    shown = {row["id"]: row for row in described}
    shown.update((row["id"], row) for row in conn.execute(
        _UNMATCHED, {"ids": np.setdiff1d(first, without).tolist(), "exhausted": True}).fetchall())
    return [shown[i] for i in first.tolist() if i in shown], counts


def preview(user: Identity, *, category_id: int | None = None, org_unit_id: int | None = None,
            urgency: tuple[str, ...] = (), limit: int = MAX_DEMANDS, k: int = K) -> Plan:
    """The best batch for the user's open demands — of one category, one unit of their territory
    and some urgencies, if given; writes nothing."""
    timings = {}
    started = time.perf_counter()
    try:
        with user.session() as conn:
            _tables(conn, lists.ListFilters(org_unit_id=org_unit_id, category_id=category_id, urgency=urgency),
                    limit, k)
            timings["tables_s"] = round(time.perf_counter() - started, 3)
            t0 = time.perf_counter()
            demands = _bigints(conn, _DEMAND_ROWS, 3)
            resources = _bigints(conn, _RESOURCE_ROWS, 2)
            classes = _classes(demands, resources, _bigints(conn, _CLASS_EDGES, 3))
            timings["fetch_s"] = round(time.perf_counter() - t0, 3)
            timings["edges_s"] = round(time.perf_counter() - started, 3)      # tables and fetch

            d_ids, room = demands[:, 0], resources[:, 1]
            t0 = time.perf_counter()
            best = assign(classes, room)
            timings["flow_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            compared = assign(classes, room, by="greedy")
            timings["greedy_s"] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()
            matched = np.unique(best.demand)
            reasons, counts = _unmatched(conn, d_ids, classes.of, matched)
            timings["unmatched_s"] = round(time.perf_counter() - t0, 3)
    except psycopg.Error as exc:
        raise from_db(exc) from None
    rows = np.lexsort((classes.resource[best.edge], best.demand))     # by demand, then resource
    demand, edge, units = best.demand[rows], best.edge[rows], best.units[rows]
    plan = Plan(
        demand_id=d_ids[demand], resource_id=resources[classes.resource[edge], 0], quantity=units,
        score=classes.score[edge], want=classes.want[classes.of[demand]],
        open_demands=len(d_ids), matched_demands=len(matched),
        total_score=best.score(classes) / scoring.SCALE, greedy_score=compared.score(classes) / scoring.SCALE,
        greedy_matched=len(np.unique(compared.demand)), edges=int(classes.degree.sum()),
        unmatched=reasons[:UNMATCHED_SHOWN], unmatched_counts=counts)
    timings["preview_s"] = round(time.perf_counter() - started, 3)
    plan.timings = timings
    return plan


def commit(user: Identity, plan: Plan, exclude: set[int] | frozenset[int] = frozenset()) -> int:
    """Write the plan (less the demands in `exclude`) as proposed matches in one transaction;
    returns how many were made. Refused whole if capacity or demands changed since the preview."""
    keep = ~np.isin(plan.demand_id, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
    if not keep.any():
        raise DomainError("matching.batch_empty")
    try:
        with user.session() as conn:
            made = conn.execute(_COMMIT, {"demand": plan.demand_id[keep].tolist(),
                                          "resource": plan.resource_id[keep].tolist(),
                                          "quantity": plan.quantity[keep].tolist(),
                                          "want": plan.want[keep].tolist()}).rowcount
            if made != int(keep.sum()):     # a demand or resource of the plan is gone (or hidden)
                raise DomainError("matching.batch.stale")
            return made
    except psycopg.Error as exc:
        raise from_db(exc) from None


def describe_rows(user: Identity, plan: Plan, limit: int = UNMATCHED_SHOWN) -> list[dict]:
    """The first `limit` rows of a plan with the demand's title and the resource's name, as the user sees them."""
    rows = plan.rows(limit)
    if not rows:
        return []
    with user.session() as conn:
        names = conn.execute(
            """select u.n, '#' || d.id || ' ' || d.title as demand, r.name as resource, r.provider
               from unnest(%s::bigint[], %s::bigint[]) with ordinality as u(demand_id, resource_id, n)
               join public.demand d on d.id = u.demand_id join public.resource r on r.id = u.resource_id
               order by u.n""",
            ([r["demand_id"] for r in rows], [r["resource_id"] for r in rows])).fetchall()
    for row, name in zip(rows, names):
        row.update(demand=name["demand"], resource=name["resource"], provider=name["provider"])
    return rows

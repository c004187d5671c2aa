"""`bench emergency`: the 平战结合 call-up and a street's live board.

- `callup_s`: the call-up's matcher (gongzhi.emergency.callup.optimal) on a generated district of
  PEOPLE people living in BUILDINGS buildings (ten to a 小区), three shifts a building (two seats
  each, three of ten needing a health skill a quarter of the people have), candidate edges built
  from where people live and what they can do; `callup_greedy_s` the greedy pass on the same
  arrays, and `callup_vs_greedy` the coverage ratio (optimal seats filled / greedy's, ≥ 1.0).
  Arrays, not the database: the database round trip is `callup_db_s` below.
- `callup_db_s`: `commands.run_callup` end to end as the street's demo account (candidates read
  under row-level security, the optimum written as call-ups the exclusion constraint checks) for an
  emergency over the whole demo district: every 小区 and building × 3 shifts, with DB_PEOPLE
  registered members; `callup_db_vs_greedy` its coverage ratio.
- `emergency_board_ms`: `queries.board` for 长江路街道 as the street's account while a shift runs,
  against `emergency_board_owner_ms`, the same queries as the owner (no row-level security):
  `emergency_board_ratio`.
"""
from __future__ import annotations

import datetime as dt
import time
from contextlib import contextmanager

import numpy as np
import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "emergency"
PEOPLE = 50_000
BUILDINGS = 2_000
SHIFTS_PER_BUILDING = 3
DB_PEOPLE = 5_000
DATABASE = "gongzhi_bench_emergency"


def generated(people: int = PEOPLE, buildings: int = BUILDINGS, seed: int = 20):
    """A call-up problem like a district's: people by 小区, shifts by building, a scarce skill."""
    from gongzhi.emergency import callup
    rng = np.random.default_rng(seed)
    grids = max(1, buildings // 10)
    shift_building = np.repeat(np.arange(buildings), SHIFTS_PER_BUILDING)
    group = np.tile(np.arange(SHIFTS_PER_BUILDING), buildings)
    needs_skill = rng.random(len(group)) < 0.3
    # People crowd some 小区 and leave others short, as residents do.
    person_grid = np.minimum((rng.pareto(2.0, people) * grids / 6).astype(np.int64), grids - 1)
    skilled = rng.random(people) < 0.25
    shift_grid = shift_building // 10
    order = np.argsort(shift_grid, kind="stable")
    first = np.searchsorted(shift_grid[order], np.arange(grids))
    count = (np.searchsorted(shift_grid[order], np.arange(grids), side="right") - first)[person_grid]
    edge_person = np.repeat(np.arange(people), count)
    offset = np.arange(len(edge_person)) - np.repeat(np.cumsum(count) - count, count)
    edge_shift = order[first[person_grid][edge_person] + offset]
    ok = ~needs_skill[edge_shift] | skilled[edge_person]
    edge_person, edge_shift = edge_person[ok], edge_shift[ok]
    score = np.where(needs_skill[edge_shift], 5, 3) + (edge_person + edge_shift) % 2
    return callup.Problem(room=np.full(len(group), 2), group=group, edge_person=edge_person, edge_shift=edge_shift,
                          edge_score=score, per_person=1)


class _Owner:
    """Stands in for an Identity whose session is the owner's, on one open connection (as the pool
    gives the user's): the board's SQL without row-level security."""
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    @contextmanager
    def session(self):
        with self.conn.transaction():
            yield self.conn


def _matcher(figures: dict, people: int, buildings: int) -> None:
    from gongzhi.emergency import callup
    problem = generated(people, buildings)
    started = time.perf_counter()
    best = callup.optimal(problem)
    figures["callup_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    base = callup.greedy(problem)
    figures["callup_greedy_s"] = round(time.perf_counter() - started, 2)
    figures["callup_ratio"] = round(figures["callup_s"] / figures["callup_greedy_s"], 2) if figures["callup_greedy_s"] else 0.0
    figures["callup_people"], figures["callup_buildings"] = people, buildings
    figures["callup_edges"] = int(len(problem.edge_score))
    figures["callup_coverage"] = round(callup.coverage(problem, best), 4)
    figures["callup_greedy_coverage"] = round(callup.coverage(problem, base), 4)
    figures["callup_vs_greedy"] = round(best.sum() / base.sum(), 4) if base.sum() else 1.0


def _top_up(url: str) -> None:
    from gongzhi.volunteers import seed
    with psycopg.connect(url) as conn:
        have = conn.execute("select count(*) from public.volunteer").fetchone()[0]
        if have < DB_PEOPLE:
            seed.add_rows(conn, volunteers=DB_PEOPLE - have, units=0, posts=0, logs=0)
            conn.commit()


def run(demands: int = 0, keep: bool = True, people: int = PEOPLE, buildings: int = BUILDINGS) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.emergency import commands, queries

    figures: dict = {}
    _matcher(figures, people, buildings)
    url = bench_url(demands=0, resources=0, keep=keep, database=DATABASE)
    _top_up(url)
    users = user_ids(url)
    with pointing_at(url):
        district, street = load_identity(users["district"]), load_identity(users["street"])
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
            places = [r["id"] for r in conn.execute("select id from public.org_unit where kind in ('grid', 'building')")]
            unit = conn.execute("select id, terr, terr_hi from public.org_unit where name = '长江路街道'").fetchone()
            district_unit = conn.execute("select id from public.org_unit where kind = 'district'").fetchone()["id"]
        emergency = commands.declare(district, district_unit, f"压测应急 {dt.datetime.now():%m%d%H%M%S}", "other")
        watch = next(t["id"] for t in queries.tasks(district, emergency) if t["name"] == "值守")
        start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        for k in range(SHIFTS_PER_BUILDING):
            begins = start + dt.timedelta(hours=8 * k)
            commands.add_shifts(district, emergency, watch, places, begins, begins + dt.timedelta(hours=8), 2)
        started = time.perf_counter()
        outcome = commands.run_callup(district, emergency)
        figures["callup_db_s"] = round(time.perf_counter() - started, 2)
        figures["callup_db_people"] = DB_PEOPLE
        figures["callup_db_shifts"] = len(places) * SHIFTS_PER_BUILDING
        figures["callup_db_filled"] = outcome["filled"]
        figures["callup_db_vs_greedy"] = round(outcome["filled"] / outcome["greedy"], 4) if outcome["greedy"] else 1.0
        with psycopg.connect(url, autocommit=True) as conn:
            street_places = [r[0] for r in conn.execute(
                "select id from public.org_unit where kind = 'building' and terr between %s and %s",
                (unit["terr"], unit["terr_hi"]))]
            conn.execute("insert into public.emergency_request (emergency_id, org_unit_id, kind, detail, due_at)"
                         " select %s, p, 'medicine', '代购常用药', now() + (i %% 6) * interval '1 hour'"
                         " from unnest(%s::bigint[]) p, generate_series(1, 3) i", (emergency, street_places))
            for table in ("shift", "callup", "emergency_request"):
                conn.execute(f"analyze public.{table}")
        at = start + dt.timedelta(hours=2)
        board_ms = timed_ms(lambda: queries.board(street, emergency, unit["terr"], unit["terr_hi"], at))
        with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as owner:
            owner_ms = timed_ms(lambda: queries.board(_Owner(owner), emergency, unit["terr"], unit["terr_hi"], at))
        figures["emergency_board_ms"] = board_ms
        figures["emergency_board_owner_ms"] = owner_ms
        figures["emergency_board_ratio"] = round(board_ms / owner_ms, 2) if owner_ms else 0.0
        commands.end(district, emergency)
    return figures

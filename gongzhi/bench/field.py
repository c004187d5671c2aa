"""`bench field`: the grid worker's day at district scale.

`today_ms`: the day page's reads in one transaction as the demo grid worker (丽水社区第一网格), under
row-level security — people due and overdue with their lights, the counts, the day's rounds with
their findings, the active campaigns (`gongzhi.fieldwork.queries.today`) — with 300 people to look
after in that grid and a year of weekly visits each, among VISITS visit rows district-wide.
`baseline_ms`: a plain count of the
grid's visits of the last year as the owner, measured in the same run; `today_ratio` is
today_ms / baseline_ms. `summary_street_ms`: a street's week rolled up by community.
`overdue_measure_ms`: the measure 逾期未走访 for the whole district (per-grid
counts from the tally, as the district account) against `overdue_scan_ms`, the same count per grid
straight from care_person in the same kind of transaction (what each draw would cost without the
tally), as `overdue_ratio`; `overdue_tally_rows` is how many rows the tally holds;
`map_overdue_district_ms`: the district's map data with that measure, against
`map_demands_district_ms`, the same map with open demands, as `map_overdue_vs_demands`;
`overdue_plan_reads_people` is 1 when the measure's plan touches care_person (it should be 0).

The figures live in their own database (`gongzhi_bench_field`: the demo district plus these
rows), independent of `--demands`. VISITS can be lowered with GONGZHI_BENCH_FIELD_VISITS where a
million rows take too long to seed. Other figures of the grid worker's day (the map's) add a
function returning a dict and one line in `run`.
"""
from __future__ import annotations

import datetime as dt
import os

import psycopg

from gongzhi import clock
from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "field"
DATABASE = "gongzhi_bench_field"
VISITS = int(os.environ.get("GONGZHI_BENCH_FIELD_VISITS", 1_000_000))
GRID = "丽水社区第一网格"
GRID_PEOPLE = 300
WEEKS = 52


def run(demands: int = 0, keep: bool = True) -> dict:
    url = bench_url(demands=1, keep=keep, database=DATABASE)
    figures: dict[str, float] = {}
    figures.update(_seed(url, VISITS))
    figures.update(_today(url))
    figures.update(_map_overdue(url))
    return figures


def _seed(url: str, visits: int) -> dict:
    """GRID_PEOPLE people in GRID, and as many in the other grids as `visits` weekly visits over
    WEEKS weeks need; set-based, the visits with their territory written directly (the triggers'
    work, as the demo's scale data does), then each person's last visit and due date through the
    table's own trigger."""
    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute("select count(*) from public.visit").fetchone()[0]
        seeded = conn.execute("select exists (select from public.care_person where person_name like '压测%%')"
                              ).fetchone()[0]
        if not seeded:
            today = dt.date.today()
            grid = conn.execute("select id from public.org_unit where name = %s", (GRID,)).fetchone()[0]
            others = conn.execute("select count(*) from public.org_unit where kind = 'grid' and id <> %s",
                                  (grid,)).fetchone()[0]
            per_grid = -(-max(0, (visits - have) // WEEKS - GRID_PEOPLE) // max(others, 1))
            category = conn.execute("select id from public.care_category order by id limit 1").fetchone()[0]
            with conn.transaction():
                conn.execute(
                    """insert into public.care_person (org_unit_id, category_id, person_name, person_name_masked,
                                                       created_at)
                       select g.id, %(cat)s, '压测' || i, '压*', now() - interval '1 year'
                       from public.org_unit g
                       cross join lateral generate_series(1, case when g.id = %(grid)s then %(mine)s else %(n)s end) i
                       where g.kind = 'grid'""", {"cat": category, "grid": grid, "mine": GRID_PEOPLE, "n": per_grid})
                conn.execute("alter table public.visit disable trigger user")
                conn.execute(
                    """insert into public.visit (org_unit_id, street_id, community_id, grid_id, terr, kind,
                                                 care_person_id, visited_at, visited_on, place, people_met, note)
                       select p.org_unit_id, p.street_id, p.community_id, p.grid_id, p.terr, 'visit', p.id,
                              (%(today)s::date - (w * 7 + (p.id %% 5)::int))::timestamp + interval '10 hours',
                              %(today)s::date - (w * 7 + (p.id %% 5)::int), '入户走访', '本人', '身体状况良好'
                       from public.care_person p cross join generate_series(0, %(weeks)s - 1) w
                       where p.person_name like '压测%%'""", {"today": today, "weeks": WEEKS})
                conn.execute("alter table public.visit enable trigger user")
                conn.execute("""update public.care_person p set last_visit_on = v.last
                                from (select care_person_id, max(visited_on) as last from public.visit
                                      group by 1) v
                                where p.id = v.care_person_id and p.person_name like '压测%%'""")
            conn.execute("vacuum analyze public.visit")
            conn.execute("vacuum analyze public.care_person")
        return {"visits": conn.execute("select count(*) from public.visit").fetchone()[0],
                "people": conn.execute("select count(*) from public.care_person").fetchone()[0],
                "grid_people": conn.execute(
                    "select count(*) from public.care_person p join public.org_unit o on o.id = p.grid_id"
                    " where o.name = %s", (GRID,)).fetchone()[0]}


def _today(url: str) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.fieldwork import queries

    figures: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        grid = conn.execute("select id from public.org_unit where name = %s", (GRID,)).fetchone()[0]
        figures["baseline_ms"] = timed_ms(lambda: conn.execute(
            "select count(*) from public.visit where grid_id = %s and visited_on > current_date - 365",
            (grid,)).fetchone())
        users = user_ids(url)
    with pointing_at(url):
        grid_user = load_identity(users["grid"])
        street_user = load_identity(users["street"])

        def today() -> None:
            with grid_user.one_transaction():
                queries.today(grid_user)
        figures["today_ms"] = timed_ms(today)
        figures["today_due"] = len(queries.today(grid_user)["people"])
        week = clock.today()
        figures["summary_street_ms"] = timed_ms(
            lambda: queries.summary(street_user, week - dt.timedelta(days=6), week, "community"))
    figures["today_ratio"] = round(figures["today_ms"] / figures["baseline_ms"], 2) if figures["baseline_ms"] else None
    return figures


def _map_overdue(url: str) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.fieldwork import map as overdue
    from gongzhi.geo import queries as geo

    figures: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        figures["overdue_tally_rows"] = conn.execute("select count(*) from public.care_due_tally").fetchone()[0]
        users = user_ids(url)
    with pointing_at(url):
        district = load_identity(users["district"])

        def measure() -> None:
            with district.one_transaction(), district.session() as conn:
                overdue.overdue_visits(conn, 0, 10**12)

        def scan() -> None:
            with district.one_transaction(), district.session() as conn:
                conn.execute("""select terr, count(*) from public.care_person p
                                where p.active and p.next_due_on < current_date group by 1""").fetchall()
        figures["overdue_scan_ms"] = timed_ms(scan)

        def draw(name: str):
            def run() -> None:
                with district.one_transaction():
                    geo.load(district, None, name)
            return run
        figures["overdue_measure_ms"] = timed_ms(measure)
        figures["map_overdue_district_ms"] = timed_ms(draw(overdue.NAME))
        figures["map_demands_district_ms"] = timed_ms(draw("demands"))
        with district.one_transaction(), district.session() as conn:
            plan = " ".join(str(r) for r in conn.execute(
                "explain " + overdue.SQL, {"today": dt.date.today(), "lo": 0, "hi": 10**12}).fetchall())
        figures["overdue_plan_reads_people"] = int("care_person" in plan)
    figures["overdue_ratio"] = (round(figures["overdue_measure_ms"] / figures["overdue_scan_ms"], 2)
                                if figures["overdue_scan_ms"] else None)
    figures["map_overdue_vs_demands"] = (round(figures["map_overdue_district_ms"] / figures["map_demands_district_ms"], 2)
                                         if figures["map_demands_district_ms"] else None)
    return figures

"""`bench geo`: the map of the whole district and of one grid, data and spec.

A database of its own (`gongzhi_bench_geo`): the demo district with its geometry (80 grids, 240
buildings) and exactly OPEN_CASES open cases — the demo's open demands and whistle events, topped
up with open demands at buildings — as the brief sets it; `--demands` does not change it.
`map_district_ms`: `gongzhi.geo.queries.load` as the district account (every grid with its open
demands, the outlines, the open cases placed and counted by place) plus `gongzhi.geo.chart.spec`,
in one transaction under row-level security, as the page draws it. `map_grid_ms`: the same for the
grid account (its grid, buildings, case points and latest open cases).
`baseline_ms`: as the owner, one plain read of every grid's stored geometry and a count of the
open demands, measured in the same run; `*_ratio` is each timing over it.
"""
from __future__ import annotations

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "geo"
DATABASE = "gongzhi_bench_geo"
OPEN_CASES = 2000


def _top_up(url: str) -> int:
    """Open demands at buildings until the district has OPEN_CASES open cases; returns the count."""
    with psycopg.connect(url, autocommit=True) as conn:
        count = """select (select count(*) from public.demand where status in ('new', 'in_progress'))
                        + (select count(*) from public.event where closed_at is null)"""
        have = conn.execute(count).fetchone()[0]
        if have < OPEN_CASES:
            conn.execute("""
                insert into public.demand (org_unit_id, category_id, title)
                select b.id, (select min(id) from public.category), '楼道杂物堆积需清理'
                from generate_series(1, %s) i
                join lateral (select id from public.org_unit where kind = 'building'
                              order by id offset (i * 37) %% 240 limit 1) b on true""", (OPEN_CASES - have,))
            conn.execute("vacuum analyze public.demand")
        return conn.execute(count).fetchone()[0]


def run(demands: int = 2000, keep: bool = True) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.geo import chart, queries

    url = bench_url(demands=2000, resources=500, keep=keep, database=DATABASE)
    figures: dict[str, float] = {"open_cases": _top_up(url)}
    with psycopg.connect(url, autocommit=True) as conn:
        figures["baseline_ms"] = timed_ms(lambda: (
            conn.execute("""select g.geom from public.org_geometry g join public.org_unit o on o.id = g.org_unit_id
                            where o.kind = 'grid'""").fetchall(),
            conn.execute("select count(*) from public.demand where status in ('new', 'in_progress')").fetchone()))
    users = user_ids(url)
    with pointing_at(url):
        for role, key in (("district", "map_district"), ("grid", "map_grid")):
            user = load_identity(users[role])

            def draw(user=user) -> dict:
                with user.one_transaction():
                    data = queries.load(user, None, "demands")
                    return data, chart.spec(data, "zh")
            figures[f"{key}_ms"] = timed_ms(draw)
            figures[f"{key}_ratio"] = round(figures[f"{key}_ms"] / figures["baseline_ms"], 2)
            data, _spec = draw()
            figures[f"{key}.grids"] = len(data.grids)
            figures[f"{key}.points"] = len(data.points)
            figures[f"{key}.cases_placed"] = sum(p["n"] for p in data.points)
    return figures

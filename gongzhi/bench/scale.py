"""`bench scale`: how each figure grows with the district — cost curves past 1M demands.

Three databases of their own (`gongzhi_scale_<n>`), with a tenth, one and three times `--demands`
demands (100k, 1M and 3M by default), resources and whistle events in the same proportion as the
other benchmarks (20k resources and 200k events to 1M demands). For each size, as the demo
accounts under row-level security: the street's demand list page, a keyword search on it (a common
word, KEYWORD, in about a quarter of the demands, and RARE_KEYWORD, in none), the district's
dashboard (data and chart specs), its median time to close alone (`median`, the month and the one
before, from the close tally; `median_exact`, the percentile_cont over the demands it replaced), the
department's supervision board and the 对接会's preview at its fixed size (the district's first
MATCH_DEMANDS open demands). A plain `count(*)` of the demands, as the owner, is the baseline: it reads the whole table, so its exponent is about 1.

Figures: `<figure>.<n>.ms`, and `<figure>.exponent` = log(t_last / t_first) / log(n_last / n_first)
(0: flat, 1: grows with the table). The run also draws the curves (Altair, log–log) into
`docs/performance-scale.png`, which docs/performance.md shows.
"""
from __future__ import annotations

import datetime as dt
import math

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.config import ROOT
from gongzhi.bench._data import bench_url, pointing_at, user_ids
from gongzhi.bench.whistle import seed_events
from gongzhi import clock

NAME = "scale"
FACTORS = (0.1, 1, 3)
RESOURCES_PER_DEMAND = 0.02
EVENTS_PER_DEMAND = 0.2
MATCH_DEMANDS = 20_000
KEYWORD = "老人"
RARE_KEYWORD = "防汛沙袋"   # in no seeded demand: a plain scan reads the whole territory to say so
CHART = ROOT / "docs" / "performance-scale.png"
FIGURES = ("count", "list", "search", "search_rare", "dashboard", "median", "median_exact", "board", "match")
# The median as gongzhi/dashboard/median.py read it before the close tally (issue 21): the same-run
# reference for `median`.
MEDIAN_EXACT = """
select percentile_cont(0.5) within group (
         order by (closed_at at time zone 'Asia/Shanghai')::date - (created_at at time zone 'Asia/Shanghai')::date)
from public.demand
where status = 'done' and terr between %(lo)s and %(hi)s
  and closed_at >= %(s)s::date::timestamp at time zone 'Asia/Shanghai'
  and closed_at < (%(e)s::date + 1)::timestamp at time zone 'Asia/Shanghai'
"""


def sizes(demands: int) -> list[int]:
    return sorted({max(1000, int(demands * f)) for f in FACTORS})


def measure(url: str) -> dict[str, float]:
    """The figures of one database, in ms."""
    from gongzhi import charts, db
    from gongzhi.auth import load_identity
    from gongzhi.dashboard import queries as dashboard
    from gongzhi.dashboard.median import MEDIAN_DAYS_TO_CLOSE
    from gongzhi.dashboard.periods import period_for
    from gongzhi.lists import queries as lists
    from gongzhi.matching import batch
    from gongzhi.whistle import queries as whistle

    users = {role: load_identity(uid) for role, uid in user_ids(url).items()}
    month = period_for("month", clock.today())
    now = dt.datetime.now(dt.timezone.utc)

    def board() -> None:
        data = dashboard.load(users["district"], None, month)
        for chart in charts.dashboard_charts(data, "zh").values():
            charts.spec(chart)

    def medians(exact: bool) -> None:
        leader = users["district"]
        with db.as_reader(leader.user_id, leader.claims) as conn:
            scope = dashboard.resolve_scope(conn, leader, None)
            if exact:
                for p in (month, month.previous()):
                    conn.execute(MEDIAN_EXACT, scope.params() | {"s": p.start, "e": p.end}).fetchone()
            else:
                MEDIAN_DAYS_TO_CLOSE.compute(conn, scope, month, month.previous())

    with psycopg.connect(url, autocommit=True) as conn:
        count_ms = timed_ms(lambda: conn.execute("select count(*) from public.demand").fetchone())
    street = users["street"]
    return {
        "count": count_ms,
        "list": timed_ms(lambda: lists.list_page(street, "demand", lists.ListFilters(), per_page=50)),
        "search": timed_ms(lambda: lists.list_page(street, "demand", lists.ListFilters(keyword=KEYWORD), per_page=50)),
        "search_rare": timed_ms(lambda: lists.list_page(street, "demand", lists.ListFilters(keyword=RARE_KEYWORD),
                                                        per_page=50)),
        "dashboard": timed_ms(board),
        "median": timed_ms(lambda: medians(False)),
        "median_exact": timed_ms(lambda: medians(True)),
        "board": timed_ms(lambda: whistle.board(users["department"], now)),
        "match": timed_ms(lambda: batch.preview(users["district"], limit=MATCH_DEMANDS), repeat=3, warmup=1),
    }


def exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    """The growth exponent between two sizes: t ∝ n^exponent."""
    if min(n1, n2, t1, t2) <= 0 or n1 == n2:
        return 0.0
    return round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def curves(by_size: dict[int, dict[str, float]]) -> dict[str, float]:
    """Flat figures from the measurements of each size: every `<figure>.<n>.ms` and each figure's exponent."""
    figures: dict[str, float] = {}
    ns = sorted(by_size)
    for name in FIGURES:
        for n in ns:
            figures[f"{name}.{n}.ms"] = by_size[n][name]
        figures[f"{name}.exponent"] = exponent(ns[0], by_size[ns[0]][name], ns[-1], by_size[ns[-1]][name])
    return figures


def chart(figures: dict[str, float]):
    """The curves (log–log) as an Altair chart: one line per figure, ms against demands."""
    import altair as alt
    import pandas as pd

    rows = []
    for key, value in figures.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[2] == "ms":
            rows.append({"figure": parts[0], "demands": int(parts[1]), "ms": value})
    return (alt.Chart(pd.DataFrame(rows)).mark_line(point=True)
            .encode(x=alt.X("demands:Q", scale=alt.Scale(type="log"), title="demands"),
                    y=alt.Y("ms:Q", scale=alt.Scale(type="log"), title="ms"),
                    color=alt.Color("figure:N", title="figure"))
            .properties(width=520, height=320, title="Gongzhi: cost against district size"))


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    by_size = {}
    for n in sizes(demands):
        url = bench_url(demands=n, resources=max(100, int(n * RESOURCES_PER_DEMAND)), keep=keep,
                        database=f"gongzhi_scale_{n}")
        seed_events(url, int(n * EVENTS_PER_DEMAND))
        with pointing_at(url):
            by_size[n] = measure(url)
    figures = curves(by_size)
    chart(figures).save(str(CHART), ppi=100)
    return figures

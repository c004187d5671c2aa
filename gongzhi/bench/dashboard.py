"""`bench dashboard`: the work of one dashboard script run at 1M demands and 200k resources.

For each leader level, the demo account's default view (this month, own territory): every figure,
chart data set and chart spec the page builds (`queries.load` + `charts.dashboard_charts` +
`charts.spec`, the Vega-Lite the page sends), run as that user under RLS. The baseline is one plain
`count(*)` of all demands as the table owner in the same run. Also timed: the data alone, a year
view for the district, and a drill-down from the district into a street.
"""
from __future__ import annotations

import psycopg

from gongzhi import clock
from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "dashboard"
ROLES = ("district", "street", "community", "grid")
RESOURCES = 200_000


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, resources=RESOURCES, keep=keep)
    with pointing_at(url):
        return _measure(url, demands)


def _measure(url: str, demands: int) -> dict:
    from gongzhi import charts
    from gongzhi.auth import load_identity
    from gongzhi.dashboard import queries
    from gongzhi.dashboard.periods import period_for

    users = user_ids(url)
    today = clock.today()
    month, year = period_for("month", today), period_for("year", today)
    with psycopg.connect(url, autocommit=True) as conn:
        count_ms = timed_ms(lambda: conn.execute("select count(*) from public.demand").fetchone())
        figures: dict[str, float] = {
            "demands": conn.execute("select count(*) from public.demand").fetchone()[0],
            "resources": conn.execute("select count(*) from public.resource").fetchone()[0],
            "tally_rows": conn.execute("select count(*) from public.demand_tally").fetchone()[0],
            "count_ms": count_ms,
        }
        street = conn.execute("select id from public.org_unit where kind = 'street' order by terr limit 1").fetchone()[0]

    def script(user, unit_id=None, period=month) -> None:
        board = queries.load(user, unit_id, period)
        for chart in charts.dashboard_charts(board, "zh").values():
            charts.spec(chart)

    for role in ROLES:
        user = load_identity(users[role])
        ms = timed_ms(lambda: script(user))
        figures[f"{role}.ms"] = ms
        figures[f"{role}.ratio"] = round(ms / count_ms, 2)
        figures[f"{role}.data_ms"] = timed_ms(lambda: queries.load(user, None, month))
    district = load_identity(users["district"])
    figures["district.year_ms"] = timed_ms(lambda: script(district, None, year))
    figures["district.drill_street_ms"] = timed_ms(lambda: script(district, street))
    return figures

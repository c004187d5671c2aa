"""The median time to close, a dashboard card: calendar days from creation to done of the demands
closed in the period, exact, read as the signed-in user from `public.demand_close_tally` (the done
demands counted by territory code, Beijing close day and days to close, kept by triggers on demand).

The median is the weighted median of that histogram with `percentile_cont(0.5)`'s semantics: with
N demands in scope it is the mean of the values at ranks (N + 1) / 2 and N / 2 + 1 (integer
division; one rank when N is odd), and NULL when there are none."""
from __future__ import annotations

from gongzhi.dashboard.kpis import Kpi, register

_MEDIAN = """
with h as (
  select days, sum(n) as n from public.demand_close_tally
  where terr between %(lo)s and %(hi)s and day between %(s)s::date and %(e)s::date
  group by days having sum(n) > 0
), c as (
  select days, sum(n) over (order by days) as upto, sum(n) over () as total from h
)
select (min(days) filter (where upto >= div(total + 1, 2))
        + min(days) filter (where upto >= div(total, 2) + 1))::float8 / 2 as days
from c
"""


def _days(conn, scope, period, previous):
    p = scope.params()
    now = conn.execute(_MEDIAN, p | {"s": period.start, "e": period.end}).fetchone()["days"]
    before = conn.execute(_MEDIAN, p | {"s": previous.start, "e": previous.end}).fetchone()["days"]
    return (None if now is None else round(float(now), 1)), (None if before is None else round(float(before), 1))


MEDIAN_DAYS_TO_CLOSE = register(Kpi("median_days_to_close", unit="days", better="down", requires="demand",
                                    compute=_days))

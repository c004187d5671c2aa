"""The median time to close, a dashboard card: calendar days from creation to done of the demands
closed in the period, exact, read from the demands themselves as the signed-in user (the tally
keeps sums, which give an average but not a median)."""
from __future__ import annotations

from gongzhi.dashboard.kpis import Kpi, register
from gongzhi.dashboard.queries import TZ

_MEDIAN = f"""
select percentile_cont(0.5) within group (
         order by (closed_at at time zone '{TZ}')::date - (created_at at time zone '{TZ}')::date) as days
from public.demand
where status = 'done' and terr between %(lo)s and %(hi)s
  and closed_at >= %(s)s::date::timestamp at time zone '{TZ}'
  and closed_at < (%(e)s::date + 1)::timestamp at time zone '{TZ}'
"""


def _days(conn, scope, period, previous):
    p = scope.params()
    now = conn.execute(_MEDIAN, p | {"s": period.start, "e": period.end}).fetchone()["days"]
    before = conn.execute(_MEDIAN, p | {"s": previous.start, "e": previous.end}).fetchone()["days"]
    return (None if now is None else round(float(now), 1)), (None if before is None else round(float(before), 1))


MEDIAN_DAYS_TO_CLOSE = register(Kpi("median_days_to_close", unit="days", better="down", requires="demand",
                                    compute=_days))

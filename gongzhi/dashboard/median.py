"""The median time to close, a dashboard card: calendar days from creation to done of the demands
closed in the period, exact, read from the demands themselves as the signed-in user (the tally
keeps sums, which give an average but not a median)."""
from __future__ import annotations

from gongzhi.dashboard.kpis import Kpi, register
from gongzhi.dashboard.queries import TZ

_DAYS = f"(closed_at at time zone '{TZ}')::date - (created_at at time zone '{TZ}')::date"
_CLOSED_ON = f"(closed_at at time zone '{TZ}')::date"
# Both periods in one pass over the index: the previous period ends where the current one starts.
_MEDIAN = f"""
select percentile_cont(0.5) within group (order by {_DAYS})
         filter (where {_CLOSED_ON} between %(s)s and %(e)s) as now,
       percentile_cont(0.5) within group (order by {_DAYS})
         filter (where {_CLOSED_ON} between %(ps)s and %(pe)s) as before
from public.demand
where status = 'done' and terr between %(lo)s and %(hi)s
  and closed_at >= least(%(s)s, %(ps)s)::date::timestamp at time zone '{TZ}'
  and closed_at < (greatest(%(e)s, %(pe)s)::date + 1)::timestamp at time zone '{TZ}'
"""


def _days(conn, scope, period, previous):
    row = conn.execute(_MEDIAN, scope.params() | {"s": period.start, "e": period.end,
                                                  "ps": previous.start, "pe": previous.end}).fetchone()
    return tuple(None if row[k] is None else round(float(row[k]), 1) for k in ("now", "before"))


MEDIAN_DAYS_TO_CLOSE = register(Kpi("median_days_to_close", unit="days", better="down", requires="demand",
                                    compute=_days))

"""The volunteer module's figure on the leaders' dashboard: verified service hours in the period."""
from __future__ import annotations

from gongzhi.dashboard.kpis import Kpi, register

_HOURS = """select coalesce(sum(hours), 0) as h from public.service_log
            where verified_at is not null and served_on between %(s)s and %(e)s
              and terr between %(lo)s and %(hi)s"""


def _hours(conn, scope, period, previous):
    p = scope.params()
    now = conn.execute(_HOURS, p | {"s": period.start, "e": period.end}).fetchone()["h"]
    before = conn.execute(_HOURS, p | {"s": previous.start, "e": previous.end}).fetchone()["h"]
    return float(now), float(before)


VOLUNTEER_HOURS = register(Kpi("volunteer_hours", requires="service_log", compute=_hours))

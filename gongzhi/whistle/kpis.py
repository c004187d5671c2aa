"""The whistle module's figure on the leaders' dashboard: events past their step's deadline."""
from __future__ import annotations

from gongzhi.dashboard.kpis import Kpi, register


def _overdue(conn, scope, period, previous):
    """Open events in scope whose current step is overdue now (a snapshot: no previous value)."""
    row = conn.execute("""select count(*) as n from public.event e
                          where e.closed_at is null and e.deadline < now()
                            and e.terr between %(lo)s and %(hi)s""", scope.params()).fetchone()
    return row["n"], None


EVENTS_OVERDUE = register(Kpi("events_overdue", better="down", requires="event", compute=_overdue))

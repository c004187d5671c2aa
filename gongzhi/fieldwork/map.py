"""The map's measure 逾期未走访 (overdue visits) per grid, registered with gongzhi.geo.queries.

It reads public.care_due_tally (people to look after summed by grid code and due day, kept by
triggers on care_person), so a draw sums a few rows per grid instead of reading every person. It
counts what the grid worker's home card `visits_overdue` counts — active people whose due day lies
before today in China Standard Time — under the viewer's row-level security."""
from __future__ import annotations

import datetime as dt

import psycopg

from gongzhi import todo
from gongzhi.geo.queries import register

NAME = "overdue_visits"
SQL = """select terr, sum(n)::int as n from public.care_due_tally
         where due_on < %(today)s and terr between %(lo)s and %(hi)s group by terr"""


def overdue_visits(conn: psycopg.Connection, lo: int, hi: int, now: dt.datetime | None = None) -> dict[int, int]:
    """{grid code: people whose visit is overdue} for the grids between `lo` and `hi`."""
    today = todo.params(now or dt.datetime.now(dt.timezone.utc))["today"]
    return {r["terr"]: r["n"] for r in conn.execute(SQL, {"today": today, "lo": lo, "hi": hi}) if r["n"]}


register(NAME, overdue_visits)

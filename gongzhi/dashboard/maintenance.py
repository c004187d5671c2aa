"""Upkeep of the tallies that writes append delta rows to (one per changed key and statement): the
dashboard's and the home's demand count (`public.demand_count_tally`) and the median's close tally
(`public.demand_close_tally`), folded back into one row per key. Runs as the owner; the sums do not
change."""
from __future__ import annotations

from gongzhi import db

_COUNT = ("select (select count(*) from public.demand_tally) + (select count(*) from public.resource_tally)"
          " + (select count(*) from public.demand_count_tally)"
          " + (select count(*) from public.demand_close_tally) as n")


def compact() -> tuple[int, int]:
    """Compacts the tallies in one transaction; returns the row counts before and after."""
    with db.owner() as conn, conn.transaction():
        before = conn.execute(_COUNT).fetchone()["n"]
        conn.execute("select private.compact_tallies()")
        conn.execute("select private.compact_demand_count_tally()")
        conn.execute("select private.compact_demand_close_tally()")
        after = conn.execute(_COUNT).fetchone()["n"]
    return before, after

"""Upkeep of the dashboard tallies: folding the delta rows that writes append (one per changed
key and statement) back into one row per key. Runs as the owner; the sums do not change."""
from __future__ import annotations

from gongzhi import db

_COUNT = "select (select count(*) from public.demand_tally) + (select count(*) from public.resource_tally) as n"


def compact() -> tuple[int, int]:
    """Compacts both tallies in one transaction; returns the row counts before and after."""
    with db.owner() as conn, conn.transaction():
        before = conn.execute(_COUNT).fetchone()["n"]
        conn.execute("select private.compact_tallies()")
        after = conn.execute(_COUNT).fetchone()["n"]
    return before, after

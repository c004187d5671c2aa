"""The home page's figures: what the signed-in user can see of the three lists. Demands are read
from the dashboard's tallies (`public.demand_tally`, kept by triggers, one row per territory,
category and day), so the figure costs the same for a grid and for the whole district at a
million demands; resources and projects are counted."""
from __future__ import annotations

from gongzhi.auth import Identity


def overview(user: Identity) -> dict[str, int]:
    """Counts of demands (and open ones: new, matched, in progress), resources and projects visible to `user`."""
    with user.session() as conn:
        return conn.execute("""
            select (select coalesce(sum(created_n), 0) from public.demand_tally)::bigint as demands,
                   (select coalesce(sum(open_n), 0) from public.demand_tally where day = 'infinity')::bigint as open_demands,
                   (select count(*) from public.resource) as resources,
                   (select count(*) from public.project) as projects
        """).fetchone()

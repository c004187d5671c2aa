"""The home page's figures: what the signed-in user can see of the three lists. The demands come
from tallies kept by triggers, read under the same policies as the demands: all of them from
`public.demand_count_tally` (one row per territory code), the open ones from the dashboard's
`public.demand_tally` (its rows for day `infinity`), so neither reads a million rows."""
from __future__ import annotations

from gongzhi.auth import Identity


def overview(user: Identity) -> dict:
    """Counts of demands and open ones (new, matched, in progress), resources and projects visible
    to `user`."""
    with user.session() as conn:
        figures = conn.execute("""
            select (select coalesce(sum(n), 0) from public.demand_count_tally)::bigint as demands,
                   (select coalesce(sum(open_n), 0) from public.demand_tally where day = 'infinity')::bigint as open_demands,
                   (select count(*) from public.resource) as resources,
                   (select count(*) from public.project) as projects""").fetchone()
    return figures

"""The home page's figures: what the signed-in user can see of the three lists. The demand count is
the list page's own (`gongzhi.lists.queries.count`: exact for a narrow territory, the planner's
estimate, shown as "约 N", above a hundred thousand); open demands come from the dashboard's
tallies (`public.demand_tally`, kept by triggers), so neither reads a million rows."""
from __future__ import annotations

from gongzhi.auth import Identity
from gongzhi.lists import queries


def overview(user: Identity) -> dict:
    """Counts of demands (`demands_estimated` when that is the planner's estimate) and open ones (new,
    matched, in progress), resources and projects visible to `user`."""
    with user.session() as conn:
        figures = conn.execute("""
            select (select coalesce(sum(open_n), 0) from public.demand_tally where day = 'infinity')::bigint as open_demands,
                   (select count(*) from public.resource) as resources,
                   (select count(*) from public.project) as projects""").fetchone()
        figures["demands"], figures["demands_estimated"] = queries.count(conn, "demand", queries.ListFilters())
    return figures

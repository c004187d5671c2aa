"""The home page's figures: what the signed-in user can see of the three lists."""
from __future__ import annotations

from gongzhi import statuses
from gongzhi.auth import Identity


def overview(user: Identity) -> dict[str, int]:
    """Counts of demands (and open ones), resources and projects visible to `user`."""
    with user.session() as conn:
        return conn.execute(f"""
            select (select count(*) from public.demand) as demands,
                   (select count(*) from public.demand where status in {statuses.sql_list(statuses.OPEN_DEMAND)}) as open_demands,
                   (select count(*) from public.resource) as resources,
                   (select count(*) from public.project) as projects
        """).fetchone()

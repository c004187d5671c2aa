"""Lookups for one user: the categories, and the org units they may write to."""
from __future__ import annotations

from gongzhi.auth import Identity
from gongzhi.lists.fields import Lookups


def load(user: Identity) -> Lookups:
    """Names a row may use, as `user` sees them under row-level security."""
    with user.session() as conn:
        categories: dict[str, int] = {}
        for row in conn.execute("select id, code, name_zh, name_en from public.category order by position, id"):
            for name in (row["code"], row["name_zh"], row["name_en"]):
                categories[name] = row["id"]
        units: dict[str, int] = {}
        for row in conn.execute(
            """select id, code, name from public.org_unit
               where kind in ('street', 'community', 'grid')
                 and ((select private.staff_role()) = 'district'
                      or terr between (select private.terr_lo()) and (select private.terr_hi()))
               order by terr, id"""):
            units[row["code"]] = row["id"]
            units[row["name"]] = row["id"]
    return Lookups(categories=categories, org_units=units)

"""`bench rls`: the cost of row-level security at scale.

For each staff level, a filtered count and a page of 50 rows of demands, run as that user under
RLS, divided by the same query run as the table owner with the territory written into the SQL
(what the user is allowed to see, without policies), in a transaction of the same shape.
"""
from __future__ import annotations

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, user_ids
from gongzhi.db.connection import set_identity

NAME = "rls"
ROLES = ("district", "street", "community", "grid")
FILTER = "status in ('new', 'matched', 'in_progress') and urgency <> 'low'"
COUNT = f"select count(*) from public.demand where {FILTER}"
# Personal columns are not readable by staff (they read masked copies): the page names its columns.
PAGE = ("select id, title, category_id, org_unit_id, urgency, status, needed_by, created_at,"
        f" beneficiary_phone_masked from public.demand where {FILTER} order by id desc limit 50")


def _owner_sql(sql: str, lo: int, hi: int) -> str:
    return sql.replace(f"where {FILTER}", f"where {FILTER} and terr between {lo} and {hi}")


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, keep=keep)
    users = user_ids(url)
    figures: dict[str, float] = {"demands": demands}
    with psycopg.connect(url, autocommit=True) as conn:
        for role in ROLES:
            lo, hi = conn.execute(
                "select o.terr, o.terr_hi from public.staff s join public.org_unit o on o.id = s.org_unit_id"
                " where s.user_id = %s", (users[role],)).fetchone()

            def as_role(sql: str, uid: str = users[role]) -> None:
                with conn.transaction():
                    set_identity(conn, uid)
                    conn.execute(sql).fetchall()

            def as_owner(sql: str, uid: str = users[role]) -> None:
                with conn.transaction():  # the same round trips as a request, without the role switch
                    conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{uid}"}}',))
                    conn.execute(_owner_sql(sql, lo, hi)).fetchall()

            for what, sql in (("count", COUNT), ("page", PAGE)):
                rls_ms = timed_ms(lambda: as_role(sql))
                owner_ms = timed_ms(lambda: as_owner(sql))
                figures[f"{role}.{what}_ms"] = rls_ms
                figures[f"{role}.{what}_owner_ms"] = owner_ms
                figures[f"{role}.{what}_ratio"] = round(rls_ms / owner_ms, 2) if owner_ms else 0.0
    return figures

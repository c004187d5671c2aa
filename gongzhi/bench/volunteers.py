"""`bench volunteers`: the community's volunteer page and the half-year assessment of the whole
district at 100,000 volunteers and 1M service records.

The page (50 volunteers with their verified hours this half-year, and the total) runs as the
community's demo account through gongzhi.volunteers.queries, against a baseline of the same SQL run
as the owner with the territory written in. The assessment runs private.compute_assessment for the
current half-year as the district's demo account (rolled back), against a baseline of the plain
aggregate of the half-year's service records it cannot avoid.
"""
from __future__ import annotations

import time

import psycopg

from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "volunteers"
VOLUNTEERS = 100_000
SERVICE_LOGS = 1_000_000
OWNER_PAGE = """
    select v.id, v.name, v.phone_masked as phone, o.name as place, v.workplace, u.name as unit_name, v.skills, v.pledged_hours, v.active,
           v.created_at,
           coalesce((select sum(l.hours) from public.service_log l where l.volunteer_id = v.id
                     and l.served_on >= %(start)s and l.verified_at is not null), 0) as hours
    from public.volunteer v join public.org_unit o on o.id = v.org_unit_id left join public.unit u on u.id = v.unit_id
    where v.terr between %(lo)s and %(hi)s order by v.id desc limit 50
"""


def _top_up(url: str) -> None:
    from gongzhi.volunteers import seed
    with psycopg.connect(url) as conn:
        have_v = conn.execute("select count(*) from public.volunteer").fetchone()[0]
        have_l = conn.execute("select count(*) from public.service_log").fetchone()[0]
        if have_v >= VOLUNTEERS and have_l >= SERVICE_LOGS:
            return
        seed.add_rows(conn, volunteers=max(0, VOLUNTEERS - have_v), units=2000 if have_v == 0 else 0,
                      posts=20_000 if have_v == 0 else 0, logs=max(0, SERVICE_LOGS - have_l))
        conn.commit()
        conn.autocommit = True
        for table in seed.TABLES:
            conn.execute(f"vacuum analyze public.{table}")


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.db.connection import set_identity
    from gongzhi.volunteers import queries
    from gongzhi.volunteers.assessment import period_bounds, period_of

    url = bench_url(demands=demands, keep=keep)
    started = time.perf_counter()
    _top_up(url)
    figures: dict[str, float] = {"seed_s": round(time.perf_counter() - started, 1)}
    users = user_ids(url)
    with pointing_at(url):
        community = load_identity(users["community"])
        with psycopg.connect(url, autocommit=True) as conn:
            figures["volunteers"] = conn.execute("select count(*) from public.volunteer").fetchone()[0]
            figures["service_logs"] = conn.execute("select count(*) from public.service_log").fetchone()[0]
            lo, hi = conn.execute("select o.terr, o.terr_hi from public.staff s join public.org_unit o"
                                  " on o.id = s.org_unit_id where s.user_id = %s", (users["community"],)).fetchone()
            start = period_bounds(None)[0]
            figures["community_volunteers"] = conn.execute(
                "select count(*) from public.volunteer where terr between %s and %s", (lo, hi)).fetchone()[0]

            def owner_page() -> None:
                with conn.transaction():
                    conn.execute(OWNER_PAGE, {"start": start, "lo": lo, "hi": hi}).fetchall()
                    conn.execute("select count(*) from public.volunteer where terr between %s and %s", (lo, hi)).fetchone()

            page_ms = timed_ms(lambda: queries.volunteers(community))
            owner_ms = timed_ms(owner_page)
            figures["community_page_ms"] = page_ms
            figures["community_page_owner_ms"] = owner_ms
            figures["community_page_ratio"] = round(page_ms / owner_ms, 2) if owner_ms else 0.0

            period = period_of(start)

            def assess() -> None:
                with conn.transaction():
                    set_identity(conn, users["district"])
                    conn.execute("select private.compute_assessment(%s)", (period,)).fetchone()
                    raise psycopg.Rollback()

            def aggregate() -> None:
                with conn.transaction():
                    conn.execute("select volunteer_id, sum(hours), count(distinct post_id), avg(rating)"
                                 " from public.service_log where served_on >= %s and served_on < %s"
                                 " and verified_at is not null group by volunteer_id",
                                 period_bounds(period)).fetchall()

            assess_ms = timed_ms(assess, repeat=3, warmup=1)
            base_ms = timed_ms(aggregate, repeat=3, warmup=1)
            figures["assessment_s"] = round(assess_ms / 1000, 2)
            figures["assessment_baseline_s"] = round(base_ms / 1000, 2)
            figures["assessment_ratio"] = round(assess_ms / base_ms, 2) if base_ms else 0.0
    return figures

"""`bench match`: suggestions for one demand and the 对接会 for 100,000 open demands.

suggest_ms — the ranked suggestions of one open demand, as district staff (who see all 20,000
resources), median of several demands. batch_s — preview (open demands and resources read under
RLS, grouped into classes whose edges are scored in SQL and fetched as one binary value, min-cost
flow and greedy pass on the classes, unmatched reasons) plus the commit of every proposed match in one transaction. The baseline,
count_ms, is one plain count of the open demands read from the demand table (`scan_count_ms`; a
partial index had made it an index-only count); suggest_ratio and batch_ratio divide by it.
batch_peak_rss_mb: the Python process's peak resident memory (ru_maxrss) once the batch is done,
the seeding of a first run included when it ran in the same process. The run's matches are
deleted afterwards (capacity returns; their audit rows stay) and the next run starts by vacuuming
them away, so runs start alike.
"""
from __future__ import annotations

import resource
import statistics
import time

import psycopg

from gongzhi.bench import scan_count_ms, timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids

NAME = "match"
OPEN_DEMANDS = 100_000
RESOURCES = 20_000
DATABASE = "gongzhi_bench_match"  # exactly the brief's mix; the shared database has 200,000 resources


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, resources=RESOURCES, keep=keep, database=DATABASE)
    with pointing_at(url):
        return _measure(url)


def _measure(url: str) -> dict:
    from gongzhi.auth import load_identity
    from gongzhi.matching import batch, queries
    users = user_ids(url)
    district = load_identity(users["district"])
    figures: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        figures["resources"] = conn.execute("select count(*) from public.resource").fetchone()[0]
        figures["open_demands_in_db"] = conn.execute(
            "select count(*) from public.demand where status = 'new'").fetchone()[0]
        sample = [r[0] for r in conn.execute(
            "select id from public.demand where status = 'new' order by id desc limit 5").fetchall()]
        conn.execute("select private.refresh_provider_record()")
        conn.commit()
        conn.autocommit = True  # start each run alike: the last run's deleted matches vacuumed away
        conn.execute("vacuum (analyze) public.match, public.resource")
        figures["count_ms"] = scan_count_ms(conn, "select count(*) from public.demand where status = 'new'")
    samples = [timed_ms(lambda d=d: queries.suggest(district, d), repeat=5, warmup=1) for d in sample]
    figures["suggest_ms"] = round(statistics.median(samples), 2)
    figures["suggest_ratio"] = round(figures["suggest_ms"] / figures["count_ms"], 3)
    figures["suggest_candidates"] = len(queries.suggest(district, sample[0], limit=1000))

    with psycopg.connect(url) as conn:
        since = conn.execute("select now()").fetchone()[0]
    started = time.perf_counter()
    plan = batch.preview(district, limit=OPEN_DEMANDS)
    t0 = time.perf_counter()
    made = batch.commit(district, plan)
    commit_s = time.perf_counter() - t0
    figures["batch_s"] = round(time.perf_counter() - started, 2)
    figures["batch_ratio"] = round(figures["batch_s"] * 1000 / figures["count_ms"], 1)
    figures.update({f"batch.{k}": v for k, v in plan.timings.items()})
    figures["batch.commit_s"] = round(commit_s, 2)
    figures["batch_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures.update({"batch.open_demands": plan.open_demands, "batch.edges": plan.edges,
                    "batch.matched_demands": plan.matched_demands, "batch.greedy_matched": plan.greedy_matched,
                    "batch.matches_written": made, "batch.total_score": round(plan.total_score, 1),
                    "batch.greedy_score": round(plan.greedy_score, 1),
                    "optimal_over_greedy": plan.optimal_over_greedy})
    for reason, n in plan.unmatched_counts.items():
        figures[f"batch.unmatched.{reason}"] = n
    with psycopg.connect(url) as conn:  # put the benchmark database back as it was
        t0 = time.perf_counter()
        conn.execute("delete from public.match where status = 'proposed' and created_by = %s and created_at >= %s",
                     (users["district"], since))
        conn.commit()
        figures["cleanup_s"] = round(time.perf_counter() - t0, 2)
    return figures

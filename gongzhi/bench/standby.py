"""`bench standby`: a primary and its hot standby of their own (embedded servers in temporary
folders, fsync on, SCRAM), the demo district plus `demands` demands. Figures:

- `lag_ms_p95`: the standby's replay lag (pg_stat_replication.replay_lag, sampled every 20 ms)
  while the district's 对接会 batch commits;
- `dashboard_on_standby_ratio`: the district dashboard (`queries.load`) read from the standby over
  the same read from the primary;
- `sync_commit_ratio`: a single-row autocommit insert with synchronous replication over without;
  `form_save_sync_ratio` the same for a user's form save (a grid worker's new demand through
  `lists.commands.create`: the demand, its sealed phone, tallies and audit rows in one transaction);
  `batch_sync_ratio` for the district's 对接会 batch commit (the plan of the lag run committed again,
  its matches removed after each); five rounds, asynchronous first in one, synchronous first in
  the next (the host's load drifts), each ratio the median of the rounds' pairs;
- `failover_s`: kill -9 of the primary → `standby promote` → the portal's next write (same
  process, same pools, the multi-host URL) succeeds;
- `recover_s`: Barman's point-in-time recovery of the database to a moment, checked (needs
  requirements-backup.txt; absent when Barman is not installed).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from gongzhi import demo
from gongzhi.bench import timed_ms
from gongzhi.db import close_pool, connection, embedded, migrate, standby

NAME = "standby"


def _p95(samples: list[float]) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


class _Env:
    """Environment variables set for the run, restored after."""

    def __init__(self):
        self.saved: dict[str, str | None] = {}

    def set(self, name: str, value: str | None) -> None:
        self.saved.setdefault(name, os.environ.get(name))
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
        close_pool()

    def restore(self) -> None:
        for name, value in self.saved.items():
            self.set(name, value)


def run(demands: int, keep: bool) -> dict:
    from gongzhi.auth.identity import load_identity
    from gongzhi.dashboard import periods, queries
    from gongzhi.demo_data import DEMO_ACCOUNTS
    from gongzhi.lists import commands
    from gongzhi.matching import batch

    primary, replica = Path(tempfile.mkdtemp(prefix="gongzhi-bench-primary-")), Path(tempfile.mkdtemp(prefix="gongzhi-bench-standby-"))
    env = _Env()
    figures: dict = {"demands": demands}
    try:
        admin = embedded.start(primary)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("create database gongzhi")
        url = embedded.url(primary, "gongzhi")
        migrate.migrate(url)
        demo.load_demo(url)
        if demands > 0:
            demo.seed_scale(url, demands=demands, resources=max(1000, demands // 50))
        embedded.set_password(primary, connection.PORTAL_ROLE)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("vacuum analyze")
        started = time.perf_counter()
        standby.init(admin, replica, primary_data_dir=primary)
        figures["standby_init_s"] = round(time.perf_counter() - started, 2)
        env.set("GONGZHI_DATABASE_URL", url)
        env.set("GONGZHI_PORTAL_PASSWORD", embedded.secret(primary, connection.PORTAL_ROLE))
        ids = {}
        with psycopg.connect(url) as conn:
            for email, role, _unit, _name in DEMO_ACCOUNTS:
                ids.setdefault(role, str(conn.execute("select id from auth.users where email = %s", (email,)).fetchone()[0]))
        district, grid = load_identity(ids["district"]), load_identity(ids["grid"])

        # Lag while the 对接会 batch commits.
        lags: list[float] = []
        done = threading.Event()

        def sample() -> None:
            with psycopg.connect(admin, autocommit=True) as watch:
                while not done.is_set():
                    row = watch.execute("select coalesce(extract(epoch from replay_lag) * 1000, 0)"
                                        " from pg_stat_replication").fetchone()
                    lags.append(float(row[0]) if row else 0.0)
                    time.sleep(0.02)
        watcher = threading.Thread(target=sample)
        with psycopg.connect(url, autocommit=True) as conn:
            batch_since = conn.execute("select now()").fetchone()[0]
        watcher.start()
        started = time.perf_counter()
        plan = batch.preview(district)
        committed = batch.commit(district, plan)
        figures["batch_commit_s"] = round(time.perf_counter() - started, 2)
        time.sleep(0.5)
        done.set()
        watcher.join()
        figures["batch_matches"] = committed
        figures["lag_ms_p95"] = _p95(lags)
        figures["lag_ms_max"] = round(max(lags or [0.0]), 1)

        # The district dashboard from the primary and from the standby.
        month = periods.period_for("month", dt.date.today())
        figures["dashboard_primary_ms"] = timed_ms(lambda: queries.load(district, None, month))
        env.set("GONGZHI_READ_DATABASE_URL", embedded.url(replica, "gongzhi"))
        figures["dashboard_standby_ms"] = timed_ms(lambda: queries.load(district, None, month))
        env.set("GONGZHI_READ_DATABASE_URL", None)
        figures["dashboard_on_standby_ratio"] = round(figures["dashboard_standby_ms"] / figures["dashboard_primary_ms"], 2)

        # One-row commits, asynchronous and synchronous.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create table if not exists public.bench_commit (n int)")

            def one_commit() -> None:
                conn.execute("insert into public.bench_commit values (1)")
            figures["commit_async_ms"] = timed_ms(one_commit, repeat=101, warmup=5)
            standby.set_synchronous(admin, standby.DEFAULT_SLOT)
            time.sleep(1)
            figures["commit_sync_ms"] = timed_ms(one_commit, repeat=101, warmup=5)
            standby.set_synchronous(admin, None)
            conn.execute("drop table public.bench_commit")
        figures["sync_commit_ratio"] = round(figures["commit_sync_ms"] / figures["commit_async_ms"], 2)
        figures.update(_user_actions(admin, url, district, grid, plan, committed, batch_since))

        # Failover: kill -9, promote, the portal's next write.
        env.set("GONGZHI_DATABASE_URL", standby.multi_host_url(embedded.url(primary), embedded.url(replica), database="gongzhi"))
        form = {"title": "切换计时", "category_id": "助老服务", "org_unit_id": "丽水社区第一网格", "urgency": "high",
                "beneficiary_phone": "13912340000", "beneficiary_name": "王秀英"}
        commands.create(grid, "demand", form)
        killed = time.perf_counter()
        os.kill(embedded.running_info(primary).pid, signal.SIGKILL)
        standby.promote(embedded.url(replica))
        while True:
            try:
                commands.create(grid, "demand", form)
                break
            except Exception as exc:
                from gongzhi.errors import unavailable
                if not unavailable(exc) or time.perf_counter() - killed > 120:
                    raise
        figures["failover_s"] = round(time.perf_counter() - killed, 2)
        started = time.perf_counter()
        standby.rejoin(primary, embedded.url(replica))
        figures["rejoin_s"] = round(time.perf_counter() - started, 2)

        figures.update(_recover(replica, demands))
    finally:
        env.restore()
        close_pool()
        for folder in (primary, replica):
            embedded.wipe(folder)
            shutil.rmtree(folder, ignore_errors=True)
    return figures


ROUNDS = 5   # alternating asynchronous and synchronous rounds of the user actions
FORM = {"title": "楼道灯坏了需要维修", "category_id": "助老服务", "org_unit_id": "丽水社区第一网格",
        "urgency": "high", "beneficiary_phone": "13912340000", "beneficiary_name": "王秀英"}


def _undo_batch(url: str, since: dt.datetime) -> None:
    """Remove the proposed matches a batch made since `since` (their triggers give the capacity
    back), so the same plan can be committed again; waits until the standby has replayed it."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from public.match where status = 'proposed' and created_at >= %s", (since,))
        conn.execute("vacuum analyze public.match")
        lsn = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
        while conn.execute("select coalesce(bool_and(replay_lsn >= %s::pg_lsn), true) from pg_stat_replication",
                           (lsn,)).fetchone()[0] is False:
            time.sleep(0.05)


def _user_actions(admin: str, url: str, district, grid, plan, matches: int, first_since: dt.datetime) -> dict:
    """A user's form save and the 对接会 batch commit, each with synchronous replication and
    without, in alternating rounds: what waiting for the standby costs a user action, not only a
    one-row commit. Times are medians over the rounds, ratios medians of each round's pair."""
    from gongzhi.lists import commands
    from gongzhi.matching import batch
    saves: dict[bool, list[float]] = {False: [], True: []}
    commits: dict[bool, list[float]] = {False: [], True: []}

    def save() -> None:
        commands.create(grid, "demand", FORM)

    def commit_batch() -> float:
        with psycopg.connect(url, autocommit=True) as conn:
            since = conn.execute("select now()").fetchone()[0]
        started = time.perf_counter()
        made = batch.commit(district, plan)
        took = time.perf_counter() - started
        _undo_batch(url, since)
        if made != matches:
            raise RuntimeError(f"the batch made {made} matches, {matches} the first time")
        return took

    _undo_batch(url, first_since)                 # the batch measured for lag, removed
    try:
        for sync in [mode for i in range(ROUNDS) for mode in ((False, True) if i % 2 == 0 else (True, False))]:
            standby.set_synchronous(admin, standby.DEFAULT_SLOT if sync else None)
            time.sleep(1)
            saves[sync].append(timed_ms(save, repeat=21, warmup=3))
            commits[sync].append(commit_batch())
    finally:
        standby.set_synchronous(admin, None)

    def paired(samples: dict[bool, list[float]]) -> float:
        return round(statistics.median(s / a for a, s in zip(samples[False], samples[True])), 2)
    return {"form_save_async_ms": round(statistics.median(saves[False]), 2),
            "form_save_sync_ms": round(statistics.median(saves[True]), 2),
            "form_save_sync_ratio": paired(saves),
            "form_save_sync_extra_ms": round(statistics.median(s - a for a, s in zip(saves[False], saves[True])), 2),
            "batch_commit_async_s": round(statistics.median(commits[False]), 2),
            "batch_commit_sync_s": round(statistics.median(commits[True]), 2),
            "batch_sync_ratio": paired(commits)}


def _recover(primary: Path, demands: int) -> dict:
    """Point-in-time recovery of the (new) primary with Barman, when Barman is installed."""
    from gongzhi import pitr
    from gongzhi.errors import DomainError
    try:
        pitr.barman_program()
    except DomainError:
        return {}
    home = Path(tempfile.mkdtemp(prefix="gongzhi-bench-barman-"))
    into = Path(tempfile.mkdtemp(prefix="gongzhi-bench-recovered-"))
    try:
        admin = embedded.url(primary)
        started = time.perf_counter()
        pitr.setup(admin, where=home, primary_data_dir=primary)
        figures = {"barman_setup_s": round(time.perf_counter() - started, 2)}
        with psycopg.connect(embedded.url(primary, "gongzhi"), autocommit=True) as conn:
            conn.execute("update public.org_unit set name = name where id = (select min(id) from public.org_unit)")
            time.sleep(1.1)
            target = conn.execute("select date_trunc('second', now())").fetchone()[0]
            time.sleep(1.1)
            conn.execute("update public.org_unit set name = name where id = (select min(id) from public.org_unit)")
        done = pitr.recover(into, target, where=home, source_data_dir=primary)
        figures["recover_s"] = round(done.seconds, 2)
        figures["recover_problems"] = len(done.problems)
        figures["recover_problem_list"] = done.problems
        return figures
    finally:
        pitr.stop(home)
        embedded.wipe(into)
        shutil.rmtree(into, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

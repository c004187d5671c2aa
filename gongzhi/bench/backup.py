"""`bench backup`: `python -m gongzhi backup` and `restore` on the benchmark database (1M demands),
each beside the plain PostgreSQL tool doing the same work in the same run (pg_dump of the custom
format; pg_restore into a new database): the ratios are what the manifest, the checks and the
swap cost on top."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import conninfo

from gongzhi import backup as ops
from gongzhi.bench._data import bench_url
from gongzhi.db import embedded

NAME = "backup"


def _seconds(action) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 2)


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, keep=keep)
    admin = conninfo.make_conninfo(url, dbname="postgres")
    work = Path(tempfile.mkdtemp(prefix="gongzhi-bench-backup-"))
    restored = "gongzhi_bench_restored"
    plain_db = "gongzhi_bench_plain_restore"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (restored, plain_db):
                conn.execute(f"drop database if exists {name} with (force)")
        plain_file = work / "plain.dump"
        dsn, env = ops.libpq(url)
        dump_s = _seconds(lambda: subprocess.run(
            [str(embedded.bin_path("pg_dump")), "--format=custom", "--no-sync", f"--file={plain_file}",
             f"--dbname={dsn}"], check=True, env=env))
        path: Path = work / "gongzhi.backup"
        backup_s = _seconds(lambda: ops.backup(url, path))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"create database {plain_db} template template0")
        plain_dsn, _ = ops.libpq(conninfo.make_conninfo(url, dbname=plain_db))
        pg_restore_s = _seconds(lambda: subprocess.run(
            [str(embedded.bin_path("pg_restore")), "--exit-on-error", "--single-transaction",
             f"--dbname={plain_dsn}", str(plain_file)], check=True, env=env))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"create database {restored}")
        restore_s = _seconds(lambda: ops.restore(path, conninfo.make_conninfo(url, dbname=restored)))
        with psycopg.connect(url) as conn:
            demands_now = conn.execute("select count(*) from public.demand").fetchone()[0]
        return {"demands": demands_now, "backup_mb": round(path.stat().st_size / 2**20, 1),
                "pg_dump_s": dump_s, "backup_s": backup_s, "dump_ratio": round(backup_s / dump_s, 2),
                "pg_restore_s": pg_restore_s, "restore_s": restore_s,
                "restore_ratio": round(restore_s / pg_restore_s, 2)}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (restored, plain_db):
                conn.execute(f"drop database if exists {name} with (force)")
        shutil.rmtree(work, ignore_errors=True)

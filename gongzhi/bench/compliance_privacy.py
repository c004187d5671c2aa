"""`bench compliance` (residents' rights part): a subject request's search for every record of one
phone, a retention run, and `audit verify`, on the benchmark database (1M demands).

The destructive parts run in a copy of the benchmark database (made from it as a template and
dropped afterwards), so other benchmarks keep their data: a share of the closed demands is
back-dated past their retention, and the security log is filled with `audit_entries` chained
entries, hashed in Python as the portal would and loaded by COPY. Figures: `subject_request_ms`
(median, as district staff through row-level security), `retention_run_s` (the whole job, with the
rows it anonymised) and `audit_verify_s` (the whole chain; `audit_verify_cpu_s` is the part spent in
this process, hashing, which a loaded machine stretches most). The encryption's figures (unmask,
import, list page) live in the encryption's own part of `bench compliance`.
"""
from __future__ import annotations

import datetime as dt
import time

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from gongzhi import security_log
from gongzhi.bench import timed_ms
from gongzhi.bench._data import BENCH_DATABASE, bench_url, user_ids
from gongzhi.db.connection import set_identity

NAME = "compliance"
COPY = "gongzhi_bench_privacy"
PHONE = "13912340000"
EXPIRED_SHARE = 6          # back-date one closed demand in this many
LOG_BATCH = 50_000


def _seconds(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return round(time.perf_counter() - started, 2), result


def _copy_database(url: str) -> str:
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {COPY} with (force)")
        conn.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{BENCH_DATABASE}'"
                     " and pid <> pg_backend_pid()")
        conn.execute(f"create database {COPY} template {BENCH_DATABASE}")
    return conninfo.make_conninfo(url, dbname=COPY)


def _drop(url: str) -> None:
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f"drop database if exists {COPY} with (force)")


def _plant_phone(conn, district: str) -> int:
    """The bench phone in a few demands, an application and a volunteer; a request for it."""
    conn.execute("update public.demand set beneficiary_phone = %s where id in"
                 " (select id from public.demand order by id desc limit 3)", (PHONE,))
    conn.execute("update public.volunteer set phone = %s where id = (select min(id) from public.volunteer)", (PHONE,))
    return conn.execute(
        "insert into public.subject_request (org_unit_id, kind, received_on, phone_masked, phone_hash, created_by)"
        " values ((select id from public.org_unit where kind = 'district'), 'copy', current_date,"
        " private.mask_phone(%s), private.subject_phone_hash(%s), %s) returning id",
        (PHONE, PHONE, district)).fetchone()[0]


def _fill_log(conn, entries: int) -> None:
    """`entries` chained sign-in entries after the log's head, hashed here and loaded by COPY."""
    head = conn.execute("select next_id, at, prev_hash from private.security_log_head()").fetchone()
    next_id, at, prev = head
    start = at - dt.timedelta(seconds=entries)
    with conn.cursor() as cur:
        for first in range(0, entries, LOG_BATCH):
            with cur.copy("copy private.security_log (id, at, kind, actor, client, object, details, prev_hash, hash)"
                          " from stdin") as copy:
                for i in range(first, min(first + LOG_BATCH, entries)):
                    entry = {"id": next_id + i, "at": start + dt.timedelta(seconds=i, microseconds=i % 1000),
                             "kind": "sign_in", "actor": None, "client": "203.0.113.1", "object": f"user:{i % 500}",
                             "details": {}, "prev_hash": prev}
                    entry["hash"] = prev = security_log.entry_hash(entry)
                    copy.write_row((entry["id"], entry["at"], "sign_in", None, entry["client"], entry["object"],
                                    Jsonb({}), entry["prev_hash"], entry["hash"]))
    conn.commit()


def run(demands: int = 1_000_000, keep: bool = True, audit_entries: int | None = None) -> dict:
    from gongzhi.personal import requests, retention

    url = bench_url(demands=demands, keep=keep)
    district = user_ids(url)["district"]
    copy_url = _copy_database(url)
    audit_entries = demands if audit_entries is None else audit_entries
    try:
        with psycopg.connect(copy_url) as conn:
            request = _plant_phone(conn, district)
            conn.execute("update public.demand set closed_at = closed_at - interval '800 days'"
                         " where closed_at is not null and id %% %s = 0", (EXPIRED_SHARE,))
            conn.commit()
        with psycopg.connect(copy_url, autocommit=True) as conn:
            conn.execute("vacuum analyze public.demand")
            rows = conn.execute("select count(*) from public.demand").fetchone()[0]
        with psycopg.connect(copy_url, row_factory=dict_row) as conn:   # as district staff, as a request runs
            set_identity(conn, district)
            found = len(requests.find_records(conn, request, PHONE))
            search_ms = timed_ms(lambda: requests.find_records(conn, request, PHONE))
        with psycopg.connect(copy_url, autocommit=True) as conn:
            retention_s, report = _seconds(lambda: retention.run(conn))
        with psycopg.connect(copy_url) as conn:
            fill_s, _ = _seconds(lambda: _fill_log(conn, audit_entries))
        with psycopg.connect(copy_url, autocommit=True) as conn:
            cpu = time.process_time()
            verify_s, verdict = _seconds(lambda: security_log.verify(conn))
            verify_cpu_s = round(time.process_time() - cpu, 2)
        return {"demands": rows, "subject_request_records": found, "subject_request_ms": search_ms,
                "retention_rows": report.total, "retention_run_s": retention_s,
                "audit_entries": verdict.entries, "audit_chain_ok": verdict.ok, "audit_fill_s": fill_s,
                "audit_verify_s": verify_s, "audit_verify_cpu_s": verify_cpu_s}
    finally:
        _drop(url)

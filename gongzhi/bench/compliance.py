"""`python -m gongzhi bench compliance`: what the 等保 / 个人信息保护 controls cost at scale.

Each figure is a function of the shared context (the benchmark database and the demo accounts)
returning flat keys; `FIGURES` lists them in order, and a control that adds a figure appends its
function there. Personal data at rest gives:

- `unmask_ms`: one logged unmasking of a beneficiary's phone by the owning grid worker (the
  database's check, the security-log entry, the decryption) — ≤ 20;
- `import_10k_ratio`: a 10,000-row demand import whose rows carry phones (sealed on the way in)
  against the same rows without phones, in the same run — ≤ 1.3;
- `list_page_ratio`: a demand list page of 50 with its phones decrypted for a grid worker who may
  read them (their ciphertext fetched in one `private.beneficiary_phone_ciphers` call), against the
  same page as it is shown (masked) — ≤ 1.2.

Residents' rights give (`privacy_figures`, last: it works in a copy of the benchmark database, made
from it as a template and dropped afterwards, so other benchmarks keep their data; a share of the
closed demands is back-dated past their retention, and the security log is filled with one chained
entry per demand, hashed in Python as the portal would and loaded by COPY):

- `subject_request_ms`: a subject request's search for every record of one phone, by blind index
  (median, as district staff through row-level security) — ≤ 100;
- `retention_run_s`: the whole retention job, with the rows it anonymised — ≤ 60;
- `audit_verify_s`: `audit verify` over the whole chain (`audit_verify_cpu_s` is the part spent in
  this process, hashing, which a loaded machine stretches most) — ≤ 30.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Callable

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from gongzhi import security_log
from gongzhi.auth import Identity, load_identity
from gongzhi.bench import timed_ms
from gongzhi.bench._data import BENCH_DATABASE, bench_url, pointing_at, user_ids
from gongzhi.db.connection import set_identity
from gongzhi.bench._imports import sheet
from gongzhi.imports import importer
from gongzhi.lists import queries
from gongzhi.personal import crypto, unmask

NAME = "compliance"
IMPORT_ROWS = 10_000
COPY = "gongzhi_bench_privacy"
PHONE = "13912340000"
EXPIRED_SHARE = 6          # back-date one closed demand in this many
LOG_BATCH = 50_000


@dataclass
class Context:
    url: str
    users: dict[str, Identity]
    demands: int


def unmask_figures(ctx: Context) -> dict:
    grid = ctx.users["grid"]
    page = queries.list_page(grid, "demand", queries.ListFilters(), per_page=50)
    demand = next(r["id"] for r in page.rows if r["beneficiary_phone"])
    return {"unmask_ms": timed_ms(lambda: unmask(grid, "demand", demand, "beneficiary_phone", "压测：回访核实"),
                                  repeat=21)}


def import_figures(ctx: Context) -> dict:
    grid = ctx.users["grid"]

    def once(with_phones: bool) -> float:
        marker = "压测" + uuid.uuid4().hex[:6]
        data = sheet(IMPORT_ROWS, marker, phones=with_phones)
        started = time.perf_counter()
        importer.commit(grid, "demand", importer.preview(grid, "demand", "bench.xlsx", data))
        took = time.perf_counter() - started
        with psycopg.connect(ctx.url, autocommit=True) as conn:
            conn.execute("delete from public.demand where title like %s", (marker + "%",))
        return took

    once(True)   # warm-up: caches, the keyring, the planner
    plain = [once(False) for _ in range(2)]
    sealed = [once(True) for _ in range(2)]
    return {"import_10k_s": round(min(sealed), 2), "import_10k_baseline_s": round(min(plain), 2),
            "import_10k_ratio": round(min(sealed) / min(plain), 2)}


def list_page_figures(ctx: Context) -> dict:
    grid = ctx.users["grid"]

    def page():
        return queries.list_page(grid, "demand", queries.ListFilters(), per_page=50).rows

    def shown():   # one page run: one transaction, as `page_transaction` gives a page
        with grid.one_transaction():
            return page()

    def decrypted():
        with grid.one_transaction():
            rows = page()
            with grid.session() as conn:
                ciphers = {r["id"]: r["enc"] for r in conn.execute(
                    "select id, enc from private.beneficiary_phone_ciphers(%s)", ([r["id"] for r in rows],))}
        ring = crypto.ring()
        for r in rows:
            if ciphers.get(r["id"]) is not None:
                r["beneficiary_phone"] = crypto.decrypt("phone", ciphers[r["id"]], ring)
        return rows

    assert any(r["beneficiary_phone"] and "*" not in r["beneficiary_phone"] for r in decrypted())
    base, full = timed_ms(shown, repeat=21), timed_ms(decrypted, repeat=21)
    return {"list_page_ms": full, "list_page_baseline_ms": base, "list_page_ratio": round(full / base, 2)}


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
    s = crypto.seal("phone", PHONE)
    conn.execute("update public.demand set beneficiary_phone_enc = %s, beneficiary_phone_bidx = %s,"
                 " beneficiary_phone_masked = %s where id in (select id from public.demand order by id desc limit 3)",
                 (s.enc, s.bidx, s.masked))
    conn.execute("update public.volunteer set phone_enc = %s, phone_bidx = %s, phone_masked = %s"
                 " where id = (select min(id) from public.volunteer)", (s.enc, s.bidx, s.masked))
    return conn.execute(
        "insert into public.subject_request (org_unit_id, kind, received_on, phone_masked, phone_bidx, created_by)"
        " values ((select id from public.org_unit where kind = 'district'), 'copy', current_date, %s, %s, %s)"
        " returning id", (s.masked, s.bidx, district)).fetchone()[0]


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


def privacy_figures(ctx: Context) -> dict:
    from gongzhi.personal import requests, retention

    url = ctx.url
    district = user_ids(url)["district"]
    copy_url = _copy_database(url)
    audit_entries = ctx.demands
    try:
        with psycopg.connect(copy_url) as conn:
            request = _plant_phone(conn, district)
            conn.execute("update public.demand set closed_at = closed_at - interval '800 days'"
                         " where closed_at is not null and id %% %s = 0", (EXPIRED_SHARE,))
            conn.commit()
        with psycopg.connect(copy_url, autocommit=True) as conn:
            conn.execute("vacuum analyze public.demand")
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
        return {"subject_request_records": found, "subject_request_ms": search_ms,
                "retention_rows": report.total, "retention_run_s": retention_s,
                "audit_entries": verdict.entries, "audit_chain_ok": verdict.ok, "audit_fill_s": fill_s,
                "audit_verify_s": verify_s, "audit_verify_cpu_s": verify_cpu_s}
    finally:
        _drop(url)


FIGURES: list[Callable[[Context], dict]] = [unmask_figures, import_figures, list_page_figures, privacy_figures]


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, keep=keep)
    out: dict = {"demands": demands}
    with pointing_at(url):
        ctx = Context(url, {role: load_identity(uid) for role, uid in user_ids(url).items()}, demands)
        for figure in FIGURES:
            out.update(figure(ctx))
    return out

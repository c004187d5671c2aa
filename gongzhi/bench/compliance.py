"""`python -m gongzhi bench compliance`: what the 等保 / 个人信息保护 controls cost at scale.

Each figure is a function of the shared context (the benchmark database and the demo accounts)
returning flat keys; `FIGURES` lists them in order, and a control that adds a figure appends its
function there. Personal data at rest gives:

- `unmask_ms`: one logged unmasking of a beneficiary's phone by the owning grid worker (the
  database's check, the security-log entry, the decryption) — ≤ 20;
- `import_10k_ratio`: a 10,000-row demand import whose rows carry phones (sealed on the way in)
  against the same rows without phones, in the same run — ≤ 1.3;
- `list_page_ratio`: a demand list page of 50 with its phones decrypted for a grid worker who may
  read them, against the same page as it is shown (masked) — ≤ 1.2.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

import psycopg

from gongzhi.auth import Identity, load_identity
from gongzhi.bench import timed_ms
from gongzhi.bench._data import bench_url, pointing_at, user_ids
from gongzhi.bench._imports import sheet
from gongzhi.imports import importer
from gongzhi.lists import queries
from gongzhi.personal import crypto, unmask

NAME = "compliance"
IMPORT_ROWS = 10_000


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
                ciphers = {r["id"]: r["c"] for r in conn.execute(
                    "select id, private.beneficiary_phone_cipher(id) as c from unnest(%s::bigint[]) id",
                    ([r["id"] for r in rows],))}
        for r in rows:
            if ciphers.get(r["id"]) is not None:
                r["beneficiary_phone"] = crypto.decrypt("phone", ciphers[r["id"]])
        return rows

    assert any(r["beneficiary_phone"] and "*" not in r["beneficiary_phone"] for r in decrypted())
    base, full = timed_ms(shown, repeat=21), timed_ms(decrypted, repeat=21)
    return {"list_page_ms": full, "list_page_baseline_ms": base, "list_page_ratio": round(full / base, 2)}


FIGURES: list[Callable[[Context], dict]] = [unmask_figures, import_figures, list_page_figures]


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    url = bench_url(demands=demands, keep=keep)
    out: dict = {"demands": demands}
    with pointing_at(url):
        ctx = Context(url, {role: load_identity(uid) for role, uid in user_ids(url).items()}, demands)
        for figure in FIGURES:
            out.update(figure(ctx))
    return out

"""Benchmarks: `python -m gongzhi bench NAME [--json]`.

Each module here that defines `NAME` and `run(demands, keep) -> dict` is a benchmark; figures are
flat keys (`grid.page_ms`) and every timing is also given as a ratio against a baseline measured
in the same run, so numbers from different machines can be compared.
"""
from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from typing import Callable



def timed_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 2) -> float:
    """Median wall time of `fn` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def scan_count_ms(conn, query: str) -> float:
    """`timed_ms` of a count `query` read from the table itself (no index scans): a baseline that
    an index added later cannot turn into an index-only count of a few pages."""
    with conn.transaction():
        conn.execute("set local enable_indexscan = off; set local enable_indexonlyscan = off;"
                     " set local enable_bitmapscan = off")
        return timed_ms(lambda: conn.execute(query).fetchone())


def table(figures: dict) -> str:
    """The figures as a two-column text table."""
    width = max(len(k) for k in figures) if figures else 0
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in figures.items())


REGISTRY: dict[str, Callable[..., dict]] = {}

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        if hasattr(_module, "NAME"):
            REGISTRY[_module.NAME] = _module.run

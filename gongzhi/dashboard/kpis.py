"""The KPI cards of the dashboard, declared once: label, unit, which direction is good, and how
the figure and the previous period's are computed.

Core KPIs come from one grouped query over the demand tally (see `queries.core_figures`); a
module built later adds its own figure with `register(Kpi(...))`, e.g. whistled events overdue
(`event`) or volunteer hours (`service_log`). Such a KPI names the table it needs in `requires`;
the dashboard shows it only where that table exists, and its `compute` runs as the signed-in user
(RLS decides) with the scope's territory range and the period.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Optional

import psycopg

# compute(conn, scope, period, previous) -> (value now, value in the previous period or None)
Compute = Callable[[psycopg.Connection, object, object, object], tuple[Optional[float], Optional[float]]]


@dataclass(frozen=True)
class Kpi:
    key: str                      # handle in tests, exports and the bulletin; label is f"kpi.{key}"
    unit: str = "count"           # count | percent | days
    better: str = "up"            # up | down | none: which way the change is good news
    requires: str = ""            # a table in public this KPI needs; empty for the core figures
    compute: Optional[Compute] = None   # None: filled from queries.core_figures

    @property
    def label_key(self) -> str:
        return f"kpi.{self.key}"


@dataclass(frozen=True)
class Figure:
    """A KPI's value for one scope and period, with the previous period's value."""
    key: str
    value: Optional[float]
    previous: Optional[float]
    unit: str
    better: str

    @property
    def change(self) -> Optional[float]:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 4)


CORE: tuple[Kpi, ...] = (
    Kpi("open_demands", better="down"),
    Kpi("new_demands", better="none"),
    Kpi("closed_demands"),
    Kpi("closure_rate", unit="percent"),
    Kpi("avg_days_to_close", unit="days", better="down"),
    Kpi("matches_made"),
    Kpi("resources_in_use"),
    Kpi("resources_idle", better="down"),
    Kpi("projects_on_track"),
    Kpi("projects_late", better="down"),
)

_REGISTRY: dict[str, Kpi] = {k.key: k for k in CORE}


def register(kpi: Kpi) -> Kpi:
    """Adds a KPI of another module to the cards (after the core ones). Needs `requires` and `compute`,
    and a `kpi.<key>` label in that module's catalogue file."""
    if kpi.compute is None or not kpi.requires:
        raise ValueError("a registered KPI names the table it requires and how it is computed")
    _REGISTRY[kpi.key] = kpi
    return kpi


# Modules whose KPIs join the cards; each registers its own on import.
PLUGINS = ("gongzhi.dashboard.median", "gongzhi.whistle.kpis", "gongzhi.volunteers.kpis")


def all_kpis() -> list[Kpi]:
    for module in PLUGINS:
        importlib.import_module(module)
    return list(_REGISTRY.values())

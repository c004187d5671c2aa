"""Reporting periods of the dashboard and the bulletin: week, month, quarter, year or custom days,
each with the period just before it for the change shown on every KPI card."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gongzhi.errors import DomainError

KINDS = ("week", "month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3660
TREND_WEEKS = 12


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date   # first day, inclusive
    end: dt.date     # last day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same kind just before this one (the same number of days for custom)."""
        if self.kind == "week":
            return Period("week", self.start - dt.timedelta(days=7), self.start - dt.timedelta(days=1))
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            return Period(self.kind, _add_months(self.start, -months), self.start - dt.timedelta(days=1))
        return Period("custom", self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def trend_start(self) -> dt.date:
        """The Monday the weekly trend starts on: the period's first week, or TREND_WEEKS weeks back."""
        first = min(self.start, self.end - dt.timedelta(weeks=TREND_WEEKS - 1))
        return first - dt.timedelta(days=first.weekday())


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(kind: str, anchor: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period of `kind` that contains `anchor`; for custom, the days from `start` to `end`.

    Refuses an unknown kind, a custom period that ends before it starts, or one longer than ten years.
    """
    if kind == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        return Period(kind, monday, monday + dt.timedelta(days=6))
    if kind == "month":
        first = anchor.replace(day=1)
        return Period(kind, first, _add_months(first, 1) - dt.timedelta(days=1))
    if kind == "quarter":
        first = dt.date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _add_months(first, 3) - dt.timedelta(days=1))
    if kind == "year":
        return Period(kind, dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31))
    if kind == "custom":
        if start is None or end is None or end < start:
            raise DomainError("dashboard.bad_period")
        if (end - start).days >= MAX_CUSTOM_DAYS:
            raise DomainError("dashboard.period_too_long")
        return Period(kind, start, end)
    raise DomainError("dashboard.bad_period")


def month_of(year: int, month: int) -> Period:
    """The calendar month of the bulletin."""
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise DomainError("dashboard.bad_month")
    return period_for("month", dt.date(year, month, 1))

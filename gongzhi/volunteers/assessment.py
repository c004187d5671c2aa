"""The half-yearly assessment (双考核): periods, the formula, and the export fed back to units (双报告).

The score is computed in the database by `private.compute_assessment(period)` for every unit and
volunteer registered in the caller's territory, by one formula (`private.assessment_score`) from the
weights in `public.assessment_weight` (edited by the district):

    score = 100 × Σ_f w_f × part_f / Σ_f w_f
    hours, activities, matches:  part = min(value / target, 1)
    rating:                      part = average rating / 5   (no rating yet: 3 / 5)
    evaluation (民主评议 0–100):  part = evaluation / 100    (not entered yet: 60 / 100)

Only verified service records of the half-year count; activities are distinct posts served;
matches are accepted or done matches of the resources the unit or volunteer pledged, made in the
half-year. A unit's hours, activities and ratings are those of its members (volunteers whose
`unit_id` is the unit), wherever they live. Rankings are per community.
"""
from __future__ import annotations

import datetime as dt
import io
import re

from gongzhi import cells
from gongzhi.auth import Identity
from gongzhi.errors import DomainError
from gongzhi.i18n import t

PERIOD = re.compile(r"^(\d{4})H([12])$")
FACTORS = ("hours", "activities", "rating", "evaluation", "matches")
EXPORT_COLUMNS = ("community", "name", "rank", "score", "hours", "activities", "rating", "matches", "evaluation")


def period_of(day: dt.date) -> str:
    """The half-year a day falls in: 2026-03-01 → '2026H1'."""
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def period_bounds(period: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First day of the half-year and first day of the next; the current one when `period` is None."""
    period = period or period_of(today or dt.date.today())
    found = PERIOD.match(period)
    if not found:
        raise DomainError("assessment.bad_period")
    year, half = int(found[1]), int(found[2])
    start = dt.date(year, 1 if half == 1 else 7, 1)
    return start, (dt.date(year, 7, 1) if half == 1 else dt.date(year + 1, 1, 1))


def recent_periods(today: dt.date | None = None, count: int = 4) -> list[str]:
    """The current half-year and the ones before it, newest first."""
    day = today or dt.date.today()
    out = []
    for _ in range(count):
        out.append(period_of(day))
        day = period_bounds(out[-1])[0] - dt.timedelta(days=1)
    return out


def export_csv(user: Identity, period: str, subject: str = "unit", lang: str = "zh") -> bytes:
    """The ranked results as CSV in UTF-8 with BOM (opens in Excel on Windows), headers in `lang`."""
    from gongzhi.volunteers.queries import ranking
    period_bounds(period)
    out = io.StringIO()
    writer = cells.csv_writer(out)
    writer.writerow([t(f"volunteers.column.{c}", lang) for c in EXPORT_COLUMNS])
    page = 1
    while True:
        rows, total = ranking(user, period, subject, page=page, size=500)
        for r in rows:
            writer.writerow([r[c] if r[c] is not None else "" for c in EXPORT_COLUMNS])
        if page * 500 >= total or not rows:
            break
        page += 1
    return out.getvalue().encode("utf-8-sig")


def unit_report_csv(user: Identity, period: str, unit_id: int, lang: str = "zh") -> bytes:
    """The report fed back to one unit (双报告) as CSV in UTF-8 with BOM: its result and rank, then
    its members' hours; DomainError when the unit has no result in `period` visible to `user`."""
    from gongzhi.volunteers.queries import unit_report
    report = unit_report(user, period, unit_id)
    if report is None:
        raise DomainError("volunteers.assess.no_result")
    out = io.StringIO()
    writer = cells.csv_writer(out)
    writer.writerow([t("volunteers.assess.period", lang), period])
    for column in EXPORT_COLUMNS:
        value = report["result"][column]
        writer.writerow([t(f"volunteers.column.{column}", lang), "" if value is None else value])
    writer.writerow([])
    writer.writerow([t("volunteers.assess.member", lang), t("volunteers.column.hours", lang),
                     t("volunteers.column.activities", lang)])
    for member in report["members"]:
        writer.writerow([member["name"], member["hours"], member["activities"]])
    return out.getvalue().encode("utf-8-sig")

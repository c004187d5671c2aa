"""The whistle form (fields declared once with gongzhi.lists.fields) and the district's settings
forms (departments, routing, deadlines, work calendar), checked before any write.

The database checks the same things again (grid, departments, who may whistle); this module only
gives the user every problem at once, as i18n keys, in their language.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Mapping

from gongzhi.lists import fields as f

URGENCY = ("normal", "urgent")
EVENT_FIELDS: tuple[f.Field, ...] = (
    f.Field("title", "text", required=True, max_len=200),
    f.Field("category_id", "category", required=True),
    f.Field("org_unit_id", "org_unit", required=True),
    f.Field("address", "text", required=True, max_len=200),
    f.Field("urgency", "choice", choices=URGENCY, choice_prefix="urgency", default="normal"),
    f.Field("description", "longtext", max_len=5000, default=""),
)
SCORES = (1, 2, 3, 4, 5)


def parse_whistle(raw: Mapping[str, Any], lookups: f.Lookups,
                  department_ids: set[int]) -> tuple[dict, list[f.FieldError]]:
    """Clean values of a whistle and every problem found; `department_ids` are those that exist."""
    clean, errors = f.parse_fields(EVENT_FIELDS, raw, lookups)
    chosen = [int(x) for x in raw.get("departments") or []]
    if not chosen:
        errors.append(f.FieldError("departments", "whistle.form.no_department"))
    elif not set(chosen) <= department_ids:
        errors.append(f.FieldError("departments", "whistle.unknown_department"))
    clean["departments"] = list(dict.fromkeys(chosen))
    return clean, errors


def check_text(value: str | None, max_len: int = 2000) -> str:
    """A required note: stripped, not blank, not too long, not a formula; raises ValueError(key)."""
    text = (value or "").strip()
    if not text:
        raise ValueError("whistle.note_required")
    if len(text) > max_len:
        raise ValueError("field.error.too_long")
    if text.startswith(f.FORMULA_START):
        raise ValueError("field.error.formula")
    return text


# ---------------------------------------------------------------- district settings
DEPARTMENT_CODE = re.compile(r"^[a-z0-9_]{1,32}$")
DEADLINE_STEPS = ("report", "consult", "implement", "feedback", "evaluate")
MAX_HOURS = 8760          # a year: the database's own bound on event_deadline.hours
MAX_CALENDAR_NOTE = 100


def _name_problems(field: str, value: str, max_len: int) -> list[f.FieldError]:
    if not value:
        return [f.FieldError(field, "field.error.required")]
    if len(value) > max_len:
        return [f.FieldError(field, "field.error.too_long")]
    if value.startswith(f.FORMULA_START):
        return [f.FieldError(field, "field.error.formula")]
    return []


def check_department(code: str, name_zh: str, name_en: str,
                     existing: list[Mapping[str, Any]]) -> tuple[dict, list[f.FieldError]]:
    """A new department: a code of lower-case letters, digits and _, both names, none already used
    by one of the `existing` departments (active or not)."""
    clean = {"code": (code or "").strip().lower(), "name_zh": (name_zh or "").strip(),
             "name_en": (name_en or "").strip()}
    errors: list[f.FieldError] = []
    if not clean["code"]:
        errors.append(f.FieldError("code", "field.error.required"))
    elif not DEPARTMENT_CODE.match(clean["code"]):
        errors.append(f.FieldError("code", "whistle.settings.bad_code"))
    elif clean["code"] in {d["code"] for d in existing}:
        errors.append(f.FieldError("code", "whistle.settings.code_taken"))
    errors += _name_problems("name_zh", clean["name_zh"], 50)
    errors += _name_problems("name_en", clean["name_en"], 80)
    if clean["name_zh"] and clean["name_zh"] in {d["name_zh"] for d in existing}:
        errors.append(f.FieldError("name_zh", "whistle.settings.name_taken"))
    return clean, errors


def check_department_change(department_id: Any, name_zh: str, name_en: str, active: bool,
                            existing: list[Mapping[str, Any]]) -> tuple[dict, list[f.FieldError]]:
    """New names and state of an existing department (its code stays): both names, the Chinese
    one used by no other department."""
    clean = {"id": department_id, "name_zh": (name_zh or "").strip(), "name_en": (name_en or "").strip(),
             "active": bool(active)}
    errors: list[f.FieldError] = []
    if department_id not in {d["id"] for d in existing}:
        errors.append(f.FieldError("department", "whistle.unknown_department"))
    errors += _name_problems("name_zh", clean["name_zh"], 50)
    errors += _name_problems("name_en", clean["name_en"], 80)
    if clean["name_zh"] and clean["name_zh"] in {d["name_zh"] for d in existing if d["id"] != department_id}:
        errors.append(f.FieldError("name_zh", "whistle.settings.name_taken"))
    return clean, errors


def check_routing(category_id: Any, department_ids: list[Any], category_ids: set[int],
                  active_department_ids: set[int]) -> tuple[dict, list[f.FieldError]]:
    """The departments a category summons, in order (duplicates dropped); each must be active."""
    errors: list[f.FieldError] = []
    if category_id not in category_ids:
        errors.append(f.FieldError("category_id", "field.error.category"))
    chosen = list(dict.fromkeys(int(x) for x in department_ids or []))
    if not set(chosen) <= active_department_ids:
        errors.append(f.FieldError("departments", "whistle.unknown_department"))
    return {"category_id": category_id, "departments": chosen}, errors


def check_deadline(urgency: str, step: str, hours: Any) -> tuple[dict, list[f.FieldError]]:
    """Hours allowed to reach `step` at `urgency`: more than 0, at most MAX_HOURS, to the hundredth."""
    errors: list[f.FieldError] = []
    if urgency not in URGENCY:
        errors.append(f.FieldError("urgency", "field.error.choice"))
    if step not in DEADLINE_STEPS:
        errors.append(f.FieldError("step", "field.error.choice"))
    try:
        value = round(float(hours), 2)
    except (TypeError, ValueError):
        value = None
    if value is None or math.isnan(value):
        errors.append(f.FieldError("hours", "field.error.number"))
    elif value <= 0:
        errors.append(f.FieldError("hours", "whistle.settings.hours_positive"))
    elif value > MAX_HOURS:
        errors.append(f.FieldError("hours", "whistle.settings.hours_too_many", {"max": MAX_HOURS}))
    return {"urgency": urgency, "step": step, "hours": value}, errors


def check_calendar_day(day: Any, note: str | None) -> tuple[dict, list[f.FieldError]]:
    """A day of the work calendar and its note (e.g. 国庆节, 国庆调休)."""
    errors: list[f.FieldError] = []
    if not isinstance(day, dt.date):
        errors.append(f.FieldError("day", "field.error.date"))
    text = (note or "").strip()
    if len(text) > MAX_CALENDAR_NOTE:
        errors.append(f.FieldError("note", "field.error.too_long"))
    elif text.startswith(f.FORMULA_START):
        errors.append(f.FieldError("note", "field.error.formula"))
    return {"day": day, "note": text}, errors

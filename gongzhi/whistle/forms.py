"""The whistle form: fields declared once with gongzhi.lists.fields, checked before any write.

The database checks the same things again (grid, departments, who may whistle); this module only
gives the user every problem at once, as i18n keys, in their language.
"""
from __future__ import annotations

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

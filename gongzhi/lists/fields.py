"""The fields of each list, declared once: labels, kinds, rules and choices.

Forms, spreadsheet imports, templates and exports all read these declarations, so a rule written
here holds the same way wherever a row comes from. `parse` turns raw values (strings from a form,
a CSV or an Excel cell, or typed values) into clean column values, or reports every problem as an
i18n key; the database checks the same rules again.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from gongzhi.cells import FORMULA_START  # one definition for forms and writers

PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")   # and 7 to 15 digits (private.valid_phone)
PHONE_DIGITS = (7, 15)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u3000\ufeff]")
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)   # the database's date range
MONEY_MAX = Decimal("9999999999.99")   # yuan; the database's project_money_max


@dataclass(frozen=True)
class Field:
    name: str                       # the column
    kind: str                       # text | longtext | int | money | date | choice | category | org_unit | phone
    required: bool = False
    max_len: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()   # for kind == "choice"; labels are f"{choice_prefix}.{value}"
    choice_prefix: str = ""
    personal: bool = False          # personal data: masked for those who may not see it
    default: Any = None

    @property
    def label_key(self) -> str:
        return f"field.{self.name}"


@dataclass(frozen=True)
class FieldError:
    field: str
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lookups:
    """What names in a row may refer to, for one user: categories, and org units of their territory."""
    categories: Mapping[str, int]   # code, Chinese name and English name → id
    org_units: Mapping[str, int]    # code and name → id, only units the user may write to


URGENCY = ("low", "normal", "high", "urgent")
RESOURCE_KINDS = ("venue", "equipment", "skill", "funds", "manpower", "service")
PROVIDER_KINDS = ("unit", "department", "organisation", "volunteer", "community")
PROJECT_KINDS = ("joint", "secretary", "livelihood")

LIST_FIELDS: dict[str, tuple[Field, ...]] = {
    "demand": (
        Field("title", "text", required=True, max_len=200),
        Field("category_id", "category", required=True),
        Field("org_unit_id", "org_unit", required=True),
        Field("urgency", "choice", choices=URGENCY, choice_prefix="urgency", default="normal"),
        Field("quantity", "int", minimum=1, maximum=100000, default=1),
        Field("needed_by", "date"),
        Field("beneficiary_name", "text", max_len=50, personal=True),
        Field("beneficiary_phone", "phone", personal=True),
        Field("address", "text", max_len=200),
        Field("description", "longtext", max_len=5000, default=""),
    ),
    "resource": (
        Field("name", "text", required=True, max_len=200),
        Field("kind", "choice", required=True, choices=RESOURCE_KINDS, choice_prefix="resource_kind"),
        Field("category_id", "category", required=True),
        Field("org_unit_id", "org_unit", required=True),
        Field("provider", "text", required=True, max_len=100),
        Field("provider_kind", "choice", choices=PROVIDER_KINDS, choice_prefix="provider_kind", default="unit"),
        Field("contact_phone", "phone"),
        Field("capacity", "int", minimum=0, maximum=1000000, default=1),
        Field("available_from", "date"),
        Field("available_to", "date"),
        Field("description", "longtext", max_len=5000, default=""),
    ),
    "project": (
        Field("name", "text", required=True, max_len=200),
        Field("kind", "choice", required=True, choices=PROJECT_KINDS, choice_prefix="project_kind"),
        Field("org_unit_id", "org_unit", required=True),
        Field("budget", "money", minimum=0, maximum=MONEY_MAX, default=Decimal("0")),
        Field("beneficiaries", "int", minimum=0, maximum=10_000_000, default=0),
        Field("start_date", "date"),
        Field("end_date", "date"),
        Field("description", "longtext", max_len=5000, default=""),
    ),
}

# Forms that are not rows of a list but follow the same rules.
FORM_FIELDS: dict[str, tuple[Field, ...]] = {
    "project_progress": (
        Field("progress", "int", required=True, minimum=0, maximum=100),
        Field("spent", "money", required=True, minimum=0, maximum=MONEY_MAX),
    ),
    "milestone": (
        Field("title", "text", required=True, max_len=200),
        Field("due_date", "date"),
    ),
}

# Rules between fields: (list, earlier date, later date)
DATE_ORDER = (("resource", "available_from", "available_to"), ("project", "start_date", "end_date"))


def fields(list_name: str) -> tuple[Field, ...]:
    """The fields of a list (LIST_FIELDS) or of another form (FORM_FIELDS)."""
    return LIST_FIELDS[list_name] if list_name in LIST_FIELDS else FORM_FIELDS[list_name]


def _blank(value: Any) -> bool:
    """None, or text with nothing visible (spaces, zero-width and format characters only)."""
    return value is None or (isinstance(value, str) and not INVISIBLE.sub("", value))


def _parse_one(f: Field, value: Any, lookups: Lookups) -> Any:
    """The clean value, or raises ValueError(key) with an i18n key."""
    if isinstance(value, str) and CONTROL.search(value):
        raise ValueError("field.error.control")
    if f.kind in ("text", "longtext"):
        text = str(value).strip()
        if text.startswith(FORMULA_START):
            raise ValueError("field.error.formula")
        if f.max_len and len(text) > f.max_len:
            raise ValueError("field.error.too_long")
        return text
    if f.kind == "phone":
        text = str(value).strip()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = str(int(value))
        if not PHONE.match(text) or not PHONE_DIGITS[0] <= sum(c.isdigit() for c in text) <= PHONE_DIGITS[1]:
            raise ValueError("field.error.phone")
        return text
    if f.kind in ("int", "money"):
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError("field.error.number") from None
        if not number.is_finite():
            raise ValueError("field.error.number")
        if f.kind == "int":
            if number != number.to_integral_value():
                raise ValueError("field.error.whole_number")
            number = int(number)
        else:
            if number != number.quantize(Decimal("0.01")):
                raise ValueError("field.error.decimals")
            number = number.quantize(Decimal("0.01"))
        if (f.minimum is not None and number < f.minimum) or (f.maximum is not None and number > f.maximum):
            raise ValueError("field.error.range")
        return number
    if f.kind == "date":
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            text = str(value).strip().replace("/", "-").replace(".", "-")
            text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", text)
            try:
                year, month, day_of_month = (int(part) for part in text.split("-"))
                day = dt.date(year, month, day_of_month)
            except (ValueError, TypeError):
                raise ValueError("field.error.date") from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError("field.error.date_range")
        return day
    if f.kind == "choice":
        text = str(value).strip()
        if text in f.choices:
            return text
        raise ValueError("field.error.choice")
    if f.kind == "category":
        return _look_up(lookups.categories, value, "field.error.category")
    if f.kind == "org_unit":
        return _look_up(lookups.org_units, value, "field.error.org_unit")
    raise AssertionError(f"unknown field kind {f.kind}")


def _look_up(names: dict[str, int], value: Any, refusal: str) -> int:
    """The id `value` names in `names` (by one of its names, or an id it holds), else ValueError(`refusal`)."""
    if isinstance(value, int) and value in names.values():
        return value
    found = names.get(str(value).strip())
    if found is None:
        raise ValueError(refusal)
    return found


def parse_fields(declared: tuple[Field, ...], raw: Mapping[str, Any], lookups: Lookups,
                 choice_labels: Mapping[str, Mapping[str, str]] | None = None) -> tuple[dict, list[FieldError]]:
    """Clean values of `declared` fields from `raw`, and every problem found.

    `choice_labels` maps a field to {label: value}, so that a sheet may say 紧急 for `urgent`.
    Fields missing from `raw` take their defaults; blank required fields are errors.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for f in declared:
        value = raw.get(f.name)
        if _blank(value):
            if f.required:
                errors.append(FieldError(f.name, "field.error.required"))
            clean[f.name] = f.default
            continue
        if f.kind == "choice" and choice_labels and f.name in choice_labels:
            value = choice_labels[f.name].get(str(value).strip(), value)
        try:
            clean[f.name] = _parse_one(f, value, lookups)
        except ValueError as exc:
            errors.append(FieldError(f.name, str(exc)))
    return clean, errors


def parse(list_name: str, raw: Mapping[str, Any], lookups: Lookups,
          choice_labels: Mapping[str, Mapping[str, str]] | None = None) -> tuple[dict, list[FieldError]]:
    """Clean values of a row of `list_name` and the problems found, all of them, including the
    order of its dates."""
    clean, errors = parse_fields(fields(list_name), raw, lookups, choice_labels)
    for name, earlier, later in DATE_ORDER:
        if name == list_name and clean.get(earlier) and clean.get(later) and clean[later] < clean[earlier]:
            errors.append(FieldError(later, "field.error.date_order"))
    return clean, errors


def choice_label_key(f: Field, value: str) -> str:
    """The i18n key of a choice's label, e.g. `urgency.urgent`."""
    return f"{f.choice_prefix}.{value}"


def status_label_key(entity: str, status: str) -> str:
    """The i18n key of a status's label, e.g. `status.demand.new`."""
    return f"status.{entity}.{status}"

"""The columns of a list's sheet: field columns (gongzhi.lists.fields) plus `status`, their
headers in either language, and what an export adds (`id`, `created_at`), which an import skips.
"""
from __future__ import annotations

from dataclasses import dataclass

from gongzhi import i18n
from gongzhi.errors import DomainError
from gongzhi import statuses
from gongzhi.lists.fields import choice_label_key, fields, status_label_key

STATUS = "status"
EXPORT_ONLY = ("id", "created_at")   # written by exports, skipped by imports
# Where a new row may start (public.status_transition rows with from_status null); the first is the default.
INITIAL_STATUSES = {name: statuses.INITIAL[name] for name in ("demand", "resource", "project")}
ALL_STATUSES = {name: statuses.SHOWN[name] for name in ("demand", "resource", "project")}


def label_key(column: str) -> str:
    """The i18n key of a column's header."""
    return f"excel.column.{column}" if column in EXPORT_ONLY + (STATUS,) else f"field.{column}"


def header(column: str, lang: str) -> str:
    return i18n.t(label_key(column), lang)


def import_columns(list_name: str) -> list[str]:
    """The columns a template has and an import reads, in order."""
    return [f.name for f in fields(list_name)] + [STATUS]


def export_columns(list_name: str) -> list[str]:
    return ["id"] + import_columns(list_name) + ["created_at"]


def required(list_name: str) -> set[str]:
    return {f.name for f in fields(list_name) if f.required}


def _norm(text: str) -> str:
    return "".join(str(text).split()).rstrip("*＊").lower()


@dataclass(frozen=True)
class Mapping:
    columns: dict[int, str]   # cell index → column name (export-only columns left out)


def map_headers(list_name: str, headers: list[str]) -> Mapping:
    """Which cell holds which column; headers may be Chinese, English or the column names.
    DomainError naming the unknown, duplicated or missing headers."""
    known: dict[str, str] = {}
    for column in export_columns(list_name):
        known[_norm(column)] = column
        for lang in i18n.LANGUAGES:
            known[_norm(header(column, lang))] = column
    columns: dict[int, str] = {}
    unknown, seen, duplicated = [], set(), []
    for i, text in enumerate(headers):
        if not text:
            continue
        column = known.get(_norm(text))
        if column is None:
            unknown.append(text)
        elif column in seen:
            duplicated.append(text)
        else:
            seen.add(column)
            if column not in EXPORT_ONLY:
                columns[i] = column
    if unknown:
        raise DomainError("excel.unknown_headers", headers="、".join(unknown))
    if duplicated:
        raise DomainError("excel.duplicate_headers", headers="、".join(duplicated))
    missing = [c for c in import_columns(list_name) if c in required(list_name) and c not in seen]
    if missing:
        raise DomainError("excel.missing_headers", headers="、".join(header(c, i18n.DEFAULT) for c in missing))
    return Mapping(columns)


def choice_labels(list_name: str) -> dict[str, dict[str, str]]:
    """{field: {label in either language: value}} for choice fields and the status."""
    out: dict[str, dict[str, str]] = {}
    for f in fields(list_name):
        if f.kind == "choice":
            out[f.name] = {i18n.t(choice_label_key(f, v), lang): v for v in f.choices for lang in i18n.LANGUAGES}
    out[STATUS] = {i18n.t(status_label_key(list_name, s), lang): s
                   for s in ALL_STATUSES[list_name] for lang in i18n.LANGUAGES}
    return out

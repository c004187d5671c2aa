"""The 包联 list and the community profiles from a spreadsheet (.xlsx, or .csv in UTF-8 or GBK,
read by gongzhi.imports.reader): every row checked with the forms' own checks, every problem
listed with its row number, and on confirmation all rows written in one transaction, or none.

Units are added (a name already on the list, or twice in the file, is a problem); profiles are kept
or replaced for each community named.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import psycopg
from openpyxl import Workbook

from gongzhi import cells, i18n
from gongzhi.auth import Identity
from gongzhi.errors import DomainError, from_db
from gongzhi.imports import reader
from gongzhi.levers import registry
from gongzhi.lists.fields import FieldError

KINDS = ("units", "profiles")
# kind → its columns (labels baolian.desk.col.<column>), the required ones, and two example rows
COLUMNS = {"units": ("name", "functions", "strength", "capacity", "located_at"),
           "profiles": ("community", "population", "old_estates")}
EXAMPLES = {"units": [["区退役军人事务局", "就业帮扶、法律援助", 40, 2, "长江路街道"],
                      ["滨江区中心医院", "health、elderly", 260, 2, "花园社区"]],
            "profiles": [["丽水社区", 8600, 3], ["江滩社区", 7200, 1]]}


@dataclass
class Plan:
    kind: str
    rows: list[tuple[int, dict]] = field(default_factory=list)      # (row number, clean values)
    problems: list[tuple[int, str, str, dict]] = field(default_factory=list)   # (row, column, key, params)

    @property
    def ready(self) -> bool:
        return not self.problems and bool(self.rows)


def template(kind: str, lang: str = "zh") -> bytes:
    """An .xlsx with the headers of `kind` in `lang` and two example rows."""
    book = Workbook()
    sheet = book.active
    cells.append(sheet, [i18n.t(f"baolian.desk.col.{c}", lang) for c in COLUMNS[kind]])
    for row in EXAMPLES[kind]:
        cells.append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _columns(kind: str, headers: list[str]) -> dict[str, int]:
    names = {i18n.t(f"baolian.desk.col.{c}", lang): c for c in COLUMNS[kind] for lang in i18n.LANGUAGES}
    names |= {c: c for c in COLUMNS[kind]}
    found = {names[h.strip()]: i for i, h in enumerate(headers) if h.strip() in names}
    if set(found) != set(COLUMNS[kind]):
        raise DomainError("baolian.desk.headers",
                          columns="、".join(i18n.t(f"baolian.desk.col.{c}") for c in COLUMNS[kind]))
    return found


def preview(user: Identity, kind: str, filename: str, data: bytes) -> Plan:
    """Every row of the file checked; nothing is written. DomainError when the file itself cannot
    be used (type, size, encoding, headers)."""
    if kind not in KINDS:
        raise DomainError("error.invalid_value")
    table = reader.read(filename, data)
    at = _columns(kind, table.headers)
    plan = Plan(kind)
    with user.session() as conn:
        if kind == "units":
            lookups = (registry.categories(conn), registry.places(conn), registry.unit_names(conn))
        else:
            lookups = registry.communities(conn)
    seen: dict[str, int] = {}
    for number, row in table.rows:
        raw = {c: row[i] if i < len(row) else None for c, i in at.items()}
        if kind == "units":
            clean, errors = registry.check_unit(raw, *lookups)
            key = clean["name"]
        else:
            clean, errors = registry.check_profile(raw)
            named = str(raw["community"] or "").strip()
            clean["community_id"] = lookups.get(named)
            if clean["community_id"] is None:
                errors.append(FieldError("community", "field.error.required" if not named
                                                  else "baolian.desk.unknown_community"))
            key = str(clean["community_id"])
        if key and key != "None" and key in seen:
            errors.append(FieldError("name" if kind == "units" else "community", "baolian.desk.twice",
                                              {"row": seen[key]}))
        seen.setdefault(key, number)
        plan.problems += [(number, e.field, e.key, e.params) for e in errors]
        if not errors:
            plan.rows.append((number, clean))
    return plan


def commit(user: Identity, plan: Plan) -> int:
    """All rows of a clean plan in one transaction, as `user`; returns how many. A row the database
    refuses undoes the whole import and is named by its number."""
    if not plan.ready:
        raise DomainError("baolian.desk.not_clean")
    number = 0
    try:
        with user.session() as conn:
            for number, clean in plan.rows:
                if plan.kind == "units":
                    conn.execute("""insert into public.baolian_unit (name, functions, strength, capacity, located_at)
                                    values (%(name)s, %(functions)s, %(strength)s, %(capacity)s, %(located_at)s)""",
                                 clean)
                else:
                    conn.execute("""insert into public.community_profile (community_id, population, old_estates)
                                    values (%(community_id)s, %(population)s, %(old_estates)s)
                                    on conflict (community_id) do update
                                    set population = excluded.population, old_estates = excluded.old_estates""",
                                 clean)
    except psycopg.Error as exc:
        if exc.diag and (exc.diag.message_primary or "").startswith("gongzhi:"):
            raise from_db(exc) from None
        raise DomainError("baolian.desk.row_refused", row=number) from None
    return len(plan.rows)

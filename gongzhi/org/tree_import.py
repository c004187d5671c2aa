"""The org tree from a spreadsheet: a district loads its streets, communities and grids at once.

Each row names a unit and its parent (by name or code: an existing unit, or a unit on an earlier
row); the level follows the parent (district → street → community → grid). Every row is checked
first and every problem listed with its row number; the confirmed import adds all units in one
transaction as the signed-in district staff member (row-level security decides), or none.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import psycopg
from openpyxl import Workbook

from gongzhi import cells, i18n
from gongzhi.auth import Identity, demo_mode
from gongzhi.errors import DomainError, from_db
from gongzhi.imports import reader
from gongzhi.org.commands import next_code
from gongzhi.org.queries import CHILD

COLUMNS = ("parent", "name", "code")          # labels: org.import.col.<column>
REQUIRED = ("parent", "name")
CODE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


@dataclass(frozen=True)
class UnitRow:
    row: int
    parent: str
    name: str
    code: str
    kind: str = ""


@dataclass
class TreePlan:
    units: list[UnitRow] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (row, column, i18n key)


def template(lang: str = "zh") -> bytes:
    """An .xlsx with the headers in `lang` and two example rows (a street and a community in it)."""
    book = Workbook()
    sheet = book.active
    cells.append(sheet, [i18n.t(f"org.import.col.{c}", lang) for c in COLUMNS])
    cells.append(sheet, ["330100", "示例街道", ""])
    cells.append(sheet, ["示例街道", "示例社区", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _columns(headers: list[str]) -> dict[str, int]:
    names = {i18n.t(f"org.import.col.{c}", lang): c for c in COLUMNS for lang in i18n.LANGUAGES}
    found = {names[h.strip()]: i for i, h in enumerate(headers) if h.strip() in names}
    if not set(REQUIRED) <= set(found):
        raise DomainError("org.import.headers", columns="、".join(i18n.t(f"org.import.col.{c}") for c in REQUIRED))
    return found


def preview(user: Identity, filename: str, data: bytes) -> TreePlan:
    """Every row checked against the tree as `user` sees it and against the rows before it."""
    table = reader.read(filename, data)
    at = _columns(table.headers)
    with user.session() as conn:
        existing = conn.execute("""select o.name, o.code, o.kind, p.name as parent_name, p.code as parent_code
                                   from public.org_unit o left join public.org_unit p on p.id = o.parent_id
                                   where o.kind <> 'building'""").fetchall()
    kind_of = {u["name"]: u["kind"] for u in existing} | {u["code"]: u["kind"] for u in existing}
    names = [u["name"] for u in existing]
    ambiguous = {n for n in names if names.count(n) > 1}
    codes = {u["code"] for u in existing}
    children = {(u[p], u["name"]) for u in existing for p in ("parent_name", "parent_code") if u[p]}
    plan = TreePlan()
    for number, row in table.rows:
        value = {c: (str(row[i]).strip() if i < len(row) and row[i] is not None else "") for c, i in at.items()}
        parent, name, code = value.get("parent", ""), value.get("name", ""), value.get("code", "")
        problems = []
        parent_kind = kind_of.get(parent)
        if not parent:
            problems.append(("parent", "field.error.required"))
        elif parent_kind is None:
            problems.append(("parent", "org.import.no_parent"))
        elif parent in ambiguous:
            problems.append(("parent", "org.import.ambiguous_parent"))
        elif parent_kind not in CHILD:
            problems.append(("parent", "org.import.parent_level"))
        if not name:
            problems.append(("name", "field.error.required"))
        elif len(name) > 100 or name.startswith(("=", "+", "-", "@")):
            problems.append(("name", "org.unit.bad_name"))
        elif (parent, name) in children:
            problems.append(("name", "org.import.duplicate"))
        if code and (not CODE.match(code) or code in codes):
            problems.append(("code", "org.unit.code_taken" if code in codes else "org.import.bad_code"))
        if problems:
            plan.problems += [(number, column, key) for column, key in problems]
            continue
        kind = CHILD[parent_kind]
        plan.units.append(UnitRow(number, parent, name, code, kind))
        children.add((parent, name))
        if name in kind_of:
            ambiguous.add(name)
        kind_of[name] = kind
        if code:
            kind_of[code] = kind
            codes.add(code)
    return plan


def commit(user: Identity, plan: TreePlan) -> int:
    """Add every unit of a clean plan in one transaction; returns how many. A district that loads
    its own tree is no longer the demo: demo mode goes off in the same transaction, so every account
    still on the published demo password must change it."""
    if plan.problems or not plan.units:
        raise DomainError("org.import.not_clean")
    try:
        with user.session() as conn:
            ids: dict[str, dict] = {}
            for unit in plan.units:
                parent = ids.get(unit.parent) or conn.execute(
                    "select id, kind, code from public.org_unit where (name = %s or code = %s) and kind <> 'building'"
                    " order by terr limit 1", (unit.parent, unit.parent)).fetchone()
                code = unit.code or next_code(conn, parent)
                row = conn.execute("insert into public.org_unit (parent_id, kind, name, code) values (%s, %s, %s, %s)"
                                   " returning id, kind, code", (parent["id"], unit.kind, unit.name, code)).fetchone()
                ids[unit.name] = ids[code] = row
            demo_mode.turn_off(conn)
    except psycopg.Error as exc:
        raise from_db(exc) from None
    return len(plan.units)

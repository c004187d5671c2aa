"""The row-level security matrix harness.

Each `test_rls_<table>.py` declares MATRIX: for every role and operation, the places where the
operation must succeed. A place is a territory relative to the role's own:
  inside  — a unit inside the role's territory,
  outside — a unit beside it (another grid of the same community, another community of the same
            street, another street): the crafted cross-territory attempt,
  above   — the unit just above the role's own (a row serving a wider area).
For the district every place lies inside the district. Department staff and anon use the grid's
places. Every cell tries the operation at all three places and checks each outcome.

The administration tables also declare ADMIN_MATRIX: the same cells for the three administrator
capabilities (三权分立; demo accounts `system`, `security`, `audit`), at the district's places.
"""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Callable

import psycopg
import pytest
from psycopg import errors as pgerr

from tests.conftest import act_as, act_as_owner, require_second_factor, unit_id

ROLES = ("district", "street", "community", "grid", "department", "anon")
ADMINS = ("system", "security", "audit")
OPS = ("select", "insert", "update", "delete")
ALL = frozenset({"inside", "outside", "above"})
NONE = frozenset()
INSIDE = frozenset({"inside"})
INSIDE_ABOVE = frozenset({"inside", "above"})
NOTHING = dict(select=NONE, insert=NONE, update=NONE, delete=NONE)
EVERYTHING = dict(select=ALL, insert=ALL, update=ALL, delete=ALL)
READ_ONLY = dict(select=ALL, insert=NONE, update=NONE, delete=NONE)
# A reference table (categories, departments …): every staff member reads it, the district keeps it.
REFERENCE_MATRIX = {"district": EVERYTHING, "street": READ_ONLY, "community": READ_ONLY, "grid": READ_ONLY,
                    "department": READ_ONLY, "anon": NOTHING}
# A setting of the district's administration (departments, whistle routing, time limits, calendar,
# the org tree): every staff member reads it, the system administrator keeps it (三权分立).
SETTINGS_MATRIX = {**REFERENCE_MATRIX, "district": READ_ONLY}
SYSTEM_KEEPS = {"system": EVERYTHING, "security": READ_ONLY, "audit": READ_ONLY}
SYSTEM_KEEPS_ALONE = {"system": EVERYTHING, "security": NOTHING, "audit": NOTHING}

_GRID_PLACES = {"inside": "丽水社区第一网格", "outside": "丽水社区第二网格", "above": "丽水社区"}
PLACES = {
    "district": {"inside": "丽水社区第一网格", "outside": "新华里社区第一网格", "above": "滨江区"},
    "street": {"inside": "丽水社区第一网格", "outside": "新华里社区第一网格", "above": "滨江区"},
    "community": {"inside": "丽水社区第二网格", "outside": "江滩社区第一网格", "above": "长江路街道"},
    "grid": _GRID_PLACES,
    "department": _GRID_PLACES,
    "anon": _GRID_PLACES,
}
PLACES.update({admin: PLACES["district"] for admin in ADMINS})


@dataclass(frozen=True)
class Spec:
    """How to make, insert, change and move rows of one table for the matrix."""
    table: str
    key: str                                   # where clause naming one row, with %(…)s fields
    make: Callable[[psycopg.Connection, int], dict]      # as owner: a row at the unit; its key
    prepare: Callable[[psycopg.Connection, int], dict]   # as owner: what an insert at the unit needs
    insert: str                                # as the role: insert one row, fields from prepare
    update_set: str                            # a harmless change
    move: str | None = None                    # as the role: move the row to %(unit)s


def matrix_cases(matrix: dict) -> list[tuple[str, str]]:
    assert set(matrix) == set(ROLES), "MATRIX must name every role"
    for role, ops in matrix.items():
        assert set(ops) == set(OPS), f"MATRIX[{role}] must name every operation"
    return list(itertools.product(ROLES, OPS))


def cell_test(spec: Spec, matrix: dict):
    """The test of every (role, operation) cell of `matrix`, to bind as `test_cell` in a module."""
    @pytest.mark.parametrize("role,op", matrix_cases(matrix))
    def test_cell(conn, role, op):
        check_cell(conn, spec, role, op, matrix[role][op])
    return test_cell


def _attempt(conn, spec: Spec, op: str, key: dict, unit: int) -> bool:
    """Try `op` as the current role inside a savepoint; True if it took effect."""
    try:
        with conn.transaction():
            if op == "select":
                return conn.execute(f"select count(*) as n from public.{spec.table} where {spec.key}",
                                    key).fetchone()["n"] == 1
            if op == "insert":
                conn.execute(spec.insert, key)
                return True
            if op == "update":
                return conn.execute(f"update public.{spec.table} set {spec.update_set} where {spec.key}",
                                    key).rowcount == 1
            return conn.execute(f"delete from public.{spec.table} where {spec.key}", key).rowcount == 1
    except (pgerr.InsufficientPrivilege, pgerr.RaiseException) as exc:
        if isinstance(exc, pgerr.RaiseException) and not str(exc).startswith("gongzhi:"):
            raise
        return False


def admin_cell_test(spec: Spec, matrix: dict):
    """The test of every (administrator capability, operation) cell of `matrix` (ADMIN_MATRIX)."""
    assert set(matrix) == set(ADMINS), "ADMIN_MATRIX must name every capability"
    for admin, ops in matrix.items():
        assert set(ops) == set(OPS), f"ADMIN_MATRIX[{admin}] must name every operation"

    @pytest.mark.parametrize("admin,op", list(itertools.product(ADMINS, OPS)))
    def test_admin_cell(conn, admin, op):
        check_cell(conn, spec, admin, op, matrix[admin][op])
    return test_admin_cell


def check_cell(conn, spec: Spec, role: str, op: str, allowed: frozenset) -> None:
    # Every account must present the second factor, and act_as presents it: the restrictive
    # aal policy is evaluated in every cell (tests/security/test_assurance_level.py: without it).
    require_second_factor(conn, everyone=True)
    outcomes = {}
    for place, unit_name in PLACES[role].items():
        act_as_owner(conn)
        unit = unit_id(conn, unit_name)
        key = spec.prepare(conn, unit) if op == "insert" else spec.make(conn, unit)
        act_as(conn, None if role == "anon" else role)
        outcomes[place] = _attempt(conn, spec, op, key, unit)
    act_as_owner(conn)
    expected = {place: place in allowed for place in PLACES[role]}
    assert outcomes == expected, f"{role} {op} on {spec.table}"


def check_move_out(conn, spec: Spec, role: str) -> None:
    """A row inside the role's territory cannot be moved outside it (WITH CHECK)."""
    act_as_owner(conn)
    key = spec.make(conn, unit_id(conn, PLACES[role]["inside"]))
    key["unit"] = unit_id(conn, PLACES[role]["outside"])
    act_as(conn, role)
    with conn.transaction():
        assert conn.execute(f"select count(*) as n from public.{spec.table} where {spec.key}",
                            key).fetchone()["n"] == 1, "the row to move must be visible"
    moved = _attempt_sql(conn, spec.move, key)
    act_as_owner(conn)
    assert not moved, f"{role} moved a {spec.table} row out of their territory"


def _attempt_sql(conn, sql: str, params: dict) -> bool:
    try:
        with conn.transaction():
            return conn.execute(sql, params).rowcount == 1
    except pgerr.InsufficientPrivilege:
        return False


def tally_matrix(places: frozenset) -> dict:
    """The matrix of a tally kept by triggers: read like the rows it counts (at `places` for the
    territorial roles, everywhere for the district), written by nobody."""
    read = dict(select=places, insert=NONE, update=NONE, delete=NONE)
    return {"district": dict(select=ALL, insert=NONE, update=NONE, delete=NONE),
            "street": read, "community": read, "grid": read, "department": NOTHING, "anon": NOTHING}


# ---------------------------------------------------------------- makers used by the specs
def unit_terr(conn, unit: int) -> dict:
    """What an insert at `unit` needs of a table keyed by territory code: {"terr": …}."""
    return {"terr": conn.execute("select terr from public.org_unit where id = %s", (unit,)).fetchone()["terr"]}


def category_id(conn) -> int:
    return conn.execute("select id from public.category order by id limit 1").fetchone()["id"]


def new_demand(conn, unit: int) -> int:
    return conn.execute("insert into public.demand (org_unit_id, category_id, title) values (%s, %s, '测试需求')"
                        " returning id", (unit, category_id(conn))).fetchone()["id"]


def new_resource(conn, unit: int) -> int:
    return conn.execute("insert into public.resource (org_unit_id, kind, category_id, name, provider, capacity)"
                        " values (%s, 'service', %s, '测试资源', '测试单位', 10) returning id",
                        (unit, category_id(conn))).fetchone()["id"]


def new_project(conn, unit: int) -> int:
    return conn.execute("insert into public.project (org_unit_id, kind, name) values (%s, 'joint', '测试项目')"
                        " returning id", (unit,)).fetchone()["id"]


def new_auth_user(conn) -> str:
    return str(conn.execute("insert into auth.users (email) values (%s) returning id",
                            (f"t-{uuid.uuid4().hex[:8]}@test.cn",)).fetchone()["id"])


def unit_role(conn, unit: int) -> str:
    return conn.execute("select kind from public.org_unit where id = %s", (unit,)).fetchone()["kind"]

"""Makers shared by the whistle tests and the RLS matrices of its tables.

Events live only in grids. A maker given another unit (the matrix's `above` place) puts the event in
the last grid under that unit, which lies outside every narrower role's territory. Events in the
demo grid 丽水社区第一网格 summon 城管 (the demo department account's); events elsewhere summon 公安,
so the department account sees exactly the `inside` events.
"""
from __future__ import annotations

from tests.conftest import unit_id
from tests.db.rls import category_id

HOME_GRID = "丽水社区第一网格"


def department_id(conn, code: str) -> int:
    return conn.execute("select id from public.department where code = %s", (code,)).fetchone()["id"]


def grid_at(conn, unit: int) -> int:
    """`unit` if it is a grid, else the last grid under it."""
    return conn.execute(
        """select g.id from public.org_unit u join public.org_unit g
             on g.kind = 'grid' and g.terr between u.terr and u.terr_hi
           where u.id = %s order by (g.id = u.id) desc, g.terr desc limit 1""", (unit,)).fetchone()["id"]


def summoned(conn, grid: int) -> list[int]:
    return [department_id(conn, "chengguan" if grid == unit_id(conn, HOME_GRID) else "gongan")]


def event_row(conn, unit: int) -> dict:
    """What an insert of an event at `unit` needs."""
    grid = grid_at(conn, unit)
    return {"unit": grid, "category": category_id(conn), "departments": summoned(conn, grid)}


INSERT_EVENT = ("insert into public.event (org_unit_id, category_id, title, address, departments)"
                " values (%(unit)s, %(category)s, '消防通道被占用', '测试小区1号楼', %(departments)s)")


def new_event(conn, unit: int, **extra) -> int:
    """As the owner: an event whistled at (the grid of) `unit`."""
    row = event_row(conn, unit) | extra
    return conn.execute(INSERT_EVENT + " returning id", row).fetchone()["id"]


def report_all(conn, event: int) -> None:
    """As the owner: every summoned department reports, so the event reaches `report`."""
    conn.execute("update public.event_department set reported_at = now() where event_id = %s", (event,))

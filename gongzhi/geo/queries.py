"""What the map draws for a scope of the viewer's territory: each grid's boundary with a measure,
the outlines of the units in between, the buildings, and points of open cases.

Every read runs in the caller's transaction as the signed-in user, so row-level security limits
the map exactly as it limits the lists; the scope itself is resolved as the dashboard resolves it
(a unit outside the viewer's territory is refused with `dashboard.scope_outside`).

Measures are per grid and named in MEASURES; another feature adds its own with `register` (e.g.
overdue visits per grid, once the grid worker's visits exist) and the page offers it at once.
Open cases are placed at their unit: a building's point, else the label point of its grid (or
community) — exact addresses are personal data and are never geocoded — one point per place,
sized by how many cases it holds.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import psycopg

from gongzhi import statuses
from gongzhi.auth import Identity
from gongzhi.dashboard.queries import Scope, resolve_scope
from gongzhi.geo import shapes

OPEN_DEMAND_STORED = tuple(s for s in statuses.OPEN_DEMAND if s in statuses.STORED["demand"])
CASE_LIMIT = 50


def _open_demands(conn: psycopg.Connection, lo: int, hi: int) -> dict[int, int]:
    rows = conn.execute("""select terr, sum(open_n)::int as n from public.demand_tally
                           where day = 'infinity' and terr between %s and %s group by terr""", (lo, hi))
    return {r["terr"]: r["n"] for r in rows}


def _open_events(conn: psycopg.Connection, lo: int, hi: int) -> dict[int, int]:
    rows = conn.execute("""select terr, count(*)::int as n from public.event
                           where closed_at is null and terr between %s and %s group by terr""", (lo, hi))
    return {r["terr"]: r["n"] for r in rows}


# measure name → function(conn, lo, hi) giving {grid terr: value}; label: geo.measure.<name>
MEASURES: dict[str, Callable[[psycopg.Connection, int, int], dict[int, int]]] = {
    "demands": _open_demands,
    "events": _open_events,
}


def register(name: str, measure: Callable[[psycopg.Connection, int, int], dict[int, int]]) -> None:
    """Add a per-grid measure (its label is the catalogue key geo.measure.<name>)."""
    MEASURES[name] = measure


# Modules whose measures join the map; each registers its own on import (at the end of this module).
PLUGINS: tuple[str, ...] = ("gongzhi.fieldwork.map",)


@dataclass
class MapData:
    scope: Scope
    measure: str
    grids: list[dict] = field(default_factory=list)      # unit_id, name, value, geom
    outlines: list[dict] = field(default_factory=list)   # unit_id, name, kind, geom: the scope and its children
    buildings: list[dict] = field(default_factory=list)  # unit_id, name, lon, lat (a grid's map only)
    points: list[dict] = field(default_factory=list)     # lon, lat, n, what ('demand' | 'event'), place
    cases: list[dict] = field(default_factory=list)      # a grid's open cases, newest first, CASE_LIMIT
    unmapped: int = 0                                    # grids of the scope without a boundary

    @property
    def total(self) -> int:
        return sum(g["value"] for g in self.grids)


def load(user: Identity, unit_id: int | None, measure: str = "demands") -> MapData:
    """The map of `unit_id` (the viewer's own unit when None) in one transaction as `user`."""
    with user.session() as conn:
        return load_in(conn, user, unit_id, measure)


def load_in(conn: psycopg.Connection, user: Identity, unit_id: int | None, measure: str = "demands") -> MapData:
    """`load` inside a transaction already acting as `user` (dict rows)."""
    if measure not in MEASURES:
        measure = "demands"
    scope = resolve_scope(conn, user, unit_id)
    lo, hi = scope.unit.terr, scope.unit.terr_hi
    data = MapData(scope, measure)
    rows = conn.execute("""
        select o.id, o.name, o.kind, o.terr, o.parent_id, g.geom
        from public.org_unit o left join public.org_geometry g on g.org_unit_id = o.id
        where o.terr between %(lo)s and %(hi)s
          and (o.kind = 'grid' or o.id = %(scope)s or o.parent_id = %(scope)s
               or (o.kind = 'building' and %(kind)s = 'grid'))
        order by o.terr, o.id""", {"lo": lo, "hi": hi, "scope": scope.unit.id, "kind": scope.unit.kind}).fetchall()
    values = MEASURES[measure](conn, lo, hi)
    place: dict[int, tuple[float, float]] = {}
    for r in rows:
        geom = r["geom"]
        if geom is not None:
            place[r["id"]] = shapes.label_point(geom)
        if r["kind"] == "grid":
            if geom is None:
                data.unmapped += 1
            else:
                data.grids.append({"unit_id": r["id"], "name": r["name"], "value": values.get(r["terr"], 0), "geom": geom})
        if r["kind"] != "grid" and r["kind"] != "building" and geom is not None:
            data.outlines.append({"unit_id": r["id"], "name": r["name"], "kind": r["kind"], "geom": geom})
        if r["kind"] == "building" and geom is not None:
            lon, lat = geom["coordinates"][:2]
            data.buildings.append({"unit_id": r["id"], "name": r["name"], "lon": lon, "lat": lat})
    _points(conn, data, lo, hi, place)
    if scope.unit.kind == "grid":
        data.cases = _cases(conn, lo, hi)
    return data


def _points(conn, data: MapData, lo: int, hi: int, place: dict) -> None:
    rows = conn.execute("""
        select x.what, x.org_unit_id, x.n, o.name, o.kind, o.grid_id, o.community_id from (
          select 'demand' as what, org_unit_id, count(*)::int as n from public.demand
          where status in %s and terr between %s and %s group by org_unit_id
          union all
          select 'event', org_unit_id, count(*)::int from public.event
          where closed_at is null and terr between %s and %s group by org_unit_id) x
        join public.org_unit o on o.id = x.org_unit_id""".replace("in %s", "in " + statuses.sql_list(OPEN_DEMAND_STORED)),
        (lo, hi, lo, hi)).fetchall()
    for r in rows:
        at = place.get(r["org_unit_id"]) or place.get(r["grid_id"]) or place.get(r["community_id"])
        if at is None:
            continue
        data.points.append({"lon": at[0], "lat": at[1], "n": r["n"], "what": r["what"], "place": r["name"]})


def _cases(conn, lo: int, hi: int) -> list[dict]:
    return conn.execute("""
        (select 'demand' as what, d.id, d.title, d.status, o.name as place, d.created_at from public.demand d
         join public.org_unit o on o.id = d.org_unit_id
         where d.status in """ + statuses.sql_list(OPEN_DEMAND_STORED) + """ and d.terr between %(lo)s and %(hi)s
         order by d.created_at desc limit %(n)s)
        union all
        (select 'event', e.id, e.title, e.step, o.name, e.created_at from public.event e
         join public.org_unit o on o.id = e.org_unit_id
         where e.closed_at is null and e.terr between %(lo)s and %(hi)s
         order by e.created_at desc limit %(n)s)
        order by created_at desc limit %(n)s""", {"lo": lo, "hi": hi, "n": CASE_LIMIT}).fetchall()


for _module in PLUGINS:
    importlib.import_module(_module)

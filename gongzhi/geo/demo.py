"""Plausible geometry for the demo district: boundaries that tile it exactly, and building points.

The demo's four streets of four communities lie as a 4 × 4 block of communities around Wuchang in
Wuhan (east bank of the Yangtze, WGS-84); each community is cut into its grids as strips. All
boundaries are drawn on one lattice of vertices, nudged by a fixed pseudo-random amount so the
streets do not look ruled, so every grid lies exactly inside its community, every community inside
its street and every street inside the district — the same checks an import makes pass.
"""
from __future__ import annotations

import random

import psycopg
from psycopg.types.json import Jsonb

WEST, SOUTH = 114.286, 30.528          # the district's south-west corner (武昌, 武汉)
COMMUNITY_W, COMMUNITY_H = 0.0150, 0.0120
SIDE = 4                               # communities per side of the district


def lattice(grids_per_community: int, seed: int = 2026) -> list[list[tuple[float, float]]]:
    """Vertices [row][column]: SIDE + 1 rows, SIDE × grids + 1 columns; the outer edge is straight."""
    rng = random.Random(seed)
    cols = SIDE * grids_per_community
    step_x = COMMUNITY_W / grids_per_community
    points = []
    for r in range(SIDE + 1):
        row = []
        for c in range(cols + 1):
            x, y = WEST + c * step_x, SOUTH + r * COMMUNITY_H
            if 0 < r < SIDE:
                y += rng.uniform(-0.2, 0.2) * COMMUNITY_H
            if 0 < c < cols:
                x += rng.uniform(-0.25, 0.25) * step_x
            row.append((round(x, 6), round(y, 6)))
        points.append(row)
    return points


def block(points, c0: int, c1: int, r0: int, r1: int) -> dict:
    """The polygon around lattice columns c0..c1 and rows r0..r1, counter-clockwise."""
    ring = [points[r0][c] for c in range(c0, c1 + 1)]
    ring += [points[r][c1] for r in range(r0 + 1, r1 + 1)]
    ring += [points[r1][c] for c in range(c1 - 1, c0 - 1, -1)]
    ring += [points[r][c0] for r in range(r1 - 1, r0 - 1, -1)]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def _inside(points, c: int, r: int, u: float, v: float) -> list[float]:
    """A point of the lattice cell (c, r) at fractions (u, v), bilinear."""
    (x00, y00), (x10, y10) = points[r][c], points[r][c + 1]
    (x01, y01), (x11, y11) = points[r + 1][c], points[r + 1][c + 1]
    x = (1 - u) * (1 - v) * x00 + u * (1 - v) * x10 + (1 - u) * v * x01 + u * v * x11
    y = (1 - u) * (1 - v) * y00 + u * (1 - v) * y10 + (1 - u) * v * y01 + u * v * y11
    return [round(x, 6), round(y, 6)]


def shapes(tree: list[dict], grids_per_community: int) -> list[tuple[int, dict]]:
    """(org_unit_id, geometry) for a tree of rows (id, parent_id, kind) in terr order: streets,
    communities, grids and buildings in the order the demo loader made them."""
    points = lattice(grids_per_community)
    n = grids_per_community
    children: dict = {}
    for unit in tree:
        children.setdefault(unit["parent_id"], []).append(unit)
    district = next(u for u in tree if u["kind"] == "district")
    out = [(district["id"], block(points, 0, SIDE * n, 0, SIDE))]
    for s, street in enumerate(children.get(district["id"], [])[:4]):
        sr, sc = divmod(s, 2)
        out.append((street["id"], block(points, 2 * sc * n, (2 * sc + 2) * n, 2 * sr, 2 * sr + 2)))
        for c, community in enumerate(children.get(street["id"], [])[:4]):
            cr, cc = 2 * sr + c // 2, 2 * sc + c % 2
            out.append((community["id"], block(points, cc * n, (cc + 1) * n, cr, cr + 1)))
            for g, grid in enumerate(children.get(community["id"], [])[:n]):
                col = cc * n + g
                out.append((grid["id"], block(points, col, col + 1, cr, cr + 1)))
                buildings = children.get(grid["id"], [])
                for b, building in enumerate(buildings):
                    v = (b + 1) / (len(buildings) + 1)
                    u = 0.3 + 0.4 * ((b * 7) % 3) / 2
                    out.append((building["id"], {"type": "Point", "coordinates": _inside(points, col, cr, u, v)}))
    return out


def load(conn: psycopg.Connection, grids_per_community: int) -> None:
    """Draw the demo district, as the owner in the loader's transaction."""
    tree = conn.execute("select id, parent_id, kind from public.org_unit order by id").fetchall()
    tree = [dict(zip(("id", "parent_id", "kind"), r)) if not isinstance(r, dict) else r for r in tree]
    with conn.cursor() as cur:
        cur.executemany("insert into public.org_geometry (org_unit_id, geom, source) values (%s, %s, 'demo')",
                        [(uid, Jsonb(geom)) for uid, geom in shapes(tree, grids_per_community)])

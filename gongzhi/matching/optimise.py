"""The assignment of a 对接会 on plain arrays: maximum total score under each resource's remaining
capacity and each demand's wanted quantity, by OR-Tools min-cost flow; and the greedy pass it is
compared with. Scores are integers per unit (points × scoring.SCALE); no database here.

Network: source → demand i (capacity want[i]) → resource j along each candidate edge (capacity
want[i], cost −score) → sink (capacity room[j]); a free source → sink arc lets flow stay unmatched,
so the minimum cost is the maximum score, not the maximum number of matches.

Demands with the same wanted units and the same candidate edges (resource and score alike) are
interchangeable: the flow (and the greedy pass it is compared with) runs on one node per such
class (`Classes`, `assign`), and each class's units are then handed to its demands in turn. Real
batches share candidate lists per (category, grid), so a hundred thousand demands make a few
thousand classes: the 对接会 builds them in SQL; `optimal` finds them in any per-demand problem.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow


@dataclass(frozen=True)
class Problem:
    want: np.ndarray        # per demand (index 0..n_d-1): units still wanted
    room: np.ndarray        # per resource (index 0..n_r-1): units of capacity left
    edge_demand: np.ndarray  # per candidate edge: demand index
    edge_resource: np.ndarray  # per candidate edge: resource index
    edge_score: np.ndarray   # per candidate edge: integer score per unit


@dataclass(frozen=True)
class Classes:
    """Interchangeable demands: demand i belongs to class `of[i]`, whose members each want `want[c]`
    units and have the same candidate edges: `resource[start[c]:start[c + 1]]`, with `score`."""
    of: np.ndarray
    want: np.ndarray
    start: np.ndarray       # n_c + 1 offsets into resource and score
    resource: np.ndarray
    score: np.ndarray

    @property
    def degree(self) -> np.ndarray:
        """Per demand: how many candidate edges it has (its class's)."""
        return np.diff(self.start)[self.of]

    def problem(self, room: np.ndarray) -> Problem:
        """The same assignment with one node per demand: each demand's edges are its class's, in
        demand order then class-edge order (the order `flows_of` answers in)."""
        degree = self.degree
        edge_demand = np.repeat(np.arange(len(self.of), dtype=np.int32), degree)     # half the memory of int64
        position = np.arange(len(edge_demand)) + (self.start[:-1][self.of] - (np.cumsum(degree) - degree))[edge_demand]
        return Problem(want=self.want[self.of], room=np.ascontiguousarray(room), edge_demand=edge_demand,
                       edge_resource=self.resource[position], edge_score=self.score[position])


def optimal(p: Problem) -> np.ndarray:
    """Units sent along each edge in an assignment of maximum total score."""
    if len(p.edge_score) == 0:
        return np.zeros(0, dtype=np.int64)
    n_d = len(p.want)
    # Each demand's edges, by resource (a stable sort of one key: the same order as a lexsort).
    order = np.argsort(p.edge_demand * len(p.room) + p.edge_resource, kind="stable")
    ed, er, es = p.edge_demand[order], p.edge_resource[order], p.edge_score[order]
    degree = np.bincount(ed, minlength=n_d)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    signature = np.zeros((n_d, 4), dtype=np.uint64)
    for column, (a, b) in enumerate(((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F), (0x165667B19E3779F9, 0xD6E8FEB86659FD93))):
        mixed = er.astype(np.uint64) * np.uint64(a) ^ es.astype(np.uint64) * np.uint64(b)
        mixed ^= mixed >> np.uint64(29)
        np.add.at(signature[:, column], ed, mixed * np.uint64(0xBF58476D1CE4E5B9))
    signature[:, 2], signature[:, 3] = p.want.astype(np.uint64), degree.astype(np.uint64)
    _, first, cls = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    # Class c has the edges of its first demand.
    class_degree = degree[first]
    class_start = np.concatenate([[0], np.cumsum(class_degree)])
    class_edge = np.repeat(np.arange(len(first)), class_degree)
    position = start[first][class_edge] + np.arange(len(class_edge)) - class_start[class_edge]
    classes = Classes(of=cls.reshape(-1), want=p.want[first], start=class_start, resource=er[position],
                      score=es[position])
    flows = np.zeros(len(order), dtype=np.int64)
    flows[order] = flows_of(classes, assign(classes, p.room))
    return flows


@dataclass(frozen=True)
class Assignment:
    """Units handed to demands: `units[x]` along class edge `edge[x]` to demand `demand[x]`."""
    demand: np.ndarray
    edge: np.ndarray
    units: np.ndarray

    def score(self, c: Classes) -> int:
        """The total score of the units handed out (points × SCALE)."""
        return int((self.units * c.score[self.edge]).sum())


def assign(c: Classes, room: np.ndarray, *, by: str = "flow") -> Assignment:
    """An assignment on one node per class — of maximum total score (`by="flow"`, min-cost flow)
    or best pair first (`by="greedy"`: class edges by score, ties in class then edge order), whose
    class units are then handed to the class's demands in turn (in demand order), edge after edge:
    counted along the class's edges, unit u goes to its (u // want)-th member."""
    n_c = len(c.want)
    size = np.bincount(c.of, minlength=n_c)
    class_edge = np.repeat(np.arange(n_c), np.diff(c.start))
    problem = Problem(want=size * c.want, room=room, edge_demand=class_edge, edge_resource=c.resource,
                      edge_score=c.score)
    class_flows = _solve(problem) if by == "flow" else greedy(problem)
    sent = np.flatnonzero(class_flows)
    members = np.argsort(c.of, kind="stable")
    first_member = np.cumsum(size) - size
    hi = np.cumsum(class_flows)
    hi -= np.concatenate([[0], hi])[c.start[:-1]][class_edge]      # units up to each edge, in its class
    lo, hi, want = hi[sent] - class_flows[sent], hi[sent], c.want[class_edge[sent]]
    pieces = (hi - 1) // want - lo // want + 1                     # members each edge's units reach
    of = np.repeat(np.arange(len(sent)), pieces)
    nth = lo[of] // want[of] + np.arange(len(of)) - (np.cumsum(pieces) - pieces)[of]
    units = np.minimum(hi[of], (nth + 1) * want[of]) - np.maximum(lo[of], nth * want[of])
    return Assignment(demand=members[first_member[class_edge[sent[of]]] + nth], edge=sent[of], units=units)


def flows_of(c: Classes, a: Assignment) -> np.ndarray:
    """The assignment as units along each edge of `c.problem(...)`."""
    degree = c.degree
    flows = np.zeros(int(degree.sum()), dtype=np.int64)
    class_of_edge = np.repeat(np.arange(len(c.want)), np.diff(c.start))
    flows[(np.cumsum(degree) - degree)[a.demand] + a.edge - c.start[class_of_edge[a.edge]]] = a.units
    return flows


def _solve(p: Problem) -> np.ndarray:
    """The min-cost flow itself, one node per demand of `p`."""
    n_d, n_r, n_e = len(p.want), len(p.room), len(p.edge_score)
    if n_e == 0:
        return np.zeros(0, dtype=np.int64)
    source, sink = n_d + n_r, n_d + n_r + 1
    total = int(p.want.sum())
    demand_nodes = np.arange(n_d, dtype=np.int32)
    resource_nodes = np.arange(n_d, n_d + n_r, dtype=np.int32)
    tails = np.concatenate([np.full(n_d, source, np.int32), p.edge_demand.astype(np.int32),
                            resource_nodes, np.array([source], np.int32)])
    heads = np.concatenate([demand_nodes, (p.edge_resource + n_d).astype(np.int32),
                            np.full(n_r, sink, np.int32), np.array([sink], np.int32)])
    caps = np.concatenate([p.want, p.want[p.edge_demand], p.room, np.array([total])]).astype(np.int64)
    # Scores are tenths of a point × SCALE: dividing by their common factor leaves the same optima
    # and lets the solver's cost scaling take fewer rounds (0.8 → 0.5 s for a hundred thousand demands).
    unit = max(1, int(np.gcd.reduce(p.edge_score)))
    costs = np.concatenate([np.zeros(n_d), -p.edge_score // unit, np.zeros(n_r), np.zeros(1)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_d + n_r + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(n_d + n_r + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    return flow.flows(arcs[n_d:n_d + n_e]).astype(np.int64)


def greedy(p: Problem, chunk: int = 2048) -> np.ndarray:
    """Edges taken best score first (ties in edge order), each as far as the demand and the
    resource allow. The same loop over every edge, but each run of `chunk` edges first drops, in
    bulk, those whose demand or resource is already used up: most edges are, by their turn."""
    order = np.argsort(-p.edge_score, kind="stable")
    ed, er = p.edge_demand[order], p.edge_resource[order]
    want, room = p.want.astype(np.int64), p.room.astype(np.int64)     # copies, updated in place
    taken = np.zeros(len(order), dtype=np.int64)
    w, r, t = memoryview(want), memoryview(room), memoryview(taken)   # fast item access, same memory
    for lo in range(0, len(order), chunk):
        d, s = ed[lo:lo + chunk], er[lo:lo + chunk]
        alive = np.flatnonzero((want[d] > 0) & (room[s] > 0))
        for e, i, j in zip((alive + lo).tolist(), d[alive].tolist(), s[alive].tolist()):
            units = w[i] if w[i] < r[j] else r[j]
            if units > 0:
                t[e] = units
                w[i] -= units
                r[j] -= units
    out = np.empty_like(taken)
    out[order] = taken
    return out


def total_score(p: Problem, flows: np.ndarray) -> int:
    return int((flows * p.edge_score).sum())

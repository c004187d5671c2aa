"""The assignment of a 对接会 on plain arrays: maximum total score under each resource's remaining
capacity and each demand's wanted quantity, by OR-Tools min-cost flow; and the greedy pass it is
compared with. Scores are integers per unit (points × scoring.SCALE); no database here.

Network: source → demand i (capacity want[i]) → resource j along each candidate edge (capacity
want[i], cost −score) → sink (capacity room[j]); a free source → sink arc lets flow stay unmatched,
so the minimum cost is the maximum score, not the maximum number of matches.

Demands with the same wanted units and the same candidate edges (resource and score alike) are
interchangeable: the flow runs on one node per such class, and each class's units are then handed
to its demands in turn. Real batches share candidate lists per (category, grid), so a hundred
thousand demands make a few thousand classes.
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


def optimal(p: Problem) -> np.ndarray:
    """Units sent along each edge in an assignment of maximum total score."""
    if len(p.edge_score) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((p.edge_resource, p.edge_demand))   # each demand's edges, by resource
    ed, er, es = p.edge_demand[order], p.edge_resource[order], p.edge_score[order]
    n_d = len(p.want)
    degree = np.bincount(ed, minlength=n_d)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    signature = np.zeros((n_d, 4), dtype=np.uint64)
    for column, (a, b) in enumerate(((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F), (0x165667B19E3779F9, 0xD6E8FEB86659FD93))):
        mixed = er.astype(np.uint64) * np.uint64(a) ^ es.astype(np.uint64) * np.uint64(b)
        mixed ^= mixed >> np.uint64(29)
        np.add.at(signature[:, column], ed, mixed * np.uint64(0xBF58476D1CE4E5B9))
    signature[:, 2], signature[:, 3] = p.want.astype(np.uint64), degree.astype(np.uint64)
    _, first, cls = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    cls = cls.reshape(-1)
    if len(first) == n_d:
        return _solve(p)
    members = [[] for _ in first]
    for demand in np.argsort(cls, kind="stable").tolist():   # demands of a class in their order
        members[cls[demand]].append(demand)
    rep_edges = [np.arange(start[r], start[r] + degree[r]) for r in first.tolist()]
    classes = Problem(want=np.bincount(cls, weights=p.want, minlength=len(first)).astype(np.int64),
                      room=p.room,
                      edge_demand=np.repeat(np.arange(len(first)), degree[first]),
                      edge_resource=np.concatenate([er[e] for e in rep_edges]),
                      edge_score=np.concatenate([es[e] for e in rep_edges]))
    class_flows = _solve(classes)
    flows = np.zeros(len(order), dtype=np.int64)
    offset = 0
    for c, edges in enumerate(rep_edges):
        sent = class_flows[offset:offset + len(edges)]
        offset += len(edges)
        if not sent.any():
            continue
        queue = iter(members[c])
        demand, room = next(queue), int(p.want[members[c][0]])
        for k, units in enumerate(sent.tolist()):
            while units > 0:
                if room == 0:
                    demand = next(queue)
                    room = int(p.want[demand])
                take = min(units, room)
                flows[order[start[demand] + k]] += take
                units, room = units - take, room - take
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
    costs = np.concatenate([np.zeros(n_d), -p.edge_score, np.zeros(n_r), np.zeros(1)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_d + n_r + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(n_d + n_r + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    return flow.flows(arcs[n_d:n_d + n_e]).astype(np.int64)


def greedy(p: Problem) -> np.ndarray:
    """Edges taken best score first, each as far as the demand and the resource allow."""
    order = np.lexsort((np.arange(len(p.edge_score)), -p.edge_score)).tolist()
    want = p.want.astype(np.int64).tolist()
    room = p.room.astype(np.int64).tolist()
    ed, er = p.edge_demand.tolist(), p.edge_resource.tolist()
    out = [0] * len(order)
    for e in order:
        i, j = ed[e], er[e]
        units = want[i] if want[i] < room[j] else room[j]
        if units > 0:
            out[e] = units
            want[i] -= units
            room[j] -= units
    return np.array(out, dtype=np.int64)


def total_score(p: Problem, flows: np.ndarray) -> int:
    return int((flows * p.edge_score).sum())

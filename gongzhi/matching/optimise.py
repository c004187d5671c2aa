"""The assignment of a 对接会 on plain arrays: maximum total score under each resource's remaining
capacity and each demand's wanted quantity, by OR-Tools min-cost flow; and the greedy pass it is
compared with. Scores are integers per unit (points × scoring.SCALE); no database here.

Network: source → demand i (capacity want[i]) → resource j along each candidate edge (capacity
want[i], cost −score) → sink (capacity room[j]); a free source → sink arc lets flow stay unmatched,
so the minimum cost is the maximum score, not the maximum number of matches.
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

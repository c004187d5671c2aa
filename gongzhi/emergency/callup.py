"""The call-up (战时调度) on plain arrays: people to shifts, each shift taking at most its capacity,
each person at most `per_person` shifts and never two in one overlap group, maximum coverage first
and then the best total score, by OR-Tools min-cost flow; and the greedy pass it is measured
against. No database here (gongzhi.emergency.commands loads the arrays and writes the result; the
database's exclusion constraint refuses overlapping shifts of one person whatever this module does).

Network: source → person (capacity per_person) → (person, group) (capacity 1) → shift along each
candidate edge (capacity 1, cost top − score) → sink (capacity room). The maximum flow is the most
seats filled; among those, the minimum cost is the maximum score.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow


@dataclass(frozen=True)
class Problem:
    room: np.ndarray          # per shift: seats still free
    group: np.ndarray         # per shift: its overlap group (shifts of one group overlap in time)
    edge_person: np.ndarray   # per candidate edge: person index
    edge_shift: np.ndarray    # per candidate edge: shift index
    edge_score: np.ndarray    # per candidate edge: integer score (higher is better)
    per_person: int = 1       # shifts one person may take in this call-up


def overlap_groups(starts: list, ends: list) -> np.ndarray:
    """Per shift, a group number such that overlapping shifts share a group (chains merged)."""
    order = sorted(range(len(starts)), key=lambda i: starts[i])
    group = np.zeros(len(starts), dtype=np.int64)
    current, reach = -1, None
    for i in order:
        if reach is None or starts[i] >= reach:
            current += 1
            reach = ends[i]
        else:
            reach = max(reach, ends[i])
        group[i] = current
    return group


def optimal(p: Problem) -> np.ndarray:
    """Per candidate edge, True where the person is called up to the shift."""
    n_e = len(p.edge_score)
    if n_e == 0:
        return np.zeros(0, dtype=bool)
    persons, person_ix = np.unique(p.edge_person, return_inverse=True)
    pg_key = person_ix.astype(np.int64) * (int(p.group.max()) + 1) + p.group[p.edge_shift]
    pgs, pg_ix = np.unique(pg_key, return_inverse=True)
    n_p, n_pg, n_s = len(persons), len(pgs), len(p.room)
    source, sink = 0, 1
    person_node = 2 + np.arange(n_p)
    pg_node = 2 + n_p + np.arange(n_pg)
    shift_node = 2 + n_p + n_pg + np.arange(n_s)
    top = int(p.edge_score.max()) + 1
    tails = np.concatenate([np.full(n_p, source), person_node[pgs // (int(p.group.max()) + 1)],
                            pg_node[pg_ix], shift_node])
    heads = np.concatenate([person_node, pg_node, shift_node[p.edge_shift], np.full(n_s, sink)])
    caps = np.concatenate([np.full(n_p, p.per_person), np.ones(n_pg, dtype=np.int64), np.ones(n_e, dtype=np.int64),
                           np.maximum(p.room, 0)])
    costs = np.concatenate([np.zeros(n_p + n_pg, dtype=np.int64), top - p.edge_score.astype(np.int64),
                            np.zeros(n_s, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs)
    most = int(min(n_p * p.per_person, np.maximum(p.room, 0).sum()))
    flow.set_node_supply(source, most)
    flow.set_node_supply(sink, -most)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    first_edge = n_p + n_pg
    return flow.flows(np.arange(first_edge, first_edge + n_e)) > 0


def greedy(p: Problem) -> np.ndarray:
    """The baseline: edges by score, highest first; take one when the shift has a seat, the person a
    shift left and no shift yet in that group."""
    chosen = np.zeros(len(p.edge_score), dtype=bool)
    room = p.room.astype(np.int64).copy()
    taken: dict[int, int] = {}
    busy: set[tuple[int, int]] = set()
    for e in np.argsort(-p.edge_score, kind="stable"):
        s, person = int(p.edge_shift[e]), int(p.edge_person[e])
        key = (person, int(p.group[s]))
        if room[s] > 0 and taken.get(person, 0) < p.per_person and key not in busy:
            chosen[e] = True
            room[s] -= 1
            taken[person] = taken.get(person, 0) + 1
            busy.add(key)
    return chosen


def coverage(p: Problem, chosen: np.ndarray) -> float:
    """The share of free seats filled."""
    seats = int(np.maximum(p.room, 0).sum())
    return float(chosen.sum()) / seats if seats else 1.0

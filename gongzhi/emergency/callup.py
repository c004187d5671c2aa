"""The call-up (战时调度) on plain arrays: people to shifts, each shift taking at most its capacity,
each person at most `per_person` shifts and never two in one overlap group, maximum coverage first
and then the best total score, by OR-Tools min-cost flow; and the greedy pass it is measured
against. No database here (gongzhi.emergency.commands loads the arrays and writes the result; the
database's exclusion constraint refuses overlapping shifts of one person whatever this module does).

Network: source → person (capacity per_person) → (person, group) (capacity 1) → shift along each
candidate edge (capacity 1, cost top − score) → sink (capacity room). The maximum flow is the most
seats filled; among those, the minimum cost is the maximum score.

With one shift per person (the usual call-up) the (person, group) layer is not needed, and people
with the same candidate edges (same shifts, same scores: neighbours with the same skills) are
interchangeable: the flow runs on one node per such class, whose seats are then handed to its
members in turn. Fifty thousand people in two thousand buildings make a few thousand classes.
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
    if p.per_person == 1:
        return _by_class(p)
    return _full(p)


def _solve(tails, heads, caps, costs, supply: int) -> "min_cost_flow.SimpleMinCostFlow":
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs.astype(np.int64))
    flow.set_node_supply(0, supply)
    flow.set_node_supply(1, -supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return flow


def _by_class(p: Problem) -> np.ndarray:
    """One shift per person: source → class (its size) → shift → sink, then seats to members."""
    n_e, n_s = len(p.edge_score), len(p.room)
    persons, person_ix = np.unique(p.edge_person, return_inverse=True)
    n_p = len(persons)
    signature = np.zeros((n_p, 3), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column, (a, b) in enumerate(((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F),
                                         (0x165667B19E3779F9, 0xD6E8FEB86659FD93))):
            mixed = p.edge_shift.astype(np.uint64) * np.uint64(a) ^ p.edge_score.astype(np.uint64) * np.uint64(b)
            mixed ^= mixed >> np.uint64(29)
            np.add.at(signature[:, column], person_ix, mixed * np.uint64(0xBF58476D1CE4E5B9))
    signature[:, 2] = np.bincount(person_ix, minlength=n_p).astype(np.uint64)
    _, first, cls = np.unique(signature, axis=0, return_index=True, return_inverse=True)
    cls = cls.reshape(-1)
    n_c = len(first)
    size = np.bincount(cls, minlength=n_c)
    # The class's edges are those of its first member.
    edge_cls = cls[person_ix]
    own = person_ix == first[edge_cls]
    ce = np.flatnonzero(own)
    top = int(p.edge_score.max()) + 1
    class_node, shift_node = 2 + np.arange(n_c), 2 + n_c + np.arange(n_s)
    tails = np.concatenate([np.zeros(n_c, dtype=np.int64), class_node[edge_cls[ce]], shift_node])
    heads = np.concatenate([class_node, shift_node[p.edge_shift[ce]], np.ones(n_s, dtype=np.int64)])
    caps = np.concatenate([size, size[edge_cls[ce]], np.maximum(p.room, 0)])
    costs = np.concatenate([np.zeros(n_c, dtype=np.int64), top - p.edge_score[ce].astype(np.int64),
                            np.zeros(n_s, dtype=np.int64)])
    flow = _solve(tails, heads, caps, costs, int(min(n_p, np.maximum(p.room, 0).sum())))
    sent = flow.flows(np.arange(n_c, n_c + len(ce)))
    # Hand each class's seats to its members in turn: the k-th member takes the k-th seat.
    chosen = np.zeros(n_e, dtype=bool)
    members = np.argsort(cls, kind="stable")                    # persons by class, in person order
    member_start = np.cumsum(size) - size
    key = person_ix.astype(np.int64) * n_s + p.edge_shift
    key_order = np.argsort(key)
    handed = np.zeros(n_c, dtype=np.int64)
    picks = []
    for k in np.flatnonzero(sent > 0):
        c, n = int(edge_cls[ce[k]]), int(sent[k])
        taken = members[member_start[c] + handed[c]:member_start[c] + handed[c] + n]
        picks.append(taken.astype(np.int64) * n_s + p.edge_shift[ce[k]])
        handed[c] += n
    if picks:
        wanted = np.concatenate(picks)
        chosen[key_order[np.searchsorted(key, wanted, sorter=key_order)]] = True
    return chosen


def _full(p: Problem) -> np.ndarray:
    """Several shifts per person, one per overlap group: the (person, group) layer."""
    n_e = len(p.edge_score)
    persons, person_ix = np.unique(p.edge_person, return_inverse=True)
    pg_key = person_ix.astype(np.int64) * (int(p.group.max()) + 1) + p.group[p.edge_shift]
    pgs, pg_ix = np.unique(pg_key, return_inverse=True)
    n_p, n_pg, n_s = len(persons), len(pgs), len(p.room)
    source, sink = 0, 1   # as _solve sets them
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
    flow = _solve(tails, heads, caps, costs, int(min(n_p * p.per_person, np.maximum(p.room, 0).sum())))
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

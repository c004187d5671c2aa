"""包联 on plain data: the score of a unit for a community by the five principles and the
assignment of maximum total score under each unit's capacity, by OR-Tools min-cost flow. No
database here.

The principles, as points:
  职能相关 (functions related)  up to 50 × the share of the community's open demands in the unit's functions;
  地域相近 (near)               30 in the same community, 20 in the same street, 5 elsewhere;
  合理匹配 (fair spread)        up to 20 as the unit's strength fits the community's size (people per
                                thousand residents, old estates counting double); and each further unit
                                in a community earns SPREAD points less than the one before;
  联合互补 (complementary)      a second unit of the same main function in a community earns SAME less,
                                a third 2 × SAME less …;
  集中力量 (concentrate)        the first unit of each community earns COVER more, so every community
                                is covered before any gets a second.

The separable penalties are convex, so one flow finds the exact optimum: source → unit u
(capacity_u) → (community c, u's main function) at −score(u, c) → community c along parallel
arcs costing 0, SAME, 2·SAME … → sink along arcs costing −COVER, SPREAD, 2·SPREAD …; a free
source → sink arc leaves capacity unused when no pair is worth it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

SCALE = 100          # points are kept as integers × SCALE in the flow
SAME = 15.0          # 联合互补: less for each further unit of the same main function in a community
SPREAD = 10.0        # 合理匹配: less for each further unit in a community
COVER = 40.0         # 集中力量: more for a community's first unit
PER_COMMUNITY = 4    # most units one community takes


@dataclass(frozen=True)
class Unit:
    key: int
    name: str
    functions: tuple[str, ...]
    strength: int
    capacity: int
    street: int | None       # where it sits: street and community ids (None when above them)
    community: int | None


@dataclass(frozen=True)
class Community:
    key: int
    name: str
    street: int | None
    demand_mix: dict[str, int]     # open demands per category code
    population: int = 0
    old_estates: int = 0


@dataclass(frozen=True)
class Pair:
    unit: int
    community: int
    score: float                                  # the pair's own points (before the penalties)
    reasons: list[dict] = field(default_factory=list)   # [{key, params}] i18n keys of baolian.reason.*


def pair_score(u: Unit, c: Community) -> float:
    """The pair's points alone (pair_points without the reasons)."""
    total = sum(c.demand_mix.values())
    share = sum(c.demand_mix.get(f, 0) for f in set(u.functions)) / total if total else 0.0
    if u.community is not None and u.community == c.key:
        near = 30.0
    elif u.street is not None and u.street == c.street:
        near = 20.0
    else:
        near = 5.0
    need = max(1.0, c.population / 1000 + 2 * c.old_estates)
    return 50 * share + near + 20 * min(u.strength, need) / max(u.strength, need)


def score_matrix(units: list[Unit], communities: list[Community]) -> np.ndarray:
    """pair_score of every unit (rows) and community (columns), computed on arrays."""
    codes = sorted({f for u in units for f in u.functions} | {f for c in communities for f in c.demand_mix})
    at = {f: k for k, f in enumerate(codes)}
    has = np.zeros((len(units), len(codes)))
    for i, u in enumerate(units):
        has[i, [at[f] for f in set(u.functions)]] = 1.0
    mix = np.zeros((len(codes), len(communities)))
    for j, c in enumerate(communities):
        for f, n in c.demand_mix.items():
            mix[at[f], j] = n
    totals = mix.sum(axis=0)
    share = (has @ mix) / np.where(totals > 0, totals, 1.0)
    u_comm = np.array([-1 if u.community is None else u.community for u in units])[:, None]
    u_street = np.array([-1 if u.street is None else u.street for u in units])[:, None]
    c_key = np.array([c.key for c in communities])[None, :]
    c_street = np.array([-2 if c.street is None else c.street for c in communities])[None, :]
    near = np.where(u_comm == c_key, 30.0, np.where(u_street == c_street, 20.0, 5.0))
    need = np.maximum(1.0, np.array([c.population / 1000 + 2 * c.old_estates for c in communities]))[None, :]
    strength = np.array([float(u.strength) for u in units])[:, None]
    return 50 * share + near + 20 * np.minimum(strength, need) / np.maximum(strength, need)


def pair_points(u: Unit, c: Community) -> tuple[float, list[dict]]:
    """The pair's points and its reasons (i18n keys with parameters)."""
    total = sum(c.demand_mix.values())
    related = [f for f in u.functions if c.demand_mix.get(f)]
    share = sum(c.demand_mix[f] for f in related) / total if total else 0.0
    reasons = []
    functions = 50 * share
    reasons.append({"key": "baolian.reason.functions" if related else "baolian.reason.no_functions",
                    "params": {"functions": related, "share": round(100 * share), "points": round(functions, 1)}})
    if u.community is not None and u.community == c.key:
        near, where = 30.0, "baolian.reason.same_community"
    elif u.street is not None and u.street == c.street:
        near, where = 20.0, "baolian.reason.same_street"
    else:
        near, where = 5.0, "baolian.reason.far"
    reasons.append({"key": where, "params": {"points": near}})
    need = max(1.0, c.population / 1000 + 2 * c.old_estates)
    fit = 20 * min(u.strength, need) / max(u.strength, need)
    reasons.append({"key": "baolian.reason.strength", "params": {"strength": u.strength, "need": round(need),
                                                                  "points": round(fit, 1)}})
    return functions + near + fit, reasons


def objective(units: list[Unit], communities: list[Community], pairs: list[tuple[int, int]]) -> float:
    """The total score of `pairs` ((unit key, community key)), penalties and bonuses included."""
    by_unit = {u.key: u for u in units}
    by_comm = {c.key: c for c in communities}
    total, in_comm, same = 0.0, {}, {}
    for uk, ck in pairs:
        total += pair_score(by_unit[uk], by_comm[ck])
        in_comm[ck] = in_comm.get(ck, 0) + 1
        key = (ck, by_unit[uk].functions[0])
        same[key] = same.get(key, 0) + 1
    for n in in_comm.values():
        total += COVER - SPREAD * n * (n - 1) / 2
    for n in same.values():
        total -= SAME * n * (n - 1) / 2
    return total


def feasible(units: list[Unit], pairs: list[tuple[int, int]]) -> bool:
    """Each unit within its capacity, each community within PER_COMMUNITY, no pair twice."""
    if len(set(pairs)) != len(pairs):
        return False
    cap = {u.key: u.capacity for u in units}
    used: dict[int, int] = {}
    per: dict[int, int] = {}
    for uk, ck in pairs:
        used[uk] = used.get(uk, 0) + 1
        per[ck] = per.get(ck, 0) + 1
    return all(used[k] <= cap[k] for k in used) and all(n <= PER_COMMUNITY for n in per.values())


def assign(units: list[Unit], communities: list[Community]) -> list[Pair]:
    """Pairs of maximum objective() under the capacities, each with its reasons."""
    if not units or not communities:
        return []
    points = score_matrix(units, communities)
    flow = min_cost_flow.SimpleMinCostFlow()
    nu, nc = len(units), len(communities)
    functions = sorted({u.functions[0] for u in units})
    nf = len(functions)
    source, sink = 0, 1
    unit_node = {u.key: 2 + i for i, u in enumerate(units)}
    comm_node = {c.key: 2 + nu + j for j, c in enumerate(communities)}
    cf_base = 2 + nu + nc
    fidx = {f: k for k, f in enumerate(functions)}
    supply = sum(u.capacity for u in units)
    per = min(PER_COMMUNITY, max(u.capacity for u in units) * nu)
    for u in units:
        flow.add_arc_with_capacity_and_unit_cost(source, unit_node[u.key], u.capacity, 0)
    main = np.array([fidx[u.functions[0]] for u in units])
    tails = np.repeat(2 + np.arange(nu), nc)
    heads = (cf_base + np.arange(nc)[None, :] * nf + main[:, None]).reshape(-1)
    costs = -np.rint(points * SCALE).astype(np.int64).reshape(-1)
    first_arc = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(nu * nc, dtype=np.int64), costs)[0]
    for j, c in enumerate(communities):
        for f in range(nf):
            for k in range(per):
                flow.add_arc_with_capacity_and_unit_cost(cf_base + j * nf + f, comm_node[c.key], 1,
                                                         round(k * SAME * SCALE))
        for k in range(per):
            cost = -COVER if k == 0 else k * SPREAD
            flow.add_arc_with_capacity_and_unit_cost(comm_node[c.key], sink, 1, round(cost * SCALE))
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed")
    sent = np.flatnonzero(flow.flows(np.arange(first_arc, first_arc + nu * nc)) > 0)
    chosen = [(units[i // nc].key, communities[i % nc].key) for i in sent]
    return _with_reasons(units, communities, chosen)


def _with_reasons(units: list[Unit], communities: list[Community], chosen: list[tuple[int, int]]) -> list[Pair]:
    by_unit = {u.key: u for u in units}
    by_comm = {c.key: c for c in communities}
    points = {(uk, ck): pair_points(by_unit[uk], by_comm[ck]) for uk, ck in chosen}
    names = {}
    for uk, ck in chosen:
        names.setdefault((ck, by_unit[uk].functions[0]), []).append(by_unit[uk].name)
    per: dict[int, int] = {}
    for _uk, ck in chosen:
        per[ck] = per.get(ck, 0) + 1
    pairs = []
    for uk, ck in sorted(chosen, key=lambda p: (p[1], -points[p][0], p[0])):
        score, reasons = points[(uk, ck)]
        reasons = list(reasons)
        peers = [n for n in names[(ck, by_unit[uk].functions[0])] if n != by_unit[uk].name]
        reasons.append({"key": "baolian.reason.overlap" if peers else "baolian.reason.complement",
                        "params": {"units": "、".join(peers), "functions": [by_unit[uk].functions[0]]}})
        reasons.append({"key": "baolian.reason.alone" if per[ck] == 1 else "baolian.reason.shared",
                        "params": {"n": per[ck]}})
        pairs.append(Pair(uk, ck, round(score, 3), reasons))
    return pairs

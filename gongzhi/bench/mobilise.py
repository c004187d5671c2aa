"""`bench mobilise`: the leaders' levers at district scale, one function per figure, so that more
figures (the emergency call-up's) are added beside them.

- `baolian_s`: the 包联 assignment (`gongzhi.levers.pairing.assign`) of 300 units to 300
  communities (ten demand categories, capacities 1–3), from plain data; target ≤ 2 s.
- `baolian_vs_greedy_time`: that time over a greedy pass on the same data (each unit in turn takes
  its best communities with room), measured in the same run;
- `baolian_vs_greedy_score`: the optimal assignment's objective over the greedy one's (≥ 1.0).
"""
from __future__ import annotations

import random
import time

from gongzhi.levers import pairing
from gongzhi.levers.pairing import Community, Unit

NAME = "mobilise"
UNITS = 300
COMMUNITIES = 300
CATEGORIES = ("elderly", "repair", "legal", "employment", "health", "childcare", "environment", "counselling",
              "culture", "safety")


def baolian_case(units: int = UNITS, communities: int = COMMUNITIES, seed: int = 2026):
    """A district of `units` units and `communities` communities in 20 streets, reproducible."""
    rng = random.Random(seed)
    streets = 20
    cs = [Community(10_000 + j, f"社区{j}", j % streets, {c: rng.randint(0, 30) for c in rng.sample(CATEGORIES, 5)},
                    rng.randint(3_000, 30_000), rng.randint(0, 6)) for j in range(communities)]
    us = [Unit(i, f"单位{i}", tuple(rng.sample(CATEGORIES, rng.randint(1, 3))), rng.randint(10, 400),
               rng.randint(1, 3), rng.randrange(streets), rng.choice([None, 10_000 + rng.randrange(communities)]))
          for i in range(units)]
    return us, cs


def greedy(units: list[Unit], communities: list[Community]) -> list[tuple[int, int]]:
    """The baseline: each unit in turn takes its best-scoring communities that still have room."""
    room = {c.key: pairing.PER_COMMUNITY for c in communities}
    chosen = []
    for u in units:
        ranked = sorted(communities, key=lambda c: -pairing.pair_score(u, c))
        for c in [c for c in ranked if room[c.key] > 0][:u.capacity]:
            room[c.key] -= 1
            chosen.append((u.key, c.key))
    return chosen


def _timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - started


def baolian_figures(units: int = UNITS, communities: int = COMMUNITIES) -> dict:
    """baolian_s with its ratios against the greedy pass."""
    us, cs = baolian_case(units, communities)
    pairs, optimal_s = _timed(pairing.assign, us, cs)
    base, greedy_s = _timed(greedy, us, cs)
    optimal_score = pairing.objective(us, cs, [(p.unit, p.community) for p in pairs])
    greedy_score = pairing.objective(us, cs, base)
    return {"baolian_s": round(optimal_s, 3),
            "baolian_greedy_s": round(greedy_s, 3),
            "baolian_vs_greedy_time": round(optimal_s / greedy_s, 2) if greedy_s else None,
            "baolian_vs_greedy_score": round(optimal_score / greedy_score, 4) if greedy_score else None,
            "baolian_pairs": len(pairs)}


FIGURES = (baolian_figures,)


def run(demands: int = 1_000_000, keep: bool = True) -> dict:
    """Every figure of the module; these need no database (`demands` and `keep` are the runner's)."""
    out: dict = {}
    for figure in FIGURES:
        out.update(figure())
    return out

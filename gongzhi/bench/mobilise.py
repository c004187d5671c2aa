"""`bench mobilise`: the leaders' levers at district scale, one function per figure, so that more
figures (the emergency call-up's) are added beside them.

- `baolian_s`: the 包联 assignment (`gongzhi.levers.pairing.assign`) of 300 units to 300
  communities (ten demand categories, capacities 1–3), from plain data, scoring included; target ≤ 2 s.
- `baolian_cpu_s`: the CPU time of that assignment (what a loaded machine's wall time hides);
- `baolian_vs_greedy_time`: that time over a greedy pass on the same data (the same score matrix,
  then each unit in turn takes its best communities with room), measured in the same run;
- `baolian_vs_greedy_score`: the optimal assignment's objective over the greedy one's (≥ 1.0).
"""
from __future__ import annotations

import random
import time

import numpy as np

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
    """The baseline: each unit in turn takes its best-scoring communities that still have room
    (scored by the same matrix as the optimal assignment)."""
    matrix = pairing.score_matrix(units, communities)
    room = [pairing.PER_COMMUNITY] * len(communities)
    chosen = []
    for i, u in enumerate(units):
        taken = 0
        for j in np.argsort(-matrix[i], kind="stable"):
            if taken == u.capacity:
                break
            if room[j] > 0:
                room[j] -= 1
                taken += 1
                chosen.append((u.key, communities[j].key))
    return chosen


def _timed(fn, *args):
    """fn(*args), its wall time and the CPU time this process spent on it."""
    started, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - started, time.process_time() - cpu


def baolian_figures(units: int = UNITS, communities: int = COMMUNITIES) -> dict:
    """baolian_s with its ratios against the greedy pass."""
    us, cs = baolian_case(units, communities)
    pairs, optimal_s, optimal_cpu = _timed(pairing.assign, us, cs)
    base, greedy_s, _ = _timed(greedy, us, cs)
    optimal_score = pairing.objective(us, cs, [(p.unit, p.community) for p in pairs])
    greedy_score = pairing.objective(us, cs, base)
    return {"baolian_s": round(optimal_s, 3),
            "baolian_cpu_s": round(optimal_cpu, 3),
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

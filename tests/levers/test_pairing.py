"""包联's assignment is optimal for its score (against every assignment of small cases), never
exceeds a unit's capacity or a community's limit, and gives every pair its reasons."""
import itertools
import random

import pytest

from gongzhi.levers import pairing
from gongzhi.levers.pairing import Community, Unit

FUNCTIONS = ("elderly", "repair", "legal", "health")


def _case(seed: int, n_units: int, n_communities: int):
    rng = random.Random(seed)
    units = [Unit(i, f"单位{i}", tuple(rng.sample(FUNCTIONS, rng.randint(1, 2))), rng.randint(5, 300),
                  rng.randint(1, 2), rng.choice([1, 2]), rng.choice([None, 100, 101, 200]))
             for i in range(n_units)]
    communities = [Community(100 + j, f"社区{j}", 1 + j // 2, {f: rng.randint(0, 6) for f in rng.sample(FUNCTIONS, 2)},
                             rng.randint(2000, 20000), rng.randint(0, 3)) for j in range(n_communities)]
    return units, communities


def _best_by_brute_force(units, communities) -> float:
    """Every unit takes any subset of communities within its capacity: the best objective()."""
    options = []
    for u in units:
        subsets = [()]
        for k in range(1, u.capacity + 1):
            subsets += list(itertools.combinations([c.key for c in communities], k))
        options.append([[(u.key, c) for c in s] for s in subsets])
    best = float("-inf")
    for choice in itertools.product(*options):
        pairs = [p for part in choice for p in part]
        if pairing.feasible(units, pairs):
            best = max(best, pairing.objective(units, communities, pairs))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_assignment_is_optimal_on_small_cases(seed):
    units, communities = _case(seed, 4, 3)
    pairs = pairing.assign(units, communities)
    chosen = [(p.unit, p.community) for p in pairs]
    assert pairing.feasible(units, chosen)
    # integer points in the flow: within rounding of the exact best
    assert pairing.objective(units, communities, chosen) == pytest.approx(_best_by_brute_force(units, communities),
                                                                          abs=0.05 * len(chosen) + 0.01)


def test_two_units_of_one_function_go_to_different_communities_when_they_can():
    units = [Unit(1, "甲", ("elderly",), 50, 1, 1, None), Unit(2, "乙", ("elderly",), 50, 1, 1, None)]
    communities = [Community(10, "一", 1, {"elderly": 9}, 9000), Community(11, "二", 1, {"elderly": 1}, 9000)]
    chosen = {(p.unit, p.community) for p in pairing.assign(units, communities)}
    assert {c for _u, c in chosen} == {10, 11}


@pytest.mark.parametrize("seed", range(5))
def test_capacity_is_never_exceeded_and_every_pair_has_reasons(seed):
    units, communities = _case(seed, 30, 25)
    pairs = pairing.assign(units, communities)
    held = {}
    for p in pairs:
        held[p.unit] = held.get(p.unit, 0) + 1
    assert all(held[u.key] <= u.capacity for u in units if u.key in held)
    assert pairing.feasible(units, [(p.unit, p.community) for p in pairs])
    keys = {"baolian.reason.functions", "baolian.reason.no_functions"}
    for p in pairs:
        named = {r["key"] for r in p.reasons}
        assert named & keys and named & {"baolian.reason.same_community", "baolian.reason.same_street",
                                         "baolian.reason.far"}
        assert "baolian.reason.strength" in named and named & {"baolian.reason.overlap", "baolian.reason.complement"}


def test_every_community_is_covered_before_any_gets_a_second_when_capacity_allows():
    units, communities = _case(3, 20, 10)
    covered = {p.community for p in pairing.assign(units, communities)}
    assert covered == {c.key for c in communities}


@pytest.mark.parametrize("seed", range(5))
def test_pair_score_is_pair_points_without_the_reasons(seed):
    units, communities = _case(seed, 5, 5)
    for u in units:
        for c in communities:
            assert pairing.pair_score(u, c) == pytest.approx(pairing.pair_points(u, c)[0])


def test_the_bench_case_beats_the_greedy_baseline():
    from gongzhi.bench import mobilise
    units, communities = mobilise.baolian_case(40, 40)
    optimal = pairing.assign(units, communities)
    assert pairing.objective(units, communities, [(p.unit, p.community) for p in optimal]) >= \
        pairing.objective(units, communities, mobilise.greedy(units, communities))


@pytest.mark.parametrize("seed", range(5))
def test_the_score_matrix_is_pair_score_of_every_pair(seed):
    units, communities = _case(seed, 7, 6)
    matrix = pairing.score_matrix(units, communities)
    for i, u in enumerate(units):
        for j, c in enumerate(communities):
            assert matrix[i, j] == pytest.approx(pairing.pair_score(u, c))

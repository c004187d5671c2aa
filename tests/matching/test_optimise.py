"""The batch optimum equals a brute-force optimum on small random instances; greedy never beats it."""
import itertools
import random

import numpy as np
import pytest

from gongzhi.matching.optimise import Problem, _solve, assign, flows_of, greedy, optimal, total_score


def _random_problem(rng: random.Random) -> Problem:
    n_d, n_r = rng.randint(1, 4), rng.randint(1, 3)
    edges = [(i, j) for i in range(n_d) for j in range(n_r) if rng.random() < 0.7]
    return Problem(want=np.array([rng.randint(1, 2) for _ in range(n_d)]),
                   room=np.array([rng.randint(0, 3) for _ in range(n_r)]),
                   edge_demand=np.array([e[0] for e in edges], dtype=np.int64),
                   edge_resource=np.array([e[1] for e in edges], dtype=np.int64),
                   edge_score=np.array([rng.randint(1, 100) * 1000 for _ in edges], dtype=np.int64))


def _brute_force(p: Problem) -> int:
    """Every unit of every demand goes along one of its edges or nowhere; the best feasible total."""
    units = [(i, [e for e in range(len(p.edge_score)) if p.edge_demand[e] == i]) for i in range(len(p.want))
             for _ in range(int(p.want[i]))]
    best = 0
    for choice in itertools.product(*[[None, *edges] for _, edges in units]):
        used = [0] * len(p.room)
        for e in choice:
            if e is not None:
                used[p.edge_resource[e]] += 1
        if all(u <= r for u, r in zip(used, p.room)):
            best = max(best, sum(int(p.edge_score[e]) for e in choice if e is not None))
    return best


def _feasible(p: Problem, flows: np.ndarray) -> bool:
    per_demand = np.bincount(p.edge_demand, weights=flows, minlength=len(p.want))
    per_resource = np.bincount(p.edge_resource, weights=flows, minlength=len(p.room))
    return bool((flows >= 0).all() and (per_demand <= p.want).all() and (per_resource <= p.room).all())


@pytest.mark.parametrize("seed", range(60))
def test_optimum_equals_brute_force_and_greedy_is_not_better(seed):
    p = _random_problem(random.Random(seed))
    best, quick = optimal(p), greedy(p)
    assert _feasible(p, best) and _feasible(p, quick)
    assert total_score(p, best) == _brute_force(p)
    assert total_score(p, quick) <= total_score(p, best)


def test_greedy_can_lose_where_the_optimum_does_not():
    # Demand 0 likes both resources, demand 1 only the first: greedy gives the first to demand 0.
    p = Problem(want=np.array([1, 1]), room=np.array([1, 1]), edge_demand=np.array([0, 0, 1]),
                edge_resource=np.array([0, 1, 0]), edge_score=np.array([10, 9, 8]))
    assert total_score(p, greedy(p)) == 10
    assert total_score(p, optimal(p)) == 17


def test_no_edges_no_flow():
    p = Problem(np.array([1]), np.array([1]), np.array([], dtype=np.int64), np.array([], dtype=np.int64),
                np.array([], dtype=np.int64))
    assert len(optimal(p)) == 0 and total_score(p, greedy(p)) == 0


@pytest.mark.parametrize("seed", range(30))
def test_interchangeable_demands_share_a_class_and_the_optimum_holds(seed):
    """Several demands with the same wants and the same candidates (as in a real batch, where a
    (category, grid) shares its candidate list) are solved as one class, then handed out."""
    rng = random.Random(seed)
    n_r = rng.randint(1, 3)
    kinds = []
    for _ in range(rng.randint(1, 2)):
        edges = [(j, rng.randint(1, 100) * 1000) for j in range(n_r) if rng.random() < 0.8]
        kinds.append((rng.randint(1, 2), edges))
    want, ed, er, es = [], [], [], []
    for i in range(rng.randint(2, 4)):
        w, edges = kinds[rng.randrange(len(kinds))]
        want.append(w)
        for j, score in reversed(edges):   # edge order must not matter
            ed.append(i), er.append(j), es.append(score)
    p = Problem(want=np.array(want), room=np.array([rng.randint(0, 3) for _ in range(n_r)]),
                edge_demand=np.array(ed, dtype=np.int64), edge_resource=np.array(er, dtype=np.int64),
                edge_score=np.array(es, dtype=np.int64))
    best = optimal(p)
    assert _feasible(p, best)
    assert total_score(p, best) == _brute_force(p)


def _greedy_one_edge_at_a_time(p: Problem) -> np.ndarray:
    """The plain greedy loop, every edge in turn: what `greedy` must equal, edge for edge."""
    order = np.lexsort((np.arange(len(p.edge_score)), -p.edge_score)).tolist()
    want, room = p.want.tolist(), p.room.tolist()
    out = [0] * len(order)
    for e in order:
        i, j = int(p.edge_demand[e]), int(p.edge_resource[e])
        units = min(want[i], room[j])
        if units > 0:
            out[e], want[i], room[j] = units, want[i] - units, room[j] - units
    return np.array(out, dtype=np.int64)


def _shared_lists_problem(rng: random.Random, n_d: int, n_r: int, kinds: list | None = None) -> Problem:
    """Demands drawing their candidate lists from a few shared ones, as in a real batch; each
    demand's (list, want) is appended to `kinds`."""
    lists = [[(j, rng.randint(1, 20) * 100) for j in rng.sample(range(n_r), rng.randint(1, min(n_r, 6)))]
             for _ in range(rng.randint(1, 5))]
    want, ed, er, es = [], [], [], []
    for i in range(n_d):
        want.append(rng.randint(1, 5))
        n = rng.randrange(len(lists))
        if kinds is not None:
            kinds.append((n, want[-1]))
        for j, score in lists[n]:
            ed.append(i), er.append(j), es.append(score)
    return Problem(want=np.array(want), room=np.array([rng.randint(0, 12) for _ in range(n_r)]),
                   edge_demand=np.array(ed, dtype=np.int64), edge_resource=np.array(er, dtype=np.int64),
                   edge_score=np.array(es, dtype=np.int64))


@pytest.mark.parametrize("seed", range(40))
def test_greedy_equals_the_plain_loop(seed):
    rng = random.Random(seed)
    p = _shared_lists_problem(rng, rng.randint(1, 60), rng.randint(1, 8)) if seed % 2 else _random_problem(rng)
    expected = _greedy_one_edge_at_a_time(p)
    for chunk in (1, 3, 2048):   # chunk boundaries anywhere must not matter
        assert (greedy(p, chunk=chunk) == expected).all()


@pytest.mark.parametrize("seed", range(40))
def test_classes_hand_out_every_unit_of_the_optimum(seed):
    """Many demands per class, wanting up to 5 units, so a class edge's units reach several demands
    and a demand's units come from several edges: the total equals the flow without classes."""
    rng, kinds = random.Random(seed), []
    p = _shared_lists_problem(rng, rng.randint(2, 80), rng.randint(1, 8), kinds)
    best = optimal(p)
    assert _feasible(p, best)
    assert total_score(p, best) == total_score(p, _solve(p))
    served = np.bincount(p.edge_demand, weights=best, minlength=len(p.want)).astype(int).tolist()
    for kind in set(kinds):   # demands of a kind are served in turn: full, full, …, part, none, none
        got = [served[i] for i in range(len(kinds)) if kinds[i] == kind]
        reached = sum(1 for g in got if g)
        assert all(g == kind[1] for g in got[:max(reached - 1, 0)]) and not any(got[reached:])


@pytest.mark.parametrize("seed", range(30))
def test_a_class_problem_expands_to_its_demands_and_assigns_their_optimum(seed):
    """Rows as the 对接会 fetches them (ids, class numbers, class 0 without edges): each demand gets
    its class's edges in class order, and the flow on classes reaches the per-demand optimum."""
    from gongzhi.matching.batch import _classes
    rng = random.Random(seed)
    n_r, n_c = rng.randint(1, 6), rng.randint(1, 5)
    resources = np.column_stack([np.arange(n_r) * 7 + 1, [rng.randint(0, 9) for _ in range(n_r)]])
    lists = {c: sorted(rng.sample(range(n_r), rng.randint(1, n_r))) for c in range(1, n_c + 1)}
    want = {c: rng.randint(1, 4) for c in lists}
    of = [rng.randint(0, n_c) for _ in range(rng.randint(1, 25))]
    demands = np.array([[10 * i + 3, want.get(c, rng.randint(1, 4)), c] for i, c in enumerate(of)])
    edges = np.array([[c, resources[j, 0], rng.randint(1, 20) * 100] for c in sorted(lists) for j in lists[c]
                      if c in of], dtype=np.int64)
    classes = _classes(demands, resources, edges.reshape(-1, 3))
    p = classes.problem(resources[:, 1])
    for i, c in enumerate(of):
        mine = p.edge_resource[p.edge_demand == i].tolist()
        assert mine == (lists[c] if c else []) and p.want[i] == (want[c] if c else 0)
    flows = flows_of(classes, assign(classes, resources[:, 1]))
    assert _feasible(p, flows) and total_score(p, flows) == total_score(p, _solve(p))
    first = flows_of(classes, assign(classes, resources[:, 1], by="greedy"))
    assert _feasible(p, first) and total_score(p, first) <= total_score(p, flows)
    assert total_score(p, first) == total_score(p, greedy(p)) or len(set(of)) > 1   # one class: the same pass

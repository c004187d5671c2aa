"""The call-up on arrays: never more than a shift's seats, never one person twice in an overlap
group, coverage at least the greedy baseline's on generated cases and strictly more where greedy
is known to go wrong; the overlap groups."""
import datetime as dt

import numpy as np
import pytest

from gongzhi.emergency import callup


def _generated(seed: int, people: int = 400, buildings: int = 40, per_person: int = 1) -> callup.Problem:
    rng = np.random.default_rng(seed)
    grids = buildings // 4
    shift_building = np.repeat(np.arange(buildings), 3)
    group = np.tile(np.arange(3), buildings)
    needs_skill = rng.random(len(group)) < 0.3
    person_grid = rng.integers(0, grids, people)
    skilled = rng.random(people) < 0.25
    edges = [(p, s) for p in range(people) for s in np.flatnonzero(shift_building // 4 == person_grid[p])
             if not needs_skill[s] or skilled[p]]
    ep = np.array([e[0] for e in edges])
    es = np.array([e[1] for e in edges])
    return callup.Problem(room=rng.integers(1, 6, len(group)), group=group, edge_person=ep, edge_shift=es,
                          edge_score=np.where(needs_skill[es], 5, 3) + rng.integers(0, 2, len(es)),
                          per_person=per_person)


def _valid(p: callup.Problem, chosen: np.ndarray) -> None:
    per_shift = np.bincount(p.edge_shift[chosen], minlength=len(p.room))
    assert (per_shift <= p.room).all()
    pairs = list(zip(p.edge_person[chosen].tolist(), p.group[p.edge_shift[chosen]].tolist()))
    assert len(pairs) == len(set(pairs)), "a person twice in one overlap group"
    assert np.bincount(p.edge_person[chosen]).max() <= p.per_person


@pytest.mark.parametrize("seed,per_person", [(1, 1), (2, 1), (3, 2), (4, 3)])
def test_coverage_is_at_least_the_greedy_baseline(seed, per_person):
    p = _generated(seed, per_person=per_person)
    best, base = callup.optimal(p), callup.greedy(p)
    _valid(p, best)
    _valid(p, base)
    assert callup.coverage(p, best) >= callup.coverage(p, base)


def test_the_optimum_fills_what_greedy_leaves_open():
    # A can take X (the better score) or Y; B only X. Greedy gives X to A and leaves Y empty.
    p = callup.Problem(room=np.array([1, 1]), group=np.array([0, 0]), edge_person=np.array([0, 0, 1]),
                       edge_shift=np.array([0, 1, 1]), edge_score=np.array([2, 5, 3]))
    assert callup.coverage(p, callup.greedy(p)) == 0.5
    assert callup.coverage(p, callup.optimal(p)) == 1.0


def test_among_full_coverings_the_best_score_wins():
    p = callup.Problem(room=np.array([1, 1]), group=np.array([0, 1]), edge_person=np.array([0, 0, 1, 1]),
                       edge_shift=np.array([0, 1, 0, 1]), edge_score=np.array([1, 5, 5, 1]))
    chosen = callup.optimal(p)
    assert chosen.tolist() == [False, True, True, False]


def test_overlap_groups_join_chains_and_split_gaps():
    t = [dt.datetime(2026, 12, 5, h) for h in range(24)]
    groups = callup.overlap_groups([t[8], t[10], t[13], t[20]], [t[12], t[14], t[15], t[22]])
    assert groups[0] == groups[1] == groups[2] != groups[3]

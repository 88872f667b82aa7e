"""Large plain pairings solved as an assignment problem, against brute force and the LP solve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mentormatch import matching as matching_module
from mentormatch.assignment import ASSIGNMENT_LABEL, DensePairing, DensePairs, solve_dense_pairs
from mentormatch.matching import Matching, match_pairs
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules, load_rules
from mentormatch.solve import PairingInfeasibleError, PairProblem, available_solvers, solve_pairs
from tests.conftest import MIND_RULES


class Instance:
    """A random pairing as matrices: points (-1: not allowed), capacities, 'must' pairs."""

    def __init__(self, rng: np.random.Generator, n: int, m: int, max_score: int) -> None:
        self.n, self.m = n, m
        self.capacity = rng.integers(0, 4, size=m)
        allowed = rng.random((n, m)) < rng.uniform(0.1, 0.9)
        self.points = np.where(allowed, rng.integers(0, max_score + 1, size=(n, m)), -1)
        self.must: list[tuple[int, int]] = []
        room = self.capacity.copy()
        for i, j in zip(*np.nonzero(allowed), strict=True):
            if len(self.must) < int(rng.integers(0, 3)) and room[j] > 0 and i not in dict(self.must):
                self.must.append((int(i), int(j)))
                room[j] -= 1

    def dense(self, objective: str) -> DensePairs:
        return DensePairs(
            n_left=self.n,
            n_right=self.m,
            capacity=self.capacity,
            points=lambda rows: self.points[rows],
            pair_points=lambda left, right: np.maximum(self.points[left, right], 0),
            must_left=np.array([i for i, _ in self.must], dtype=np.int64),
            must_right=np.array([j for _, j in self.must], dtype=np.int64),
            objective=objective,  # type: ignore[arg-type]
            block_cells=7,  # several blocks even on small instances
        )

    def problem(self, objective: str) -> PairProblem:
        left, right = np.nonzero(self.points >= 0)
        must = np.isin(left * self.m + right, [i * self.m + j for i, j in self.must])
        return PairProblem(
            n_left=self.n,
            n_right=self.m,
            left=left.astype(np.int64),
            right=right.astype(np.int64),
            score=self.points[left, right].astype(np.int64),
            right_capacity=self.capacity,
            must=must,
            objective=objective,  # type: ignore[arg-type]
        )

    def check(self, found: DensePairing) -> None:
        """A valid pairing: allowed pairs, one pair per receiver, places kept, 'must' pairs in."""
        left, right = found.left, found.right
        assert np.unique(left).size == left.size
        assert (np.bincount(right, minlength=self.m) <= self.capacity).all()
        chosen = set(zip(left.tolist(), right.tolist(), strict=True))
        assert set(self.must) <= chosen
        assert all(self.points[i, j] >= 0 for i, j in chosen - set(self.must))
        assert found.solution.coverage == left.size
        assert found.solution.total_score == int(np.maximum(self.points[left, right], 0).sum())


def brute_force(inst: Instance, objective: str) -> tuple[int, int]:
    """Best (coverage, score): most pairs then score, or score then most pairs."""
    edges = [(i, j) for i, j in zip(*np.nonzero(inst.points >= 0), strict=True)]
    best: tuple[int, int] | None = None

    def walk(k: int, used_left: set[int], room: np.ndarray, pairs: int, score: int) -> None:
        nonlocal best
        if k == len(edges):
            key = (pairs, score) if objective == "coverage-then-score" else (score, pairs)
            if best is None or key > best:
                best = key
            return
        i, j = edges[k]
        if (i, j) not in inst.must:
            walk(k + 1, used_left, room, pairs, score)
        if i not in used_left and room[j] > 0:
            room[j] -= 1
            walk(k + 1, used_left | {i}, room, pairs + 1, score + int(inst.points[i, j]))
            room[j] += 1

    walk(0, set(), inst.capacity.copy(), 0, 0)
    assert best is not None
    return best if objective == "coverage-then-score" else (best[1], best[0])


@pytest.mark.parametrize("objective", ["coverage-then-score", "score"])
def test_random_small_instances_equal_brute_force(objective: str) -> None:
    rng = np.random.default_rng(11)
    transposed = 0
    for _ in range(150):
        inst = Instance(rng, int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 5)))
        if int(np.count_nonzero(inst.points >= 0)) > 11:
            continue
        found = solve_dense_pairs(inst.dense(objective))
        assert found is not None and found.solution.optimal
        inst.check(found)
        assert (found.solution.coverage, found.solution.total_score) == brute_force(inst, objective)
        transposed += int(inst.n > inst.capacity.sum())
    assert transposed > 10  # more receivers than places: the matrix is laid out the other way


@pytest.mark.skipif("highs" not in available_solvers(), reason="compares with the HiGHS LP solve")
@pytest.mark.parametrize("objective", ["coverage-then-score", "score"])
def test_random_instances_equal_the_lp_solve(objective: str) -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        n, m = int(rng.integers(10, 60)), int(rng.integers(5, 40))
        inst = Instance(rng, n, m, int(rng.choice([3, 100])))
        found = solve_dense_pairs(inst.dense(objective))
        assert found is not None
        inst.check(found)
        lp = solve_pairs(inst.problem(objective))
        assert lp.optimal
        assert found.solution.total_score == lp.total_score
        if objective == "coverage-then-score":
            assert found.solution.coverage == lp.coverage
        else:  # the LP breaks score ties by a key, the assignment by most pairs
            assert found.solution.coverage >= lp.coverage


def test_weights_too_large_to_add_exactly_give_none() -> None:
    inst = Instance(np.random.default_rng(1), 20, 10, 5)
    inst.points = np.where(inst.points >= 0, inst.points * 10**14, -1)
    assert solve_dense_pairs(inst.dense("coverage-then-score")) is None


def test_impossible_must_pairs_are_refused() -> None:
    inst = Instance(np.random.default_rng(2), 5, 3, 5)
    inst.capacity = np.array([1, 1, 1])
    inst.must = [(0, 0), (1, 0)]
    with pytest.raises(PairingInfeasibleError, match="capacity"):
        solve_dense_pairs(inst.dense("coverage-then-score"))


def test_nobody_to_pair() -> None:
    inst = Instance(np.random.default_rng(3), 4, 3, 5)
    inst.capacity, inst.must = np.zeros(3, dtype=np.int64), []
    found = solve_dense_pairs(inst.dense("coverage-then-score"))
    assert found is not None and found.solution.coverage == 0 and found.solution.optimal


# --- through match_pairs on the MIND example -------------------------------------------------------


def run(
    monkeypatch: pytest.MonkeyPatch,
    rules: Rules,
    receivers: list[Any],
    givers: list[Any],
    assignment: bool,
    **options: Any,
) -> Matching:
    with monkeypatch.context() as patch:
        patch.setattr(matching_module, "ASSIGN_MIN_PAIRS", 0 if assignment else 10**18)
        patch.setattr(matching_module, "CERTIFY_MIN_PAIRS", 10**18)
        return match_pairs(rules, receivers, givers, **options)


def test_mind_by_assignment_equals_the_lp(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]]
) -> None:
    rules, receivers, givers = mind
    lp = run(monkeypatch, rules, receivers, givers, False)
    fast = run(monkeypatch, rules, receivers, givers, True)
    assert fast.solution.solver == ASSIGNMENT_LABEL and fast.solution.optimal
    assert len(fast.pairs) == len(lp.pairs)
    assert fast.solution.total_score == lp.solution.total_score
    assert fast.candidate_pairs == lp.candidate_pairs  # every allowed pair was considered
    paired = {p.receiver.email for p in fast.pairs} | {p.giver.email for p in fast.pairs}
    everyone = {a.email for a in (*receivers, *givers)}
    assert paired | {u.applicant.email for u in fast.unmatched} == everyone
    assert all(u.reason for u in fast.unmatched)
    again = run(monkeypatch, rules, receivers, givers, True)
    assert [(p.receiver.email, p.giver.email) for p in again.pairs] == [
        (p.receiver.email, p.giver.email) for p in fast.pairs
    ]


def test_mind_best_pairs_and_kept_pairs(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]], tmp_path: Any
) -> None:
    _rules, receivers, givers = mind
    text = MIND_RULES.read_text(encoding="utf-8")
    text = text.replace("  objective: coverage-then-score", "  objective: best-pairs\n  minimum_score: 45")
    path = tmp_path / "best-pairs.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    lp = run(monkeypatch, rules, receivers, givers, False)
    first = sorted((p.receiver.email, p.giver.email) for p in lp.pairs)
    adjust = Adjustments(must=frozenset(first[:3]), forbidden=frozenset(first[3:6]))
    fast = run(monkeypatch, rules, receivers, givers, True, adjust=adjust)
    slow = run(monkeypatch, rules, receivers, givers, False, adjust=adjust)
    assert fast.solution.solver == ASSIGNMENT_LABEL
    chosen = {(p.receiver.email, p.giver.email) for p in fast.pairs}
    assert set(first[:3]) <= chosen and not set(first[3:6]) & chosen
    assert all(p.score >= 45 for p in fast.pairs)
    assert fast.solution.total_score == slow.solution.total_score


def test_review_bonuses_and_a_named_solver_keep_the_lp(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]]
) -> None:
    rules, receivers, givers = mind
    first = run(monkeypatch, rules, receivers, givers, True)
    prefer = frozenset((p.receiver.email, p.giver.email) for p in first.pairs[:5])
    reviewed = run(monkeypatch, rules, receivers, givers, True, adjust=Adjustments(prefer=prefer))
    assert reviewed.solution.solver != ASSIGNMENT_LABEL
    if "cbc" in available_solvers():
        named = run(monkeypatch, rules, receivers, givers, True, solver="cbc")
        assert named.solution.solver == "CBC"

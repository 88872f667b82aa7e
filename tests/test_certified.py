"""The pruned-and-certified solve (column generation over every allowed pair) against the dense one.

A dense solve holds every allowed pair; the certified solve holds each person's best few and
prices the rest in. With the same weights both must find the same optimum: the same number of
pairs, the same total score and, with the fixed tie-break, the same pairs.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mentormatch import matching as matching_module
from mentormatch import scoring as scoring_module
from mentormatch.matching import Matching, match_pairs
from mentormatch.pipeline import Source, validate_exports
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules, load_rules
from mentormatch.scoring import Scorer
from mentormatch.solve import (
    PairBounds,
    PairProblem,
    PairSolution,
    PairWeights,
    available_solvers,
    solve_pairs,
    solve_pairs_certified,
)
from tests.conftest import MIND_RULES, mind_export

pytestmark = pytest.mark.skipif("highs" not in available_solvers(), reason="the certified solve needs HiGHS")


@dataclass(frozen=True)
class Found:
    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    tiebreak: np.ndarray


class Whole:
    """A random problem as matrices, and a pricing pass over every allowed pair."""

    def __init__(self, rng: np.random.Generator, max_score: int) -> None:
        n, m = int(rng.integers(30, 81)), int(rng.integers(20, 61))
        self.n, self.m = n, m
        self.capacity = rng.integers(0, 4, size=m)  # 0-3 places: some offer none
        self.allowed = (rng.random((n, m)) < rng.uniform(0.05, 0.9)) & (self.capacity > 0)
        self.score = rng.integers(0, max_score + 1, size=(n, m))  # few values: many ties
        self.key = rng.integers(0, 2**62, size=(n, m))
        self.must: list[tuple[int, int]] = []
        room = self.capacity.copy()
        for i, j in zip(*np.nonzero(self.allowed), strict=True):
            if (
                len(self.must) < int(rng.integers(0, 4))
                and room[j] > 0
                and i not in {a for a, _ in self.must}
            ):
                self.must.append((int(i), int(j)))
                room[j] -= 1
        self.passes = 0

    def problem(self, left: np.ndarray, right: np.ndarray, objective: str) -> PairProblem:
        must = np.isin(left * self.m + right, [i * self.m + j for i, j in self.must])
        return PairProblem(
            n_left=self.n,
            n_right=self.m,
            left=left,
            right=right,
            score=self.score[left, right],
            right_capacity=self.capacity,
            must=must,
            tiebreak=self.key[left, right],
            objective=objective,  # type: ignore[arg-type]
        )

    def dense(self, objective: str) -> PairProblem:
        left, right = np.nonzero(self.allowed)
        return self.problem(left.astype(np.int64), right.astype(np.int64), objective)

    def pruned(self, rng: np.random.Generator, k: int, objective: str) -> PairProblem:
        """Each left person's k best pairs (ties in random order) and the 'must' pairs."""
        jitter = rng.random(self.score.shape)
        rank = np.where(self.allowed, self.score + jitter, -1.0)
        best = np.argsort(-rank, axis=1)[:, :k]
        rows = np.repeat(np.arange(self.n), k)
        keep = rank[rows, best.ravel()] >= 0
        codes = set((rows[keep] * self.m + best.ravel()[keep]).tolist())
        codes |= {i * self.m + j for i, j in self.must}
        ordered = np.array(sorted(codes), dtype=np.int64)
        return self.problem(ordered // self.m, ordered % self.m, objective)

    def bounds(self) -> PairBounds:
        """What a dense solve takes from its edges, so both use the same weights."""
        degree = self.allowed.sum(axis=0)
        scores = self.score[self.allowed]
        return PairBounds(
            allowed=int(self.allowed.sum()),
            max_pairs=min(int(self.allowed.any(axis=1).sum()), int(np.minimum(degree, self.capacity).sum())),
            low=int(scores.min(initial=0)),
            high=int(scores.max(initial=0)),
        )

    def price(
        self,
        weight: Any,
        dual_left: np.ndarray,
        dual_right: np.ndarray,
        offset: float,
        present: np.ndarray,
        tolerance: float,
        limit: int,
    ) -> Found:
        self.passes += 1
        reduced = weight(self.score, self.key) - dual_left[:, None] - dual_right[None, :] - offset
        codes = np.arange(self.n)[:, None] * self.m + np.arange(self.m)[None, :]
        gains = self.allowed & (reduced > tolerance) & ~np.isin(codes, present)
        order = np.argsort(np.where(gains, -reduced, np.inf), axis=1, kind="stable")[:, :limit]
        rows = np.repeat(np.arange(self.n), order.shape[1])
        cols = order.ravel()
        keep = gains[rows, cols]
        i, j = rows[keep], cols[keep]
        return Found(i, j, self.score[i, j], self.key[i, j])


def pairs_of(problem: PairProblem, solution: PairSolution) -> set[tuple[int, int]]:
    return {(int(problem.left[e]), int(problem.right[e])) for e in solution.chosen}


def test_random_instances_match_the_dense_solve() -> None:
    rng = np.random.default_rng(20260601)
    added = 0
    for index in range(48):
        whole = Whole(rng, max_score=int(rng.choice([1, 3, 60])))
        objective = ("coverage-then-score", "score")[index % 2]
        dense = whole.dense(objective)
        expected = solve_pairs(dense)
        pruned = whole.pruned(rng, int(rng.integers(1, 4)), objective)
        solution, final = solve_pairs_certified(pruned, whole.price, whole.bounds())
        assert solution.optimal, (index, solution.status)
        assert "certified over all" in solution.status
        assert (solution.coverage, solution.total_score) == (expected.coverage, expected.total_score), index
        assert pairs_of(final, solution) == pairs_of(dense, expected), index
        assert final.left.size == pruned.left.size + solution.edges_added
        assert np.array_equal(final.left[: pruned.left.size], pruned.left)
        chosen = {(int(final.left[e]), int(final.right[e])) for e in solution.chosen}
        assert set(whole.must) <= chosen
        added += solution.edges_added
    assert added > 0  # pricing had to add pairs


def test_pricing_is_always_called_until_clean() -> None:
    rng = np.random.default_rng(5)
    whole = Whole(rng, max_score=3)
    pruned = whole.pruned(rng, 1, "coverage-then-score")
    solution, _final = solve_pairs_certified(pruned, whole.price, whole.bounds())
    assert solution.optimal
    assert solution.pricing_rounds == whole.passes
    assert solution.pricing_rounds >= 2


def test_running_out_of_time_is_never_called_optimal() -> None:
    rng = np.random.default_rng(11)
    whole = Whole(rng, max_score=3)
    pruned = whole.pruned(rng, 1, "coverage-then-score")

    def slow(*args: Any) -> Found:
        time.sleep(0.3)
        return whole.price(*args)

    solution, final = solve_pairs_certified(pruned, slow, whole.bounds(), time_limit=0.2)
    assert not solution.optimal
    assert "not proven optimal" in solution.status
    chosen = final.left[solution.chosen]
    assert np.unique(chosen).size == chosen.size  # still a valid pairing


# --- through match_pairs on the MIND example -----------------------------------------------------


def run(
    monkeypatch: pytest.MonkeyPatch,
    rules: Rules,
    receivers: list[Any],
    givers: list[Any],
    top_k: int | None,
    adjust: Adjustments | None = None,
) -> Matching:
    """match_pairs, on the certified path with ``top_k`` (None: the dense path)."""
    with monkeypatch.context() as patch:
        if top_k is not None:
            patch.setattr(matching_module, "CERTIFY_MIN_PAIRS", 0)
            patch.setattr(matching_module, "CERTIFY_TOP_K", top_k)
        return match_pairs(rules, receivers, givers, adjust=adjust)


def emails(matching: Matching) -> list[tuple[str, str]]:
    return sorted((p.receiver.email, p.giver.email) for p in matching.pairs)


@pytest.mark.parametrize("top_k", [1, 3])
@pytest.mark.parametrize("table", [True, False])
def test_mind_certified_gives_the_dense_pairs(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]], top_k: int, table: bool
) -> None:
    rules, receivers, givers = mind
    dense = run(monkeypatch, rules, receivers, givers, None)
    if not table:  # price by scoring every pair again instead of reading the kept table
        monkeypatch.setattr(scoring_module, "TABLE_BYTES", 0)
    certified = run(monkeypatch, rules, receivers, givers, top_k)
    assert emails(certified) == emails(dense)
    assert certified.solution.optimal and "certified over all" in certified.solution.status
    assert certified.solution.total_score == dense.solution.total_score
    assert [(u.applicant.email, u.reason) for u in certified.unmatched] == [
        (u.applicant.email, u.reason) for u in dense.unmatched
    ]
    assert certified.candidate_pairs < dense.candidate_pairs  # only the edges held
    assert certified.solution.edges_added > 0


def test_mind_best_pairs_with_a_minimum(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]], tmp_path: Any
) -> None:
    _rules, receivers, givers = mind
    text = MIND_RULES.read_text(encoding="utf-8")
    text = text.replace("  objective: coverage-then-score", "  objective: best-pairs\n  minimum_score: 45")
    path = tmp_path / "best-pairs.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    dense = run(monkeypatch, rules, receivers, givers, None)
    certified = run(monkeypatch, rules, receivers, givers, 2)
    assert emails(certified) == emails(dense)
    assert all(p.score >= 45 for p in certified.pairs)
    assert certified.solution.optimal


def test_mind_review_adjustments(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]]
) -> None:
    """Kept, rejected, preferred and favoured pairs: the same best objective as the dense path."""
    rules, receivers, givers = mind
    first = emails(run(monkeypatch, rules, receivers, givers, None))
    adjust = Adjustments(
        must=frozenset(first[:2]),
        forbidden=frozenset(first[2:8]),
        prefer=frozenset(first[8:20]),
        favoured=frozenset({first[30][0], first[31][1]}),
    )
    dense = run(monkeypatch, rules, receivers, givers, None, adjust)
    certified = run(monkeypatch, rules, receivers, givers, 2, adjust)
    assert certified.solution.optimal
    assert len(certified.pairs) == len(dense.pairs)
    assert certified.solution.total_score == dense.solution.total_score  # bonuses included
    assert set(first[:2]) <= set(emails(certified))
    assert not set(first[2:8]) & set(emails(certified))


def test_pricing_with_the_table_and_bounds_finds_what_scoring_finds(
    mind: tuple[Rules, list[Any], list[Any]],
) -> None:
    rules, receivers, givers = mind
    scorer = Scorer(rules, receivers, givers)
    found = scorer.candidates(top_k=2)
    dense = scorer.candidates()
    summary = found.allowed
    assert summary is not None and summary.points is not None
    assert summary.count == dense.left.size
    assert (summary.low, summary.high) == (int(dense.score.min()), int(dense.score.max()))
    assert np.array_equal(summary.left_degree, np.bincount(dense.left, minlength=len(receivers)))
    assert np.array_equal(summary.points[dense.left, dense.right], dense.score)
    rng = np.random.default_rng(3)
    weigh = PairWeights("coverage-then-score", summary.low, summary.high, 40)
    present = np.sort(found.left * len(givers) + found.right)
    for _ in range(5):
        top = float(weigh(dense.score, dense.tiebreak).max())
        dual_left = rng.uniform(0, top, len(receivers)).round()
        dual_right = rng.uniform(0, top / 4, len(givers)).round()
        plain = scorer.price(weigh, dual_left, dual_right, 0.0, present, 0.5)
        quick = scorer.price(
            weigh, dual_left, dual_right, 0.0, present, 0.5, allowed=summary, bound=weigh.linear_bound
        )
        assert sorted(zip(plain.left.tolist(), plain.right.tolist(), strict=True)) == sorted(
            zip(quick.left.tolist(), quick.right.tolist(), strict=True)
        )
        assert np.array_equal(np.sort(plain.score), np.sort(quick.score))
        assert plain.left.size > 0
        limited = scorer.price(
            weigh, dual_left, dual_right, 0.0, present, 0.5, 1, allowed=summary, bound=weigh.linear_bound
        )
        assert np.unique(limited.left).size == limited.left.size == np.unique(plain.left).size


@pytest.mark.parametrize("seed", range(12))
def test_certified_equals_dense_on_random_cohorts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    goals = ["Leadership", "Confidence", "Networking", "Influencing", "Career progression"]
    people: list[dict[str, object]] = []
    for n in range(rng.randint(8, 30)):
        people.append({
            "name": f"Mentee {n}", "email": f"mentee{n}@nhs.net", "role": "Mentee",
            "band": f"Band {rng.randint(4, 7)}", "goals": ";".join(rng.sample(goals, rng.randint(1, 3))),
        })  # fmt: skip
    for n in range(rng.randint(4, 16)):
        people.append({
            "name": f"Mentor {n}", "email": f"mentor{n}@nhs.net", "role": "Mentor",
            "band": rng.choice(["Band 7", "Band 8a", "Band 8b", "Band 8c", "Band 9"]),
            "years": "10 years",
            "offers": ";".join(rng.sample(goals, rng.randint(1, 4))), "capacity": str(rng.randint(1, 3)),
            "gender": rng.choice(["Woman", "Man"]),
            "ethnicity": rng.choice(["White - British", "Asian - Indian"]),
        })  # fmt: skip
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(mind_export(tmp_path / "cohort.xlsx", people))], rules).checked
    mentees, mentors = checked.eligible_in("mentee"), checked.eligible_in("mentor")
    dense = run(monkeypatch, rules, mentees, mentors, None)
    pruned = run(monkeypatch, rules, mentees, mentors, rng.choice([1, 2]))
    assert pruned.solution.optimal
    assert len(pruned.pairs) == len(dense.pairs)
    assert pruned.solution.total_score == dense.solution.total_score
    assert emails(pruned) == emails(dense)

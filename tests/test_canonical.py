"""The canonical optimum (canonical.py): the same pairs on every route, even when optimal pairings
tie exactly.

Expected answers come from brute force: every pairing of people is tried, the optimal ones kept,
each mapped to its class flow, and the lexicographic maximum taken in (left class, right class)
order. Every route must return exactly that flow: the full flow, streaming pricing (several
blocks and passes), the pricing pass shared with a second process, the LP (HiGHS, CBC) - and the
canonicaliser started from every optimal flow brute force found.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch import pricing
from mentormatch.canonical import canonical, canonical_of
from mentormatch.flow import FLOW_LABEL, ClassProblem, solve_classes, weights
from mentormatch.matching import match_pairs
from mentormatch.pipeline import Source, validate_exports
from mentormatch.pricing import StreamProblem, certify, solve_streaming
from mentormatch.rulefile import load_rules
from mentormatch.solve import PairProblem, solve_pairs
from mentormatch.solvers import available_solvers
from tests.conftest import MIND_RULES, mind_export

OBJECTIVES = ["coverage-then-score", "score"]
LP_SOLVERS = [s for s in ("highs", "cbc") if s in available_solvers()]


def tied_problem(rng: np.random.Generator, objective: str) -> ClassProblem:
    """A few classes, scores 0 or 1 and one tie-break key for every arc: ties everywhere."""
    n_left, n_right = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    left_size = rng.integers(1, 3, size=n_left)
    right_supply = rng.integers(0, 4, size=n_right)
    arc_left, arc_right = np.nonzero(rng.random((n_left, n_right)) < 0.8)
    return ClassProblem(
        left_size=left_size.astype(np.int64),
        right_supply=right_supply.astype(np.int64),
        arc_left=arc_left.astype(np.int64),
        arc_right=arc_right.astype(np.int64),
        arc_score=rng.integers(0, 2, size=arc_left.size).astype(np.int64),
        arc_key=np.zeros(arc_left.size, dtype=np.uint64),
        objective=objective,
        max_pairs=int(min(left_size.sum(), right_supply.sum())),
    )


def optimal_flows(problem: ClassProblem, ranks: int = 1) -> list[tuple[int, ...]]:
    """Every optimal pairing of people, as class flows (one count per arc), by trying them all.

    Each left class's members are people; each right class is one person with its places. The
    objective is the module's: "coverage-then-score" the most pairs, then the highest total
    weight; "score" the highest total weight."""
    w = weights(problem.arc_score, problem.arc_key, problem.max_pairs, ranks).tolist()
    members = np.repeat(np.arange(problem.left_size.size), problem.left_size).tolist()
    options = [[None, *np.flatnonzero(problem.arc_left == c).tolist()] for c in members]
    best: tuple[int, int] | None = None
    found: set[tuple[int, ...]] = set()
    for choice in itertools.product(*options):
        arcs = [a for a in choice if a is not None]
        used = np.bincount(problem.arc_right[arcs], minlength=problem.right_supply.size) if arcs else 0
        if np.any(used > problem.right_supply):
            continue
        total = sum(w[a] for a in arcs)
        value = (len(arcs), total) if problem.objective == "coverage-then-score" else (0, total)
        flow = tuple(np.bincount(arcs, minlength=problem.arc_left.size).tolist())
        if best is None or value > best:
            best, found = value, {flow}
        elif value == best:
            found.add(flow)
    return sorted(found)


def lexicographic_best(problem: ClassProblem, flows: list[tuple[int, ...]]) -> dict[tuple[int, int], int]:
    """The largest flow in (left class, right class) order, as {(left, right): flow > 0}."""
    order = np.lexsort((problem.arc_right, problem.arc_left)).tolist()
    best = max(flows, key=lambda flow: [flow[a] for a in order])
    return by_pair(problem, np.array(best))


def by_pair(problem: ClassProblem, flow: np.ndarray) -> dict[tuple[int, int], int]:
    return {
        (int(i), int(j)): int(f)
        for i, j, f in zip(problem.arc_left, problem.arc_right, flow, strict=True)
        if f > 0
    }


def stream_of(problem: ClassProblem) -> StreamProblem:
    """The problem given block by block; every class key 0, so every arc has the same tie-break."""
    points = np.full((problem.left_size.size, problem.right_supply.size), -1, dtype=np.int64)
    points[problem.arc_left, problem.arc_right] = problem.arc_score
    return StreamProblem(
        left_size=problem.left_size,
        right_supply=problem.right_supply,
        right_members=np.ones(problem.right_supply.size, dtype=np.int64),
        left_key=np.zeros(problem.left_size.size, dtype=np.uint64),
        right_key=np.zeros(problem.right_supply.size, dtype=np.uint64),
        objective=problem.objective,
        max_pairs=problem.max_pairs,
        points=lambda a, b: points[a:b].copy(),
    )


def lp_flow(problem: ClassProblem, solver: str) -> tuple[np.ndarray, int]:
    """The LP's optimum (solve.py), people as brute force sees them, back as a class flow; and R."""
    members = np.repeat(np.arange(problem.left_size.size), problem.left_size)
    lefts, rights, arcs = [], [], []
    for person, c in enumerate(members.tolist()):
        for arc in np.flatnonzero(problem.arc_left == c).tolist():
            lefts.append(person)
            rights.append(int(problem.arc_right[arc]))
            arcs.append(arc)
    solution = solve_pairs(
        PairProblem(
            n_left=members.size,
            n_right=problem.right_supply.size,
            left=np.array(lefts, dtype=np.int64),
            right=np.array(rights, dtype=np.int64),
            score=problem.arc_score[arcs],
            right_capacity=problem.right_supply,
            tiebreak=np.zeros(len(arcs), dtype=np.int64),
            objective=problem.objective,  # type: ignore[arg-type]
        ),
        solver=solver,
    )
    assert solution.optimal
    chosen = np.array(arcs, dtype=np.int64)[solution.chosen]
    return np.bincount(chosen, minlength=problem.arc_left.size).astype(np.int64), solution.ranks


# --- every route against brute force ------------------------------------------------------------


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_route_returns_the_lexicographic_best_optimum(
    objective: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(2026)
    tied = 0
    for _ in range(80):
        problem = tied_problem(rng, objective)
        flows = optimal_flows(problem)
        expected = lexicographic_best(problem, flows)
        tied += len(flows) > 1
        # The full flow: OR-Tools over every arc, then the canonicaliser.
        found = solve_classes(problem, np.ones(problem.arc_left.size, dtype=bool), ranks=1)
        assert by_pair(problem, canonical(problem, found).flow) == expected
        # Streaming pricing, one left class per block (several blocks, often several passes).
        monkeypatch.setattr(pricing, "BLOCK_CELLS", problem.right_supply.size)
        stream = solve_streaming(stream_of(problem))
        assert by_pair(stream.problem, stream.found.flow) == expected
        assert stream.tie is not None and stream.tie.complete
        certify(stream_of(problem), stream.problem, stream.found)
        # The same passes shared with a second process.
        monkeypatch.setattr(pricing, "PARALLEL_CELLS", 0)
        monkeypatch.setattr(pricing.os, "getloadavg", lambda: (0.0, 0.0, 0.0), raising=False)
        shared = solve_streaming(stream_of(problem))
        monkeypatch.setattr(pricing, "PARALLEL_CELLS", 10**12)
        assert by_pair(shared.problem, shared.found.flow) == expected
        # The LP (HiGHS, CBC), its class flow certified by our potentials, then canonicalised.
        for solver in LP_SOLVERS:
            flow, ranks = lp_flow(problem, solver)
            assert by_pair(problem, canonical_of(problem, flow, ranks).flow) == expected
    assert tied >= 25  # a third of the instances or more have several optimal pairings


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_the_canonical_optimum_is_reached_from_every_optimal_flow(objective: str) -> None:
    rng = np.random.default_rng(18)
    several = moved = 0
    for _ in range(120):
        problem = tied_problem(rng, objective)
        flows = optimal_flows(problem)
        expected = lexicographic_best(problem, flows)
        several += len(flows) > 1
        for flow in flows:
            found = canonical_of(problem, np.array(flow, dtype=np.int64), 1)
            assert by_pair(problem, found.flow) == expected
            assert found.complete and found.moved == sum(
                a != b for a, b in zip(flow, found.flow.tolist(), strict=True)
            )
            moved += found.moved > 0
    assert several >= 30 and moved >= 50  # many starts were not the canonical optimum


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_optimum_with_any_tie_break_maps_to_the_brute_force_choice(data: Any) -> None:
    """Random keys and R from 1 to 4: ties in score and tie-break sum still happen; the
    canonicaliser, started from each optimal flow, always lands on brute force's choice."""
    seed = data.draw(st.integers(0, 2**32 - 1))
    objective = data.draw(st.sampled_from(OBJECTIVES))
    ranks = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    problem = tied_problem(rng, objective)
    problem = ClassProblem(
        **{**problem.__dict__, "arc_key": rng.integers(0, 4, size=problem.arc_left.size).astype(np.uint64)}
    )
    flows = optimal_flows(problem, ranks)
    expected = lexicographic_best(problem, flows)
    for flow in flows:
        assert by_pair(problem, canonical_of(problem, np.array(flow, dtype=np.int64), ranks).flow) == expected
    found = solve_classes(problem, np.ones(problem.arc_left.size, dtype=bool), ranks=ranks)
    assert by_pair(problem, canonical(problem, found).flow) == expected


def test_a_flow_that_is_not_optimal_is_refused() -> None:
    from mentormatch.flow import CertificateError

    problem = ClassProblem(
        left_size=np.array([1, 1]),
        right_supply=np.array([1, 1]),
        arc_left=np.array([0, 0, 1]),
        arc_right=np.array([0, 1, 1]),
        arc_score=np.array([5, 1, 5]),
        arc_key=np.zeros(3, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=2,
    )
    with pytest.raises(CertificateError):
        canonical_of(problem, np.array([0, 1, 0]), 1)  # one pair where two fit
    assert by_pair(problem, canonical_of(problem, np.array([1, 0, 1]), 1).flow) == {(0, 0): 1, (1, 1): 1}


def test_a_face_too_large_for_the_budget_keeps_the_flow_found() -> None:
    """Everyone ties with everyone: with no steps allowed the flow found comes back, marked."""
    n = 6
    left, right = np.nonzero(np.ones((n, n), dtype=bool))
    problem = ClassProblem(
        left_size=np.ones(n, dtype=np.int64),
        right_supply=np.ones(n, dtype=np.int64),
        arc_left=left,
        arc_right=right,
        arc_score=np.zeros(left.size, dtype=np.int64),
        arc_key=np.zeros(left.size, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=n,
    )
    start = np.zeros(left.size, dtype=np.int64)
    start[left == (right + 1) % n] = 1  # a perfect pairing, not the first in order
    stuck = canonical_of(problem, start, 1, max_steps=0)
    assert not stuck.complete and np.array_equal(stuck.flow, start)
    done = canonical_of(problem, start, 1)
    assert done.complete and by_pair(problem, done.flow) == {(i, i): 1 for i in range(n)}


# --- through match_pairs: named pairs, whatever the order and the route --------------------------


def tied_cohort(
    tmp_path: Path, seed: int, size: int, order: np.ndarray | None = None
) -> tuple[Any, list[Any], list[Any]]:
    """A MIND cohort where nearly everyone answers alike (so whole classes tie), a few line
    managers in the file (classes of one); ``order``: the export's rows in this order."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for n in range(size):
        mentor = n % 2 == 1
        rows.append(
            {
                "name": f"Person {n}",
                "email": f"t{seed}-{n}@nhs.net",
                "role": "Mentor" if mentor else "Mentee",
                "band": "Band 8a" if mentor else str(rng.choice(["Band 5", "Band 6"])),
                "goals": "Leadership;",
                "offers": str(rng.choice(["Leadership;Career;", "Career;Networking;"])),
                "capacity": str(int(rng.integers(1, 3))),
                "gender": "Woman",
                "manager": f"t{seed}-{n + 1}@nhs.net" if not mentor and rng.random() < 0.2 else "",
            }
        )
    rules = load_rules(MIND_RULES)
    if order is not None:
        rows = [rows[i] for i in order]
    path = mind_export(tmp_path / f"tied-{seed}-{len(list(tmp_path.iterdir()))}.xlsx", rows)
    checked = validate_exports([Source(path)], rules).checked
    return rules, checked.eligible_in("mentee"), checked.eligible_in("mentor")


def named(matching: Any) -> list[tuple[str, str]]:
    return [(p.receiver.email, p.giver.email) for p in matching.pairs]


@pytest.mark.parametrize("no_tie_break", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_the_same_named_pairs_whatever_the_order_and_the_route(
    tmp_path: Path, seed: int, no_tie_break: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the tie-break, and without it (R = 1 on every route: every pairing of the best
    score ties, and HiGHS, CBC and OR-Tools each pick their own)."""
    if no_tie_break:
        from mentormatch import flow, solve

        monkeypatch.setattr(flow, "TIE_RANKS", 1)
        monkeypatch.setattr(solve, "TIE_RANKS", 1)
    size = 60 + 20 * seed
    rules, receivers, givers = tied_cohort(tmp_path, seed, size)
    first = match_pairs(rules, receivers, givers)
    assert first.solution.solver == FLOW_LABEL and first.solution.optimal
    rng = np.random.default_rng(seed)
    for _ in range(3):
        # the export's rows shuffled (match_pairs orders the people it is given, so shuffling its
        # lists alone would change nothing): other row numbers, the same people
        _rules, shuffled_r, shuffled_g = tied_cohort(tmp_path, seed, size, rng.permutation(size))
        assert [a.row for a in shuffled_r] != [a.row for a in receivers]
        assert named(match_pairs(rules, shuffled_r, shuffled_g)) == named(first)
        for solver in LP_SOLVERS:
            assert named(match_pairs(rules, shuffled_r, shuffled_g, solver=solver)) == named(first)


def all_tied(n: int, objective: str) -> StreamProblem:
    """n x n classes of one, every pair allowed with the same score (7) and the same key."""
    return StreamProblem(
        left_size=np.ones(n, dtype=np.int64),
        right_supply=np.ones(n, dtype=np.int64),
        right_members=np.ones(n, dtype=np.int64),
        left_key=np.zeros(n, dtype=np.uint64),
        right_key=np.zeros(n, dtype=np.uint64),
        objective=objective,
        max_pairs=n,
        points=lambda a, b: np.full((b - a, n), 7, dtype=np.int64),
    )


def test_tied_class_pairs_never_held_are_part_of_the_face() -> None:
    """30 x 30 classes of one, every pair allowed with the same score and key: every perfect
    pairing is optimal, pricing holds only some class pairs, and the lexicographic best is the
    diagonal (class 0 with class 0, 1 with 1, ...), which uses pairs it never held."""
    n = 30
    for objective in OBJECTIVES:
        stream = all_tied(n, objective)
        found = solve_streaming(stream)
        assert found.found.held < found.problem.arc_left.size  # tied pairs added from the last pass
        assert by_pair(found.problem, found.found.flow) == {(i, i): 1 for i in range(n)}
        certify(stream, found.problem, found.found)


def test_ties_too_many_to_settle_are_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mentormatch import canonical as canonical_module
    from mentormatch import flow, solve

    monkeypatch.setattr(flow, "TIE_RANKS", 1)
    monkeypatch.setattr(solve, "TIE_RANKS", 1)
    monkeypatch.setattr(canonical_module, "MAX_STEPS", 0)
    rules, receivers, givers = tied_cohort(tmp_path, 5, 80)
    for solver in ["auto", *LP_SOLVERS]:
        found = match_pairs(rules, receivers, givers, solver=solver)
        assert found.solution.optimal
        assert "too many to settle by the fixed class order" in found.solution.status
        assert found.solution.objective_text.endswith("(ties left to the solver)")
    monkeypatch.setattr(canonical_module, "MAX_STEPS", 10**6)
    settled = match_pairs(rules, receivers, givers)
    assert "too many" not in settled.solution.status
    assert settled.solution.objective_text.endswith("(ties broken by a fixed key)")


@pytest.mark.parametrize("solver", LP_SOLVERS)
def test_the_lp_breaks_score_ties_as_the_flow_does_on_larger_cohorts(solver: str) -> None:
    """600 mentees and mentors, scores in steps of 1,000 points (many ties in score): the LP has
    room for the flow route's tie-break (R = 1,024; with weights capped at 1e10 it had 925 here,
    and picked other pairs of the same score), so both give the same pairs."""
    rng = np.random.default_rng(600)
    n = 600
    left = np.repeat(np.arange(n), 6)
    right = np.concatenate([rng.choice(n, size=6, replace=False) for _ in range(n)])
    problem = ClassProblem(
        left_size=np.ones(n, dtype=np.int64),
        right_supply=np.ones(n, dtype=np.int64),
        arc_left=left,
        arc_right=right,
        arc_score=rng.integers(0, 10, size=left.size) * 1000,
        arc_key=rng.integers(0, 2**62, size=left.size).astype(np.uint64),
        objective="coverage-then-score",
        max_pairs=n,
    )
    found = solve_classes(problem)
    assert found.ranks == 1024
    solution = solve_pairs(
        PairProblem(
            n_left=n,
            n_right=n,
            left=left,
            right=right,
            score=problem.arc_score,
            right_capacity=problem.right_supply,
            tiebreak=problem.arc_key.view(np.int64),
        ),
        solver=solver,
    )
    assert solution.optimal and solution.ranks == found.ranks
    lp = np.zeros(left.size, dtype=np.int64)
    lp[solution.chosen] = 1
    assert by_pair(problem, lp) == by_pair(problem, canonical(problem, found).flow)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_an_optimum_for_another_tie_break_is_moved_to_the_canonical_one(objective: str) -> None:
    """What the LP gives when its numbers allowed a smaller R only: any optimum for R = 1 (the
    same pairs and score), re-weighed for R = 4 (canonical.retie) and made canonical, is brute
    force's choice for R = 4."""
    from mentormatch.canonical import retie

    rng = np.random.default_rng(44)
    moved = 0
    for _ in range(60):
        problem = tied_problem(rng, objective)
        keys = rng.integers(0, 2**62, size=problem.arc_left.size).astype(np.uint64)
        problem = ClassProblem(**{**problem.__dict__, "arc_key": keys})
        expected = lexicographic_best(problem, optimal_flows(problem, 4))
        for flow in optimal_flows(problem, 1):
            better = retie(problem, np.array(flow, dtype=np.int64), 4)
            moved += tuple(better.tolist()) != flow
            assert by_pair(problem, canonical_of(problem, better, 4).flow) == expected
    assert moved >= 20


def short_of_mentors(tmp_path: Path, size: int) -> tuple[Any, list[Any], list[Any]]:
    """A MIND cohort with a third of its mentors: many mentees left over for a review to favour."""
    from tests.test_flow import cohort

    rules, receivers, givers = cohort(tmp_path, 3, size)
    return rules, receivers, givers[: len(givers) // 3]


@pytest.mark.parametrize("solver", LP_SOLVERS)
def test_a_review_s_bonuses_give_the_same_pairs_on_every_route(tmp_path: Path, solver: str) -> None:
    """Kept, vetoed and preferred pairs and a favoured mentee: the bonuses' large scores leave the
    LP room for a smaller tie-break only (R < 1,024); its optimum is re-weighed for the flow
    route's R, and both routes give the same pairs."""
    from mentormatch.review import Adjustments

    rules, receivers, givers = short_of_mentors(tmp_path, 240)
    first = named(match_pairs(rules, receivers, givers))
    unpaired = sorted({a.email for a in receivers} - {a for a, _b in first})
    adjust = Adjustments(
        must=frozenset(first[:2]),
        forbidden=frozenset(first[2:5]),
        prefer=frozenset((r, b) for r, (_a, b) in zip(unpaired[:2], first[5:7], strict=True)),
        favoured=frozenset(unpaired[2:3]),
    )
    flow = match_pairs(rules, receivers, givers, adjust=adjust)
    lp = match_pairs(rules, receivers, givers, adjust=adjust, solver=solver)
    assert flow.solution.ranks == 1024 and lp.solution.ranks < 1024
    assert lp.solution.optimal and named(lp) == named(flow)
    assert lp.solution.objective_text == flow.solution.objective_text


def test_only_arcs_on_a_cycle_are_free() -> None:
    """The free-arc test on hand-made residual graphs: (tail, head, room forward, room back)."""
    from mentormatch.canonical import _free_arcs

    def free(arcs: list[tuple[int, int, bool, bool]]) -> list[int]:
        t, h, f, b = (np.array(column) for column in zip(*arcs, strict=True))
        return np.flatnonzero(_free_arcs(t, h, f, b, 12)).tolist()

    # An arc with room both ways alone (a tree): no cycle, nothing free.
    assert free([(0, 1, True, True), (1, 2, True, True)]) == []
    # A directed triangle: every arc free.
    assert free([(0, 1, True, False), (1, 2, True, False), (2, 0, True, False)]) == [0, 1, 2]
    # The same triangle with one arc the wrong way round: no cycle.
    assert free([(0, 1, True, False), (1, 2, True, False), (0, 2, True, False)]) == []
    # Two triangles joined by a two-way arc: the bridge between them is not free.
    triangle = [(0, 1, True, False), (1, 2, True, False), (2, 0, True, False)]
    other = [(3, 4, True, False), (4, 5, True, False), (5, 3, True, False)]
    assert free([*triangle, (2, 3, True, True), *other]) == [0, 1, 2, 4, 5, 6]
    # A long chain of two-way arcs closed by a one-way arc: one cycle, all free.
    chain = [(n, n + 1, True, True) for n in range(10)]
    assert free([*chain, (10, 0, True, False)]) == list(range(11))


def test_the_same_flow_whichever_class_pairs_are_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """Larger instances than brute force can try (up to 40 x 40 classes), scores 0 to 2 and four
    tie-break keys: different seeds, pricing limits and blocks hold different class pairs and
    take different passes, yet give the flow the full flow route gives, made canonical."""
    rng = np.random.default_rng(77)
    changed = 0
    for _ in range(6):
        n_left, n_right = int(rng.integers(20, 41)), int(rng.integers(20, 41))
        left, right = np.nonzero(rng.random((n_left, n_right)) < 0.6)
        problem = ClassProblem(
            left_size=rng.integers(1, 4, size=n_left).astype(np.int64),
            right_supply=rng.integers(0, 4, size=n_right).astype(np.int64),
            arc_left=left,
            arc_right=right,
            arc_score=rng.integers(0, 3, size=left.size).astype(np.int64),
            arc_key=np.zeros(left.size, dtype=np.uint64),
            objective=str(rng.choice(OBJECTIVES)),
            max_pairs=0,
        )
        problem = ClassProblem(
            **{**problem.__dict__, "max_pairs": int(min(problem.left_size.sum(), problem.right_supply.sum()))}
        )
        whole = solve_classes(problem, np.ones(left.size, dtype=bool))
        expected = by_pair(problem, canonical(problem, whole).flow)
        stream = stream_of(problem)
        seen = set()
        for seed_arcs, per_class, rows in ((1, 1, 1), (2, 4, 3), (8, 16, 7), (40, 64, 40)):
            monkeypatch.setattr(pricing, "SEED_ARCS", seed_arcs)
            monkeypatch.setattr(pricing, "PRICE_PER_CLASS", per_class)
            monkeypatch.setattr(pricing, "BLOCK_CELLS", rows * n_right)
            found = solve_streaming(stream)
            assert by_pair(found.problem, found.found.flow) == expected
            seen.add((found.passes, found.found.held))
        changed += len(seen) > 1
    assert changed >= 4  # the routes really held different arcs


def test_too_many_ties_is_decided_the_same_in_one_process_or_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """30 x 30 classes of one, all tied: over a hundred tied class pairs are not held, in both
    halves of the blocks. With MAX_TIED one less than them all, one process finds too many and
    keeps the flow found; a pass shared with a second process (each half finding fewer) must
    decide alike, whatever the machine's load."""
    n = 30
    stream = all_tied(n, "coverage-then-score")
    monkeypatch.setattr(pricing, "BLOCK_CELLS", 5 * n)
    everything = solve_streaming(stream)
    tied = everything.problem.arc_left.size - everything.found.held
    assert everything.tie is not None and tied > 100
    monkeypatch.setattr(pricing, "MAX_TIED", tied - 1)
    one = solve_streaming(stream)
    assert one.tie is None
    monkeypatch.setattr(pricing, "PARALLEL_CELLS", 0)
    monkeypatch.setattr(pricing.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    two = solve_streaming(stream)
    assert two.tie is None
    assert by_pair(two.problem, two.found.flow) == by_pair(one.problem, one.found.flow)


def test_ties_too_many_to_settle_are_worded_alike_on_every_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tie-break in force on both routes (R = 2, so that exact ties are left over) and no
    budget to settle them, every route says the ties were left to the solver, the LP route too."""
    from mentormatch import canonical as canonical_module
    from mentormatch import flow, solve

    monkeypatch.setattr(flow, "TIE_RANKS", 2)
    monkeypatch.setattr(solve, "TIE_RANKS", 2)
    monkeypatch.setattr(canonical_module, "MAX_STEPS", 0)
    rules, receivers, givers = tied_cohort(tmp_path, 5, 80)
    said = {}
    for solver in ["auto", *LP_SOLVERS]:
        found = match_pairs(rules, receivers, givers, solver=solver)
        assert found.solution.optimal
        assert "too many to settle by the fixed class order" in found.solution.status, solver
        said[solver] = found.solution.objective_text
    words = "first the most pairs, then the highest total score (ties left to the solver)"
    assert set(said.values()) == {words}, said

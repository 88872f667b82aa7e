"""The large-scale route: min-cost flow over classes of interchangeable people (flow.py).

Against brute force and against the LP solve on random instances with many ties, its certificate
checker against tampered answers, and the same pairs whichever route solves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mentormatch import matching as matching_module
from mentormatch.errors import SolverError
from mentormatch.flow import (
    FLOW_LABEL,
    CertificateError,
    ClassProblem,
    check_certificate,
    distribute,
    group,
    network,
    person_order,
    potentials,
    solve_classes,
    weights,
)
from mentormatch.matching import match_pairs
from mentormatch.pipeline import Source, validate_exports
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules, load_rules
from mentormatch.solve import PairProblem, solve_pairs
from mentormatch.solvers import available_solvers
from tests.conftest import MIND_RULES, mind_export

OBJECTIVES = ["coverage-then-score", "score"]


def random_problem(rng: np.random.Generator, objective: str, max_score: int = 3) -> ClassProblem:
    """A few classes, scores from a small range (so ties everywhere), some arcs missing."""
    n_left, n_right = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    left_size = rng.integers(1, 3, size=n_left)
    right_supply = rng.integers(0, 3, size=n_right)
    allowed = rng.random((n_left, n_right)) < 0.75
    arc_left, arc_right = np.nonzero(allowed)
    return ClassProblem(
        left_size=left_size.astype(np.int64),
        right_supply=right_supply.astype(np.int64),
        arc_left=arc_left.astype(np.int64),
        arc_right=arc_right.astype(np.int64),
        arc_score=rng.integers(0, max_score + 1, size=arc_left.size).astype(np.int64),
        arc_key=rng.integers(0, 2**62, size=arc_left.size).astype(np.uint64),
        objective=objective,
        max_pairs=int(min(left_size.sum(), right_supply.sum())),
    )


def people(problem: ClassProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The problem person by person: each left class's members, each right class as one person
    with the class's places. Returns (left class of each person, edges left, edges right, arc)."""
    left_class = np.repeat(np.arange(problem.left_size.size), problem.left_size)
    lefts, rights, arcs = [], [], []
    for person, c in enumerate(left_class.tolist()):
        for arc in np.flatnonzero(problem.arc_left == c).tolist():
            lefts.append(person)
            rights.append(int(problem.arc_right[arc]))
            arcs.append(arc)
    return left_class, np.array(lefts, np.int64), np.array(rights, np.int64), np.array(arcs, np.int64)


def brute_force(problem: ClassProblem) -> tuple[int, int]:
    """The best (pairs, total score), or (-, total score) for "score", by trying every pairing."""
    _left_class, lefts, rights, arcs = people(problem)
    best = (-1, -1)

    def walk(k: int, used: set[int], room: np.ndarray, pairs: int, score: int) -> None:
        nonlocal best
        if k == lefts.size:
            key = (pairs, score) if problem.objective == "coverage-then-score" else (score, 0)
            best = max(best, key)
            return
        walk(k + 1, used, room, pairs, score)
        i, j = int(lefts[k]), int(rights[k])
        if i not in used and room[j] > 0:
            room[j] -= 1
            walk(k + 1, used | {i}, room, pairs + 1, score + int(problem.arc_score[arcs[k]]))
            room[j] += 1

    walk(0, set(), problem.right_supply.copy(), 0, 0)
    return best


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_random_instances_with_ties_equal_brute_force(objective: str) -> None:
    rng = np.random.default_rng(18)
    for _ in range(150):
        problem = random_problem(rng, objective)
        found = solve_classes(problem)
        pairs = int(found.flow.sum())
        score = int(problem.arc_score @ found.flow)
        expected = brute_force(problem)
        if objective == "coverage-then-score":
            assert (pairs, score) == expected
        else:
            assert score == expected[0]


@pytest.mark.skipif(not available_solvers(), reason="compares with the LP solve")
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_random_instances_give_the_lp_solves_class_counts(objective: str) -> None:
    """The LP (PuLP route), person by person with the same tie-break keys, reaches the same
    class counts: the same optimum, ties included."""
    rng = np.random.default_rng(2026)
    for _ in range(40):
        problem = random_problem(rng, objective, max_score=2)
        found = solve_classes(problem)
        _left_class, lefts, rights, arcs = people(problem)
        if lefts.size == 0:
            continue
        lp = solve_pairs(
            PairProblem(
                n_left=int(problem.left_size.sum()),
                n_right=problem.right_supply.size,
                left=lefts,
                right=rights,
                score=problem.arc_score[arcs],
                right_capacity=problem.right_supply,
                tiebreak=problem.arc_key[arcs].view(np.int64),
                objective=objective,  # type: ignore[arg-type]
            )
        )
        assert lp.optimal
        counts = np.bincount(arcs[lp.chosen], minlength=problem.arc_left.size)
        assert counts.tolist() == found.flow.tolist()


def solved(seed: int = 7) -> tuple[ClassProblem, Any]:
    rng = np.random.default_rng(seed)
    while True:
        problem = random_problem(rng, "coverage-then-score")
        found = solve_classes(problem)
        if found.flow.sum() >= 2 and problem.arc_left.size >= 3:
            return problem, found


def test_the_certificate_checker_rejects_a_tampered_flow() -> None:
    for seed in range(30):
        problem, found = solved(seed)
        check_certificate(problem, found.flow, found.potential, found.ranks)  # the honest answer
        used = np.flatnonzero(found.flow > 0)[0]
        fewer = found.flow.copy()
        fewer[used] -= 1  # one pair dropped: no longer the most pairs, or no longer optimal
        with pytest.raises(CertificateError):
            check_certificate(problem, fewer, found.potential, found.ranks)
        more = found.flow.copy()
        more[used] += problem.left_size.sum() + 1  # more pairs than people
        with pytest.raises(CertificateError, match="more pairs than"):
            check_certificate(problem, more, found.potential, found.ranks)


def test_the_certificate_checker_rejects_a_worse_flow_and_made_up_potentials() -> None:
    rejected = 0
    for seed in range(40):
        problem, found = solved(seed)
        # Move one unit to another arc of the same left class: as many pairs, lower weight.
        for a in np.flatnonzero(found.flow > 0).tolist():
            for b in np.flatnonzero(problem.arc_left == problem.arc_left[a]).tolist():
                moved = found.flow.copy()
                moved[a] -= 1
                moved[b] += 1
                used = np.bincount(problem.arc_right, weights=moved, minlength=problem.right_supply.size)
                if b == a or np.any(used > problem.right_supply):
                    continue
                w = weights(problem.arc_score, problem.arc_key, problem.max_pairs, found.ranks)
                assert w @ moved < w @ found.flow  # the optimum is unique here
                net = network(problem, w)
                honest = potentials(net, np.zeros(net.tail.size, dtype=np.int64))  # any potentials
                for guess in (found.potential, honest, np.zeros_like(found.potential)):
                    with pytest.raises(CertificateError):
                        check_certificate(problem, moved, guess, found.ranks)
                rejected += 1
    assert rejected >= 10


def test_distribute_names_valid_pairs_in_a_fixed_order() -> None:
    rng = np.random.default_rng(5)
    for _ in range(100):
        problem = random_problem(rng, "coverage-then-score")
        found = solve_classes(problem)
        n = int(problem.left_size.sum())
        left_class = rng.permutation(np.repeat(np.arange(problem.left_size.size), problem.left_size))
        capacity = np.concatenate([rng.multinomial(s, [0.5, 0.5]) for s in problem.right_supply.tolist()])
        right_class = np.repeat(np.arange(problem.right_supply.size), 2)
        hashes = rng.integers(0, 2**63, size=n).astype(np.uint64)
        left, right = distribute(
            left_class,
            right_class,
            person_order(hashes),
            person_order(np.arange(right_class.size, dtype=np.uint64)),
            capacity,
            problem.arc_left,
            problem.arc_right,
            found.flow,
        )
        assert left.size == found.flow.sum() and np.unique(left).size == left.size
        assert (np.bincount(right, minlength=capacity.size) <= capacity).all()
        codes = left_class[left] * 10 + right_class[right]
        arc_codes = problem.arc_left * 10 + problem.arc_right
        for code, flow in zip(arc_codes.tolist(), found.flow.tolist(), strict=True):
            assert int((codes == code).sum()) == flow


def test_groups_are_numbered_by_key_whatever_the_order() -> None:
    profile = np.array([[1, 2], [1, 2], [3, 4], [1, 2], [3, 4]], dtype=np.int64)
    single = np.array([False, False, False, True, False])
    hashes = np.array([50, 10, 40, 5, 30], dtype=np.uint64)
    found = group(profile, single, hashes, np.ones(5, dtype=bool))
    assert found.key.tolist() == [5, 10, 30]  # the single person, then {1, 0}, then {4, 2}
    assert found.of.tolist() == [1, 1, 2, 0, 2]
    assert found.size.tolist() == [1, 2, 2] and found.representative.tolist() == [3, 1, 4]
    order = np.array([4, 2, 1, 3, 0])
    again = group(profile[order], single[order], hashes[order], np.ones(5, dtype=bool))
    assert again.of.tolist() == found.of[order].tolist()


# --- through match_pairs: every route, the MIND rules ---------------------------------------------


def cohort(tmp_path: Path, seed: int, size: int) -> tuple[Rules, list[Any], list[Any]]:
    """A random MIND cohort with few distinct answers (so many interchangeable people and ties),
    some line managers in the file."""
    rng = np.random.default_rng(seed)
    goals = ["Leadership", "Confidence", "Career", "Networking"]
    rows: list[dict[str, object]] = []
    for n in range(size):
        mentor = n % 2 == 1
        rows.append(
            {
                "name": f"Person {n}",
                "email": f"p{n}@nhs.net",
                "role": "Mentor" if mentor else "Mentee",
                "band": str(rng.choice(["Band 8a", "Band 8b", "Band 9"] if mentor else ["Band 5", "Band 6"])),
                "goals": ";".join(rng.choice(goals, size=int(rng.integers(1, 3)), replace=False)) + ";",
                "offers": ";".join(rng.choice(goals, size=2, replace=False)) + ";",
                "capacity": str(int(rng.integers(1, 3))),
                "gender": str(rng.choice(["Woman", "Man"])) if mentor else "Woman",
                "manager": f"p{n + 1}@nhs.net" if not mentor and rng.random() < 0.15 else "",
            }
        )
    rules = load_rules(MIND_RULES)
    path = mind_export(tmp_path / f"cohort-{seed}.xlsx", rows)
    checked = validate_exports([Source(path)], rules).checked
    return rules, checked.eligible_in("mentee"), checked.eligible_in("mentor")


def named(matching: Any) -> list[tuple[str, str]]:
    return [(p.receiver.email, p.giver.email) for p in matching.pairs]


@pytest.mark.parametrize("solver", [s for s in ("highs", "cbc") if s in available_solvers()])
@pytest.mark.parametrize("seed", range(4))
def test_the_same_pairs_on_every_route(tmp_path: Path, seed: int, solver: str) -> None:
    rules, receivers, givers = cohort(tmp_path, seed, 40 + 10 * seed)
    flow = match_pairs(rules, receivers, givers)
    lp = match_pairs(rules, receivers, givers, solver=solver)
    assert flow.solution.solver == FLOW_LABEL and flow.solution.optimal
    assert "certified" in flow.solution.status
    assert lp.solution.optimal and lp.solution.solver != FLOW_LABEL
    assert named(flow) == named(lp)
    assert flow.candidate_pairs == lp.candidate_pairs  # every allowed pair stood for
    # The input order does not matter either.
    again = match_pairs(rules, list(reversed(receivers)), list(reversed(givers)))
    assert named(again) == named(flow)


def test_mind_flow_equals_the_lp(mind: tuple[Rules, list[Any], list[Any]]) -> None:
    rules, receivers, givers = mind
    flow = match_pairs(rules, receivers, givers)
    assert flow.solution.solver == FLOW_LABEL
    everyone = {a.email for a in (*receivers, *givers)}
    paired = {p.receiver.email for p in flow.pairs} | {p.giver.email for p in flow.pairs}
    assert paired | {u.applicant.email for u in flow.unmatched} == everyone
    assert all(u.reason for u in flow.unmatched)
    if available_solvers():
        lp = match_pairs(rules, receivers, givers, solver=available_solvers()[0])
        assert named(flow) == named(lp)
        assert flow.solution.total_score == lp.solution.total_score


def test_review_bonuses_vetoes_and_kept_pairs_on_the_flow_route(
    mind: tuple[Rules, list[Any], list[Any]],
) -> None:
    rules, receivers, givers = mind
    first = named(match_pairs(rules, receivers, givers))
    unpaired = sorted({a.email for a in receivers} - {a for a, _b in first})
    # Prefer pairs the first run did not make, favour someone it left out, keep some, veto some.
    prefer = frozenset((r, b) for r, (_a, b) in zip(unpaired[:2], first[5:7], strict=False))
    adjust = Adjustments(
        must=frozenset(first[:2]),
        forbidden=frozenset(first[2:5]),
        prefer=prefer,
        favoured=frozenset(unpaired[2:3]),
    )
    flow = match_pairs(rules, receivers, givers, adjust=adjust)
    chosen = set(named(flow))
    assert flow.solution.solver == FLOW_LABEL and flow.solution.optimal
    assert set(first[:2]) <= chosen and not set(first[2:5]) & chosen
    assert prefer <= chosen  # coverage allows it here, and the bonus outranks any score
    assert set(unpaired[2:3]) <= {a for a, _b in chosen}
    if available_solvers():  # the bonuses' large scores leave the LP less room for the tie-break
        lp = match_pairs(rules, receivers, givers, adjust=adjust, solver=available_solvers()[0])
        assert set(first[:2]) | prefer <= set(named(lp)) and len(lp.pairs) == len(flow.pairs)
        assert sum(p.score for p in lp.pairs) == pytest.approx(sum(p.score for p in flow.pairs))
        assert named(lp) == named(flow)  # re-weighed for the flow route's tie-break (canonical.retie)


def test_review_weights_too_large_are_refused_for_what_they_are(
    mind: tuple[Rules, list[Any], list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review's bonuses each outrank every score, so their weights grow with the pairs squared
    (a favoured person) or the pairs (a pair to keep if possible): past a few thousand pairs they
    no longer add up exactly in int64 (measured: --review with --favour-unmatched refused at
    9,000 applicants, a quarter of them mentors). The room is made small here to reach that on
    the MIND example. The plain run still fits; the review round is refused naming the review's
    priorities and the option to drop, never with "Use smaller score points" (the rule file's
    scores are not what overflows)."""
    from mentormatch import pricing

    rules, receivers, givers = mind
    first = named(match_pairs(rules, receivers, givers))
    unpaired = sorted({a.email for a in receivers} - {a for a, _b in first})
    assert first and unpaired
    monkeypatch.setattr(pricing, "largest_weight", lambda pairs, nodes: 10**8)
    assert match_pairs(rules, receivers, givers).solution.optimal  # the rule file's scores fit
    adjust = Adjustments(prefer=frozenset(first[:3]), favoured=frozenset(unpaired[:1]))
    with pytest.raises(SolverError) as caught:
        match_pairs(rules, receivers, givers, adjust=adjust)
    said = f"{caught.value.message} {caught.value.hint}"
    assert "pairs to keep if possible and people favoured from an earlier round" in said, said
    assert "--favour-unmatched" in said and "smaller score points" not in said, said


def test_best_pairs_with_a_minimum_on_the_flow_route(
    mind: tuple[Rules, list[Any], list[Any]], tmp_path: Path
) -> None:
    _rules, receivers, givers = mind
    text = MIND_RULES.read_text(encoding="utf-8")
    text = text.replace("  objective: coverage-then-score", "  objective: best-pairs\n  minimum_score: 45")
    path = tmp_path / "best-pairs.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    flow = match_pairs(rules, receivers, givers)
    assert flow.pairs and all(p.score >= 45 for p in flow.pairs)
    if available_solvers():
        lp = match_pairs(rules, receivers, givers, solver=available_solvers()[0])
        assert named(lp) == named(flow)


def test_a_cohort_too_diverse_to_hold_is_refused_up_front(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]]
) -> None:
    rules, receivers, givers = mind
    monkeypatch.setattr(matching_module, "MEMORY_LIMIT", 10 * matching_module.CLASS_BYTES)
    with pytest.raises(SolverError, match="classes of interchangeable applicants") as caught:
        match_pairs(rules, receivers, givers)
    assert "it can take up to 10 classes" in str(caught.value) and caught.value.hint


def test_nobody_to_pair(mind: tuple[Rules, list[Any], list[Any]]) -> None:
    rules, receivers, _givers = mind
    alone = match_pairs(rules, receivers, [])
    assert alone.pairs == () and alone.solution.optimal
    assert len(alone.unmatched) == len(receivers)


def test_a_worse_flow_has_no_potentials() -> None:
    problem = ClassProblem(  # two people, two places: the crossed pairs are better
        left_size=np.array([1, 1]),
        right_supply=np.array([1, 1]),
        arc_left=np.array([0, 0, 1, 1]),
        arc_right=np.array([0, 1, 0, 1]),
        arc_score=np.array([1, 5, 5, 1]),
        arc_key=np.zeros(4, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=2,
    )
    w = weights(problem.arc_score, problem.arc_key, problem.max_pairs, 4)
    net = network(problem, w)
    straight = np.array([1, 1, 1, 0, 0, 1, 1, 1])  # source arcs, the four pairs, sink arcs
    with pytest.raises(CertificateError, match="negative cycle"):
        potentials(net, straight)
    assert solve_classes(problem).flow.tolist() == [0, 1, 1, 0]


def test_scores_too_large_to_add_up_exactly_are_refused() -> None:
    problem, _found = solved(4)
    huge = ClassProblem(**{**problem.__dict__, "arc_score": problem.arc_score * 0 + 2**61})
    with pytest.raises(SolverError, match="too large"):
        solve_classes(huge)


def test_impossible_kept_pairs_are_refused_on_the_flow_route(
    mind: tuple[Rules, list[Any], list[Any]],
) -> None:
    from mentormatch.errors import InfeasibleError

    rules, receivers, givers = mind
    one = givers[0].email
    kept = frozenset((r.email, one) for r in receivers[:5])  # more than anyone's places
    with pytest.raises(InfeasibleError, match="conflict"):
        match_pairs(rules, receivers, givers, adjust=Adjustments(must=kept))


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_pricing_from_nothing_held_reaches_the_same_optimum(objective: str) -> None:
    """Column generation: starting with no arc held, pricing and augmenting paths add arcs until
    the flow is optimal over all of them: the same flow as starting from every arc."""
    rng = np.random.default_rng(99)
    priced = 0
    for _ in range(60):
        problem = random_problem(rng, objective, max_score=5)
        whole = solve_classes(problem, np.ones(problem.arc_left.size, dtype=bool))
        grown = solve_classes(problem, np.zeros(problem.arc_left.size, dtype=bool))
        assert grown.flow.tolist() == whole.flow.tolist()
        assert whole.rounds == 1
        priced += grown.rounds > 1
    assert priced > 30


def test_a_named_solver_refuses_more_pairs_than_it_can_hold(
    monkeypatch: pytest.MonkeyPatch, mind: tuple[Rules, list[Any], list[Any]]
) -> None:
    rules, receivers, givers = mind
    monkeypatch.setattr(matching_module, "LP_MAX_PAIRS", 100)
    with pytest.raises(SolverError, match="one variable per pair") as caught:
        match_pairs(rules, receivers, givers, solver="highs")
    assert "Leave --solver out" in str(caught.value)
    assert match_pairs(rules, receivers, givers).solution.optimal  # the flow route has no such limit


def test_reasons_for_the_unmatched_worked_out_per_class_are_each_persons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, receivers, givers = cohort(tmp_path, 5, 90)
    few = givers[:12]  # few mentors: mentees left over, some of them interchangeable
    fast = match_pairs(rules, receivers, few)
    assert len(fast.unmatched) > 10
    from mentormatch import explain as explain_module

    original = explain_module.unmatched_with_reasons

    def one_by_one(*args: Any, **kwargs: Any) -> Any:
        return original(*args[:5])  # no classes: every reason worked out for its own person

    monkeypatch.setattr(explain_module, "unmatched_with_reasons", one_by_one)
    slow = match_pairs(rules, receivers, few)
    assert [(u.applicant.email, u.reason) for u in fast.unmatched] == [
        (u.applicant.email, u.reason) for u in slow.unmatched
    ]
    rich = match_pairs(rules, receivers[:10], givers)  # and mentors left over
    monkeypatch.setattr(explain_module, "unmatched_with_reasons", original)
    again = match_pairs(rules, receivers[:10], givers)
    assert [u.reason for u in rich.unmatched] == [u.reason for u in again.unmatched]


def test_pairs_explained_together_read_as_each_alone(mind: tuple[Rules, list[Any], list[Any]]) -> None:
    from mentormatch.explain import explain_pair
    from mentormatch.matching import _order
    from mentormatch.scoring import Scorer

    rules, receivers, givers = mind
    found = match_pairs(rules, receivers, givers)
    scorer = Scorer(rules, sorted(receivers, key=_order), sorted(givers, key=_order))
    index_r = {a.email: n for n, a in enumerate(scorer.receivers.people)}
    index_g = {a.email: n for n, a in enumerate(scorer.givers.people)}
    for pair in found.pairs:
        alone = explain_pair(scorer, index_r[pair.receiver.email], index_g[pair.giver.email])
        assert (alone.score, alone.parts, alone.why) == (pair.score, pair.parts, pair.why)

"""Tests for the pairing solver core against brute force and SciPy's exact assignment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from mentormatch import solve as solve_module
from mentormatch import solvers as solvers_module
from mentormatch.errors import InfeasibleError, SolverError
from mentormatch.solve import (
    PairingInfeasibleError,
    PairProblem,
    PairSolution,
    solve_pairs,
)
from mentormatch.solvers import Run, available_solvers, interruptible_run

SOLVERS = available_solvers()
BOTH = pytest.mark.skipif(len(SOLVERS) < 2, reason="needs both HiGHS and CBC")


def random_problem(
    rng: np.random.Generator,
    max_left: int = 6,
    max_right: int = 6,
    max_score: int = 3,
    with_must: bool = False,
    objective: str = "coverage-then-score",
) -> PairProblem:
    """A random instance: random sparsity, capacities 0-3, few distinct scores (many ties)."""
    n_left = int(rng.integers(1, max_left + 1))
    n_right = int(rng.integers(1, max_right + 1))
    mask = rng.random((n_left, n_right)) < rng.uniform(0.15, 1.0)
    left, right = np.nonzero(mask)
    capacity = rng.integers(0, 4, size=n_right)
    must = np.zeros(left.size, dtype=bool)
    if with_must:  # a few 'must' edges that fit together (taken greedily)
        used_left: set[int] = set()
        room = capacity.copy()
        for e in rng.permutation(left.size)[: int(rng.integers(1, 3))]:
            if left[e] not in used_left and room[right[e]] > 0:
                must[e] = True
                used_left.add(int(left[e]))
                room[right[e]] -= 1
    return PairProblem(
        n_left=n_left,
        n_right=n_right,
        left=left.astype(np.int64),
        right=right.astype(np.int64),
        score=rng.integers(0, max_score + 1, size=left.size).astype(np.int64),
        right_capacity=capacity.astype(np.int64),
        must=must if with_must else None,
        objective=objective,  # type: ignore[arg-type]
    )


def brute_force(problem: PairProblem) -> tuple[int, int]:
    """Best (coverage, score) over every feasible edge subset (lexicographic or score only)."""
    m = problem.left.size
    masks = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(np.int64)
    left_hot = np.eye(problem.n_left, dtype=np.int64)[problem.left]
    right_hot = np.eye(problem.n_right, dtype=np.int64)[problem.right]
    ok = ((masks @ left_hot) <= 1).all(axis=1)
    ok &= ((masks @ right_hot) <= problem.right_capacity).all(axis=1)
    if problem.must is not None:
        ok &= masks[:, problem.must].all(axis=1)
    coverage = masks.sum(axis=1)[ok]
    score = (masks @ problem.score)[ok]
    if problem.objective == "score":
        best = int(np.argmax(score))
    else:
        best = int(np.argmax(coverage * (int(problem.score.sum()) + 1) + score))
    return int(coverage[best]), int(score[best])


def scipy_reference(problem: PairProblem) -> tuple[int, int]:
    """Exact optimum via linear_sum_assignment: a column per capacity slot plus one dummy per row.

    Weight = MUST * must + BIG + score (coverage first) or MUST * must + score ("score").
    """
    slots = np.repeat(np.arange(problem.n_right), problem.right_capacity)
    top = int(problem.score.max(initial=0))
    big = top * problem.n_left + 1 if problem.objective == "coverage-then-score" else 0
    must_bonus = (big + top) * problem.n_left + 1
    forbidden = -(10**12)
    weights = np.full((problem.n_left, slots.size + problem.n_left), float(forbidden))
    weights[:, slots.size :] = 0.0
    must = np.zeros(problem.left.size, bool) if problem.must is None else problem.must
    for e in range(problem.left.size):
        columns = np.flatnonzero(slots == problem.right[e])
        weights[problem.left[e], columns] = must_bonus * must[e] + big + problem.score[e]
    rows, cols = linear_sum_assignment(weights, maximize=True)
    real = (cols < slots.size) & (weights[rows, cols] > forbidden / 2)
    coverage = int(real.sum())
    value = int(weights[rows[real], cols[real]].sum())
    score = value - coverage * big - must_bonus * int(must.sum())
    return coverage, score


def assert_feasible(problem: PairProblem, solution: PairSolution) -> None:
    """The chosen edges respect every limit and every 'must' edge."""
    chosen = solution.chosen
    assert np.all(np.diff(chosen) > 0)
    assert np.bincount(problem.left[chosen], minlength=problem.n_left).max(initial=0) <= 1
    assert np.all(np.bincount(problem.right[chosen], minlength=problem.n_right) <= problem.right_capacity)
    if problem.must is not None:
        assert set(np.flatnonzero(problem.must)) <= set(chosen.tolist())
    assert solution.coverage == chosen.size
    assert solution.total_score == int(problem.score[chosen].sum())


def pairs_of(problem: PairProblem, solution: PairSolution) -> set[tuple[int, int]]:
    """The chosen (left, right) pairs, independent of edge order."""
    return {(int(problem.left[e]), int(problem.right[e])) for e in solution.chosen}


def permuted(problem: PairProblem, order: np.ndarray) -> PairProblem:
    """The same problem with its edges listed in ``order``."""
    return PairProblem(
        n_left=problem.n_left,
        n_right=problem.n_right,
        left=problem.left[order],
        right=problem.right[order],
        score=problem.score[order],
        right_capacity=problem.right_capacity,
        must=None if problem.must is None else problem.must[order],
        tiebreak=None if problem.tiebreak is None else problem.tiebreak[order],
        objective=problem.objective,
    )


def test_random_instances_match_brute_force_and_scipy() -> None:
    rng = np.random.default_rng(20240601)
    brute_forced = 0
    for index in range(200):
        problem = random_problem(rng, with_must=index % 3 == 0)
        solution = solve_pairs(problem, solver=SOLVERS[0])
        assert solution.optimal, solution.status
        assert_feasible(problem, solution)
        expected = scipy_reference(problem)
        assert (solution.coverage, solution.total_score) == expected, index
        if problem.left.size <= 14:
            brute_forced += 1
            assert brute_force(problem) == expected, index
    assert brute_forced >= 60


@BOTH
def test_cbc_matches_the_reference_too() -> None:
    rng = np.random.default_rng(7)
    for index in range(40):
        problem = random_problem(rng, with_must=index % 2 == 0)
        solution = solve_pairs(problem, solver="cbc")
        assert solution.solver in ("CBC", "none") and solution.optimal
        assert_feasible(problem, solution)
        assert (solution.coverage, solution.total_score) == scipy_reference(problem), index


@BOTH
def test_highs_and_cbc_choose_identical_pairs_despite_ties() -> None:
    rng = np.random.default_rng(11)
    for index in range(12):
        problem = random_problem(rng, max_left=25, max_right=15, max_score=1)
        highs = solve_pairs(problem, solver="highs")
        cbc = solve_pairs(problem, solver="cbc")
        assert highs.solver == "HiGHS" and cbc.solver == "CBC"
        assert np.array_equal(highs.chosen, cbc.chosen), index


def test_edge_order_does_not_change_the_pairs() -> None:
    rng = np.random.default_rng(3)
    for index in range(15):
        problem = random_problem(rng, max_left=20, max_right=12, max_score=2)
        if index % 2:  # explicit stable keys travel with their edges
            keys = rng.integers(0, 2**62, size=problem.left.size)
            problem = PairProblem(**{**problem.__dict__, "tiebreak": keys})
        reference = solve_pairs(problem)
        for _ in range(2):
            shuffled = permuted(problem, rng.permutation(problem.left.size))
            assert pairs_of(shuffled, solve_pairs(shuffled)) == pairs_of(problem, reference)


def test_objective_score_maximises_total_score_only() -> None:
    rng = np.random.default_rng(5)
    for index in range(60):
        problem = random_problem(rng, max_score=4, with_must=index % 4 == 0, objective="score")
        solution = solve_pairs(problem)
        assert solution.optimal
        assert_feasible(problem, solution)
        _, expected_score = scipy_reference(problem)
        assert solution.total_score == expected_score, index
        if problem.left.size <= 14:
            assert brute_force(problem)[1] == expected_score
    assert solution.objective_text.startswith("the highest total score")


def test_coverage_comes_before_score() -> None:
    # Left 0 could take right 0 for 10 points, but then left 1 goes unpaired.
    problem = PairProblem(
        n_left=2,
        n_right=2,
        left=np.array([0, 0, 1]),
        right=np.array([0, 1, 0]),
        score=np.array([10, 1, 1]),
        right_capacity=np.array([1, 1]),
    )
    solution = solve_pairs(problem)
    assert solution.chosen.tolist() == [1, 2]
    assert (solution.coverage, solution.total_score) == (2, 2)
    score_only = solve_pairs(PairProblem(**{**problem.__dict__, "objective": "score"}))
    assert (score_only.coverage, score_only.total_score) == (1, 10)


def test_must_edges_are_honoured() -> None:
    problem = PairProblem(
        n_left=3,
        n_right=2,
        left=np.array([0, 0, 1, 2]),
        right=np.array([0, 1, 0, 1]),
        score=np.array([1, 9, 9, 9]),
        right_capacity=np.array([1, 1]),
        must=np.array([False, True, False, False]),
    )
    solution = solve_pairs(problem)
    assert solution.optimal
    assert solution.chosen.tolist() == [1, 2]
    assert brute_force(problem) == (solution.coverage, solution.total_score) == (2, 18)


def test_must_over_capacity_raises_with_conflicts() -> None:
    problem = PairProblem(
        n_left=3,
        n_right=4,
        left=np.array([0, 1, 2]),
        right=np.array([3, 3, 0]),
        score=np.array([1, 1, 1]),
        right_capacity=np.array([1, 1, 1, 1]),
        must=np.array([True, True, False]),
    )
    with pytest.raises(InfeasibleError) as caught:
        solve_pairs(problem)
    assert isinstance(caught.value, PairingInfeasibleError)
    assert caught.value.conflicts == [("right", 3)]
    assert "2 'must' pairs give right person #3 more than their capacity of 1" in str(caught.value)


def test_must_twice_for_one_left_person_and_zero_capacity_raise() -> None:
    problem = PairProblem(
        n_left=2,
        n_right=3,
        left=np.array([1, 1, 0]),
        right=np.array([0, 1, 2]),
        score=np.array([1, 1, 1]),
        right_capacity=np.array([2, 2, 0]),
        must=np.array([True, True, True]),
    )
    with pytest.raises(PairingInfeasibleError) as caught:
        solve_pairs(problem)
    assert caught.value.conflicts == [("left", 1), ("right", 2)]
    assert "left person #1 in more than one pair" in caught.value.message
    assert "1 'must' pair gives right person #2 more than their capacity of 0" in str(caught.value)


@pytest.mark.parametrize(
    ("n_left", "n_right", "capacity"),
    [(0, 0, []), (3, 0, []), (0, 2, [1, 1]), (2, 2, [1, 1]), (2, 2, [0, 0])],
)
def test_empty_problem_returns_empty_optimal_solution(
    n_left: int, n_right: int, capacity: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_solver(_: str) -> tuple[str, str]:
        raise AssertionError("no solver should be called")

    monkeypatch.setattr(solve_module, "pick_solver", no_solver)
    if n_left and sum(capacity) == 0 and n_right:  # edges exist, but nobody can take a pair
        left, right = np.array([0, 1]), np.array([0, 1])
    else:
        left = right = np.zeros(0, dtype=np.int64)
    problem = PairProblem(
        n_left=n_left,
        n_right=n_right,
        left=left,
        right=right,
        score=np.zeros(left.size, dtype=np.int64),
        right_capacity=np.array(capacity, dtype=np.int64),
    )
    solution = solve_pairs(problem)
    assert solution.optimal and solution.coverage == 0 and solution.total_score == 0
    assert solution.chosen.size == 0 and solution.chosen.dtype == np.int64


@pytest.mark.parametrize("solver", SOLVERS)
def test_lp_solve_is_integral_and_optimal(solver: str) -> None:
    problem = random_problem(np.random.default_rng(1), max_left=30, max_right=20, max_score=50)
    solution = solve_pairs(problem, solver=solver)
    assert solution.method == "LP (integral)"
    assert solution.optimal and solution.status == "optimal" and solution.gap is None
    assert solution.objective_text == (
        "first the most pairs, then the highest total score (ties broken by a fixed key)"
    )
    assert (solution.coverage, solution.total_score) == scipy_reference(problem)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fractional_lp_falls_back_to_mip(solver: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = solve_module.is_integral
    calls = []

    def first_call_fractional(values: np.ndarray) -> bool:
        calls.append(1)
        return len(calls) > 1 and real(values)

    monkeypatch.setattr(solve_module, "is_integral", first_call_fractional)
    rng = np.random.default_rng(2)
    problem = random_problem(rng, max_left=15, max_right=10, objective="score")
    solution = solve_pairs(problem, solver=solver)
    assert solution.method == "MIP" and solution.optimal
    assert solution.total_score == scipy_reference(problem)[1]


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_never_claims_an_unproven_optimum(solver: str) -> None:
    rng = np.random.default_rng(9)
    n = 150
    left, right = np.nonzero(rng.random((n, n)) < 0.6)
    problem = PairProblem(
        n_left=n,
        n_right=n,
        left=left,
        right=right,
        score=rng.integers(0, 1000, size=left.size),
        right_capacity=np.ones(n, dtype=np.int64),
    )
    expected = scipy_reference(problem)
    for limit in (1e-4, 0.01, 0.1):
        try:
            solution = solve_pairs(problem, solver=solver, time_limit=limit)
        except SolverError as error:
            assert "--time-limit" in str(error)
            continue
        assert_feasible(problem, solution)
        if solution.optimal:
            assert (solution.coverage, solution.total_score) == expected
        else:
            assert solution.status.startswith("time-limit (not proven optimal")


def test_unavailable_solver_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    if "cbc" not in SOLVERS:
        pytest.skip("needs CBC")
    monkeypatch.setattr(solvers_module, "available_solvers", lambda: ["cbc"])
    problem = random_problem(np.random.default_rng(4))
    solution = solve_pairs(problem, solver="highs")
    assert solution.solver == "CBC"
    assert solution.status == "optimal (HiGHS unavailable, used CBC)"
    monkeypatch.setattr(solvers_module, "available_solvers", lambda: [])
    with pytest.raises(SolverError, match="No solver is available"):
        solve_pairs(problem)


def test_cbc_leaves_no_files_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "cbc" not in SOLVERS:
        pytest.skip("needs CBC")
    monkeypatch.chdir(tmp_path)
    solve_pairs(random_problem(np.random.default_rng(6)), solver="cbc")
    assert list(tmp_path.iterdir()) == []


def test_no_console_output_and_no_cli_imports() -> None:
    script = (
        "import sys, numpy as np\n"
        "from mentormatch.solve import PairProblem, solve_pairs\n"
        "from mentormatch.solvers import available_solvers\n"
        "p = PairProblem(2, 2, np.array([0, 1]), np.array([1, 0]), np.array([3, 4]),"
        " np.array([1, 1]))\n"
        "for name in available_solvers():\n"
        "    assert solve_pairs(p, solver=name).coverage == 2\n"
        "assert 'typer' not in sys.modules and 'rich' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_large_scores_stay_exact() -> None:
    rng = np.random.default_rng(8)
    for top in (10**5, 10**9, 10**11):  # the last leaves no room for a tie-break
        problem = random_problem(rng, max_left=12, max_right=8)
        problem = PairProblem(**{**problem.__dict__, "score": rng.integers(0, top, size=problem.left.size)})
        solution = solve_pairs(problem)
        assert (solution.coverage, solution.total_score) == scipy_reference(problem)
    assert solution.objective_text.endswith("(ties left to the solver)")


def two_by_two() -> dict[str, Any]:
    """The fields of a valid 2 x 2 pairing problem, for tests that break one of them."""
    return {
        "n_left": 2,
        "n_right": 2,
        "left": np.array([0, 1]),
        "right": np.array([0, 1]),
        "score": np.array([1, 1]),
        "right_capacity": np.array([1, 1]),
    }


def test_bad_input_is_rejected() -> None:
    base = two_by_two()
    for change in (
        {"left": np.array([0, 0]), "right": np.array([1, 1])},  # the same pair twice
        {"left": np.array([0, 2])},  # index out of range
        {"score": np.array([1, -1])},
        {"score": np.array([1.5, 1.0])},
        {"right_capacity": np.array([1])},
        {"must": np.array([1, 0])},  # not boolean
    ):
        with pytest.raises(ValueError):
            solve_pairs(PairProblem(**{**base, **change}))
    with pytest.raises(ValueError):
        solve_pairs(PairProblem(**base), solver="gurobi")
    with pytest.raises(ValueError):
        solve_pairs(PairProblem(**base), time_limit=0)


def test_most_pairs_stage_runs_when_the_best_score_has_fewer_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A path L0-R0-L1-R1-L2-R2: the two 9-point edges outweigh the three 0-point edges even
    # with the coverage bonus, so the first solve has 2 pairs and an augmenting path remains.
    problem = PairProblem(
        n_left=3,
        n_right=3,
        left=np.array([0, 1, 1, 2, 2]),
        right=np.array([0, 0, 1, 1, 2]),
        score=np.array([0, 9, 0, 9, 0]),
        right_capacity=np.array([1, 1, 1]),
    )
    real = solve_module._most_pairs
    grown: list[int] = []

    def spy(edges: object, chosen: np.ndarray) -> np.ndarray:
        result = real(edges, chosen)  # type: ignore[arg-type]
        grown.append(result.size - chosen.size)
        return result

    monkeypatch.setattr(solve_module, "_most_pairs", spy)
    for solver in SOLVERS:
        solution = solve_pairs(problem, solver=solver)
        assert solution.optimal and solution.chosen.tolist() == [0, 2, 4]
        assert brute_force(problem) == (3, 0)
    assert grown and all(count == 1 for count in grown)


@BOTH
def test_numpy_built_highs_model_agrees_with_pulp_built_cbc_model() -> None:
    rng = np.random.default_rng(21)
    problems = [
        random_problem(
            rng,
            max_left=15,
            max_right=10,
            with_must=index % 3 == 0,
            objective="score" if index % 4 == 0 else "coverage-then-score",
        )
        for index in range(60)
    ]
    via_pulp = [solve_pairs(problem, solver="cbc") for problem in problems]
    for problem, expected in zip(problems, via_pulp, strict=True):
        solution = solve_pairs(problem, solver="highs")
        assert solution.optimal and expected.optimal
        assert np.array_equal(solution.chosen, expected.chosen)
        assert_feasible(problem, solution)


def test_augmenting_paths_reach_the_most_pairs() -> None:
    rng = np.random.default_rng(17)
    checked = 0
    for index in range(150):
        problem = random_problem(rng, max_left=7, max_right=5, with_must=index % 2 == 0)
        edges, _ = solve_module._normalise(problem)
        if edges.left.size == 0:
            continue
        start = np.flatnonzero(edges.must)  # the smallest valid pairing
        most = solve_module._most_pairs(edges, start)
        values = np.zeros(edges.left.size)
        values[most] = 1.0
        assert solve_module._pairing(edges, values) is not None
        assert most.size == scipy_reference(problem)[0], index
        checked += 1
    assert checked > 100


def test_ctrl_c_during_highs_is_raised_again_once_it_stopped() -> None:
    """interruptible_run: HiGHS solves in highspy's thread and, cancelled by Ctrl-C, reports
    kInterrupt; the KeyboardInterrupt is then raised again. Off the main thread, a plain run."""
    import threading

    import highspy

    class Fake:
        def __init__(self, status: Any) -> None:
            self.status, self.calls = status, []  # type: ignore[var-annotated]
            self.HandleKeyboardInterrupt = False

        def solve(self) -> None:
            self.calls.append(("solve", self.HandleKeyboardInterrupt))

        def run(self) -> None:
            self.calls.append(("run", self.HandleKeyboardInterrupt))

        def getModelStatus(self) -> Any:
            return self.status

    stopped = Fake(highspy.HighsModelStatus.kInterrupt)
    with pytest.raises(KeyboardInterrupt):
        interruptible_run(stopped)
    assert stopped.calls == [("solve", True)]
    finished = Fake(highspy.HighsModelStatus.kOptimal)
    interruptible_run(finished)
    assert finished.calls == [("solve", True)]
    elsewhere = Fake(highspy.HighsModelStatus.kOptimal)
    worker = threading.Thread(target=interruptible_run, args=(elsewhere,))
    worker.start()
    worker.join()
    assert elsewhere.calls == [("run", False)]


def test_more_bad_input_is_rejected() -> None:
    base = two_by_two()
    for change, message in (
        ({"n_left": -1}, "n_left and n_right must be >= 0"),
        ({"right": np.array([0, 2])}, r"right indices must lie in \[0, 2\)"),
        ({"right_capacity": np.array([1, -1])}, "right_capacity must be >= 0"),
        ({"tiebreak": np.array([1.0, 2.0])}, "tiebreak must be an integer array of length 2"),
        ({"objective": "fewest-pairs"}, "unknown objective 'fewest-pairs'"),
        ({"left": np.array([[0, 1]])}, "left must be a 1-D array"),
    ):
        with pytest.raises(ValueError, match=message):
            solve_pairs(PairProblem(**{**base, **change}))


def test_whole_numbers_held_as_floats_are_accepted() -> None:
    problem = random_problem(np.random.default_rng(23))
    as_floats = PairProblem(**{**problem.__dict__, "score": problem.score.astype(float)})
    assert np.array_equal(solve_pairs(as_floats).chosen, solve_pairs(problem).chosen)


def test_scores_too_large_to_add_up_exactly_are_refused() -> None:
    problem = PairProblem(
        n_left=3,
        n_right=3,
        left=np.array([0, 1, 2]),
        right=np.array([0, 1, 2]),
        score=np.array([2**52, 2**52, 1]),
        right_capacity=np.ones(3, dtype=np.int64),
    )
    with pytest.raises(SolverError, match="too large to add up exactly"):
        solve_pairs(problem)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("run", "message"),
    [
        (Run("optimal", None), "not a valid pairing"),  # values filled in below
        (Run("failed", None, detail="Unknown"), r"stopped without an answer \(Unknown\)"),
        (Run("infeasible", None, detail="Infeasible"), r"stopped without an answer \(Infeasible\)"),
    ],
)
def test_a_solver_answer_that_is_no_pairing_is_an_error(
    solver: str, run: Run, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every edge chosen (one person in two pairs), or no answer at all: a SolverError, never a result."""
    model = solve_module._HighsModel if solver == "highs" else solve_module._CbcModel

    def answer(self: Any, weights: np.ndarray, *args: Any) -> Run:
        return run if run.state != "optimal" else Run("optimal", np.ones(weights.size))

    monkeypatch.setattr(model, "solve", answer)
    problem = PairProblem(
        2, 2, np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([3, 4, 5]), np.array([1, 1])
    )
    with pytest.raises(SolverError, match=message):
        solve_pairs(problem, solver=solver)


def test_a_pairing_must_keep_every_must_pair_and_every_limit() -> None:
    problem = PairProblem(
        n_left=2,
        n_right=2,
        left=np.array([0, 0, 1]),
        right=np.array([0, 1, 1]),
        score=np.array([3, 4, 5]),
        right_capacity=np.array([1, 1]),
        must=np.array([True, False, False]),
    )
    edges, _ = solve_module._normalise(problem)
    valid = solve_module._pairing(edges, np.array([1.0, 0.0, 1.0]))
    assert valid is not None and valid.tolist() == [0, 2]
    assert solve_module._pairing(edges, np.array([0.0, 0.0, 1.0])) is None  # the 'must' pair dropped
    assert solve_module._pairing(edges, np.array([1.0, 1.0, 0.0])) is None  # left person 0 twice
    assert solve_module._pairing(edges, np.array([1.0, 0.0, 0.5])) is None  # not 0/1


def test_a_model_highs_refuses_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import highspy

    class Refusing:
        def passModel(self, lp: Any) -> Any:
            return highspy.HighsStatus.kError

    monkeypatch.setattr(solve_module, "new_highs", Refusing)
    with pytest.raises(SolverError, match="HiGHS rejected the pairing model"):
        solve_pairs(random_problem(np.random.default_rng(1), max_left=30, max_right=20), solver="highs")

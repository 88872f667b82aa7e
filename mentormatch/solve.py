"""Pair people optimally: an exact bipartite b-matching solved as an LP with HiGHS or CBC."""

# Why the answer is exact
# -----------------------
# Variables: one x_e in [0, 1] per candidate edge e = (i, j). Rows: sum_j x_ij <= 1 for each left
# person i, sum_i x_ij <= capacity_j for each right person j; a 'must' edge has lower bound 1.
#
# 1. Integral LPs. A bipartite graph's incidence matrix is totally unimodular (TU) and every
#    bound and right-hand side is an integer, so every vertex of the LP polytope is 0/1 and the
#    LP optimum is an optimal pairing. Adding the row sum_e x_e = K keeps it TU (Ghouila-Houri:
#    sign the new row +1 and every left and right row -1; each column sums to
#    1 - [its left row taken] - [its right row taken], in {-1, 0, 1}); equivalently a
#    fixed-cardinality b-matching is a min-cost flow of fixed value K. So every LP solved here
#    is integral; the values are still checked, and a fractional point is re-solved as a MIP.
# 2. Weights. w_e = s_e * T + t_e with integer scores s_e >= 0, a tie-break t_e in [1, R] and
#    T = P * R + 1, where P bounds the pairs of every pairing compared. A pairing with K <= P
#    pairs weighs W = T * S + B with B in [K, K * R]; if S(x) >= S(y) + 1 then
#    W(x) - W(y) >= T - P * R > 0. So max W is the best total score and, among equal scores,
#    the best tie-break sum: the tie-break can never outweigh one score point. "score" uses
#    this with P = min(people with an edge, sum of usable capacity).
# 3. "coverage-then-score" (lexicographic). Maximise W with s_e - min(s) + c in place of s_e
#    (c = max(s - min(s)), at least 1): among pairings with as many pairs K as the winner,
#    W = T * (S + c K) + B orders exactly by score, then tie-break. If no augmenting path leaves
#    the winner (Berge: a breadth-first search in the residual graph), it has the most
#    pairs K* and it is the answer. Otherwise augmenting paths (Hopcroft-Karp, numpy) grow it
#    to K* pairs, and the same W is maximised again with sum x_e = K* added (every compared
#    pairing then has K* <= P pairs, so the argument above still holds; HiGHS restarts from the
#    first solve's basis).
#    No "big M" weight for coverage: adding a large constant to every weight puts the score
#    signal in the last digits of every cost, and made HiGHS over 20x slower at 1000 x 1000.
# 4. Numbers stay exact: R is the largest value with max(w) <= COEF_CAP = 1e9, so each weight
#    is an integer below the 13 significant digits PuLP writes into CBC's MPS file and every
#    objective value is an integer below P * 1e9 < 2**53. Distinct objective values differ by at
#    least 1, far above the solvers' 1e-7 optimality tolerances.
# 5. Determinism: t_e comes from a mixed hash of the edge's key (given, or its (left, right)
#    indices), never its position, so with distinct tie-break sums the optimum is unique and any
#    solver and any edge order give the same pairs. R shrinks as scores and pairs grow (about
#    1e9 / (max score * pairs)); below R = 2 the tie-break is dropped and the objective text
#    says ties are left to the solver.
# 6. Large problems (solve_pairs_certified): column generation. The model holds only candidate
#    edges (each person's best few and the 'must' edges); a pricing callback scans every allowed
#    pair. The weights come from bounds of the whole problem (PairBounds: P, lowest and highest
#    score), never from the edges held, so they stay fixed while edges are added and equal the
#    dense solve's when the bounds are exact.
#    Certificate: for any duals y >= 0 on the <= rows (free on equalities, sigma on the
#    cardinality row), every solution x over all allowed pairs has value
#    sum_e x_e rc_e + sum_i y_i x(i) + sum_j y_j x(j) + sigma sum x
#    <= D = sum_i y_i + sum_j cap_j y_j + sigma K + sum_{held} rc_e^+ (+ rc_e for edges held at
#    1) + P * tau, where rc_e = w_e - y_i - y_j - sigma and tau bounds the reduced cost of every
#    pair not held: that is what a pricing pass that returns nothing proves (at most P pairs of
#    a pairing are not held). Objective values are integers, so D < value + 1 proves the LP
#    optimum over the edges held is the optimum over all allowed pairs; D is computed and
#    checked after the last pass, and "optimal" is claimed only then (a time limit before a
#    clean pass gives the best pairing found, not proven).
#    Lexicographic phases. Simplex on w = s' T + t at once was slow (30,000 iterations at
#    2,000 x 2,000), so the LP is solved in two phases with the same optimum. Phase one
#    maximises s' alone (priced with s'); with its optimal duals y1 (rounded: a TU basis has
#    integral duals), a pairing is best in s' iff it keeps complementary slackness with y1
#    (edges with rc1 < 0 at 0, rc1 > 0 at 1, rows with y1 > 0 full), over all allowed pairs as
#    y1 is feasible for all of them. Phase two maximises t over exactly that face, priced with
#    weights M s' + t and duals M y1 + y2 (M above every |rc2| here, so the reduced cost is
#    positive exactly for pairs with rc1 = 0 and rc2 > 0, as rc1 <= 0 for every pair after phase
#    one) and certified with the bound above on t. As T > P R, max w is max s' then max t. If a
#    certificate ever failed numerically, the weights are solved at once with HiGHS's duals and
#    a tolerance tau = 1 / (4 P) instead.
#    Most pairs over all allowed pairs: after phase two, if the pairing has fewer than P pairs,
#    the augmenting-path search of point 3 runs on the edges held; when it finds no path, every
#    allowed pair from a left person it reached to a right person it did not reach is priced
#    in (unit weights, duals 0/1), until none is left. Then the search's reachable set is closed
#    in the whole graph, so the same search over all allowed pairs finds no augmenting path
#    either (Berge), and its pairing has the most pairs K*; if K* is larger, point 3's second
#    solve (sum x = K*) runs by column generation too.

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pulp

from mentormatch.errors import InfeasibleError, SolverError

try:
    import highspy as _highspy
except ImportError:  # pragma: no cover - highspy is a dependency; CBC is used without it
    _highspy = None  # type: ignore[assignment]

Objective = Literal["coverage-then-score", "score"]

COEF_CAP = 1_000_000_000
COVERAGE_BONUS = 1  # c = COVERAGE_BONUS * max(shifted score): see point 3 above
INTEGRALITY_TOL = 1e-6
SOLVER_NAMES = ("highs", "cbc")
LABELS = {"highs": "HiGHS", "cbc": "CBC"}
DIRECT_MIN_EDGES = 20_000  # from this many edges HiGHS gets numpy arrays, not PuLP objects
TIME_LIMIT_HINT = "Raise --time-limit, or leave it out to let the solver finish."
PRICE_PER_PERSON = 5  # certified solve: at most this many pairs added per left person per pass
WARM_COLUMNS = 2_000  # certified solve: up to this many added columns, primal simplex goes on
FACE_SEED = 3  # certified solve: each left person's best tie-breaks added before phase two
FACE_SOLVER = "simplex"


@dataclass(frozen=True)
class PairProblem:
    """Candidate pairs between a left side (mentees) and a right side (mentors) with scores."""

    n_left: int
    n_right: int
    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    right_capacity: np.ndarray
    must: np.ndarray | None = None
    tiebreak: np.ndarray | None = None
    objective: Objective = "coverage-then-score"


@dataclass(frozen=True)
class PairSolution:
    """The chosen edges and how sure the solver is that they are the best."""

    chosen: np.ndarray
    coverage: int
    total_score: int
    optimal: bool
    status: str
    gap: float | None
    solver: str
    method: str
    seconds: float
    objective_text: str
    pricing_rounds: int = 0  # certified solve: pricing passes over all allowed pairs
    edges_added: int = 0  # certified solve: edges pricing added to the candidates


class PairingInfeasibleError(InfeasibleError):
    """No pairing keeps every 'must' pair; ``conflicts`` names ("left", i) / ("right", j)."""

    def __init__(
        self, message: str, conflicts: list[tuple[str, int]] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint)
        self.conflicts: list[tuple[str, int]] = list(conflicts or [])


@dataclass(frozen=True)
class _Edges:
    """The validated problem restricted to edges whose right person has capacity left."""

    n_left: int
    n_right: int
    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    must: np.ndarray
    key: np.ndarray  # uint64, mixed
    capacity: np.ndarray


@dataclass(frozen=True)
class _Run:
    """One solver call: how it ended and the variable values it left."""

    state: Literal["optimal", "stopped", "infeasible", "failed"]
    values: np.ndarray | None
    timed_out: bool = False
    gap: float | None = None
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# Public API


def available_solvers() -> list[str]:
    """Solvers PuLP can run here, best first: a subset of ["highs", "cbc"]."""
    found = []
    if _highspy is not None and pulp.HiGHS(msg=False).available():
        found.append("highs")
    if _cbc(mip=False, time_limit=None).available():
        found.append("cbc")
    return found


def solve_pairs(
    problem: PairProblem, *, solver: str = "auto", time_limit: float | None = None
) -> PairSolution:
    """Choose the best set of pairs for ``problem`` (see the module comment for the objective).

    ``solver``: "auto" (HiGHS if available, else CBC), "highs" or "cbc"; an unavailable choice
    falls back to the other and says so in ``status``. ``time_limit`` (seconds) covers the whole
    call, model building included; on reaching it the best valid pairing found so far comes back
    with ``optimal=False``, or SolverError if there is none. Raises PairingInfeasibleError (an
    InfeasibleError with ``conflicts``) when the 'must' pairs cannot all be kept.
    """
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
    if problem.objective not in ("coverage-then-score", "score"):
        raise ValueError(f"unknown objective {problem.objective!r}")
    edges, active = _normalise(problem)
    if edges.left.size == 0:
        return _empty_solution(problem.objective, start)
    name, note = _pick_solver(solver)
    deadline = None if time_limit is None else start + time_limit
    model: _PulpModel | _HighsModel
    if name == "highs" and edges.left.size >= DIRECT_MIN_EDGES:
        model = _HighsModel(edges)
    else:
        model = _PulpModel(edges, name)
    outcome = _solve_stages(model, edges, problem.objective, deadline, note)
    picked = np.sort(active[outcome.chosen]).astype(np.int64)
    return PairSolution(
        chosen=picked,
        coverage=int(picked.size),
        total_score=int(np.asarray(problem.score, dtype=np.int64)[picked].sum()),
        optimal=outcome.optimal,
        status=outcome.status,
        gap=outcome.gap,
        solver=LABELS[name],
        method=outcome.method,
        seconds=time.perf_counter() - start,
        objective_text=_objective_text(problem.objective, outcome.tie),
    )


def solve_assignment_costs(costs: np.ndarray, *, solver: str = "auto") -> tuple[np.ndarray, int]:
    """Assign every row to its own column at the least total integer cost (rows <= columns).

    Solved by ``solve_pairs`` with objective "score" and score = max(cost) + 1 - cost >= 1: with
    every score positive on a complete bipartite graph, a maximum-score pairing leaves no row
    unpaired (a free column always exists), and among full assignments the highest score is the
    lowest cost.
    """
    matrix = np.asarray(costs)
    if matrix.ndim != 2 or matrix.shape[0] > matrix.shape[1]:
        raise ValueError(f"costs must be a 2-D matrix with rows <= columns, got {matrix.shape}")
    n_rows, n_cols = matrix.shape
    if n_rows == 0:
        return np.zeros(0, dtype=np.int64), 0
    cost = _as_int64("costs", matrix.ravel())
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), n_cols)
    cols = np.tile(np.arange(n_cols, dtype=np.int64), n_rows)
    problem = PairProblem(
        n_left=n_rows,
        n_right=n_cols,
        left=rows,
        right=cols,
        score=int(cost.max()) + 1 - cost,
        right_capacity=np.ones(n_cols, dtype=np.int64),
        objective="score",
    )
    solution = solve_pairs(problem, solver=solver)
    if not solution.optimal or solution.coverage != n_rows:
        raise SolverError(
            f"The assignment solve ended without a full optimal assignment: "
            f"{solution.status}, {solution.coverage} of {n_rows} rows assigned."
        )
    assigned = np.empty(n_rows, dtype=np.int64)
    assigned[rows[solution.chosen]] = cols[solution.chosen]
    return assigned, int(cost[solution.chosen].sum())


@dataclass(frozen=True)
class PairBounds:
    """What is known of the whole problem (every allowed pair, not only the candidates).

    The certified solve fixes its weights from these, so they must hold for every allowed pair;
    with the exact values (as a dense solve would see them) it picks the same pairs as a dense
    solve of all allowed pairs.
    """

    allowed: int  # allowed pairs in all, for the status text
    max_pairs: int  # >= the pairs of any pairing
    low: int  # <= the score of every allowed pair
    high: int  # >= the score of every allowed pair


class EdgeWeights(Protocol):
    """A pair's objective coefficient from its score points and (unmixed) tie-break key."""

    def __call__(self, points: np.ndarray, keys: np.ndarray) -> np.ndarray: ...

    @property
    def linear_bound(self) -> tuple[float, float, float]:
        """(a, b, spread): a * points + b - spread <= weight(points, key) <= a * points + b."""
        ...


class NewEdges(Protocol):
    """Edges a pricing pass found, as parallel arrays (a scoring.Candidates fits)."""

    @property
    def left(self) -> np.ndarray: ...

    @property
    def right(self) -> np.ndarray: ...

    @property
    def score(self) -> np.ndarray: ...

    @property
    def tiebreak(self) -> np.ndarray: ...


# price(weight, dual_left, dual_right, offset, present, tolerance, limit): allowed pairs (i, j)
# whose code i * n_right + j is not in ``present`` (sorted) and whose reduced cost
# weight(points, key) - dual_left[i] - dual_right[j] - offset exceeds ``tolerance``: all of them,
# or for each left person the ``limit`` with the highest reduced costs. Nothing returned is the
# proof, so it must never miss one.
Pricer = Callable[[EdgeWeights, np.ndarray, np.ndarray, float, np.ndarray, float, int], NewEdges]


def solve_pairs_certified(
    problem: PairProblem,
    price: Pricer,
    bounds: PairBounds,
    *,
    solver: str = "auto",
    time_limit: float | None = None,
) -> tuple[PairSolution, PairProblem]:
    """Solve over every allowed pair while holding only a few of them: column generation.

    ``problem`` holds the candidate edges (each person's best few, every 'must' edge, with
    tie-break keys); ``price`` finds allowed pairs outside them that could improve the LP (see
    ``Pricer``); ``bounds`` describe all allowed pairs. Returns the solution and the final edge
    set (the candidates, then every edge pricing added), which ``solution.chosen`` indexes.
    ``optimal`` is True only when the last pricing pass found nothing: see the module comment,
    point 6. HiGHS only (CBC has no interface here to add columns and read duals).
    """
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
    if problem.objective not in ("coverage-then-score", "score"):
        raise ValueError(f"unknown objective {problem.objective!r}")
    if problem.tiebreak is None:
        raise ValueError("the certified solve needs tie-break keys on the candidate edges")
    edges, active = _normalise(problem)
    wanted = solver.lower()
    if wanted not in ("auto", *SOLVER_NAMES):
        raise ValueError(f"solver must be 'auto', 'highs' or 'cbc', got {solver!r}")
    if "highs" not in available_solvers():
        raise SolverError(
            "Pricing pairs in needs HiGHS (highspy), which is not available.",
            hint="Install highspy (pip install highspy).",
        )
    note = "CBC cannot add pairs while solving; used HiGHS" if wanted == "cbc" else ""
    deadline = None if time_limit is None else start + time_limit
    run = _ColumnGeneration(problem, edges, active, price, bounds, deadline)
    outcome = run.solve(note)
    origin = run.columns.origin[outcome.chosen]
    final = run.final_problem()
    picked = np.sort(origin).astype(np.int64)
    solution = PairSolution(
        chosen=picked,
        coverage=int(picked.size),
        total_score=int(np.asarray(final.score, dtype=np.int64)[picked].sum()),
        optimal=outcome.optimal,
        status=outcome.status,
        gap=outcome.gap,
        solver="HiGHS",
        method=outcome.method,
        seconds=time.perf_counter() - start,
        objective_text=_objective_text(problem.objective, outcome.tie),
        pricing_rounds=run.rounds,
        edges_added=run.added,
    )
    return solution, final


# ---------------------------------------------------------------------------------------------
# Validation and preparation


def _as_int64(name: str, value: Any, length: int | None = None) -> np.ndarray:
    """A 1-D int64 copy of ``value``; floats are accepted only when they hold whole numbers."""
    arr = np.asarray(value)
    if arr.ndim != 1 or (length is not None and arr.shape[0] != length):
        expected = "" if length is None else f" of length {length}"
        raise ValueError(f"{name} must be a 1-D array{expected}, got shape {arr.shape}")
    if arr.dtype.kind in "biu" or arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.rint(arr)).all():
        return arr.astype(np.int64)
    raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")


def _normalise(problem: PairProblem) -> tuple[_Edges, np.ndarray]:
    """Check the arrays, reject impossible 'must' pairs and drop edges to zero-capacity people."""
    n_left, n_right = int(problem.n_left), int(problem.n_right)
    if n_left < 0 or n_right < 0:
        raise ValueError("n_left and n_right must be >= 0")
    left = _as_int64("left", problem.left)
    m = left.size
    right = _as_int64("right", problem.right, m)
    score = _as_int64("score", problem.score, m)
    capacity = _as_int64("right_capacity", problem.right_capacity, n_right)
    if m and (left.min() < 0 or left.max() >= n_left):
        raise ValueError(f"left indices must lie in [0, {n_left})")
    if m and (right.min() < 0 or right.max() >= n_right):
        raise ValueError(f"right indices must lie in [0, {n_right})")
    if m and score.min() < 0:
        raise ValueError("scores must be >= 0")
    if n_right and capacity.min() < 0:
        raise ValueError("right_capacity must be >= 0")
    must = np.zeros(m, dtype=bool) if problem.must is None else np.asarray(problem.must)
    if must.shape != (m,) or must.dtype != bool:
        raise ValueError(f"must must be a boolean array of length {m}")
    pair_key = left.astype(np.uint64) * np.uint64(max(n_right, 1)) + right.astype(np.uint64)
    if np.unique(pair_key).size != m:
        raise ValueError("each (left, right) pair may appear only once among the edges")
    if problem.tiebreak is None:
        key = pair_key
    else:
        tiebreak = np.asarray(problem.tiebreak)
        if tiebreak.shape != (m,) or tiebreak.dtype.kind not in "iu":
            raise ValueError(f"tiebreak must be an integer array of length {m}")
        key = tiebreak.astype(np.uint64)
    check_must(left[must], right[must], capacity, n_left, n_right)
    active = np.flatnonzero(capacity[right] > 0) if m else np.zeros(0, dtype=np.int64)
    edges = _Edges(
        n_left=n_left,
        n_right=n_right,
        left=left[active],
        right=right[active],
        score=score[active],
        must=must[active],
        key=_mix64(key[active]),
        capacity=capacity,
    )
    return edges, active


def check_must(left: np.ndarray, right: np.ndarray, capacity: np.ndarray, n_left: int, n_right: int) -> None:
    """Raise PairingInfeasibleError when the 'must' edges alone break a limit."""
    per_left = np.bincount(left, minlength=n_left)
    per_right = np.bincount(right, minlength=n_right)
    conflicts: list[tuple[str, int]] = []
    reasons: list[str] = []
    for i in np.flatnonzero(per_left > 1).tolist():
        conflicts.append(("left", i))
        reasons.append(f"{per_left[i]} 'must' pairs put left person #{i} in more than one pair")
    for j in np.flatnonzero(per_right > capacity).tolist():
        conflicts.append(("right", j))
        count = int(per_right[j])
        pairs = "pair gives" if count == 1 else "pairs give"
        reasons.append(f"{count} 'must' {pairs} right person #{j} more than their capacity of {capacity[j]}")
    if conflicts:
        shown = "; ".join(reasons[:5])
        more = f"; and {len(reasons) - 5} more" if len(reasons) > 5 else ""
        raise PairingInfeasibleError(
            shown + more,
            conflicts=conflicts,
            hint="Drop one of these 'must' pairs or raise the capacity, then run again.",
        )


def _mix64(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: spreads any integer keys evenly over uint64 (order independent)."""
    z = keys.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class PairWeights:
    """The solver's integer weight of a pair, fixed for a whole run (module comment, points 2-4).

    w = s' * T + t with s' = s for "score" and s' = s - low + c, c = COVERAGE_BONUS *
    max(high - low, 1), for "coverage-then-score"; t = mix64(key) % R + 1 and T = P * R + 1, R the
    largest value with max(w) <= COEF_CAP. ``low`` <= every score <= ``high`` and P >= the pairs of
    any pairing compared: the dense solve takes them from its edges, the certified solve from the
    whole problem, so the weights never change while edges are added. Below R = 2 there is no
    tie-break (``tie`` False) and w = s'.
    """

    def __init__(self, objective: Objective, low: int, high: int, max_pairs: int) -> None:
        if objective == "score":
            self.shift = 0
        else:
            self.shift = int(low) - COVERAGE_BONUS * max(int(high) - int(low), 1)
        top = int(high) - self.shift
        pairs = max(int(max_pairs), 1)
        self.ranks = (COEF_CAP - top) // (top * pairs + 1)
        self.tie = self.ranks >= 2
        if not self.tie and top * pairs >= 2**53:
            raise SolverError(
                "The scores are too large to add up exactly.",
                hint="Use smaller whole-number score points.",
            )
        self.scale = pairs * self.ranks + 1 if self.tie else 1

    def __call__(self, points: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Weights of pairs with these score points and (unmixed) tie-break keys."""
        return self.of_mixed(np.asarray(points), _mix64(np.asarray(keys)))

    def of_mixed(self, points: np.ndarray, mixed: np.ndarray) -> np.ndarray:
        """Weights from score points and keys already passed through ``_mix64``."""
        shifted = points.astype(np.int64) - self.shift
        if not self.tie:
            return shifted
        return shifted * self.scale + (mixed % np.uint64(self.ranks)).astype(np.int64) + 1

    @property
    def linear_bound(self) -> tuple[float, float, float]:
        """(a, b, spread): a * points + b - spread <= weight(points, key) <= a * points + b."""
        if not self.tie:
            return 1.0, float(-self.shift), 0.0
        return float(self.scale), float(self.ranks - self.shift * self.scale), float(self.ranks - 1)


class _UnitWeights:
    """Weight 1 for every pair: pricing with it finds edges that a set of duals leaves uncovered."""

    tie = False

    def __call__(self, points: np.ndarray, keys: np.ndarray) -> np.ndarray:
        return np.ones(np.shape(points), dtype=np.int64)

    @property
    def linear_bound(self) -> tuple[float, float, float]:
        return 0.0, 1.0, 0.0


def _max_pairs_bound(edges: _Edges) -> int:
    """An upper bound on the number of pairs: people with an edge, limited by capacity."""
    left_count = int(np.count_nonzero(np.bincount(edges.left, minlength=edges.n_left)))
    per_right = np.bincount(edges.right, minlength=edges.n_right)
    return min(left_count, int(np.minimum(per_right, edges.capacity).sum()))


def _capacity_rows(edges: _Edges) -> Iterator[tuple[str, np.ndarray, int]]:
    """(name, edge indices, limit) for every row that can bind; one-edge left rows are bounds."""
    for side, index, limit in (
        ("L", edges.left, np.ones(edges.n_left, dtype=np.int64)),
        ("R", edges.right, edges.capacity),
    ):
        counts = np.bincount(index, minlength=limit.size)
        groups = np.split(np.argsort(index, kind="stable"), np.cumsum(counts)[:-1])
        for node in np.flatnonzero(counts > limit).tolist():
            yield f"{side}{node}", groups[node], int(limit[node])


# ---------------------------------------------------------------------------------------------
# Solving


def _pick_solver(requested: str) -> tuple[str, str]:
    """The solver to use and a note when the requested one is unavailable."""
    wanted = requested.lower()
    if wanted not in ("auto", *SOLVER_NAMES):
        raise ValueError(f"solver must be 'auto', 'highs' or 'cbc', got {requested!r}")
    found = available_solvers()
    if not found:
        raise SolverError(
            "No solver is available: neither HiGHS (highspy) nor PuLP's CBC could be run.",
            hint="Install highspy (pip install highspy) or reinstall PuLP.",
        )
    if wanted == "auto" or wanted in found:
        return (found[0] if wanted == "auto" else wanted), ""
    return found[0], f"{LABELS[wanted]} unavailable, used {LABELS[found[0]]}"


@dataclass(frozen=True)
class _Outcome:
    """What the stages settled on."""

    chosen: np.ndarray
    optimal: bool
    status: str
    gap: float | None
    method: str
    tie: bool


def _solve_stages(
    model: _PulpModel | _HighsModel,
    edges: _Edges,
    objective: Objective,
    deadline: float | None,
    note: str,
) -> _Outcome:
    """One weighted solve; a second with sum x = K* only if that one missed the most pairs.

    See the module comment (point 3).
    """
    bound = _max_pairs_bound(edges)
    weigh = PairWeights(objective, int(edges.score.min()), int(edges.score.max()), bound)
    weights, tie = weigh.of_mixed(edges.score, edges.key), weigh.tie
    first = _final_stage(model, edges, weights, None, tie, [], objective, deadline, note)
    if objective == "score" or not first.optimal or first.chosen.size == bound:
        return first
    most = _most_pairs(edges, first.chosen)
    if most.size == first.chosen.size:
        return first
    found: list[np.ndarray | None] = [first.chosen, most]
    return _final_stage(model, edges, weights, most.size, tie, found, objective, deadline, note)


def _most_pairs(edges: _Edges, chosen: np.ndarray) -> np.ndarray:
    """Grow a pairing along augmenting paths until none is left: then it has the most pairs."""
    return _grow_pairing(edges, chosen)[0]


def _grow_pairing(edges: _Edges, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A pairing with the most pairs, and the people the last (fruitless) search reached.

    Hopcroft-Karp in numpy: each round is a breadth-first search in the residual graph, from
    unpaired left people along unchosen edges to right people; a right person with spare
    capacity ends a path, otherwise the search steps back along a chosen, non-'must' edge to
    its left person. Node-disjoint shortest paths found in one round are flipped together.
    No path left means no pairing has more pairs (Berge; max-flow min-cut). Returns the chosen
    edge indices and the reached left and right people (boolean masks) of the last search.
    """
    by_left = np.argsort(edges.left, kind="stable")
    left_start = np.searchsorted(edges.left[by_left], np.arange(edges.n_left + 1))
    by_right = np.argsort(edges.right, kind="stable")
    right_start = np.searchsorted(edges.right[by_right], np.arange(edges.n_right + 1))
    in_pairing = np.zeros(edges.left.size, dtype=bool)
    in_pairing[chosen] = True
    while True:
        paths, seen_left, seen_right = _augmenting_paths(
            edges, in_pairing, by_left, left_start, by_right, right_start
        )
        if not paths:
            return np.flatnonzero(in_pairing), seen_left, seen_right
        for path in paths:
            in_pairing[path] = ~in_pairing[path]


def _augmenting_paths(
    edges: _Edges,
    in_pairing: np.ndarray,
    by_left: np.ndarray,
    left_start: np.ndarray,
    by_right: np.ndarray,
    right_start: np.ndarray,
) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
    """Node-disjoint shortest augmenting paths (edge lists: add, remove, add, ...), or [] with
    everyone the search reached."""
    spare = np.bincount(edges.right[in_pairing], minlength=edges.n_right) < edges.capacity
    reached_by = np.full(edges.n_right, -1, dtype=np.int64)  # edge that reached each right
    stepped_by = np.full(edges.n_left, -1, dtype=np.int64)  # chosen edge back to each left
    seen_left = np.bincount(edges.left[in_pairing], minlength=edges.n_left) == 0
    seen_right = np.zeros(edges.n_right, dtype=bool)
    frontier = np.flatnonzero(seen_left)
    while frontier.size:
        step = by_left[_ranges(left_start, frontier)]
        step = step[~in_pairing[step] & ~seen_right[edges.right[step]]]
        rights, first = np.unique(edges.right[step], return_index=True)
        seen_right[rights] = True
        reached_by[rights] = step[first]
        ends = rights[spare[rights]]
        if ends.size:
            return _disjoint_paths(edges, ends, reached_by, stepped_by), seen_left, seen_right
        back = by_right[_ranges(right_start, rights)]
        back = back[in_pairing[back] & ~edges.must[back]]
        back = back[~seen_left[edges.left[back]]]
        frontier, first = np.unique(edges.left[back], return_index=True)
        seen_left[frontier] = True
        stepped_by[frontier] = back[first]
    return [], seen_left, seen_right


def _disjoint_paths(
    edges: _Edges, ends: np.ndarray, reached_by: np.ndarray, stepped_by: np.ndarray
) -> list[list[int]]:
    """Trace a path back from each end in the search tree; keep those sharing no person."""
    used: set[tuple[str, int]] = set()
    paths: list[list[int]] = []
    for end in ends.tolist():
        path: list[int] = []
        people = [("right", end)]
        right = end
        while True:
            edge = int(reached_by[right])
            path.append(edge)
            person = int(edges.left[edge])
            people.append(("left", person))
            back = int(stepped_by[person])
            if back < 0:  # an unpaired left person: the start of the path
                break
            path.append(back)
            right = int(edges.right[back])
            people.append(("right", right))
        if used.isdisjoint(people):
            used.update(people)
            paths.append(path)
    return paths


def _ranges(start: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Concatenated index ranges start[v] .. start[v + 1] - 1 for each v in ``nodes``."""
    low = start[nodes]
    lengths = start[nodes + 1] - low
    offsets = np.repeat(low - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(int(lengths.sum()))


def _final_stage(
    model: _PulpModel | _HighsModel,
    edges: _Edges,
    weights: np.ndarray,
    cardinality: int | None,
    tie: bool,
    found: list[np.ndarray | None],
    objective: Objective,
    deadline: float | None,
    note: str,
) -> _Outcome:
    """Solve the exact weights as an LP; re-solve as a MIP if the LP point is fractional."""
    run = model.solve(weights, cardinality, False, deadline)
    method = "LP (integral)"
    if run.state == "optimal" and run.values is not None and not _is_integral(run.values):
        run = model.solve(weights, cardinality, True, deadline)
        method = "MIP"
    if run.state != "optimal" or run.values is None:
        return _best_found(edges, run, found, objective, note, method, tie)
    chosen = _pairing(edges, run.values)
    if chosen is None:
        raise SolverError(f"{model.label} returned values that are not a valid pairing.")
    return _Outcome(chosen, True, "optimal" + (f" ({note})" if note else ""), None, method, tie)


def _best_found(
    edges: _Edges,
    run: _Run,
    found: list[np.ndarray | None],
    objective: Objective,
    note: str,
    method: str,
    tie: bool,
) -> _Outcome:
    """The best valid pairing seen before a solve stopped early; raise if there is none."""
    if run.state == "infeasible":
        raise PairingInfeasibleError(
            "The solver found no pairing that keeps every 'must' pair within the capacities.",
            hint="Check the 'must' pairs and the capacities.",
        )
    if run.state == "failed":
        raise SolverError(f"The solver stopped without an answer ({run.detail}).")
    if run.values is not None:
        found = [*found, _pairing(edges, run.values)]
    valid = [c for c in found if c is not None]
    if not valid:
        raise SolverError(
            "The solver found no pairing within the time limit."
            if run.timed_out
            else f"The solver stopped early without a pairing ({run.detail}).",
            hint=TIME_LIMIT_HINT,
        )

    def rank(chosen: np.ndarray) -> tuple[int, int]:
        total = int(edges.score[chosen].sum())
        return (chosen.size, total) if objective == "coverage-then-score" else (total, 0)

    best = max(valid, key=rank)
    base = "time-limit" if run.timed_out else "stopped early"
    status = f"{base} (not proven optimal{'; ' + note if note else ''})"
    return _Outcome(best, False, status, run.gap, method, tie)


def _is_integral(values: np.ndarray) -> bool:
    """True when every value lies within INTEGRALITY_TOL of 0 or 1."""
    return bool(np.all(np.minimum(np.abs(values), np.abs(values - 1.0)) <= INTEGRALITY_TOL))


def _pairing(edges: _Edges, values: np.ndarray) -> np.ndarray | None:
    """Indices of the chosen edges when ``values`` is a valid 0/1 pairing, else None."""
    if not _is_integral(values):
        return None
    chosen = np.flatnonzero(values > 0.5)
    per_left = np.bincount(edges.left[chosen], minlength=edges.n_left)
    per_right = np.bincount(edges.right[chosen], minlength=edges.n_right)
    if per_left.max(initial=0) > 1 or np.any(per_right > edges.capacity):
        return None
    if not np.all(values[edges.must] > 0.5):
        return None
    return chosen


def _objective_text(objective: Objective, tie: bool) -> str:
    """The objective in words for reports."""
    ties = "ties broken by a fixed key" if tie else "ties left to the solver"
    if objective == "score":
        return f"the highest total score ({ties})"
    return f"first the most pairs, then the highest total score ({ties})"


def _empty_solution(objective: Objective, start: float) -> PairSolution:
    """Nothing to pair: an empty, trivially optimal answer without calling a solver."""
    return PairSolution(
        chosen=np.zeros(0, dtype=np.int64),
        coverage=0,
        total_score=0,
        optimal=True,
        status="optimal (nothing to pair)",
        gap=None,
        solver="none",
        method="none",
        seconds=time.perf_counter() - start,
        objective_text=_objective_text(objective, True),
    )


def _remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (None: no limit)."""
    return None if deadline is None else deadline - time.perf_counter()


def _cbc(*, mip: bool, time_limit: float | None) -> Any:
    """PuLP's bundled CBC, quiet (its PuLP 4 deprecation warning is not for our users)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, mip=mip, timeLimit=time_limit, gapRel=0.0 if mip else None)


_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to the C stdout on its first use; swallow it once."""
    global _banner_silenced
    if _banner_silenced or _highspy is None:
        return
    _banner_silenced = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout: nothing to protect
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        _highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class _PulpModel:
    """The pairing LP as a PuLP problem, solved by HiGHS (highspy API) or CBC."""

    def __init__(self, edges: _Edges, solver: str) -> None:
        self.solver = solver
        self.label = LABELS[solver]
        self.prob = pulp.LpProblem("pairs", pulp.LpMaximize)
        width = len(str(edges.left.size))
        lows = edges.must.astype(np.int64).tolist()
        self.xs = [
            self.prob.add_variable(f"x{k:0{width}d}", low, 1, pulp.LpInteger) for k, low in enumerate(lows)
        ]
        for name, rows, limit in _capacity_rows(edges):
            expr = pulp.LpAffineExpression([(self.xs[k], 1) for k in rows.tolist()])
            self.prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, name, limit))
        self.has_cardinality = False

    def solve(
        self,
        weights: np.ndarray,
        cardinality: int | None,
        mip: bool,
        deadline: float | None,
    ) -> _Run:
        """Maximise ``weights`` (with sum x = cardinality if given) as an LP or a MIP."""
        self.prob.setObjective(pulp.LpAffineExpression(zip(self.xs, weights.tolist(), strict=True)))
        if cardinality is not None and not self.has_cardinality:
            everyone = pulp.LpAffineExpression([(x, 1) for x in self.xs])
            self.prob.addConstraint(
                pulp.LpConstraint(everyone, pulp.LpConstraintEQ, "cardinality", cardinality)
            )
            self.has_cardinality = True
        left = _remaining(deadline)
        if left is not None and left <= 0:
            return _Run("stopped", None, timed_out=True, detail="no time left")
        if self.solver == "highs":
            _silence_highs_banner()
            options: dict[str, Any] = {"msg": False, "mip": mip, "timeLimit": left}
            if mip:
                options.update(gapRel=0.0, presolve="off")
            solver = pulp.HiGHS(**options)
        else:
            solver = _cbc(mip=mip, time_limit=left)
        try:
            with tempfile.TemporaryDirectory(prefix="mentormatch-cbc-") as tmp:
                solver.tmpDir = tmp  # CBC's MPS and solution files: never in the cwd
                self.prob.solve(solver)
        except (pulp.PulpSolverError, KeyError) as exc:
            return _Run("failed", None, detail=f"{self.label} error: {exc}")
        return self._read(mip, timed=left is not None)

    def _read(self, mip: bool, timed: bool) -> _Run:
        """Turn PuLP's status pair (and HiGHS's own model status) into a _Run."""
        status, sol_status = self.prob.status, self.prob.sol_status
        values = np.array([x.varValue or 0.0 for x in self.xs], dtype=np.float64)
        timed_out, gap, detail = False, None, pulp.LpStatus.get(status, str(status))
        highs = getattr(self.prob, "solverModel", None)
        if self.solver == "highs" and highs is not None and _highspy is not None:
            model_status = highs.getModelStatus()
            detail = highs.modelStatusToString(model_status)
            timed_out = model_status == _highspy.HighsModelStatus.kTimeLimit
            if mip and np.isfinite(highs.getInfo().mip_gap):
                gap = float(highs.getInfo().mip_gap)
            self.prob.solverModel = None  # free the HiGHS copy of the model
        if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
            return _Run("infeasible", None, detail=detail)
        if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal and not timed_out:
            return _Run("optimal", values, detail=detail)
        timed_out = timed_out or timed
        if sol_status == pulp.LpSolutionIntegerFeasible:
            return _Run("stopped", values, timed_out=timed_out, gap=gap, detail=detail)
        return _Run("stopped" if timed_out else "failed", None, timed_out, detail=detail)


class _HighsModel:
    """The same LP handed to highspy straight from numpy arrays, for large instances.

    PuLP spends about 10 µs and 1.6 KB of Python objects per variable before HiGHS sees it;
    here the model is built in one pass of numpy (a column per edge with at most two entries)
    and stage 2 warm-starts from stage 1's basis in the same HiGHS instance.
    """

    def __init__(self, edges: _Edges) -> None:
        assert _highspy is not None
        _silence_highs_banner()
        self.label = "HiGHS"
        m = edges.left.size
        self.columns = np.arange(m, dtype=np.int32)
        counts_left = np.bincount(edges.left, minlength=edges.n_left)
        counts_right = np.bincount(edges.right, minlength=edges.n_right)
        left_rows = np.flatnonzero(counts_left > 1)  # a lone edge's limit is its bound
        right_rows = np.flatnonzero(counts_right > edges.capacity)
        row_of_left = np.full(edges.n_left, -1, dtype=np.int64)
        row_of_left[left_rows] = np.arange(left_rows.size)
        row_of_right = np.full(edges.n_right, -1, dtype=np.int64)
        row_of_right[right_rows] = left_rows.size + np.arange(right_rows.size)
        entries = np.stack([row_of_left[edges.left], row_of_right[edges.right]], axis=1)
        present = entries >= 0
        lp = _highspy.HighsLp()
        lp.num_col_ = m
        lp.num_row_ = left_rows.size + right_rows.size
        lp.sense_ = _highspy.ObjSense.kMaximize
        lp.col_cost_ = np.zeros(m)
        lp.col_lower_ = edges.must.astype(np.float64)
        lp.col_upper_ = np.ones(m)
        lp.row_lower_ = np.full(lp.num_row_, -_highspy.kHighsInf)
        lp.row_upper_ = np.concatenate(
            [np.ones(left_rows.size), edges.capacity[right_rows].astype(np.float64)]
        )
        lp.a_matrix_.format_ = _highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
        lp.a_matrix_.index_ = entries[present].astype(np.int32)
        lp.a_matrix_.value_ = np.ones(int(present.sum()))
        self.highs = _highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        if self.highs.passModel(lp) != _highspy.HighsStatus.kOk:
            raise SolverError("HiGHS rejected the pairing model.")
        self.has_cardinality = False

    def solve(self, weights: np.ndarray, cardinality: int | None, mip: bool, deadline: float | None) -> _Run:
        """Maximise ``weights`` (with sum x = cardinality if given) as an LP or a MIP.

        The cardinality row is added to the model of the first solve, whose basis stays dual
        feasible for the same weights: the dual simplex starts from there.
        """
        assert _highspy is not None
        highs, m = self.highs, self.columns.size
        highs.changeColsCost(m, self.columns, weights.astype(np.float64))
        if cardinality is not None and not self.has_cardinality:
            highs.addRow(cardinality, cardinality, m, self.columns, np.ones(m))
            self.has_cardinality = True
        if mip:
            kind = np.full(m, int(_highspy.HighsVarType.kInteger), dtype=np.uint8)
            highs.changeColsIntegrality(m, self.columns, kind)
            highs.setOptionValue("mip_rel_gap", 0.0)
            highs.setOptionValue("presolve", "off")
        return self._run(mip, deadline)

    def _run(self, mip: bool, deadline: float | None) -> _Run:
        """Run HiGHS within the time left and translate its model status."""
        return _run_highs(self.highs, mip, deadline)


def _run_highs(highs: Any, mip: bool, deadline: float | None) -> _Run:
    """Run a highspy model within the time left and translate its model status."""
    assert _highspy is not None
    left = _remaining(deadline)
    if left is not None and left <= 0:
        return _Run("stopped", None, timed_out=True, detail="no time left")
    highs.setOptionValue("time_limit", _highspy.kHighsInf if left is None else left)
    highs.run()
    status = highs.getModelStatus()
    detail = highs.modelStatusToString(status)
    kinds = _highspy.HighsModelStatus
    if status == kinds.kOptimal:
        return _Run("optimal", np.asarray(highs.getSolution().col_value), detail=detail)
    if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
        return _Run("infeasible", None, detail=detail)
    if status in (
        kinds.kTimeLimit,
        kinds.kIterationLimit,
        kinds.kInterrupt,
        kinds.kSolutionLimit,
        kinds.kObjectiveBound,
        kinds.kObjectiveTarget,
    ):
        solution = highs.getSolution()
        values = np.asarray(solution.col_value) if solution.value_valid else None
        gap = highs.getInfo().mip_gap if mip else None
        gap = float(gap) if gap is not None and np.isfinite(gap) else None
        timed_out = status == kinds.kTimeLimit
        return _Run("stopped", values, timed_out=timed_out, gap=gap, detail=detail)
    return _Run("failed", None, detail=detail)


# ---------------------------------------------------------------------------------------------
# Column generation: solve_pairs_certified


class _Columns:
    """The edges in the model so far: the candidates, then every edge pricing added."""

    def __init__(self, problem: PairProblem, edges: _Edges, active: np.ndarray) -> None:
        self.n_left, self.n_right, self.capacity = edges.n_left, edges.n_right, edges.capacity
        self.left, self.right, self.score = edges.left, edges.right, edges.score
        self.must, self.key = edges.must, edges.key
        self.origin = active.astype(np.int64)  # index in the final problem
        self.candidates = int(edges.left.size)
        self.given = int(np.asarray(problem.left).size)
        self.added: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._codes: np.ndarray | None = None

    def codes(self) -> np.ndarray:
        """Sorted codes left * n_right + right of the edges present."""
        if self._codes is None:
            self._codes = np.sort(self.left * max(self.n_right, 1) + self.right)
        return self._codes

    def fresh(self, new: NewEdges) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The priced edges that are new, to a right person with capacity, once each."""
        left = np.asarray(new.left, dtype=np.int64)
        right = np.asarray(new.right, dtype=np.int64)
        score = np.asarray(new.score, dtype=np.int64)
        key = np.asarray(new.tiebreak)
        if left.size and (left.min() < 0 or left.max() >= self.n_left or right.min() < 0):
            raise SolverError("The pricing pass returned a pair outside the problem.")
        if right.size and right.max() >= self.n_right:
            raise SolverError("The pricing pass returned a pair outside the problem.")
        if score.size and score.min() < 0:
            raise SolverError("The pricing pass returned a negative score.")
        codes = left * max(self.n_right, 1) + right
        present = self.codes()
        _, first = np.unique(codes, return_index=True)
        keep = np.zeros(codes.size, dtype=bool)
        keep[first] = True
        keep &= self.capacity[right] > 0
        if present.size and codes.size:
            pos = np.clip(np.searchsorted(present, codes), 0, present.size - 1)
            keep &= present[pos] != codes
        return left[keep], right[keep], score[keep], key[keep]

    def add(self, left: np.ndarray, right: np.ndarray, score: np.ndarray, key: np.ndarray) -> np.ndarray:
        """Append edges; returns their mixed tie-break keys."""
        mixed = _mix64(key.astype(np.uint64))
        start = self.given + sum(part[0].size for part in self.added)
        self.added.append((left, right, score, key.astype(np.int64)))
        self.left = np.concatenate([self.left, left])
        self.right = np.concatenate([self.right, right])
        self.score = np.concatenate([self.score, score])
        self.must = np.concatenate([self.must, np.zeros(left.size, dtype=bool)])
        self.key = np.concatenate([self.key, mixed])
        self.origin = np.concatenate([self.origin, start + np.arange(left.size, dtype=np.int64)])
        self._codes = None
        return mixed

    def edges(self) -> _Edges:
        return _Edges(
            self.n_left, self.n_right, self.left, self.right, self.score, self.must, self.key, self.capacity
        )


class _ColumnModel:
    """A HiGHS model with a row for every person that grows by columns, keeping its basis.

    Every person has a row from the start (a row that cannot bind is harmless), so added edges
    never need new rows; columns added after a solve enter at zero and the next solve
    continues from the last basis.
    """

    def __init__(self, n_left: int, n_right: int, capacity: np.ndarray) -> None:
        assert _highspy is not None
        _silence_highs_banner()
        self.n_left, self.n_right = n_left, n_right
        self.size = 0
        self.cardinality_row: int | None = None
        self.integer = False
        lp = _highspy.HighsLp()
        lp.num_col_ = 0
        lp.num_row_ = n_left + n_right
        lp.sense_ = _highspy.ObjSense.kMaximize
        lp.row_lower_ = np.full(lp.num_row_, -_highspy.kHighsInf)
        lp.row_upper_ = np.concatenate([np.ones(n_left), capacity.astype(np.float64)])
        lp.a_matrix_.format_ = _highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.zeros(1, dtype=np.int32)
        self.highs: Any = _highspy.Highs()  # (changeRowsBounds is missing from its type stubs)
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")  # presolve would drop the basis every time
        self.highs.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # Devex: 2x faster here
        self.warm_limit = WARM_COLUMNS  # added columns up to which primal simplex goes on
        self.fresh_columns = 0  # columns added since the last solve
        self.cold_next = False  # costs or bounds changed: the next solve starts afresh
        if self.highs.passModel(lp) != _highspy.HighsStatus.kOk:
            raise SolverError("HiGHS rejected the pairing model.")

    def add(self, left: np.ndarray, right: np.ndarray, must: np.ndarray, weights: np.ndarray) -> None:
        """Columns for edges (left, right), with lower bound 1 for 'must' edges."""
        k = int(left.size)
        if k == 0:
            return
        rows = [left, self.n_left + right]
        if self.cardinality_row is not None:
            rows.append(np.full(k, self.cardinality_row, dtype=np.int64))
        index = np.stack(rows, axis=1).ravel().astype(np.int32)
        starts = (np.arange(k, dtype=np.int64) * len(rows)).astype(np.int32)
        status = self.highs.addCols(
            k,
            weights.astype(np.float64),
            must.astype(np.float64),
            np.ones(k),
            index.size,
            starts,
            index,
            np.ones(index.size),
        )
        if status == _highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the added pairs.")
        self.size += k
        self.fresh_columns += k

    def add_cardinality(self, count: int) -> None:
        """The row sum x = count over every column, present and future."""
        everything = np.arange(self.size, dtype=np.int32)
        self.highs.addRow(count, count, self.size, everything, np.ones(self.size))
        self.cardinality_row = self.n_left + self.n_right

    def solve(self, mip: bool, deadline: float | None, cold: str = "simplex") -> _Run:
        """Solve; ``cold`` is HiGHS's solver when not going on from the last basis."""
        assert _highspy is not None
        if mip or self.integer:
            kind = _highspy.HighsVarType.kInteger if mip else _highspy.HighsVarType.kContinuous
            columns = np.arange(self.size, dtype=np.int32)
            self.highs.changeColsIntegrality(
                self.size, columns, np.full(self.size, int(kind), dtype=np.uint8)
            )
            self.integer = mip
            if mip:
                self.highs.setOptionValue("mip_rel_gap", 0.0)
        # Dual simplex from scratch was fastest on these LPs, except after a few added columns,
        # where primal simplex goes on from the last basis (it stays primal feasible). After new
        # costs or bounds (the tie-break phase) it starts afresh: primal simplex from the old
        # basis took 24,000 iterations and 12 s at 2,000 applicants, dual from scratch 5,500.
        warm = 0 < self.fresh_columns <= self.warm_limit and not self.cold_next
        self.cold_next = False
        if not warm and not mip:
            self.highs.clearSolver()
        self.highs.setOptionValue("simplex_strategy", 4 if warm else 1)
        self.highs.setOptionValue("solver", "simplex" if warm or mip else cold)
        self.fresh_columns = 0
        return _run_highs(self.highs, mip, deadline)

    def duals(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Row duals of the last LP solve: left people, right people, the cardinality row."""
        row = np.asarray(self.highs.getSolution().row_dual, dtype=np.float64)
        sigma = float(row[self.cardinality_row]) if self.cardinality_row is not None else 0.0
        return row[: self.n_left], row[self.n_left : self.n_left + self.n_right], sigma

    def set_costs(self, costs: np.ndarray) -> None:
        self.cold_next = True
        self.highs.changeColsCost(self.size, np.arange(self.size, dtype=np.int32), costs.astype(np.float64))

    def set_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        self.cold_next = True
        columns = np.arange(self.size, dtype=np.int32)
        self.highs.changeColsBounds(self.size, columns, lower.astype(np.float64), upper.astype(np.float64))

    def set_people_rows(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bounds of the left then right people's rows."""
        rows = np.arange(self.n_left + self.n_right, dtype=np.int32)
        self.highs.changeRowsBounds(rows.size, rows, lower, upper)


class _ScoreWeights:
    """s' = points - shift alone: the first, score-only phase of a lexicographic solve."""

    tie = False

    def __init__(self, shift: int) -> None:
        self.shift = shift

    def __call__(self, points: np.ndarray, keys: np.ndarray) -> np.ndarray:
        return np.asarray(points).astype(np.int64) - self.shift

    @property
    def linear_bound(self) -> tuple[float, float, float]:
        return 1.0, float(-self.shift), 0.0


class _FaceWeights:
    """M * s' + t with M above every tie-break reduced cost: priced with duals M * y1 + y2, a
    pair's reduced cost is M * rc1 + rc2, positive exactly when rc1 = 0 (the pair can join a
    best-score pairing) and rc2 > 0 (the tie-break gains), as rc1 <= 0 after the first phase."""

    tie = True

    def __init__(self, weigh: PairWeights, multiplier: int) -> None:
        self.weigh, self.multiplier = weigh, multiplier

    def __call__(self, points: np.ndarray, keys: np.ndarray) -> np.ndarray:
        shifted = np.asarray(points).astype(np.int64) - self.weigh.shift
        tie = (_mix64(np.asarray(keys)) % np.uint64(self.weigh.ranks)).astype(np.int64) + 1
        return shifted * self.multiplier + tie

    @property
    def linear_bound(self) -> tuple[float, float, float]:
        ranks, shift = self.weigh.ranks, self.weigh.shift
        return float(self.multiplier), float(ranks - shift * self.multiplier), float(ranks - 1)


@dataclass(frozen=True)
class _Phase:
    """How one LP phase is priced and certified."""

    costs: np.ndarray  # objective per column
    fixed_one: np.ndarray  # columns held at 1 (their reduced cost counts in full)
    fixed_zero: np.ndarray  # columns held at 0 (left out of the bound)


class _ColumnGeneration:
    """State of one certified solve: the growing edge set, its model and the pricing counts."""

    def __init__(
        self,
        problem: PairProblem,
        edges: _Edges,
        active: np.ndarray,
        price: Pricer,
        bounds: PairBounds,
        deadline: float | None,
    ) -> None:
        self.problem, self.price_fn, self.bounds, self.deadline = problem, price, bounds, deadline
        self.objective: Objective = problem.objective
        self.columns = _Columns(problem, edges, active)
        self.weigh = PairWeights(problem.objective, bounds.low, bounds.high, bounds.max_pairs)
        self.model = _ColumnModel(edges.n_left, edges.n_right, edges.capacity)
        self.shifted = edges.score - self.weigh.shift  # s' per column
        self.weights = self.weigh.of_mixed(edges.score, edges.key)
        self.model.add(edges.left, edges.right, edges.must, self.weights)
        self.row_upper = np.concatenate([np.ones(edges.n_left), edges.capacity.astype(np.float64)])
        self.cardinality: int | None = None
        self.rounds = 0  # pricing passes for the objective
        self.cover_rounds = 0  # pricing passes that check the most pairs
        self.added = 0
        self.lexicographic = self.weigh.tie  # else the weights at once (module comment, point 6)
        self.face: tuple[np.ndarray, np.ndarray, float] | None = None  # y1 while in phase two
        self.cost_kind: Literal["weights", "shifted", "ties"] = "weights"
        self.note = ""

    # --- the stages ---------------------------------------------------------------------------

    def solve(self, note: str) -> _Outcome:
        self.note = note
        first = self._stage([])
        if not first.optimal:
            return first
        if self.objective == "score" or first.chosen.size >= self.bounds.max_pairs:
            return self._finish(first)
        most, closed = self._most_pairs(first.chosen)
        if not closed:
            return self._stopped(_Run("stopped", None, timed_out=True), [first.chosen, most], "LP")
        if most.size == first.chosen.size:
            return self._finish(first)
        self.cardinality = int(most.size)
        self.model.add_cardinality(self.cardinality)
        return self._finish(self._stage([first.chosen, most]))

    def _stage(self, found: list[np.ndarray | None]) -> _Outcome:
        """The best pairing over all allowed pairs for the current rows, by column generation."""
        if self.lexicographic:
            outcome = self._two_phases(found)
            if outcome is not None:
                return outcome
            self.lexicographic = False  # a certificate failed: the weights at once instead
        return self._one_phase(found)

    def _two_phases(self, found: list[np.ndarray | None]) -> _Outcome | None:
        """Score first, then the tie-break among best-score pairings (module comment, point 6).

        None when a certificate fails (numerically; then the caller solves the weights at once).
        """
        self._use_costs("shifted")
        run, duals = self._price_out(_ScoreWeights(self.weigh.shift), rounded=True)
        if duals is None:
            return self._stopped(run, found, "LP")
        if not self._bound_holds(self._phase(self.shifted), run, *duals, 0.5):
            return None
        # Phase two: the face of best-score pairings. Columns with a negative reduced cost stay
        # at 0, positive at 1, rows with a positive dual stay full; maximise t there.
        self.face = duals
        self._enter_face()
        self._use_costs("ties")
        try:
            self._seed_face()
            run, duals = self._price_out(None, rounded=True)
            if duals is None:
                return self._stopped(run, found, "LP")
            if not self._bound_holds(self._face_phase(), run, *duals, 0.5):
                return None
            return self._settle(run, found)
        finally:
            self.face = None
            self._leave_face()
            self._use_costs("shifted")

    def _one_phase(self, found: list[np.ndarray | None]) -> _Outcome:
        """The weights at once, duals as HiGHS gives them, a tolerance below 1 / (4 P)."""
        self._use_costs("weights")
        tolerance = 0.25 / max(self.bounds.max_pairs, 1)
        run, duals = self._price_out(self.weigh, False, tolerance)
        if duals is None:
            return self._stopped(run, found, "LP")
        outcome = self._settle(run, found)
        if outcome.optimal and not self._bound_holds(self._phase(self.weights), run, *duals, tolerance):
            status = "not proven optimal (the duals fell short of certifying the pairing)"
            return _Outcome(outcome.chosen, False, status, None, outcome.method, outcome.tie)
        return outcome

    def _price_out(
        self, weigh: EdgeWeights | None, rounded: bool, tolerance: float = 0.5
    ) -> tuple[_Run, tuple[np.ndarray, np.ndarray, float] | None]:
        """Solve and price until a pass over every allowed pair adds nothing.

        Returns the last run and its duals (None when the solve stopped or time ran out).
        ``weigh`` None: phase two, priced with _FaceWeights.
        """
        last: np.ndarray | None = None
        while True:
            cold = FACE_SOLVER if self.face is not None else "simplex"
            run = self.model.solve(False, self.deadline, cold)
            if run.state != "optimal" or run.values is None:
                if run.values is None and last is not None:  # keep the last solve's pairing
                    values = np.concatenate([last, np.zeros(self.model.size - last.size)])
                    run = _Run(run.state, values, run.timed_out, run.gap, run.detail)
                return run, None
            if _out_of_time(self.deadline):
                return _Run("stopped", run.values, timed_out=True), None
            last = run.values
            duals = self._duals(rounded, clip=self.face is None)
            if weigh is None:
                assert self.face is not None
                y1_left, y1_right, sigma1 = self.face
                y2_left, y2_right, sigma2 = duals
                reach = float(max(np.abs(y2_left).max(initial=0), np.abs(y2_right).max(initial=0)))
                multiplier = int(2 * (self.weigh.ranks + 2 * reach + abs(sigma2)) + 2)
                added = self._price(
                    _FaceWeights(self.weigh, multiplier),
                    multiplier * y1_left + y2_left,
                    multiplier * y1_right + y2_right,
                    multiplier * sigma1 + sigma2,
                    tolerance,
                )
            else:
                added = self._price(weigh, *duals, tolerance)
            if not added:
                return run, duals

    def _seed_face(self) -> None:
        """Before the first tie-break solve, each left person's best tie-breaks on the face."""
        if not FACE_SEED:
            return
        assert self.face is not None
        y1_left, y1_right, sigma1 = self.face
        multiplier = 2 * self.weigh.ranks + 2
        self._price(
            _FaceWeights(self.weigh, multiplier),
            multiplier * y1_left,
            multiplier * y1_right,
            multiplier * sigma1,
            0.5,
            limit=FACE_SEED,
        )

    def _settle(self, run: _Run, found: list[np.ndarray | None]) -> _Outcome:
        """The pairing from a certified LP point (re-solved as a MIP if it is fractional)."""
        assert run.values is not None
        values, method = run.values, "LP (integral)"
        if not _is_integral(values):
            mip = self.model.solve(True, self.deadline)
            if mip.state != "optimal" or mip.values is None:
                return self._stopped(mip, found, "MIP")
            values, method = mip.values, "MIP"
        chosen = _pairing(self.columns.edges(), values)
        if chosen is None:
            raise SolverError("HiGHS returned values that are not a valid pairing.")
        return _Outcome(chosen, True, "", None, method + ", column generation", self.weigh.tie)

    def _use_costs(self, kind: Literal["weights", "shifted", "ties"]) -> None:
        """Give the model the costs of a phase; columns added later get the same kind."""
        self.cost_kind = kind
        self.model.set_costs(self._costs_of(self.weights, self.shifted))

    def _costs_of(self, weights: np.ndarray, shifted: np.ndarray) -> np.ndarray:
        if self.cost_kind == "weights":
            return weights
        if self.cost_kind == "shifted":
            return shifted
        return weights - shifted * self.weigh.scale

    def _enter_face(self) -> None:
        phase = self._face_phase()
        lower = phase.fixed_one.astype(np.float64)
        upper = np.where(phase.fixed_zero, 0.0, 1.0)
        self.model.set_bounds(lower, upper)
        assert self.face is not None
        full = np.concatenate([self.face[0], self.face[1]]) > 0.5
        self.model.set_people_rows(np.where(full, self.row_upper, -_highspy.kHighsInf), self.row_upper)

    def _leave_face(self) -> None:
        cols = self.columns
        self.model.set_bounds(cols.must.astype(np.float64), np.ones(cols.left.size))
        self.model.set_people_rows(np.full(self.row_upper.size, -_highspy.kHighsInf), self.row_upper)

    def _phase(self, costs: np.ndarray) -> _Phase:
        none = np.zeros(costs.size, dtype=bool)
        return _Phase(costs, self.columns.must, none)

    def _face_phase(self) -> _Phase:
        assert self.face is not None
        cols = self.columns
        y_left, y_right, sigma = self.face
        rc = self.shifted - y_left[cols.left] - y_right[cols.right] - sigma
        fixed_one = cols.must | (rc > 0.5)
        return _Phase(self.weights - self.shifted * self.weigh.scale, fixed_one, ~fixed_one & (rc < -0.5))

    def _most_pairs(self, chosen: np.ndarray) -> tuple[np.ndarray, bool]:
        """The most pairs over all allowed pairs; False when time ran out before that was shown.

        The augmenting-path search runs on the edges present; when it finds no path, every
        allowed pair from a left person it reached to a right person it did not reach is priced
        in (unit weights; duals 0 on reached left people, 1 elsewhere, 1 on reached right
        people), and the search runs again, until no such pair exists (module comment, point 6).
        """
        while True:
            most, seen_left, seen_right = _grow_pairing(self.columns.edges(), chosen)
            if _out_of_time(self.deadline):
                return most, False
            dual_left = np.where(seen_left, 0.0, 1.0)
            unit = _UnitWeights()
            if not self._price(unit, dual_left, seen_right.astype(np.float64), 0.0, 0.5, cover=True):
                return most, True
            chosen = most

    # --- pricing and the certificate ------------------------------------------------------------

    def _duals(self, rounded: bool, clip: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """The last LP's duals; <= rows' clipped at 0 (``clip``: every person row is <=),
        rounded to integers if ``rounded``."""
        dual_left, dual_right, sigma = self.model.duals()
        if clip:
            dual_left, dual_right = np.maximum(dual_left, 0.0), np.maximum(dual_right, 0.0)
        else:  # in the face, rows of people with a positive first-phase dual are equalities
            assert self.face is not None
            dual_left = np.where(self.face[0] > 0.5, dual_left, np.maximum(dual_left, 0.0))
            dual_right = np.where(self.face[1] > 0.5, dual_right, np.maximum(dual_right, 0.0))
        if rounded:
            return np.rint(dual_left), np.rint(dual_right), float(np.rint(sigma))
        return dual_left, dual_right, sigma

    def _price(
        self,
        weigh: EdgeWeights,
        dual_left: np.ndarray,
        dual_right: np.ndarray,
        sigma: float,
        tolerance: float,
        cover: bool = False,
        limit: int | None = None,
    ) -> bool:
        """One pricing pass over all allowed pairs; True when it added edges."""
        codes = self.columns.codes()
        per_person = PRICE_PER_PERSON if limit is None else limit
        found = self.price_fn(weigh, dual_left, dual_right, sigma, codes, tolerance, per_person)
        if cover:
            self.cover_rounds += 1
        else:
            self.rounds += 1
        left, right, score, key = self.columns.fresh(found)
        if left.size == 0:
            return False
        mixed = self.columns.add(left, right, score, key)
        weights = self.weigh.of_mixed(score, mixed)
        shifted = score - self.weigh.shift
        self.weights = np.concatenate([self.weights, weights])
        self.shifted = np.concatenate([self.shifted, shifted])
        costs = self._costs_of(weights, shifted)
        self.model.add(left, right, np.zeros(left.size, dtype=bool), costs)
        self.added += int(left.size)
        return True

    def _bound_holds(
        self,
        phase: _Phase,
        run: _Run,
        dual_left: np.ndarray,
        dual_right: np.ndarray,
        sigma: float,
        tolerance: float,
    ) -> bool:
        """True when the duals bound every solution over all allowed pairs below the LP value + 1/2.

        For duals y (>= 0 on <= rows, free on equalities), any solution x of the whole problem
        (at most P pairs) has value sum_e x_e * rc_e + sum_i y_i x(i) + sum_j y_j x(j) + sigma *
        sum x <= sum_i y_i + sum_j cap_j y_j + sigma * K + sum_{present, free} (rc_e)^+ +
        sum_{held at 1} rc_e + P * tolerance, as every omitted pair has rc_e <= tolerance.
        Every objective value is an integer, so the LP optimum is the optimum over all pairs.
        """
        assert run.values is not None
        cols = self.columns
        value = float(np.dot(phase.costs.astype(np.float64), run.values))
        rc = phase.costs - dual_left[cols.left] - dual_right[cols.right] - sigma
        free = ~phase.fixed_one & ~phase.fixed_zero
        bound = math.fsum(
            [
                math.fsum(dual_left.tolist()),
                math.fsum((dual_right * cols.capacity).tolist()),
                sigma * (self.cardinality or 0),
                math.fsum(np.maximum(rc[free], 0.0).tolist()),
                math.fsum(rc[phase.fixed_one].tolist()),
                max(self.bounds.max_pairs, 1) * tolerance if tolerance < 0.5 else 0.0,
            ]
        )
        return bound < value + 0.5

    # --- results --------------------------------------------------------------------------------

    def _finish(self, outcome: _Outcome) -> _Outcome:
        """The outcome with the certificate (or why there is none) in its status."""
        if not outcome.optimal:
            return outcome
        cols = self.columns
        passes = "pass" if self.rounds == 1 else "passes"
        status = (
            f"optimal; certified over all {self.bounds.allowed:,} allowed pairs by column generation"
            f" ({self.rounds} pricing {passes}, {self.added:,} pairs added to {cols.candidates:,}"
            " candidates"
        )
        if self.cover_rounds:
            status += f"; the most pairs shown over all allowed pairs in {self.cover_rounds} more"
        status += ")" + (f" ({self.note})" if self.note else "")
        return _Outcome(outcome.chosen, True, status, None, outcome.method, outcome.tie)

    def _stopped(self, run: _Run, found: list[np.ndarray | None], method: str) -> _Outcome:
        """The best valid pairing so far, not certified, with the pricing progress in its status."""
        outcome = _best_found(
            self.columns.edges(), run, found, self.objective, self.note, method, self.weigh.tie
        )
        status = outcome.status.replace(
            "not proven optimal",
            f"not proven optimal: stopped after {self.rounds} pricing passes, before one over all"
            f" {self.bounds.allowed:,} allowed pairs found nothing to add",
            1,
        )
        return _Outcome(outcome.chosen, False, status, outcome.gap, method, outcome.tie)

    def final_problem(self) -> PairProblem:
        """The given problem with every added edge appended (``solution.chosen`` indexes it)."""
        p = self.problem
        parts = self.columns.added
        must = np.zeros(np.asarray(p.left).size, dtype=bool) if p.must is None else np.asarray(p.must)
        assert p.tiebreak is not None

        def joined(given: Any, k: int) -> np.ndarray:
            return np.concatenate([np.asarray(given, dtype=np.int64), *(part[k] for part in parts)])

        return PairProblem(
            n_left=p.n_left,
            n_right=p.n_right,
            left=joined(p.left, 0),
            right=joined(p.right, 1),
            score=joined(p.score, 2),
            right_capacity=p.right_capacity,
            must=np.concatenate([must, np.zeros(self.added, dtype=bool)]),
            tiebreak=joined(p.tiebreak, 3),
            objective=p.objective,
        )


def _out_of_time(deadline: float | None) -> bool:
    left = _remaining(deadline)
    return left is not None and left <= 0

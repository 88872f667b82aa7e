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
# 4. Numbers stay exact: R is the largest value with max(w) <= min(COEF_CAP, 2**53 // P), COEF_CAP =
#    1e12, so each weight is an integer below the 13 significant digits PuLP writes into CBC's MPS
#    file and every objective value is an integer below 2**53. Distinct objective values differ by
#    at least 1, far above the solvers' 1e-7 optimality tolerances. (The constraint matrix is
#    totally unimodular, so every basis solve is exact integer arithmetic in doubles.) With scores
#    up to 100 points a unit (10,000 integer points) R is TIE_RANKS for every P up to about 20,000,
#    beyond any cohort this route holds (LP_MAX_PAIRS), so both routes weigh alike.
# 5. Determinism: t_e comes from a mixed hash of the edge's key (given, or its (left, right)
#    indices), never its position, so with distinct tie-break sums the optimum is unique and any
#    solver and any edge order give the same pairs. R is at most TIE_RANKS, and shrinks as scores and pairs
#    grow (about 1e12 / (max score * pairs)); below R = 2 the tie-break is dropped and the objective text
#    says ties are left to the solver. Exact ties left (equal tie-break sums) are settled after the
#    solve by matching.py, as on the flow route (canonical.py).
# 6. This LP route is `--solver highs|cbc` (HiGHS gets the model as numpy arrays, CBC as a PuLP
#    model; solvers.py runs both); plain pairings of any size go by min-cost flow over classes
#    of interchangeable people (flow.py).
#    Both use the same weights: P = min(left people, places) and R = min(TIE_RANKS, what fits)
#    with the same tie-break keys, so they pick the same optimum whenever both have room for
#    R = TIE_RANKS. Where this route has less (a review's bonuses on a cohort of more than a few
#    dozen pairs: ``PairSolution.ranks``), matching.py re-weighs its optimum (canonical.retie).

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from mentormatch.errors import InfeasibleError, SolverError
from mentormatch.flow import TIE_RANKS, mix64
from mentormatch.solvers import (
    LABELS,
    TIME_LIMIT_HINT,
    Run,
    highspy,
    is_integral,
    new_highs,
    pick_solver,
    pulp,
    run_highs,
    solve_pulp,
)

Objective = Literal["coverage-then-score", "score"]

COEF_CAP = 10**12
EXACT = 2**53  # doubles hold every integer below this
COVERAGE_BONUS = 1  # c = COVERAGE_BONUS * max(shifted score): see point 3 above


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
    ranks: int = 1  # R, the tie-break values 1..R the weights used (1: no tie-break)


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


# ---------------------------------------------------------------------------------------------
# Public API


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
    name, note = pick_solver(solver)
    deadline = None if time_limit is None else start + time_limit
    model = _HighsModel(edges) if name == "highs" else _CbcModel(edges)
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
        objective_text=objective_text(problem.objective, outcome.tie),
        ranks=outcome.ranks,
    )


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
        key=mix64(key[active]),
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


class PairWeights:
    """The solver's integer weight of a pair, fixed for a whole run (module comment, points 2-4).

    w = s' * T + t with s' = s for "score" and s' = s - low + c, c = COVERAGE_BONUS *
    max(high - low, 1), for "coverage-then-score"; t = mix64(key) % R + 1 and T = P * R + 1, R the
    largest value with max(w) <= min(COEF_CAP, 2**53 // P). ``low`` <= every score <= ``high``
    and P >= the pairs of any pairing compared. Below R = 2 there is no tie-break (``tie`` False)
    and w = s'.
    """

    def __init__(self, objective: Objective, low: int, high: int, max_pairs: int) -> None:
        if objective == "score":
            self.shift = 0
        else:
            self.shift = int(low) - COVERAGE_BONUS * max(int(high) - int(low), 1)
        top = int(high) - self.shift
        pairs = max(int(max_pairs), 1)
        cap = min(COEF_CAP, EXACT // pairs)
        self.ranks = min(TIE_RANKS, (cap - top) // (top * pairs + 1))
        self.tie = self.ranks >= 2
        if not self.tie and top * pairs >= EXACT:
            raise SolverError(
                "The scores are too large to add up exactly.",
                hint="Use smaller whole-number score points.",
            )
        self.scale = pairs * self.ranks + 1 if self.tie else 1

    def __call__(self, points: np.ndarray, mixed: np.ndarray) -> np.ndarray:
        """Weights from score points and keys already passed through ``mix64``."""
        shifted = points.astype(np.int64) - self.shift
        if not self.tie:
            return shifted
        return shifted * self.scale + (mixed % np.uint64(self.ranks)).astype(np.int64) + 1


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


@dataclass(frozen=True)
class _Outcome:
    """What the stages settled on."""

    chosen: np.ndarray
    optimal: bool
    status: str
    gap: float | None
    method: str
    tie: bool
    ranks: int = 1  # R of the weights (1: no tie-break)


def _solve_stages(
    model: _CbcModel | _HighsModel,
    edges: _Edges,
    objective: Objective,
    deadline: float | None,
    note: str,
) -> _Outcome:
    """One weighted solve; a second with sum x = K* only if that one missed the most pairs.

    See the module comment (point 3).
    """
    bound = _max_pairs_bound(edges)
    pairs = min(edges.n_left, int(edges.capacity.sum()))  # P: the same on the flow route
    weigh = PairWeights(objective, int(edges.score.min()), int(edges.score.max()), pairs)
    weights, tie = weigh(edges.score, edges.key), weigh.tie
    ranks = weigh.ranks if tie else 1
    first = replace(
        _final_stage(model, edges, weights, None, tie, [], objective, deadline, note), ranks=ranks
    )
    if objective == "score" or not first.optimal or first.chosen.size == bound:
        return first
    most = _most_pairs(edges, first.chosen)
    if most.size == first.chosen.size:
        return first
    found: list[np.ndarray | None] = [first.chosen, most]
    return replace(
        _final_stage(model, edges, weights, most.size, tie, found, objective, deadline, note), ranks=ranks
    )


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
    model: _CbcModel | _HighsModel,
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
    if run.state == "optimal" and run.values is not None and not is_integral(run.values):
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
    run: Run,
    found: list[np.ndarray | None],
    objective: Objective,
    note: str,
    method: str,
    tie: bool,
) -> _Outcome:
    """The best valid pairing seen before a solve stopped early; raise if there is none.

    The model always has a pairing (the 'must' pairs alone, checked before any solve), so a solver
    that calls it infeasible has failed like any other.
    """
    if run.state in ("infeasible", "failed"):
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


def _pairing(edges: _Edges, values: np.ndarray) -> np.ndarray | None:
    """Indices of the chosen edges when ``values`` is a valid 0/1 pairing, else None."""
    if not is_integral(values):
        return None
    chosen = np.flatnonzero(values > 0.5)
    per_left = np.bincount(edges.left[chosen], minlength=edges.n_left)
    per_right = np.bincount(edges.right[chosen], minlength=edges.n_right)
    if per_left.max(initial=0) > 1 or np.any(per_right > edges.capacity):
        return None
    if not np.all(values[edges.must] > 0.5):
        return None
    return chosen


def objective_text(objective: Objective, tie: bool) -> str:
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
        objective_text=objective_text(objective, True),
    )


class _CbcModel:
    """The pairing LP as a PuLP problem, solved by CBC (through an MPS file)."""

    def __init__(self, edges: _Edges) -> None:
        self.label = "CBC"
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
    ) -> Run:
        """Maximise ``weights`` (with sum x = cardinality if given) as an LP or a MIP."""
        self.prob.setObjective(pulp.LpAffineExpression(zip(self.xs, weights.tolist(), strict=True)))
        if cardinality is not None and not self.has_cardinality:
            everyone = pulp.LpAffineExpression([(x, 1) for x in self.xs])
            self.prob.addConstraint(
                pulp.LpConstraint(everyone, pulp.LpConstraintEQ, "cardinality", cardinality)
            )
            self.has_cardinality = True
        return solve_pulp(self.prob, self.xs, "cbc", mip=mip, deadline=deadline)


class _HighsModel:
    """The same LP handed to highspy straight from numpy arrays.

    PuLP spends about 10 µs and 1.6 KB of Python objects per variable before HiGHS sees it;
    here the model is built in one pass of numpy (a column per edge with at most two entries)
    and stage 2 warm-starts from stage 1's basis in the same HiGHS instance. Measured
    (best of 3, HiGHS, 183 to 48,000 edges): 2-3x faster than the PuLP-built model at every size,
    so HiGHS always gets this one; CBC, which reads an MPS file, gets the PuLP model.
    """

    def __init__(self, edges: _Edges) -> None:
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
        lp = highspy.HighsLp()
        lp.num_col_ = m
        lp.num_row_ = left_rows.size + right_rows.size
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.zeros(m)
        lp.col_lower_ = edges.must.astype(np.float64)
        lp.col_upper_ = np.ones(m)
        lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
        lp.row_upper_ = np.concatenate(
            [np.ones(left_rows.size), edges.capacity[right_rows].astype(np.float64)]
        )
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
        lp.a_matrix_.index_ = entries[present].astype(np.int32)
        lp.a_matrix_.value_ = np.ones(int(present.sum()))
        self.highs = new_highs()
        if self.highs.passModel(lp) != highspy.HighsStatus.kOk:
            raise SolverError("HiGHS rejected the pairing model.")
        self.has_cardinality = False

    def solve(self, weights: np.ndarray, cardinality: int | None, mip: bool, deadline: float | None) -> Run:
        """Maximise ``weights`` (with sum x = cardinality if given) as an LP or a MIP.

        The cardinality row is added to the model of the first solve, whose basis stays dual
        feasible for the same weights: the dual simplex starts from there.
        """
        highs, m = self.highs, self.columns.size
        highs.changeColsCost(m, self.columns, weights.astype(np.float64))
        if cardinality is not None and not self.has_cardinality:
            highs.addRow(cardinality, cardinality, m, self.columns, np.ones(m))
            self.has_cardinality = True
        if mip:
            kind = np.full(m, int(highspy.HighsVarType.kInteger), dtype=np.uint8)
            highs.changeColsIntegrality(m, self.columns, kind)
            highs.setOptionValue("mip_rel_gap", 0.0)
            highs.setOptionValue("presolve", "off")
        return run_highs(self.highs, mip, deadline)

"""Large pure pairings solved exactly as an assignment problem (SciPy's linear_sum_assignment).

The pairing model of ``solve.py`` (each receiver in at most one pair, each giver in at most its
places, some pairs fixed) is, when nothing else is added to it, the assignment problem: give
each giver one column per place offered ("slots") and pair rows with columns. An exact
assignment algorithm then finds the optimum of the same integer program without an LP solver:
SciPy's ``linear_sum_assignment`` (a shortest augmenting path method, Crouse 2016) is exact for
integer weights whose sums stay below 2**53, which is checked before it runs.

The weights encode the objective lexicographically, as whole numbers:

* "coverage-then-score": w = B + p for an allowed pair with score points p >= 0, 0 for a pair
  that is not allowed, with B = P * max(p) + 1 and P the most pairs any pairing can have. One
  more pair (worth at least B) outweighs every score difference (at most P * max(p)), so the
  largest total of w is the most pairs, then the highest total score.
* "score": w = p * (P + 1) + 1: the highest total score, then the most pairs among equal scores.

Every row is assigned to some column (the matrix is laid out with rows <= columns); a row given a
column of weight 0 is left unpaired. Ties between pairings of equal weight are left to the
algorithm, which is deterministic: the same people in the same order give the same pairs.

The dense matrix costs 8 bytes per receiver and place: the caller checks ``dense_bytes`` against
a memory budget and otherwise takes the column generation path of ``solve.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from mentormatch.progress import Progress
from mentormatch.solve import Objective, PairSolution, check_must

EXACT_LIMIT = 2**52  # the largest weight total linear_sum_assignment may add up exactly
ASSIGNMENT_LABEL = "SciPy linear_sum_assignment"


@dataclass(frozen=True)
class DensePairs:
    """A pairing given by a points function over every receiver x giver pair.

    ``points(rows)`` returns an integer (len(rows), n_right) array: the score points of each
    pair, -1 where the pair is not allowed; ``pair_points(left, right)`` the points of aligned
    pairs. ``must_left`` / ``must_right``: pairs that must be kept (they need not be allowed by
    ``points``).
    """

    n_left: int
    n_right: int
    capacity: np.ndarray
    points: Callable[[np.ndarray], np.ndarray]
    pair_points: Callable[[np.ndarray, np.ndarray], np.ndarray]
    must_left: np.ndarray
    must_right: np.ndarray
    objective: Objective
    block_cells: int = 4_000_000


@dataclass(frozen=True)
class DensePairing:
    """The pairs chosen (receiver, giver, points) and how the solve went."""

    left: np.ndarray
    right: np.ndarray
    points: np.ndarray
    solution: PairSolution
    allowed: int  # allowed pairs seen while building the matrix


def dense_bytes(n_left: int, capacity: np.ndarray) -> int:
    """Bytes of the float64 matrix the solve would build (receivers x places)."""
    places = int(np.asarray(capacity, dtype=np.int64).clip(min=0).sum())
    return 8 * int(n_left) * places


def solve_dense_pairs(problem: DensePairs, progress: Progress | None = None) -> DensePairing | None:
    """The best pairing by the objective, exactly; None when the weights are too large to add up
    exactly in float64 (then the caller solves by column generation instead).

    Scoring every pair into the matrix comes first; ``progress`` then hears "Solving ..." and the
    solution's ``seconds`` count from there (weights, the assignment, reading the pairs off).
    Raises PairingInfeasibleError when the 'must' pairs alone break a limit.
    """
    from scipy.optimize import linear_sum_assignment  # imported here: 0.3-0.5 s, large runs only

    n, m = int(problem.n_left), int(problem.n_right)
    capacity = np.asarray(problem.capacity, dtype=np.int64)
    must_left = np.asarray(problem.must_left, dtype=np.int64)
    must_right = np.asarray(problem.must_right, dtype=np.int64)
    check_must(must_left, must_right, capacity, n, m)
    # The fixed pairs take their receivers and places out of the problem.
    room = capacity - np.bincount(must_right, minlength=m)
    free = np.setdiff1d(np.arange(n), must_left)
    slots = np.repeat(np.arange(m), room.clip(min=0))
    pairs_bound = min(free.size, slots.size)
    matrix, allowed, top = _points_matrix(problem, free, slots, progress)
    if progress is not None:
        progress(f"Solving ({allowed:,} allowed pairs, as an assignment problem)")
    start = time.perf_counter()
    weights = _to_weights(matrix, problem.objective, pairs_bound, top)
    if weights is None:
        return None
    rows_are_receivers = free.size <= slots.size
    row = col = np.zeros(0, dtype=np.int64)
    if weights.size:
        row, col = linear_sum_assignment(weights)
        keep = weights[row, col] < 0  # weight 0: not an allowed pair, so left unpaired
        row, col = row[keep], col[keep]
    del weights, matrix
    receiver, slot = (row, col) if rows_are_receivers else (col, row)
    left = np.concatenate([must_left, free[receiver]]).astype(np.int64)
    right = np.concatenate([must_right, slots[slot]]).astype(np.int64)
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    points = _pair_points(problem, left, right)
    ties = "ties left to the assignment algorithm, which is deterministic"
    if problem.objective == "score":
        text = f"the highest total score, then the most pairs ({ties})"
    else:
        text = f"first the most pairs, then the highest total score ({ties})"
    solution = PairSolution(
        chosen=np.arange(left.size, dtype=np.int64),
        coverage=int(left.size),
        total_score=int(points.sum()),
        optimal=True,
        status=(
            f"optimal (exact assignment over all {allowed:,} allowed pairs, "
            f"{free.size:,} receivers x {slots.size:,} places; highest pair score {top:,} points)"
        ),
        gap=None,
        solver=ASSIGNMENT_LABEL,
        method="assignment (shortest augmenting path)",
        seconds=time.perf_counter() - start,
        objective_text=text,
    )
    return DensePairing(left, right, points, solution, allowed)


def _points_matrix(
    problem: DensePairs, free: np.ndarray, slots: np.ndarray, progress: Progress | None = None
) -> tuple[np.ndarray, int, int]:
    """Every pair's points (-1: not allowed) as a float64 matrix with rows <= columns, the
    allowed pairs counted, and the highest points; one pass over blocks of receivers, each
    reported to ``progress`` as "Scoring pairs" (receivers done of all)."""
    rows_are_receivers = free.size <= slots.size
    shape = (free.size, slots.size) if rows_are_receivers else (slots.size, free.size)
    matrix = np.empty(shape, dtype=np.float64)
    top, allowed, done = -1, 0, 0
    for block, points in _blocks(problem, free):
        top = max(top, int(points.max(initial=-1)))
        allowed += int(np.count_nonzero(points >= 0))
        part = points[:, slots]
        if rows_are_receivers:
            matrix[done : done + block.size] = part
        else:
            matrix[:, done : done + block.size] = part.T
        done += block.size
        if progress is not None:
            progress("Scoring pairs", done, free.size)
    return matrix, allowed, max(top, 0)


def _to_weights(matrix: np.ndarray, objective: Objective, pairs_bound: int, top: int) -> np.ndarray | None:
    """The points matrix turned, in place, into negated weights (module comment); None when
    their sums would not be exact in float64."""
    if objective == "score":
        scale, base = pairs_bound + 1, 1
    else:
        scale, base = 1, pairs_bound * top + 1
    largest = top * scale + base
    if (pairs_bound + 1) * largest >= EXACT_LIMIT:
        return None
    # Stored negated: linear_sum_assignment minimises, and maximize=True would copy the matrix.
    step = max(1, 4_000_000 // max(matrix.shape[1], 1))
    for first in range(0, matrix.shape[0], step):
        part = matrix[first : first + step]
        ok = part >= 0
        np.multiply(part, -scale, out=part)
        part -= base
        part[~ok] = 0.0
    return matrix


def _blocks(problem: DensePairs, free: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    step = max(1, problem.block_cells // max(problem.n_right, 1))
    for start in range(0, free.size, step):
        block = free[start : start + step]
        points = np.asarray(problem.points(block), dtype=np.int64)
        if points.shape != (block.size, problem.n_right):
            expected = (block.size, problem.n_right)
            raise ValueError(f"points() returned shape {points.shape}, expected {expected}")
        yield block, points


def _pair_points(problem: DensePairs, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Points of the chosen pairs, checked to be whole numbers >= 0."""
    points = np.asarray(problem.pair_points(left, right), dtype=np.int64)
    if points.shape != left.shape or (points.size and points.min() < 0):
        raise ValueError("pair_points() must give points >= 0 for every chosen pair")
    return points

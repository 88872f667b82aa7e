"""The class flow without holding every class pair: seeds, pricing and the proof, all streamed.

flow.py solves the flow over a set of class pairs it is given. A cohort whose people nearly all
differ has nearly as many class pairs as pairs of people (20,000 x 20,000 = 400 million), too
many to hold. Here only a few arcs are held; every class pair is looked at block by block of
left classes (``StreamProblem.points``: the pair kernel, pairkernel.py) and dropped again:

1. the first pass counts the allowed class pairs, finds the highest score, and keeps each class's
   best-scored arcs (those equal to the left class's best or the right class's best so far,
   SEED_ARCS of each at most) as the first arcs held;
2. flow.py solves the flow over the arcs held, with the tie-break ranks R of the whole problem,
   computes node potentials itself and checks them over the held arcs (check_certificate);
3. a pricing pass looks at every class pair again: an arc's reduced cost is
   -(s * T + t) + potential(left) - potential(right). Writing each potential as q * T + r
   (0 <= r < T), an arc with s < q(left) - q(right) - 1 cannot have a negative reduced cost (as
   1 <= t <= R < T), so only the few arcs with s >= q(left) - q(right) - 1 are weighed exactly,
   in int64. While any arc has a negative reduced cost, each left class's arcs with a reduced
   cost below MARGIN points (PRICE_PER_CLASS at most, the most negative first) are added; for
   "coverage-then-score", so are allowed arcs from a left class the residual search from the
   source reaches to a right class it does not (an augmenting path may run through them);
4. repeat from 2 until a pass finds no arc with a negative reduced cost and none leaving the
   reached set (``certify`` is that last pass on its own);
5. that last pass also keeps the class pairs not held whose reduced cost is exactly 0 (MAX_TIED at
   most): a pairing as good, tying exactly, may use them. canonical.py picks one fixed optimum over
   the arcs held and those, the same whichever route or arcs held found one.

The certificate is then complete, and ours: the flow is feasible and its potentials check out
over the held arcs and the source and sink arcs (flow.check_certificate), and the last pass
looked at every allowed class pair not held and found none with a negative reduced cost and,
for "coverage-then-score", none leaving the set the residual search reaches (so no augmenting
path exists over the whole graph: the flow is a maximum flow).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from mentormatch.canonical import Canonical, canonical
from mentormatch.flow import (
    INT_ROOM,
    SEED_ARCS,
    CertificateError,
    ClassFlow,
    ClassProblem,
    ScoresTooLarge,
    best_per_group,
    check_certificate,
    forked,
    largest_weight,
    mix64,
    residual_reach,
    solve_classes,
    tie_ranks,
    weights,
)
from mentormatch.progress import Progress, silent
from mentormatch.scoring import pair_key

SEED_SLACK = 0.01  # first arcs held: within 1% of the highest score of their class's best
PRICE_PER_CLASS = 16  # arcs added per left class and pass at most
MARGIN = 20  # while some arcs are priced wrong, also add those within MARGIN points of it (fewer passes)
NEAR = MARGIN + 2  # a pass weighs, per left class, the arcs within NEAR of its best (score + right value)
PARALLEL_CELLS = 20_000_000  # a pass over more class pairs than this shares them with a second process
BLOCK_CELLS = 1 << 18  # class pairs scored at a time (small enough to stay in the CPU's cache)
MAX_TIED = 2_000_000  # class pairs not held with reduced cost 0 kept for canonical.py (48 MB) at most


@dataclass(frozen=True)
class StreamProblem:
    """The class flow problem with its class pairs given as a function, never as a list."""

    left_size: np.ndarray  # int64 members per left class
    right_supply: np.ndarray  # int64 places per right class
    right_members: np.ndarray  # int64 members per right class (to count the pairs of people)
    left_key: np.ndarray  # uint64 per left class
    right_key: np.ndarray  # uint64 per right class
    objective: str
    max_pairs: int
    points: Callable[[int, int], np.ndarray]  # left classes [a, b) x every right class; -1: not allowed


@dataclass(frozen=True)
class StreamFlow:
    """The optimal flow over the held arcs (``problem``, ``found``), proven over every class pair."""

    problem: ClassProblem  # the arcs held at the end
    found: ClassFlow
    class_pairs: int  # allowed class pairs
    allowed: int  # allowed pairs of people they stand for
    passes: int  # passes over every class pair (the first included)
    seconds: float  # the passes after the first, the solves and the checks
    tie: Canonical | None = None  # how the canonical optimum was reached; None: too many ties


def rows_per_block(n_right: int) -> int:
    return max(1, BLOCK_CELLS // max(n_right, 1))


def solve_streaming(problem: StreamProblem, say: Progress = silent, label: str = "Solving") -> StreamFlow:
    """The optimal class flow, certified over every class pair (module comment)."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    top, class_pairs, allowed, first = _first_pass(problem, say)
    held = (first[0], first[1], first[2])
    say(f"{label} ({allowed:,} allowed pairs; {class_pairs:,} class pairs)")
    start = time.perf_counter()
    pairs = max(problem.max_pairs, 1)
    largest = largest_weight(pairs, 2 + n_left + n_right)
    ranks = tie_ranks(top, pairs, largest)
    if top * (pairs * ranks + 1) + ranks > largest:
        raise ScoresTooLarge()
    scale = pairs * ranks + 1
    passes, rounds = 1, 0
    while True:
        sub = _held_problem(problem, held)
        say(f"{label} (OR-Tools solve {rounds + 1} over {sub.arc_left.size:,} class pairs held)")
        found = solve_classes(sub, np.ones(sub.arc_left.size, dtype=bool), ranks)
        rounds += 1
        message = f"{label} (pricing pass {passes} over every class pair)"
        say(message)
        new, ties, wrong, leaving = _pricing_pass(problem, sub, found, scale, ranks, say, message)
        passes += 1
        if not wrong and not leaving:
            break
        codes = np.concatenate([held[0] * n_right + held[1], new[0] * n_right + new[1]])
        scores = np.concatenate([held[2], new[2]])
        codes, at = np.unique(codes, return_index=True)
        held = (codes // n_right, codes % n_right, scores[at])
    found = ClassFlow(
        found.flow, found.potential, found.weight, found.ranks, found.seconds, found.check_seconds,
        rounds, int(held[0].size),
    )  # fmt: skip
    sub, found, tie = _canonical(problem, sub, found, ties, say, label)
    return StreamFlow(sub, found, class_pairs, allowed, passes, time.perf_counter() - start, tie)


def _canonical(
    problem: StreamProblem, sub: ClassProblem, found: ClassFlow, ties: np.ndarray, say: Progress, label: str
) -> tuple[ClassProblem, ClassFlow, Canonical | None]:
    """The canonical optimum (canonical.py) over the arcs held and those of reduced cost 0 the last
    pass found (every other class pair has a positive reduced cost: no optimum uses it). None when
    more than MAX_TIED such arcs were found: the flow found is kept."""
    if ties.size and ties.min() < 0:
        return sub, found, None
    say(f"{label} (settling exact ties: {ties.shape[1]:,} tied class pairs not held)")
    held = (np.concatenate([sub.arc_left, ties[0]]), np.concatenate([sub.arc_right, ties[1]]),
            np.concatenate([sub.arc_score, ties[2]]))  # fmt: skip
    wider = _held_problem(problem, held)
    extra = np.zeros(ties.shape[1], dtype=np.int64)
    weight = weights(wider.arc_score, wider.arc_key, wider.max_pairs, found.ranks)
    start = time.perf_counter()
    tie = canonical(wider, replace(found, flow=np.concatenate([found.flow, extra]), weight=weight))
    seconds = found.check_seconds + time.perf_counter() - start
    return wider, replace(found, flow=tie.flow, weight=weight, check_seconds=seconds), tie


def _held_problem(problem: StreamProblem, held: tuple[np.ndarray, np.ndarray, np.ndarray]) -> ClassProblem:
    left, right, score = held
    return ClassProblem(
        left_size=problem.left_size,
        right_supply=problem.right_supply,
        arc_left=left,
        arc_right=right,
        arc_score=score.astype(np.int64),
        arc_key=pair_key(problem.left_key[left], problem.right_key[right]).astype(np.uint64),
        objective=problem.objective,
        max_pairs=problem.max_pairs,
    )


def _blocks(problem: StreamProblem) -> list[tuple[int, int]]:
    """Blocks of left classes, cut to the block size."""
    n_left, step = problem.left_size.size, rows_per_block(problem.right_supply.size)
    return [(a, min(a + step, n_left)) for a in range(0, n_left, step)]


def _first_pass(
    problem: StreamProblem, say: Progress
) -> tuple[int, int, int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The highest score, the allowed class pairs and pairs of people, and the first arcs held."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    column_best = np.full(n_right, -1, dtype=np.int64)
    several = np.flatnonzero(problem.right_members > 1)
    extra = problem.right_members[several] - 1
    top = class_pairs = allowed = 0
    rows: list[np.ndarray] = []  # (left, right, score) kept for the left classes
    columns: list[np.ndarray] = []  # and for the right classes
    blocks = _blocks(problem)
    for number, (a, b) in enumerate(blocks):
        points = problem.points(a, b)
        ok = points >= 0
        per_row = np.count_nonzero(ok, axis=1)
        class_pairs += int(per_row.sum())
        if several.size:  # right classes of several people stand for more pairs
            per_row = per_row + ok[:, several].astype(np.int64) @ extra
        allowed += int(problem.left_size[a:b] @ per_row)
        if not ok.any():
            continue
        best_row = points.max(axis=1).astype(np.int64)
        np.maximum(column_best, points.max(axis=0), out=column_best)
        top = max(top, int(best_row.max()))
        slack = int(top * SEED_SLACK)
        near = (points >= (best_row - slack)[:, None]) | (points >= (column_best - slack)[None, :])
        near &= ok
        i, j = np.nonzero(near)
        score = points[i, j].astype(np.int64)
        for group, out in ((i, rows), (j, columns)):
            pick = best_per_group(group, -score, SEED_ARCS)
            out.append(np.stack([i[pick] + a, j[pick], score[pick]]))
        if number % 16 == 0 or b == n_left:
            say("Scoring pairs", b, n_left)
    if columns:
        joined = np.concatenate(columns, axis=1)
        pick = best_per_group(joined[1], -joined[2], SEED_ARCS)
        rows.append(joined[:, pick])
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return top, class_pairs, allowed, (empty, empty, empty)
    arcs = np.concatenate(rows, axis=1)
    codes, first = np.unique(arcs[0] * n_right + arcs[1], return_index=True)
    return top, class_pairs, allowed, (codes // n_right, codes % n_right, arcs[2][first])


def _pricing_pass(
    problem: StreamProblem,
    held: ClassProblem,
    found: ClassFlow,
    scale: int,
    ranks: int,
    say: Progress,
    message: str,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, int, int]:
    """Arcs to add (left, right, score: PRICE_PER_CLASS per left class at most), the arcs not
    held of reduced cost exactly 0 (rows left, right, score; a column of -1 if more than
    MAX_TIED), how many class pairs the flow's potentials price wrong, and how many arcs were
    found leaving the reached set (module comment)."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    potential = found.potential
    if potential.size and (potential.max() > 0 or potential.min() < -INT_ROOM):
        raise CertificateError("the potentials are out of range")
    left_p, right_p = potential[2 : 2 + n_left], potential[2 + n_left :]
    # q * T + r with 0 <= r < T: s >= q(left) - q(right) - 1 is needed for a negative reduced cost
    left_q, right_q = np.floor_divide(left_p, scale) - 1, np.floor_divide(right_p, scale)
    span = max(int(np.abs(left_q).max(initial=0)), int(np.abs(right_q).max(initial=0)))
    work = np.int32 if span < (1 << 30) else np.int64
    left_q, right_q = left_q.astype(work), right_q.astype(work)
    wide_q = (left_q.astype(np.int64), right_q.astype(np.int64))
    cover = problem.objective != "score"
    reached_left = reached_right = None
    if cover:
        reached_left, reached_right, sink = residual_reach(held, found.flow)
        assert not sink, "check_certificate over the held arcs found no augmenting path"
        if not reached_left.any():
            reached_left = None  # every left class is full: no augmenting path can start
    held_codes = np.sort(held.arc_left * n_right + held.arc_right)

    def scan(blocks: list[tuple[int, int]], report: Progress) -> tuple[np.ndarray, np.ndarray, int, int]:
        out: list[np.ndarray] = []
        ties: list[np.ndarray] = []
        tied = 0
        wrong = leaving = 0
        for number, (a, b) in enumerate(blocks):
            points = problem.points(a, b)
            if points.size == 0:
                continue
            if points.dtype.itemsize > np.dtype(work).itemsize:  # large scores (a review's bonuses)
                value = points + wide_q[1][None, :]
            else:
                value = np.add(points, right_q[None, :], dtype=work)
            np.putmask(value, points < 0, np.iinfo(value.dtype).min)
            # Sure to be priced wrong: value >= q(left) + 2; maybe: q(left) or q(left) + 1. Weigh
            # the arcs within NEAR of the class's best value, and every maybe if none is sure (and
            # those within MARGIN below, to add alongside).
            best = value.max(axis=1)
            floor = np.maximum(wide_q[0][a:b] - MARGIN, best.astype(np.int64) - NEAR)
            i, j = np.nonzero(value >= floor.astype(value.dtype)[:, None])
            score = points[i, j].astype(np.int64)
            keep = score >= 0
            i, j, score = i[keep] + a, j[keep], score[keep]
            if i.size:
                key = pair_key(problem.left_key[i], problem.right_key[j])
                tie = (mix64(key) % np.uint64(ranks)).astype(np.int64)
                reduced = -(score * scale + tie + 1) + left_p[i] - right_p[j]
                near = (reduced < MARGIN * scale) & ~_held(held_codes, i * n_right + j)
                wrong += int(np.count_nonzero(near & (reduced < 0)))
                zero = np.flatnonzero(near & (reduced == 0))
                if zero.size and tied <= MAX_TIED:  # an optimum may use them too (canonical.py)
                    ties.append(np.stack([i[zero], j[zero], score[zero]]))
                tied += zero.size
                i, j, score, reduced = i[near], j[near], score[near], reduced[near]
                pick = best_per_group(i, reduced, PRICE_PER_CLASS)
                out.append(np.stack([i[pick], j[pick], score[pick]]))
            if reached_left is not None and reached_right is not None and reached_left[a:b].any():
                found_leaving = _leaving(
                    problem, points, a, reached_left, reached_right, held_codes, scale, ranks
                )
                leaving += found_leaving.shape[1]
                out.append(found_leaving)
            if number % 16 == 0:
                report(message, b, n_left)
        if tied > MAX_TIED:
            ties = [np.full((3, 1), -1, dtype=np.int64)]  # too many: marked, not kept
        return _joined(out), _joined(ties), wrong, leaving

    arcs, ties, wrong, leaving = _in_two(scan, _blocks(problem), n_right, say)
    say(message, n_left, n_left)
    return (arcs[0], arcs[1], arcs[2]), ties, wrong, leaving


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts, axis=1).astype(np.int64) if parts else np.zeros((3, 0), dtype=np.int64)


Scan = Callable[[list[tuple[int, int]], Progress], tuple[np.ndarray, np.ndarray, int, int]]


def _in_two(
    scan: Scan, blocks: list[tuple[int, int]], width: int, say: Progress
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``scan`` over the blocks, the second half in a forked child process where the pass is
    large (PARALLEL_CELLS) and a second CPU is idle (the load average over the last minute is
    below the CPUs less one: on a busy machine a second process only adds its start). Each left
    class lies in one block and its arcs are chosen within it, so the answer is the same however
    the blocks are shared."""
    import multiprocessing

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    idle = cpus - (os.getloadavg()[0] if hasattr(os, "getloadavg") else cpus)
    cells = sum(b - a for a, b in blocks) * width
    if cells < PARALLEL_CELLS or idle < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return scan(blocks, say)
    half = len(blocks) // 2
    mine, theirs = forked(
        lambda: _packed_scan(scan, blocks[half:]),
        lambda: scan(blocks[:half], say),
        "A pricing pass stopped without an answer (out of memory?).",
    )
    count = int(theirs[2])
    arcs = np.concatenate([mine[0], theirs[3 : 3 + 3 * count].reshape(3, -1)], axis=1)
    ties = np.concatenate([mine[1], theirs[3 + 3 * count :].reshape(3, -1)], axis=1)
    if ties.shape[1] > MAX_TIED:  # each half kept its own; too many together, as in one process
        ties = np.full((3, 1), -1, dtype=np.int64)
    return arcs, ties, mine[2] + int(theirs[0]), mine[3] + int(theirs[1])


def _packed_scan(scan: Scan, blocks: list[tuple[int, int]]) -> np.ndarray:
    """The second process's half of a pass: (wrong, leaving, arcs to add, those arcs, tied arcs)
    as int64 values."""
    arcs, ties, wrong, leaving = scan(blocks, silent)
    return np.concatenate([[wrong, leaving, arcs.shape[1]], arcs.ravel(), ties.ravel()]).astype(np.int64)


def certify(problem: StreamProblem, held: ClassProblem, found: ClassFlow) -> None:
    """Raise CertificateError unless ``found`` (a flow over the arcs ``held`` and its
    potentials) is optimal over every class pair of ``problem``: check_certificate over the held
    arcs, then a pass over every class pair (module comment)."""
    check_certificate(held, found.flow, found.potential, found.ranks)
    scale = max(problem.max_pairs, 1) * found.ranks + 1
    _arcs, _ties, wrong, leaving = _pricing_pass(problem, held, found, scale, found.ranks, silent, "")
    if wrong:
        raise CertificateError(
            f"{wrong:,} class pairs not held have a negative reduced cost: a better pairing exists"
        )
    if leaving:
        raise CertificateError(
            "allowed class pairs leave the reached set: a pairing with more pairs may exist"
        )


def _leaving(
    problem: StreamProblem,
    points: np.ndarray,
    a: int,
    reached_left: np.ndarray,
    reached_right: np.ndarray,
    held_codes: np.ndarray,
    scale: int,
    ranks: int,
) -> np.ndarray:
    """Allowed arcs from a reached left class (of this block) to a right class not reached: each
    left class's PRICE_PER_CLASS heaviest."""
    n_right = problem.right_supply.size
    rows = np.flatnonzero(reached_left[a : a + points.shape[0]])
    others = np.flatnonzero(~reached_right)
    sub = points[rows][:, others]
    if sub.shape[1] > PRICE_PER_CLASS:  # each row's heaviest few only
        pick = np.argpartition(-sub, PRICE_PER_CLASS - 1, axis=1)[:, :PRICE_PER_CLASS]
        i = np.repeat(np.arange(rows.size), PRICE_PER_CLASS)
        j = pick.ravel()
        keep = sub[i, j] >= 0
        i, j = i[keep], j[keep]
    else:
        i, j = np.nonzero(sub >= 0)
    if i.size == 0:
        return np.zeros((3, 0), dtype=np.int64)
    i, j = rows[i] + a, others[j]
    score = points[i - a, j].astype(np.int64)
    outside = ~_held(held_codes, i * n_right + j)  # (a held arc there is full: no room forward)
    i, j, score = i[outside], j[outside], score[outside]
    tie = (mix64(pair_key(problem.left_key[i], problem.right_key[j])) % np.uint64(ranks)).astype(np.int64)
    pick = best_per_group(i, -(score * scale + tie), PRICE_PER_CLASS)
    return np.stack([i[pick], j[pick], score[pick]])


def _held(held_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    if held_codes.size == 0:
        return np.zeros(codes.size, dtype=bool)
    at = np.minimum(np.searchsorted(held_codes, codes), held_codes.size - 1)
    return held_codes[at] == codes

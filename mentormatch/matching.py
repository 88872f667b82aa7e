"""Pair the eligible receivers and givers: candidates and the solve (explain.py words each outcome)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.errors import InfeasibleError, RulesError, SolverError
from mentormatch.flow import FLOW_LABEL, Classes, ScoresTooLarge, distribute, group, person_order
from mentormatch.pairkernel import PairKernel
from mentormatch.progress import Progress, silent
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules
from mentormatch.scoring import SCORE_SCALE, Candidates, Scorer, pair_key
from mentormatch.solve import (
    Objective,
    PairingInfeasibleError,
    PairProblem,
    PairSolution,
    check_must,
    objective_text,
    solve_pairs,
)

if TYPE_CHECKING:
    from mentormatch.pricing import StreamFlow

MEMORY_LIMIT = 3 * 2**30  # what the flow route may hold: 3 GB (the class pairs are streamed, never held)
LP_MAX_PAIRS = 3_000_000  # the LP route holds every allowed pair: about 1.2 KB each in HiGHS
UNSETTLED = (
    "; pairings tying exactly with these were too many to settle by the fixed class order, so"
    " another route may return one of them"
)
CLASS_BYTES = 25_000  # peak memory per class on the flow route, OR-Tools child included: benchmarks/README.md


@dataclass(frozen=True)
class PartValue:
    """One named part of a pair's score: its value in [0, 1], points earned, and the reason."""

    label: str
    value: float
    points: float
    text: str
    special: bool = False  # reads special category data: never named or counted where forwarded


@dataclass(frozen=True)
class Pair:
    """A chosen pair with its score broken into parts.

    ``score`` is what the solver optimised (every part); ``shown_score`` leaves out the parts
    that read special category fields, and ``why`` names only the other parts: forwardable
    outputs show those two, so nobody can infer special category data from them.
    """

    receiver: Applicant
    giver: Applicant
    score: float
    parts: tuple[PartValue, ...]
    why: str

    @property
    def shown_score(self) -> float:
        """The score without the special category parts (what forwardable outputs show)."""
        return float(np.rint(sum(p.points for p in self.parts if not p.special) * SCORE_SCALE) / SCORE_SCALE)


@dataclass(frozen=True)
class Unmatched:
    """An eligible applicant left without a partner, and why."""

    applicant: Applicant
    role: str
    reason: str


@dataclass(frozen=True)
class Matching:
    """The pairs, who is left unmatched and why, and how the solve went."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    solution: PairSolution
    receivers: int
    givers: int
    places: int
    candidate_pairs: int
    changes: tuple[str, ...] = ()


def match_pairs(
    rules: Rules,
    receivers: Sequence[Applicant],
    givers: Sequence[Applicant],
    *,
    solver: str = "auto",
    time_limit: float | None = None,
    adjust: Adjustments | None = None,
    progress: Progress | None = None,
) -> Matching:
    """Solve the pairing for eligible receivers and givers under the rule file's matching rules.

    ``adjust`` carries a coordinator's review (pairs kept, rejected, or to keep if possible),
    withdrawals and earlier cohorts; the objective then ranks, in order: most pairs, most
    earlier pairs kept, most favoured people paired, highest total score.
    """
    say = progress or silent
    spec = rules.spec.matching
    if spec is None:
        raise RulesError(f"{rules.path}: has no 'matching' section, so nobody can be paired")
    adjust = adjust or Adjustments()
    withdrawn = [a for a in (*receivers, *givers) if a.email in adjust.withdrawn]
    receivers = sorted((a for a in receivers if a.email not in adjust.withdrawn), key=_order)
    givers = sorted((a for a in givers if a.email not in adjust.withdrawn), key=_order)
    say("Scoring pairs")
    scorer = Scorer(rules, receivers, givers, forbidden=adjust.forbidden)
    must = _must_pairs(rules, scorer) + _kept_pairs(scorer, adjust)
    minimum = spec.minimum_score if spec.objective == "best-pairs" else None
    objective: Objective = "score" if spec.objective == "best-pairs" else "coverage-then-score"
    try:
        setup = _setup(scorer, sorted(set(must)), adjust)
        if solver.lower() == "auto":
            candidates, solution, considered = _solve_flow(scorer, setup, minimum, objective, adjust, say)
        else:
            _lp_limit(len(receivers), len(givers), solver)
            candidates = scorer.candidates(setup.must, minimum)
            tiebreak = _class_keys(setup, candidates.left, candidates.right)
            problem = PairProblem(
                n_left=len(receivers),
                n_right=len(givers),
                left=candidates.left,
                right=candidates.right,
                score=_with_bonuses(scorer, candidates, adjust),
                right_capacity=scorer.givers.capacity,
                must=candidates.must,
                tiebreak=tiebreak.view(np.int64),
                objective=objective,
            )
            say(f"Solving ({len(candidates.left):,} allowed pairs)")
            solution = solve_pairs(problem, solver=solver, time_limit=time_limit)
            if solution.optimal:
                solution = _canonical(scorer, setup, candidates, problem, adjust, solution)
            considered = len(candidates.left)
    except PairingInfeasibleError as exc:
        raise InfeasibleError(_name_conflicts(exc, receivers, givers, rules), exc.hint) from None
    chosen = solution.chosen
    found = list(zip(candidates.left[chosen].tolist(), candidates.right[chosen].tolist(), strict=True))
    from mentormatch.explain import explain_pairs, unmatched_with_reasons  # the words; explain imports us

    pairs = explain_pairs(scorer, found, say)
    classes = (setup.left.of, setup.right.of)
    unmatched = unmatched_with_reasons(scorer, candidates, chosen, rules, say, classes)
    unmatched += tuple(
        Unmatched(a, a.role or "", "Withdrew from the programme; not paired.") for a in withdrawn
    )
    return Matching(
        pairs=pairs,
        unmatched=unmatched,
        solution=solution,
        receivers=len(receivers),
        givers=len(givers),
        places=int(scorer.givers.capacity.sum()),
        candidate_pairs=considered,
        changes=_changes(pairs, adjust),
    )


@dataclass(frozen=True)
class _Setup:
    """The people grouped into classes of interchangeable people (flow.py), after the 'must'
    pairs took their receivers and places; the same on every route, so the tie-break keys
    (from the classes' keys) and the order pairs are named in are the same too."""

    must: list[tuple[int, int]]
    left: Classes
    right: Classes
    left_order: np.ndarray
    right_order: np.ndarray
    room: np.ndarray  # places left per giver after the 'must' pairs


def _setup(scorer: Scorer, must: list[tuple[int, int]], adjust: Adjustments) -> _Setup:
    r, g = scorer.receivers, scorer.givers
    n, m = len(r.people), len(g.people)
    must_left = np.array([i for i, _j in must], dtype=np.int64)
    must_right = np.array([j for _i, j in must], dtype=np.int64)
    check_must(must_left, must_right, g.capacity, n, m)
    single_left, single_right = scorer.individual()
    if adjust.favoured:  # a review bonus makes a person's pairs weigh differently
        single_left |= np.array([a.email in adjust.favoured for a in r.people], dtype=bool)
        single_right |= np.array([a.email in adjust.favoured for a in g.people], dtype=bool)
    for i, j in scorer.index_of(adjust.prefer):
        single_left[i] = single_right[j] = True
    room = g.capacity - np.bincount(must_right, minlength=m)
    pool = np.ones(n, dtype=bool)
    pool[must_left] = False
    return _Setup(
        must=must,
        left=group(scorer.profiles(False), single_left, r.hashes, pool),
        right=group(scorer.profiles(True), single_right, g.hashes, room > 0),
        left_order=person_order(r.hashes),
        right_order=person_order(g.hashes),
        room=room,
    )


def _class_keys(setup: _Setup, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The tie-break key (uint64) of pairs: from their classes' keys, so interchangeable people
    share it. People outside the classes (a 'must' pair's receiver) use their own hash."""
    lc, rc = setup.left.of[left], setup.right.of[right]
    left_key = np.where(lc >= 0, setup.left.key[np.maximum(lc, 0)], np.uint64(0))
    right_key = np.where(rc >= 0, setup.right.key[np.maximum(rc, 0)], np.uint64(0))
    return pair_key(left_key.astype(np.uint64), right_key.astype(np.uint64)).astype(np.uint64)


def _lp_limit(n: int, m: int, solver: str) -> None:
    """Refuse up front an LP (a named solver) over more pairs than it can hold."""
    if n * m > LP_MAX_PAIRS:
        raise SolverError(
            f"--solver {solver} builds one variable per pair: {n:,} x {m:,} = {n * m:,} pairs, more than"
            f" the {LP_MAX_PAIRS:,} it can hold here (about {LP_MAX_PAIRS * 1.2 / 2**20:.1f} GB).",
            hint="Leave --solver out: the default route solves cohorts of any size exactly.",
        )


def _class_limit(setup: _Setup) -> None:
    """Refuse up front a cohort whose classes would not fit in memory, saying what would.

    The class pairs are never held (pricing.py streams them); what is held grows with the
    classes: each class's arcs held (its best few, then those pricing adds), their flows, weights
    and potentials, and OR-Tools' network over them, about CLASS_BYTES per class at peak."""
    classes = setup.left.size.size + setup.right.size.size
    if classes * CLASS_BYTES > MEMORY_LIMIT:
        fits = MEMORY_LIMIT // CLASS_BYTES
        raise SolverError(
            f"This cohort has {setup.left.size.size:,} x {setup.right.size.size:,} classes of"
            f" interchangeable applicants; pairing them needs about {classes * CLASS_BYTES / 2**30:.1f} GB"
            f" of memory, more than the {MEMORY_LIMIT / 2**30:.1f} GB mentormatch allows itself: it can"
            f" take up to {fits:,} classes (for example {fits // 2:,} mentees and as many mentors who all"
            " answer differently).",
            hint="Split the cohort (by organisation or region) and match each part.",
        )


def _solve_flow(
    scorer: Scorer,
    setup: _Setup,
    minimum: float | None,
    objective: Objective,
    adjust: Adjustments,
    say: Progress,
) -> tuple[Candidates, PairSolution, int]:
    """Every plain pairing: a min-cost flow over classes of interchangeable people (flow.py),
    priced over every class pair without holding them (pricing.py), exact and certified.
    Returns the pairs as candidates, the solution and the allowed pairs."""
    from mentormatch.pricing import StreamProblem, solve_streaming

    _class_limit(setup)
    left, right = setup.left, setup.right
    kernel = PairKernel(scorer, left.representative, right.representative, minimum)
    points: Callable[[int, int], np.ndarray] = kernel.block
    if adjust.prefer or adjust.favoured:
        points = _bonus_points(scorer, setup, adjust, kernel)
    n = len(scorer.receivers.people)
    problem = StreamProblem(
        left_size=left.size,
        right_supply=np.bincount(
            right.of[right.of >= 0], weights=setup.room[right.of >= 0], minlength=right.size.size
        ).astype(np.int64),
        right_members=right.size,
        left_key=left.key,
        right_key=right.key,
        objective=objective,
        max_pairs=min(n, int(scorer.givers.capacity.sum())),
        points=points,
    )
    say("Scoring pairs", 0, left.size.size)
    try:
        stream = solve_streaming(problem, say)
    except ScoresTooLarge:
        if not (adjust.prefer or adjust.favoured):
            raise
        raise _review_too_large(problem.max_pairs, bool(adjust.prefer), bool(adjust.favoured)) from None
    held, found = stream.problem, stream.found
    chosen_left, chosen_right = distribute(
        left.of,
        right.of,
        setup.left_order,
        setup.right_order,
        setup.room,
        held.arc_left,
        held.arc_right,
        found.flow,
    )
    pair_left = np.array([i for i, _j in setup.must] + chosen_left.tolist(), dtype=np.int64)
    pair_right = np.array([j for _i, j in setup.must] + chosen_right.tolist(), dtype=np.int64)
    order = np.lexsort((pair_right, pair_left))
    edges = scorer.edges(pair_left[order], pair_right[order], setup.must)
    allowed = stream.allowed + len(setup.must)
    solution = PairSolution(
        chosen=np.arange(edges.left.size, dtype=np.int64),
        coverage=int(edges.left.size),
        total_score=int(edges.score.sum()),
        optimal=True,
        status=(
            f"optimal, certified (min-cost flow over {left.size.size:,} x {right.size.size:,} classes"
            f" of interchangeable people, {stream.class_pairs:,} allowed class pairs standing for all"
            f" {allowed:,} allowed pairs; {found.rounds} solves over the class pairs held, at most"
            f" {found.held:,}; flow and potentials checked over the held class pairs, and every other"
            f" class pair's reduced cost in the last of {stream.passes} passes over them all{_ties(stream)})"
        ),
        gap=None,
        solver=FLOW_LABEL,
        method="min-cost flow over classes",
        seconds=stream.seconds,
        objective_text=objective_text(objective, stream.tie is not None and stream.tie.complete),
        ranks=found.ranks,
    )
    return edges, solution, allowed


def _review_too_large(pairs: int, prefer: bool, favoured: bool) -> SolverError:
    """The refusal when the review's bonuses (not the rule file's scores) leave no exact room."""
    what = " and ".join(
        [
            *(["pairs to keep if possible"] if prefer else []),
            *(["people favoured from an earlier round"] if favoured else []),
        ]
    )
    hint = "Split the cohort (by organisation or region) and match each part"
    if favoured:
        hint = "Run this round without favour_unmatched= / --favour-unmatched, or split the cohort"
    return SolverError(
        f"This round's priorities ({what}) each outrank every score, and with up to {pairs:,} pairs"
        " their weights are too large to add up exactly.",
        hint=hint + ".",
    )


def _ties(stream: StreamFlow) -> str:
    """The status's word on exact ties: nothing when they were settled (canonical.py)."""
    return "" if stream.tie is not None and stream.tie.complete else UNSETTLED


def _bonus_points(
    scorer: Scorer, setup: _Setup, adjust: Adjustments, kernel: PairKernel
) -> Callable[[int, int], np.ndarray]:
    """The kernel's points with the review's bonuses added as _with_bonuses adds them (people
    with a bonus are classes of one: their class's representative is them)."""
    left = setup.left
    blocks = [(a, min(a + 256, left.size.size)) for a in range(0, left.size.size, 256)]
    top = max((int(kernel.block(a, b).max(initial=-1)) for a, b in blocks), default=-1)
    bonus = _class_bonus(scorer, setup, adjust, top)
    columns = np.arange(setup.right.size.size)

    def points(a: int, b: int) -> np.ndarray:
        base = kernel.block(a, b)
        out = base.astype(np.int64) + bonus(np.arange(a, b)[:, None], columns[None, :])
        out[base < 0] = -1
        return out

    return points


def _class_bonus(
    scorer: Scorer, setup: _Setup, adjust: Adjustments, top: int
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The review's bonus points of class pairs (left classes, right classes; broadcast), steps
    from ``top``, the highest score of a class pair: the flow route's scores, which the LP
    route's canonical step uses too (so both weigh with the same R)."""
    left, right = setup.left, setup.right
    pairs = min(len(scorer.receivers.people), int(scorer.givers.capacity.sum()))
    step = pairs * max(top, 0) + 1
    fav_left = np.array([a.email in adjust.favoured for a in scorer.receivers.people], dtype=bool)[
        left.representative
    ]
    fav_right = np.array([a.email in adjust.favoured for a in scorer.givers.people], dtype=bool)[
        right.representative
    ]
    favour_step = step if adjust.favoured else 0
    prefer_step = step * (pairs + 1) if adjust.favoured else step
    width = max(right.size.size, 1)
    prefer = np.array(
        sorted(
            int(left.of[i]) * width + int(right.of[j])
            for i, j in scorer.index_of(adjust.prefer)
            if left.of[i] >= 0 and right.of[j] >= 0
        ),
        dtype=np.int64,
    )

    def bonus(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        out = favour_step * (fav_left[rows] | fav_right[columns]).astype(np.int64)
        if prefer.size:
            out = out + prefer_step * np.isin(rows * width + columns, prefer).astype(np.int64)
        return out

    return bonus


def _canonical(
    scorer: Scorer,
    setup: _Setup,
    candidates: Candidates,
    pairs: PairProblem,
    adjust: Adjustments,
    solution: PairSolution,
) -> PairSolution:
    """An optimal LP pairing as the flow route gives it: its class flow with the flow route's
    scores (the review's bonuses as _bonus_points adds them) and R, certified by our own
    potentials (re-weighed first if the LP had room for a smaller R only: canonical.retie),
    moved to the canonical optimum (canonical.py), then named by flow.distribute."""
    from mentormatch.canonical import canonical_of, retie
    from mentormatch.flow import ClassProblem, largest_weight, tie_ranks

    free = ~candidates.must
    lc, rc = setup.left.of[candidates.left], setup.right.of[candidates.right]
    free &= (lc >= 0) & (rc >= 0)
    width = max(setup.right.size.size, 1)
    codes, first = np.unique(lc[free] * width + rc[free], return_index=True)
    arc_left, arc_right = codes // width, codes % width
    chosen = solution.chosen[~candidates.must[solution.chosen]]
    used = setup.left.of[candidates.left[chosen]] * width + setup.right.of[candidates.right[chosen]]
    flow = np.bincount(np.searchsorted(codes, used), minlength=codes.size).astype(np.int64)
    problem = ClassProblem(
        left_size=setup.left.size,
        right_supply=np.bincount(
            setup.right.of[setup.right.of >= 0],
            weights=setup.room[setup.right.of >= 0],
            minlength=setup.right.size.size,
        ).astype(np.int64),
        arc_left=arc_left,
        arc_right=arc_right,
        arc_score=_flow_scores(scorer, setup, adjust, candidates.score[np.flatnonzero(free)[first]], codes),
        arc_key=pair_key(setup.left.key[arc_left], setup.right.key[arc_right]).astype(np.uint64),
        objective=pairs.objective,
        max_pairs=min(pairs.n_left, int(np.asarray(pairs.right_capacity).sum())),  # P, as solve.py's
    )
    top = int(problem.arc_score.max(initial=0))
    most = max(problem.max_pairs, 1)
    largest = largest_weight(most, 2 + setup.left.size.size + setup.right.size.size)
    ranks = tie_ranks(top, most, largest)  # as pricing.solve_streaming's
    unsettled = replace(  # said as the flow route says it
        solution, status=solution.status + UNSETTLED, objective_text=objective_text(pairs.objective, False)
    )
    if max(top, 1) * (most * ranks + 1) + ranks > largest:  # the flow route refuses such scores
        return unsettled
    if ranks != solution.ranks:
        flow = retie(problem, flow, ranks)
    tie = canonical_of(problem, flow, ranks)
    new_left, new_right = distribute(
        setup.left.of,
        setup.right.of,
        setup.left_order,
        setup.right_order,
        setup.room,
        arc_left,
        arc_right,
        tie.flow,
    )
    m = max(int(setup.room.size), 1)
    all_codes = candidates.left * m + candidates.right
    order = np.argsort(all_codes, kind="stable")
    where = order[np.searchsorted(all_codes[order], new_left * m + new_right)]
    picked = np.sort(np.concatenate([solution.chosen[candidates.must[solution.chosen]], where]))
    if not tie.complete:
        return replace(unsettled, chosen=picked)
    return replace(solution, chosen=picked, objective_text=objective_text(pairs.objective, True))


def _flow_scores(
    scorer: Scorer, setup: _Setup, adjust: Adjustments, plain: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """The flow route's points of class pairs (``codes``: left class * right classes + right
    class; every allowed pair of the pool): their plain points with the review's bonuses."""
    if not (adjust.prefer or adjust.favoured):
        return plain
    width = max(setup.right.size.size, 1)
    bonus = _class_bonus(scorer, setup, adjust, int(plain.max(initial=-1)))
    return plain + bonus(codes // width, codes % width)


def _order(applicant: Applicant) -> tuple[str, int]:
    return (applicant.email or "", applicant.row)


def _kept_pairs(scorer: Scorer, adjust: Adjustments) -> list[tuple[int, int]]:
    """Pairs the coordinator kept (or that a withdrawal leaves alone), as indexes; both must
    still be eligible and the pair still allowed by the hard rules."""
    found = scorer.index_of(adjust.must)
    if len(found) < len(adjust.must):
        present = {a.email for a in (*scorer.receivers.people, *scorer.givers.people)}
        gone = sorted({e for pair in adjust.must for e in pair if e not in present})
        raise InfeasibleError(
            f"kept pairs name people who are no longer eligible: {', '.join(gone)}",
            "mark those pairs 'reject' in the Decision column, or list the people with --withdraw",
        )
    for i, j in found:
        blocked = [r for r in scorer.hard_rules if not r.allowed(np.array([i]), np.array([j]))[0]]
        if blocked:
            a, b = scorer.receivers.people[i].email, scorer.givers.people[j].email
            raise InfeasibleError(
                f"the kept pair {a} + {b} now breaks the hard rule '{blocked[0].code}'",
                "mark it 'reject', or change the rule file back",
            )
    return found


def _with_bonuses(scorer: Scorer, candidates: Candidates, adjust: Adjustments) -> np.ndarray:
    """Scores for the solver: earlier pairs kept, then favoured people, outrank any score gain.

    With P the most pairs possible and S the largest pair score, a bonus of P*S + 1 per edge
    is worth more than every score difference together, so it acts lexicographically.
    """
    score = candidates.score.copy()
    if not (adjust.prefer or adjust.favoured) or score.size == 0:
        return score
    pairs = min(len(scorer.receivers.people), int(scorer.givers.capacity.sum()))
    step = pairs * int(score.max()) + 1
    if adjust.favoured:
        fav_r = np.array([a.email in adjust.favoured for a in scorer.receivers.people], dtype=bool)
        fav_g = np.array([a.email in adjust.favoured for a in scorer.givers.people], dtype=bool)
        score += step * (fav_r[candidates.left] | fav_g[candidates.right]).astype(np.int64)
        step *= pairs + 1
    if adjust.prefer:
        prefer = scorer.index_of(adjust.prefer)
        codes = {i * max(1, len(scorer.givers.people)) + j for i, j in prefer}
        edge_codes = candidates.left * max(1, len(scorer.givers.people)) + candidates.right
        score += step * np.isin(edge_codes, list(codes)).astype(np.int64)
    return score


def _changes(pairs: Sequence[Pair], adjust: Adjustments) -> tuple[str, ...]:
    """What a re-run changed compared with the pairs it was given."""
    before = adjust.previous
    if not before:
        return ()
    now = {(p.receiver.email, p.giver.email) for p in pairs}
    kept = now & before
    new = sorted(now - before)
    dropped = sorted(before - now)
    lines = [f"{len(kept)} pairs unchanged, {len(new)} new, {len(dropped)} no longer paired"]
    lines += [f"new: {a} + {b}" for a, b in new]
    lines += [f"ended: {a} + {b}" for a, b in dropped]
    return tuple(lines)


def _must_pairs(rules: Rules, scorer: Scorer) -> list[tuple[int, int]]:
    spec = rules.spec.matching
    assert spec is not None
    by_r = {a.email: n for n, a in enumerate(scorer.receivers.people)}
    by_g = {a.email: n for n, a in enumerate(scorer.givers.people)}
    out = []
    for n, (a, b) in enumerate(spec.must):
        a, b = a.strip().lower(), b.strip().lower()
        i, j = (by_r.get(a), by_g.get(b)) if a in by_r else (by_r.get(b), by_g.get(a))
        if i is None or j is None:
            missing = a if a not in by_r and a not in by_g else b
            raise InfeasibleError(
                f"{rules.path}: matching.must[{n}]: {missing} is not an eligible applicant, so the pair"
                " cannot be made",
                "check the email, or remove the pair from matching.must",
            )
        allowed = scorer.blocking_rules(i)
        blocked = [rule for rule, _count in allowed if not rule.allowed(np.array([i]), np.array([j]))[0]]
        if blocked:
            raise InfeasibleError(
                f"{rules.path}: matching.must[{n}]: the pair {a} + {b} breaks the hard rule"
                f" '{blocked[0].code}', so it cannot be made",
                "remove the pair from matching.must, or relax that rule",
            )
        out.append((i, j))
    return out


def _name_conflicts(
    exc: PairingInfeasibleError, receivers: Sequence[Applicant], givers: Sequence[Applicant], rules: Rules
) -> str:
    names = []
    for side, index in exc.conflicts:
        person = receivers[index] if side == "left" else givers[index]
        names.append(person.email or f"row {person.row}")
    who = f" ({', '.join(names)})" if names else ""
    return f"{rules.path}: matching.must and matching.capacity conflict{who}: {exc.message}"

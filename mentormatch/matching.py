"""Pair the eligible receivers and givers: candidates, the solve, and an explanation of each outcome."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.assignment import DensePairs, dense_bytes, solve_dense_pairs
from mentormatch.errors import InfeasibleError, RulesError
from mentormatch.normalise import BANDS, band_label, key
from mentormatch.progress import Progress, counted, silent
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules
from mentormatch.scoring import SCORE_SCALE, Candidates, Scorer, km_text, part_label
from mentormatch.solve import (
    EdgeWeights,
    Objective,
    PairBounds,
    PairingInfeasibleError,
    PairProblem,
    PairSolution,
    available_solvers,
    solve_pairs,
    solve_pairs_certified,
)

CERTIFY_MIN_PAIRS = 50_000  # above this many receiver x giver pairs: best candidates + pricing
CERTIFY_TOP_K = 5  # each person's best partners kept as candidates on that path
ASSIGN_MIN_PAIRS = 250_000  # from this many pairs, a plain pairing is solved as an assignment
ASSIGN_MAX_BYTES = 1_536 * 2**20  # ... if its dense receivers x places matrix fits in this


@dataclass(frozen=True)
class PartValue:
    """One named part of a pair's score: its value in [0, 1], points earned, and the reason."""

    label: str
    value: float
    points: float
    text: str


@dataclass(frozen=True)
class Pair:
    """A chosen pair with its score broken into parts."""

    receiver: Applicant
    giver: Applicant
    score: float
    parts: tuple[PartValue, ...]
    why: str


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
    certify = (
        len(receivers) * len(givers) > CERTIFY_MIN_PAIRS
        and solver.lower() != "cbc"
        and "highs" in available_solvers()
    )
    dense = None
    try:
        if _assignment_fits(scorer, adjust, solver):
            dense = _solve_assignment(scorer, sorted(set(must)), minimum, objective, say)
        if dense is not None:
            candidates, solution, considered = dense
        elif certify:
            candidates, solution = _solve_certified(
                scorer, sorted(set(must)), minimum, adjust, objective, solver, time_limit, say
            )
        else:
            candidates = scorer.candidates(sorted(set(must)), minimum)
            problem = PairProblem(
                n_left=len(receivers),
                n_right=len(givers),
                left=candidates.left,
                right=candidates.right,
                score=_with_bonuses(scorer, candidates, adjust),
                right_capacity=scorer.givers.capacity,
                must=candidates.must,
                tiebreak=candidates.tiebreak,
                objective=objective,
            )
            say(f"Solving ({len(candidates.left):,} allowed pairs)")
            solution = solve_pairs(problem, solver=solver, time_limit=time_limit)
        if dense is None:
            considered = len(candidates.left)
    except PairingInfeasibleError as exc:
        raise InfeasibleError(_name_conflicts(exc, receivers, givers, rules), exc.hint) from None
    chosen = solution.chosen
    found = list(zip(candidates.left[chosen].tolist(), candidates.right[chosen].tolist(), strict=True))
    pairs = tuple(explain_pair(scorer, i, j) for i, j in counted(found, "Explaining the pairs", say))
    unmatched = _unmatched(scorer, candidates, chosen, rules, say)
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


def _assignment_fits(scorer: Scorer, adjust: Adjustments, solver: str) -> bool:
    """A large pairing with nothing beyond the pairing rules and 'must' pairs (no review
    bonuses), whose dense matrix fits ASSIGN_MAX_BYTES, and the solver left to us."""
    n, m = len(scorer.receivers.people), len(scorer.givers.people)
    return (
        solver.lower() == "auto"
        and n * m >= ASSIGN_MIN_PAIRS
        and not (adjust.prefer or adjust.favoured)
        and dense_bytes(n, scorer.givers.capacity) <= ASSIGN_MAX_BYTES
    )


def _solve_assignment(
    scorer: Scorer,
    must: list[tuple[int, int]],
    minimum: float | None,
    objective: Objective,
    say: Progress,
) -> tuple[Candidates, PairSolution, int] | None:
    """Large plain pairings: every pair at once, solved exactly as an assignment problem
    (assignment.py). Returns the chosen pairs as candidates, the solution and the allowed pairs
    considered; None when the weights are too large for it (then column generation runs)."""
    n, m = len(scorer.receivers.people), len(scorer.givers.people)
    columns = np.arange(m)
    problem = DensePairs(
        n_left=n,
        n_right=m,
        capacity=scorer.givers.capacity,
        points=lambda rows: scorer.points(rows, columns, minimum),
        pair_points=lambda left, right: scorer.edges(left, right).score,
        must_left=np.array([i for i, _j in must], dtype=np.int64),
        must_right=np.array([j for _i, j in must], dtype=np.int64),
        objective=objective,
    )
    found = solve_dense_pairs(problem, say)
    if found is None:
        return None
    edges = scorer.edges(found.left, found.right, must)
    return edges, found.solution, found.allowed


def _solve_certified(
    scorer: Scorer,
    must: list[tuple[int, int]],
    minimum: float | None,
    adjust: Adjustments,
    objective: Objective,
    solver: str,
    time_limit: float | None,
    say: Progress,
) -> tuple[Candidates, PairSolution]:
    """Large cohorts: each person's best CERTIFY_TOP_K partners as candidates, then column
    generation prices every other allowed pair in as needed (solve.solve_pairs_certified).

    Returns the final edge set (the candidates and every pair added) and the solution over it.
    """
    found = scorer.candidates(must, minimum, top_k=CERTIFY_TOP_K)
    summary = found.allowed
    assert summary is not None
    bonus, bonus_max = _review_bonus(scorer, found, adjust)
    problem = PairProblem(
        n_left=len(scorer.receivers.people),
        n_right=len(scorer.givers.people),
        left=found.left,
        right=found.right,
        score=_with_bonuses(scorer, found, adjust),
        right_capacity=scorer.givers.capacity,
        must=found.must,
        tiebreak=found.tiebreak,
        objective=objective,
    )
    # The same bounds a dense solve of every allowed pair would take from its edges (so the
    # same weights and the same pairs), widened by the review's bonus points when there are any.
    givers_room = int(np.minimum(summary.right_degree, scorer.givers.capacity).sum())
    bounds = PairBounds(
        allowed=summary.count,
        max_pairs=min(int(np.count_nonzero(summary.left_degree)), givers_room),
        low=summary.low,
        high=summary.high + bonus_max,
    )

    def price(
        weight: EdgeWeights,
        dual_left: np.ndarray,
        dual_right: np.ndarray,
        offset: float,
        present: np.ndarray,
        tolerance: float,
        limit: int,
    ) -> Candidates:
        a, b, spread = weight.linear_bound
        new = scorer.price(
            weight,
            dual_left,
            dual_right,
            offset,
            present,
            tolerance,
            limit,
            allowed=summary,
            bound=(a, b + a * bonus_max, spread + a * bonus_max),
            extra=bonus,
        )
        if bonus is None:
            return new
        return Candidates(new.left, new.right, new.score + bonus(new.left, new.right), new.tiebreak, new.must)

    say(f"Solving ({len(found.left):,} candidate pairs; the other allowed pairs are priced)")
    solution, final = solve_pairs_certified(problem, price, bounds, solver=solver, time_limit=time_limit)
    edges = Candidates(
        final.left,
        final.right,
        np.asarray(final.score),
        np.asarray(final.tiebreak),
        np.asarray(final.must, dtype=bool),
    )
    return edges, solution


def _review_bonus(
    scorer: Scorer, found: Candidates, adjust: Adjustments
) -> tuple[Callable[[np.ndarray, np.ndarray], np.ndarray] | None, int]:
    """The review's bonus points for any (receiver, giver) pairs, and an upper bound on them.

    Exactly what _with_bonuses adds: it scales its steps by the highest candidate score, which
    the best candidates share with all allowed pairs (everyone's best partner is a candidate),
    so it is applied to pairs given that score. None when the review favours nothing.
    """
    if not (adjust.prefer or adjust.favoured) or found.score.size == 0:
        return None, 0
    top = int(found.score.max())

    def bonus(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        size = np.asarray(left).size
        probe = Candidates(
            np.asarray(left),
            np.asarray(right),
            np.full(size, top, dtype=np.int64),
            np.zeros(size, dtype=np.int64),
            np.zeros(size, dtype=bool),
        )
        return _with_bonuses(scorer, probe, adjust) - top

    # Each bonus is a favoured step plus a preferred step; a probe of each kind is at least its
    # step, so twice the larger probe bounds every bonus.
    probes = scorer.index_of(adjust.prefer)
    fav_r = [n for n, a in enumerate(scorer.receivers.people) if a.email in adjust.favoured][:1]
    fav_g = [n for n, a in enumerate(scorer.givers.people) if a.email in adjust.favoured][:1]
    probes += [(i, 0) for i in fav_r if len(scorer.givers.people)]
    probes += [(0, j) for j in fav_g if len(scorer.receivers.people)]
    if not probes:
        return None, 0
    values = bonus(np.array([i for i, _ in probes]), np.array([j for _, j in probes]))
    return bonus, 2 * int(values.max(initial=0))


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


# --- explanations -------------------------------------------------------------------------------


def explain_pair(scorer: Scorer, i: int, j: int) -> Pair:
    """The pair (receiver i, giver j) with its score broken into named parts."""
    spec = scorer.spec
    receiver, giver = scorer.receivers.people[i], scorer.givers.people[j]
    parts = []
    ii, jj = np.array([i]), np.array([j])
    for index, part in enumerate(spec.score):
        value = float(scorer.part_values(index, ii, jj)[0])
        parts.append(
            PartValue(part_label(part), value, part.weight * value, _part_text(scorer, index, i, j, value))
        )
    total = float(np.rint(sum(p.points for p in parts) * SCORE_SCALE) / SCORE_SCALE)
    why = "; ".join(f"{p.text} (+{_points(p.points)})" for p in parts if p.text)
    return Pair(receiver, giver, total, tuple(parts), why)


def _points(points: float) -> str:
    return f"{points:.1f}".removesuffix(".0")


def _part_text(scorer: Scorer, index: int, i: int, j: int, value: float) -> str:
    part = scorer.spec.score[index]
    receiver, giver = scorer.receivers.people[i], scorer.givers.people[j]
    rules = scorer.rules
    r_label = _role_word(rules, scorer.spec.receiver)
    g_label = _role_word(rules, scorer.spec.giver)
    if part.part == "goals":
        assert part.field is not None
        offers = part.offer_field or part.field
        text = _goal_text(receiver, giver, part.field, offers, "supports")
        if part.both_ways:
            back = _goal_text(giver, receiver, part.field, offers, "gets support for")
            text = f"{text}; {back}"
        return text
    if part.part == "band_gap":
        band_r, band_g = receiver.value(scorer.spec.band_field), giver.value(scorer.spec.band_field)
        if band_r is None or band_g is None:
            return "band not known"
        gap = BANDS.index(band_g) - BANDS.index(band_r)
        return f"{g_label} {band_label(band_g)}, {r_label} {band_label(band_r)} ({gap} above)"
    if part.part == "priority":
        return f"{part_label(part)}" if value > 0 else ""
    if part.part in {"same", "different"}:
        assert part.field is not None
        a, b = receiver.value(part.field), giver.value(part.field)
        if value > 0:
            return f"{part.field.replace('_', ' ')}: {a} / {b}" if part.part == "different" else f"both {a}"
        return ""
    if part.part == "distance":
        km = float(scorer.km(np.array([i]), np.array([j]))[0])
        places = f"{receiver.value(scorer.spec.place_field)} / {giver.value(scorer.spec.place_field)}"
        return f"{km_text(km)} apart ({places})"
    return ""  # pragma: no cover


def _goal_text(wanting: Applicant, offering: Applicant, field: str, offer_field: str, verb: str) -> str:
    wanted = wanting.value(field) or ()
    offered = {key(x) for x in (offering.value(offer_field) or ())}
    hits = [g for g in wanted if key(g) in offered]
    if not wanted:
        return "no goals given"
    listed = f": {', '.join(hits)}" if hits else ""
    return f"{verb} {len(hits)} of {len(wanted)} goals{listed}"


def _role_word(rules: Rules, role: str) -> str:
    return (rules.spec.roles[role].label or role).lower()


def _unmatched(
    scorer: Scorer, candidates: Candidates, chosen: np.ndarray, rules: Rules, say: Progress = silent
) -> tuple[Unmatched, ...]:
    spec = scorer.spec
    left, right = candidates.left[chosen], candidates.right[chosen]
    taken_r = set(left.tolist())
    used = np.bincount(right, minlength=len(scorer.givers.people))
    waiting = [("r", i) for i in range(len(scorer.receivers.people)) if i not in taken_r]
    waiting += [("g", j) for j in np.flatnonzero(used == 0).tolist()]
    out = []
    for side, n in counted(waiting, "Explaining who is unmatched", say):
        if side == "r":
            reason = diagnose_receiver(scorer, n, used)
            out.append(Unmatched(scorer.receivers.people[n], spec.receiver, reason))
        else:
            out.append(Unmatched(scorer.givers.people[n], spec.giver, diagnose_giver(scorer, n, taken_r)))
    return tuple(out)


def diagnose_receiver(scorer: Scorer, i: int, used: np.ndarray) -> str:
    """Why receiver i has no partner: what each hard rule ruled out, and the smallest change."""
    spec, rules = scorer.spec, scorer.rules
    word = _role_word(rules, spec.giver)
    total = len(scorer.givers.people)
    if total == 0:
        return f"No eligible {word}s applied."
    counts = scorer.blocking_rules(i)
    j = np.arange(total)
    allowed = scorer.allowed(np.full(total, i), j)
    parts = [f"{c} {rule.description}" for rule, c in counts if c]
    head = f"Of {total} eligible {word}s: " + (", ".join(parts) if parts else "none ruled out by the rules")
    if allowed.any():
        scores = scorer.scores(np.full(total, i), j)
        if spec.objective == "best-pairs":
            good = allowed & (scores >= spec.minimum_score - 1e-9)
            if not good.any():
                return f"{head}; no allowed pair reaches the minimum score of {spec.minimum_score:g}."
            allowed = good
        n = int(allowed.sum())
        best = int(np.argmax(np.where(allowed, scores, -np.inf)))
        who = scorer.givers.people[best]
        return (
            f"{head}; the other {n} {'was' if n == 1 else 'were'} at capacity with pairs the objective"
            f" ranked higher. Smallest change: one more place for {who.name or who.email} ({who.email}),"
            f" a pair scoring {scores[best]:.0f}."
        )
    return f"{head}; so no {word} could be paired with them. {_smallest_relaxation(scorer, i)}"


def _smallest_relaxation(scorer: Scorer, i: int) -> str:
    """The single hard rule whose relaxation would open the most partners for receiver i."""
    total = len(scorer.givers.people)
    j = np.arange(total)
    masks = [(rule, rule.allowed(np.full(total, i), j)) for rule in scorer.hard_rules]
    best_rule, best_count = None, 0
    for n, (rule, _mask) in enumerate(masks):
        if rule.code == "same-person":
            continue
        others = np.ones(total, dtype=bool)
        for m, (_other, mask) in enumerate(masks):
            if m != n:
                others &= mask
        count = int(others.sum())
        if count > best_count:
            best_rule, best_count = rule, count
    if best_rule is None:
        return "Smallest change: no single rule blocks them; two or more rules would need relaxing."
    word = _role_word(scorer.rules, scorer.spec.giver)
    return f"Smallest change: relaxing '{best_rule.code}' would allow {best_count} {word}(s)."


def diagnose_giver(scorer: Scorer, j: int, taken: set[int]) -> str:
    """Why giver j has nobody: what each hard rule ruled out among the receivers."""
    spec = scorer.spec
    word = _role_word(scorer.rules, spec.receiver)
    total = len(scorer.receivers.people)
    if int(scorer.givers.capacity[j]) == 0:
        return "Offered no places (capacity 0)."
    if total == 0:
        return f"No eligible {word}s applied."
    counts = scorer.giver_blocking_rules(j)
    parts = [f"{c} {rule.giver_description or 'ruled out by ' + repr(rule.code)}" for rule, c in counts if c]
    allowed = scorer.allowed(np.arange(total), np.full(total, j))
    n = int(allowed.sum())
    head = f"Of {total} eligible {word}s: " + (", ".join(parts) if parts else "none ruled out by the rules")
    if n == 0:
        return f"{head}; so no {word} could be paired with them."
    verb = "was" if n == 1 else "were"
    return f"{head}; the other {n} {verb} paired with partners the objective ranked higher."

"""Pair the eligible receivers and givers: candidates, the solve, and an explanation of each outcome."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.errors import InfeasibleError, RulesError
from mentormatch.normalise import BANDS, band_label, key
from mentormatch.rulefile import Rules
from mentormatch.scoring import SCORE_SCALE, HardRule, Scorer, km_text, part_label
from mentormatch.solve import PairingInfeasibleError, PairProblem, PairSolution, solve_pairs


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


def match_pairs(
    rules: Rules,
    receivers: Sequence[Applicant],
    givers: Sequence[Applicant],
    *,
    solver: str = "auto",
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Matching:
    """Solve the pairing for eligible receivers and givers under the rule file's matching rules."""
    say = progress or (lambda _message: None)
    spec = rules.spec.matching
    if spec is None:
        raise RulesError(f"{rules.path}: has no 'matching' section, so nobody can be paired")
    receivers = sorted(receivers, key=lambda a: (a.email or "", a.row))
    givers = sorted(givers, key=lambda a: (a.email or "", a.row))
    say("Scoring pairs")
    scorer = Scorer(rules, receivers, givers)
    must = _must_pairs(rules, scorer)
    minimum = spec.minimum_score if spec.objective == "best-pairs" else None
    candidates = scorer.candidates(must, minimum)
    problem = PairProblem(
        n_left=len(receivers),
        n_right=len(givers),
        left=candidates.left,
        right=candidates.right,
        score=candidates.score,
        right_capacity=scorer.givers.capacity,
        must=candidates.must,
        tiebreak=candidates.tiebreak,
        objective="score" if spec.objective == "best-pairs" else "coverage-then-score",
    )
    say(f"Solving ({len(candidates.left):,} allowed pairs)")
    try:
        solution = solve_pairs(problem, solver=solver, time_limit=time_limit)
    except PairingInfeasibleError as exc:
        raise InfeasibleError(_name_conflicts(exc, receivers, givers, rules), exc.hint) from None
    say("Explaining the pairs")
    chosen = solution.chosen
    pairs = tuple(
        explain_pair(scorer, int(i), int(j))
        for i, j in zip(candidates.left[chosen], candidates.right[chosen], strict=True)
    )
    unmatched = _unmatched(scorer, candidates.left[chosen], candidates.right[chosen], rules)
    return Matching(
        pairs=pairs,
        unmatched=unmatched,
        solution=solution,
        receivers=len(receivers),
        givers=len(givers),
        places=int(scorer.givers.capacity.sum()),
        candidate_pairs=len(candidates.left),
    )


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
    why = "; ".join(p.text for p in parts if p.text)
    return Pair(receiver, giver, total, tuple(parts), why)


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


def _unmatched(scorer: Scorer, left: np.ndarray, right: np.ndarray, rules: Rules) -> tuple[Unmatched, ...]:
    spec = scorer.spec
    taken_r = set(left.tolist())
    used: defaultdict[int, int] = defaultdict(int)
    for j in right.tolist():
        used[j] += 1
    g_word = _role_word(rules, spec.giver)
    r_word = _role_word(rules, spec.receiver)
    out = []
    for i, person in enumerate(scorer.receivers.people):
        if i in taken_r:
            continue
        out.append(
            Unmatched(
                person,
                spec.receiver,
                _why_nobody(scorer.blocking_rules(i), len(scorer.givers.people), g_word),
            )
        )
    for j, person in enumerate(scorer.givers.people):
        capacity = int(scorer.givers.capacity[j])
        if used[j] > 0:
            continue
        if capacity == 0:
            out.append(Unmatched(person, spec.giver, "Offered no places (capacity 0)."))
            continue
        out.append(
            Unmatched(
                person,
                spec.giver,
                _why_nobody(scorer.giver_blocking_rules(j), len(scorer.receivers.people), r_word),
            )
        )
    return tuple(out)


def _why_nobody(counts: list[tuple[HardRule, int]], total: int, word: str) -> str:
    ruled_out = sum(c for _rule, c in counts)
    parts = [f"{c} {rule.description}" for rule, c in counts if c]
    possible = total - ruled_out
    plural = f"{word}s"
    if total == 0:
        return f"No eligible {plural} applied."
    head = f"Of {total} eligible {plural}: " + (", ".join(parts) if parts else "none ruled out by the rules")
    if possible == 0:
        return f"{head}; so no {word} could be paired with them."
    return (
        f"{head}; the other {possible} {'was' if possible == 1 else 'were'} all paired with people"
        " the objective ranked first (more pairs, then higher scores)."
    )

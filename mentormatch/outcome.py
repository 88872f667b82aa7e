"""What one run found, once: the Summary sheet, the Overview page, the terminal counts and --json
are all drawn from one Outcome, so they can never disagree."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from mentormatch import __version__
from mentormatch.applicants import Applicant
from mentormatch.eligibility import Checked
from mentormatch.pairsbook import INPUT_FILE_PREFIX, INPUT_SHA256_PREFIX
from mentormatch.problems import REVIEW
from mentormatch.report import display_value, role_label
from mentormatch.rulefile import Rules
from mentormatch.schema import MatchingSpec
from mentormatch.scoring import part_label
from mentormatch.workbook import Figure, Formatted, Page, Sheet

if TYPE_CHECKING:
    from mentormatch.grouping import Grouping
    from mentormatch.matching import Matching, Pair

JSON_SCHEMA = 1  # raised whenever a key of outcome_json changes meaning or goes away
TOP_ORGANISATIONS = 10  # organisations charted by name; the rest are added up as one bar
SCORE_BANDS = 5  # the score distribution's bars, each a fifth of the maximum


@dataclass(frozen=True)
class RoleOutcome:
    """One role's counts: eligible, paired (or placed in a group) and left unmatched."""

    role: str  # as the rule file names it: "mentee", "mentor"
    label: str  # as people read it: "Mentee"
    eligible: int
    paired: int | None = None
    unmatched: int | None = None
    places: int | None = None  # places offered, for the role that gives them


@dataclass(frozen=True)
class ScorePartOutcome:
    part: str
    label: str
    weight: float


@dataclass(frozen=True)
class SolverOutcome:
    optimal: bool
    status: str
    solver: str
    method: str | None
    seconds: float
    objective: str
    allowed_pairs: int | None = None


@dataclass(frozen=True)
class InputFile:
    """A file the run read, by name only (a local path would travel with every emailed copy)."""

    file: str
    sha256: str
    role: str | None = None  # None: the file holds every role


@dataclass(frozen=True)
class Outcome:
    """Counts and facts of one validate or match run."""

    command: str  # "validate" or "match"
    programme: str
    run_at: datetime
    rows_read: int
    roles: tuple[RoleOutcome, ...]
    rejected: int  # applications rejected by a rule (one may break several rules)
    held_for_review: int  # applications held for review (no rule failed), not among the rejected
    rejected_by_rule: tuple[tuple[str, int], ...]  # most often broken first
    rule_file: InputFile
    inputs: tuple[InputFile, ...]
    mode: str | None = None  # "pairs" or "groups" for match
    pairs: int | None = None
    groups: int | None = None
    receiver: str | None = None  # the role that is paired (mentee) and the one that gives (mentor)
    giver: str | None = None
    scores: tuple[float, ...] = ()  # every pair's shown score
    score_maximum: float | None = None
    score_parts: tuple[ScorePartOutcome, ...] = ()
    solver: SolverOutcome | None = None
    by_organisation: tuple[tuple[str, int, int], ...] = ()  # (organisation, paired, unmatched)
    organisation_label: str = "Organisation"
    notes: tuple[tuple[str, Any], ...] = field(default_factory=tuple)  # extra Summary lines
    version: str = __version__

    def role(self, name: str | None) -> RoleOutcome | None:
        return next((r for r in self.roles if r.role == name), None)

    @property
    def coverage(self) -> float | None:
        """The share of eligible receivers (mentees, members) paired or placed."""
        receiver = self.role(self.receiver)
        if receiver is None or receiver.paired is None:
            return None
        return receiver.paired / receiver.eligible if receiver.eligible else 0.0


# --- building an Outcome ------------------------------------------------------------------------


def _files(rules: Rules, inputs: Sequence[InputFile]) -> dict[str, Any]:
    return {"rule_file": InputFile(rules.path.name, rules.sha256), "inputs": tuple(inputs)}


def _rejected(checked: Checked) -> tuple[tuple[str, int], ...]:
    counts = checked.rejected_per_rule()
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _read(checked: Checked, rules: Rules, inputs: Sequence[InputFile], run_at: datetime) -> dict[str, Any]:
    """What every outcome says of the run and its inputs: programme, time, files, and where each
    application went (eligible counts are per role; rejected by a rule; held for review)."""
    return {
        "programme": rules.spec.programme.name,
        "run_at": run_at,
        "rows_read": len(checked.applicants),
        "rejected": len(checked.rejected_by_a_rule),
        "held_for_review": len(checked.to_review),
        "rejected_by_rule": _rejected(checked),
        **_files(rules, inputs),
    }


def validation_outcome(
    checked: Checked,
    rules: Rules,
    inputs: Sequence[InputFile],
    run_at: datetime,
    notes: Sequence[tuple[str, Any]] = (),
) -> Outcome:
    roles = tuple(
        RoleOutcome(role, role_label(rules, role), len(checked.eligible_in(role)))
        for role in rules.spec.roles
    )
    return Outcome(
        command="validate",
        roles=roles,
        notes=tuple(notes),
        **_read(checked, rules, inputs, run_at),
    )


# The shown score: issue 15 defines which score parts a forwardable output may count (those that
# read no special category field). These two functions are the one place the Summary, the
# Overview and --json take it from.


def shown_score(pair: Pair) -> float:
    """The score a forwardable output shows for a pair: without the special category parts."""
    return float(pair.shown_score)


def shown_score_parts(rules: Rules) -> list[ScorePartOutcome]:
    """The score parts a forwardable output names, with what each is worth at most (never a
    part that reads special category data: scoring.special_parts)."""
    from mentormatch.scoring import shown_parts

    spec = rules.spec.matching
    parts = [spec.score[n] for n in shown_parts(rules)] if spec is not None else []
    return [ScorePartOutcome(p.part, part_label(p), float(p.weight)) for p in parts]


def match_outcome(
    checked: Checked,
    result: Matching | Grouping,
    rules: Rules,
    inputs: Sequence[InputFile],
    run_at: datetime,
    notes: Sequence[tuple[str, Any]] = (),
) -> Outcome:
    """What a match run found: its pairs (a Matching) or its groups (a Grouping)."""
    spec = rules.spec.matching
    assert spec is not None
    # Told apart by what they hold: importing grouping.py here would load the group solvers.
    if hasattr(result, "groups"):
        facts = _group_facts(cast("Grouping", result))
    else:
        facts = _pair_facts(rules, spec, cast("Matching", result))
    roles = (
        RoleOutcome(spec.receiver, role_label(rules, spec.receiver), *facts.receivers),
        RoleOutcome(spec.giver, role_label(rules, spec.giver), *facts.givers),
    )
    label, by_org = _by_organisation(rules, facts.placed, facts.left)
    return Outcome(
        command="match",
        roles=roles,
        receiver=spec.receiver,
        giver=spec.giver,
        solver=facts.solver,
        by_organisation=by_org,
        organisation_label=label,
        notes=(*facts.notes, *notes),
        **facts.specific,
        **_read(checked, rules, inputs, run_at),
    )


# A Grouping's outcome is match_outcome's: one function for both kinds of result.
group_outcome = match_outcome


@dataclass(frozen=True)
class _Facts:
    """What a pairing or a grouping tells its Outcome."""

    receivers: tuple[int, int, int]  # eligible, paired or placed, left unmatched
    givers: tuple[int, int, int, int | None]  # the same, then places offered (pairs only)
    solver: SolverOutcome
    placed: list[Applicant]
    left: list[Applicant]
    notes: tuple[tuple[str, Any], ...]
    specific: dict[str, Any]  # the Outcome fields only this kind of result has


def _pair_facts(rules: Rules, spec: MatchingSpec, matching: Matching) -> _Facts:
    waiting = Counter(u.role for u in matching.unmatched)
    receivers = len({id(p.receiver) for p in matching.pairs})
    givers = len({id(p.giver) for p in matching.pairs})
    s = matching.solution
    parts = shown_score_parts(rules)
    return _Facts(
        receivers=(matching.receivers, receivers, waiting[spec.receiver]),
        givers=(matching.givers, givers, waiting[spec.giver], matching.places),
        solver=SolverOutcome(
            s.optimal, s.status, s.solver, s.method, s.seconds, s.objective_text, matching.candidate_pairs
        ),
        placed=[p.receiver for p in matching.pairs] + _unique([p.giver for p in matching.pairs]),
        left=[u.applicant for u in matching.unmatched],
        notes=(),
        specific={
            "mode": "pairs",
            "pairs": len(matching.pairs),
            "scores": tuple(sorted(shown_score(p) for p in matching.pairs)),
            "score_maximum": sum(p.weight for p in parts) if parts else None,
            "score_parts": tuple(parts),
        },
    )


def _group_facts(grouping: Grouping) -> _Facts:
    members = sum(len(g.members) for g in grouping.groups)
    leaders = sum(len(g.leaders) for g in grouping.groups)
    s = grouping.solution
    return _Facts(
        receivers=(grouping.members, members, grouping.members - members),
        givers=(grouping.leaders, leaders, grouping.leaders - leaders, None),
        solver=SolverOutcome(s.optimal, s.status, s.solver, None, s.seconds, s.objective_text),
        placed=[p for g in grouping.groups for p in (*g.members, *g.leaders)],
        left=[p for p, _role, _reason in grouping.unplaced],
        notes=(("Flagged for review (soft preference)", len(grouping.flagged)),),
        specific={"mode": "groups", "groups": len(grouping.groups)},
    )


def _unique(people: Sequence[Applicant]) -> list[Applicant]:
    return list({id(p): p for p in people}.values())


def _short_name(organisation: str) -> str:
    """An organisation's name for a chart label: "NHS Foundation Trust" read as "NHS FT"."""
    text = " ".join(organisation.split())
    return text.replace("NHS Foundation Trust", "NHS FT").replace("Integrated Care Board", "ICB")


def _by_organisation(
    rules: Rules, paired: Sequence[Applicant], unmatched: Sequence[Applicant]
) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """(organisation, people paired, people unmatched), most people first; the smallest
    organisations beyond the first TOP_ORGANISATIONS - 1 are added up as one row."""
    name = rules.spec.organisations.field if rules.spec.organisations else "organisation"
    spec = rules.spec.fields.get(name)
    if spec is None or spec.special_category:
        return "Organisation", ()
    counts: dict[str, list[int]] = {}
    for column, people in ((0, paired), (1, unmatched)):
        for person in people:
            org = _short_name(str(display_value(person, rules, name) or "")) or "(not given)"
            counts.setdefault(org, [0, 0])[column] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0].casefold()))
    rows = [(org, a, b) for org, (a, b) in ordered]
    if len(rows) > TOP_ORGANISATIONS:
        rest = rows[TOP_ORGANISATIONS - 1 :]
        other = (f"{len(rest)} other organisations", sum(r[1] for r in rest), sum(r[2] for r in rest))
        rows = [*rows[: TOP_ORGANISATIONS - 1], other]
    label = spec.label or name.replace("_", " ")
    return label[:1].upper() + label[1:], tuple(rows)


# --- the Summary sheet -------------------------------------------------------------------------


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 2)


_Row = tuple[str, Any, str]  # Item, Value, Detail


def summary_rows(outcome: Outcome) -> list[_Row]:
    """(Item, Value, Detail): numbers as numbers, the run's date and time, files by name."""
    o = outcome
    rows: list[_Row] = [
        ("Programme", o.programme, ""),
        ("Run", Formatted(o.run_at.replace(tzinfo=None), "yyyy-mm-dd hh:mm"), "UK time"),
    ]
    rows += _count_rows(o)
    rows += _solver_rows(o)
    rows += _score_rows(o)
    rows += [(label, value, "") for label, value in o.notes]
    rows += _file_rows(o)
    return rows


def _count_rows(o: Outcome) -> list[_Row]:
    rows: list[_Row] = [("Rows read", o.rows_read, "every row of the export(s), each in exactly one sheet")]
    for role in o.roles:
        rows.append((f"Eligible {role.label.lower()}s", role.eligible, ""))
    giver, receiver = o.role(o.giver), o.role(o.receiver)
    if o.mode == "pairs" and giver is not None and receiver is not None:
        g, r = giver.label.lower(), receiver.label.lower()
        rows += [
            (f"{giver.label} places offered", giver.places, ""),
            ("Pairs", o.pairs, ""),
            (f"Matched {g}s", giver.paired, f"of {giver.eligible} eligible"),
            (f"Unmatched {r}s", receiver.unmatched, "the Unmatched sheet says why"),
            (f"Unmatched {g}s", giver.unmatched, "the Unmatched sheet says why"),
        ]
    if o.mode == "groups" and giver is not None and receiver is not None:
        rows += [
            ("Groups", o.groups, ""),
            (f"Placed {receiver.label.lower()}s", receiver.paired, f"of {receiver.eligible} eligible"),
            (f"Unplaced {receiver.label.lower()}s", receiver.unmatched, "the Unmatched sheet says why"),
            (f"{giver.label}s in a group", giver.paired, f"of {giver.eligible} eligible"),
        ]
    held = o.held_for_review
    rows.append(("Rejected", o.rejected, "the Rejected sheet gives each one's reason"))
    rows += [(f"Rejected: {rule}", n, "") for rule, n in sorted(o.rejected_by_rule) if rule not in REVIEW]
    why = "no rule failed; the To review sheet gives the question to decide for each" if held else ""
    rows.append(("To review", held, why))
    rows += [(f"To review: {rule}", n, "") for rule, n in sorted(o.rejected_by_rule) if rule in REVIEW]
    coverage = o.coverage
    if coverage is not None and receiver is not None:
        verb = "placed" if o.mode == "groups" else "paired"
        rows.append(
            (
                f"Coverage ({receiver.label.lower()}s {verb})",
                Formatted(coverage, "0%"),
                f"{receiver.paired} of {receiver.eligible} eligible {receiver.label.lower()}s",
            )
        )
    return rows


def _solver_rows(o: Outcome) -> list[_Row]:
    rows: list[_Row] = []
    if o.solver is not None:
        s = o.solver
        rows += [
            ("Objective", s.objective, ""),
            ("Optimal", "yes (proven)" if s.optimal else "NO: not proven optimal", ""),
            ("Solver status", s.status, ""),
            ("Solver", f"{s.solver}, {s.method}" if s.method else s.solver, ""),
            ("Solve time (s)", Formatted(round(s.seconds, 2), "0.00"), "seconds"),
        ]
        if s.allowed_pairs is not None:
            rows.append(("Allowed pairs considered", s.allowed_pairs, "pairs the rules allow"))
    return rows


def _score_rows(o: Outcome) -> list[_Row]:
    rows: list[_Row] = []
    if o.score_maximum is not None:
        out_of = f"out of {_points(o.score_maximum)}"
        if o.scores:
            rows += [
                ("Total score", _points(sum(o.scores)), f"sum of the {len(o.scores)} pair scores"),
                ("Lowest pair score", _points(o.scores[0]), out_of),
                ("Median pair score", _points(statistics.median(o.scores)), out_of),
                ("Highest pair score", _points(o.scores[-1]), out_of),
            ]
        rows.append(("Score maximum", _points(o.score_maximum), "a pair scoring full marks on every part"))
        rows += [(f"Score part: {p.label}", _points(p.weight), "points at most") for p in o.score_parts]
    return rows


def _file_rows(o: Outcome) -> list[_Row]:
    rows: list[_Row] = [
        ("Rule file", o.rule_file.file, ""),
        ("Rule file SHA-256", o.rule_file.sha256, ""),
    ]
    for f in o.inputs:
        role = f.role or "all roles"
        rows += [(f"{INPUT_FILE_PREFIX}{role})", f.file, ""), (f"{INPUT_SHA256_PREFIX}{role})", f.sha256, "")]
    rows.append(("mentormatch version", o.version, ""))
    return rows


def summary_sheet(outcome: Outcome) -> Sheet:
    rows = [list(row) for row in summary_rows(outcome)]
    return Sheet(
        "Summary",
        ["Item", "Value", "Detail"],
        rows,
        wrap=frozenset({"Value", "Detail"}),
        landscape=False,
        left=frozenset({"Value"}),
    )


def terminal_counts(outcome: Outcome) -> list[tuple[str, Any]]:
    """The lines printed at the end of a run: the counts, coverage, and whether it is optimal."""
    lines = [(label, _plain(value)) for label, value, _detail in _count_rows(outcome)]
    if outcome.solver is not None:
        lines.append(("Objective", outcome.solver.objective))
        lines.append(("Optimal", "yes (proven)" if outcome.solver.optimal else "NO: not proven optimal"))
    return lines


def _plain(value: Any) -> Any:
    """A Summary value as the terminal shows it (a percentage as "84%")."""
    if isinstance(value, Formatted):
        return f"{value.value:.0%}" if value.number_format == "0%" else value.value
    return value


# --- the Overview page ---------------------------------------------------------------------------


def _n(count: int | None, word: str) -> str:
    count = count or 0
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def overview_lines(o: Outcome) -> list[str]:
    """The headline counts and coverage in words, for a steering group."""
    when = f"{o.run_at:%d %B %Y} at {o.run_at:%H:%M} (UK time)"
    files = ", ".join(f.file for f in o.inputs) or "no file"
    lines = [f"Run on {when} from {files} with the rule file {o.rule_file.file}."]
    receiver, giver = o.role(o.receiver), o.role(o.giver)
    if o.mode is not None and receiver is not None and giver is not None:
        r, g = receiver.label.lower(), giver.label.lower()
        coverage = o.coverage or 0.0
        if o.mode == "pairs":
            lines.append(
                f"{_n(o.pairs, 'pair')} made: {receiver.paired} of the"
                f" {_n(receiver.eligible, 'eligible ' + r)} ({coverage:.0%}) have a {g}, and"
                f" {giver.paired} of the {_n(giver.eligible, 'eligible ' + g)} have at least one {r}."
            )
        else:
            lines.append(
                f"{_n(o.groups, 'group')} formed: {receiver.paired} of the"
                f" {_n(receiver.eligible, 'eligible ' + r)} ({coverage:.0%}) placed, with"
                f" {giver.paired} of the {_n(giver.eligible, 'eligible ' + g)}."
            )
        lines.append(
            f"Not yet {'placed' if o.mode == 'groups' else 'paired'}: {_n(receiver.unmatched, r)} and"
            f" {_n(giver.unmatched, g)}; the Unmatched sheet says why for each."
        )
    if o.scores and o.score_maximum is not None:
        parts = ", ".join(f"{p.label} up to {_points(p.weight)}" for p in o.score_parts)
        lines.append(
            f"Pair scores out of {_points(o.score_maximum)}: lowest {_points(o.scores[0])}, median"
            f" {_points(statistics.median(o.scores))}, highest {_points(o.scores[-1])} ({parts})."
        )
    eligible = sum(role.eligible for role in o.roles)
    failed = [(rule, count) for rule, count in o.rejected_by_rule if rule not in REVIEW]
    common = ", ".join(f"{rule} {count}" for rule, count in failed[:3])
    held = f", {o.held_for_review} held for review (the To review sheet)" if o.held_for_review else ""
    lines.append(
        f"{_n(o.rows_read, 'application')} read: {eligible} eligible, {o.rejected} rejected"
        + (f" (most often: {common})" if common else "")
        + f"{held}."
    )
    if o.solver is not None:
        proven = "proven optimal" if o.solver.optimal else f"NOT proven optimal ({o.solver.status})"
        lines.append(f"The result is {proven}. Objective: {o.solver.objective.rstrip('.')}.")
    return lines


def score_bands(o: Outcome) -> list[tuple[str, int]]:
    """How many pairs scored in each fifth of the maximum score (each band holds its lower end)."""
    if o.score_maximum is None or o.score_maximum <= 0:
        return []
    width = o.score_maximum / SCORE_BANDS
    bands = []
    for n in range(SCORE_BANDS):
        low, high = n * width, (n + 1) * width
        last = n == SCORE_BANDS - 1
        count = sum(1 for s in o.scores if low - 1e-9 <= s and (s < high - 1e-9 or last))
        bands.append((f"{_points(round(low, 1))}–{_points(round(high, 1))}", count))
    return bands


def overview_page(o: Outcome) -> Page:
    receiver = o.role(o.receiver)
    verb = "placed" if o.mode == "groups" else "paired"
    who = "People" if receiver is None else "Eligible applicants"
    figures = [
        Figure(
            f"{who} {verb} and unmatched, by {o.organisation_label.lower()}",
            [o.organisation_label, verb.capitalize(), "Unmatched"],
            [list(row) for row in o.by_organisation],
            kind="bar",
            stacked=True,
            axis_title="people",
        ),
        Figure(
            "Applications rejected, by reason",
            ["Reason", "Rejected"],
            [list(row) for row in o.rejected_by_rule if row[0] not in REVIEW] or [["(none)", 0]],
            kind="bar",
            axis_title="applications",
        ),
    ]
    if o.score_maximum is not None:
        figures.append(
            Figure(
                f"Pair scores (out of {_points(o.score_maximum)})",
                ["Score", "Pairs"],
                [list(band) for band in score_bands(o)],
                kind="column",
                axis_title="pairs",
            )
        )
    return Page("Overview", o.programme, overview_lines(o), figures)


# --- --json ------------------------------------------------------------------------------------


def outcome_json(o: Outcome) -> dict[str, Any]:
    """The run as JSON (schema JSON_SCHEMA, documented in the README): snake_case keys that do
    not depend on the rule file's labels, numbers as numbers, booleans as booleans, and role and
    rule names as values. Every key is always present; null where it does not apply."""
    matching: dict[str, Any] | None = None
    if o.mode is not None and o.solver is not None:
        s = o.solver
        score = None
        if o.score_maximum is not None:
            score = {
                "maximum": _points(o.score_maximum),
                "total": _points(sum(o.scores)),
                "lowest": _points(o.scores[0]) if o.scores else None,
                "median": _points(statistics.median(o.scores)) if o.scores else None,
                "highest": _points(o.scores[-1]) if o.scores else None,
                "parts": [
                    {"part": p.part, "label": p.label, "weight": _points(p.weight)} for p in o.score_parts
                ],
            }
        matching = {
            "mode": o.mode,
            "receiver_role": o.receiver,
            "giver_role": o.giver,
            "pairs": o.pairs,
            "groups": o.groups,
            "coverage": round(o.coverage, 4) if o.coverage is not None else None,
            "optimal": bool(s.optimal),
            "solver_status": s.status,
            "solver": s.solver,
            "method": s.method,
            "solve_seconds": round(s.seconds, 3),
            "objective": s.objective,
            "allowed_pairs": s.allowed_pairs,
            "score": score,
            "by_organisation": [
                {"organisation": org, "paired": paired, "unmatched": unmatched}
                for org, paired, unmatched in o.by_organisation
            ],
        }
    return {
        "schema": JSON_SCHEMA,
        "command": o.command,
        "programme": o.programme,
        "run_at": o.run_at.isoformat(),
        "mentormatch_version": o.version,
        "rule_file": {"file": o.rule_file.file, "sha256": o.rule_file.sha256},
        "inputs": [{"file": f.file, "role": f.role, "sha256": f.sha256} for f in o.inputs],
        "rows_read": o.rows_read,
        "eligible": sum(r.eligible for r in o.roles),
        "rejected": o.rejected,
        "held_for_review": o.held_for_review,
        "rejected_by_rule": [{"rule": rule, "count": count} for rule, count in o.rejected_by_rule],
        "roles": [
            {
                "role": r.role,
                "label": r.label,
                "eligible": r.eligible,
                "paired": r.paired,
                "unmatched": r.unmatched,
                "places": r.places,
            }
            for r in o.roles
        ],
        "matching": matching,
    }

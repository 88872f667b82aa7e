"""Sheets for the people who read the output: rejected, eligible, summary, with no special data."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mentormatch import __version__
from mentormatch.applicants import Applicant
from mentormatch.conditions import holds
from mentormatch.eligibility import Checked, Rejection
from mentormatch.matching import Matching
from mentormatch.names import tidy_name
from mentormatch.normalise import band_label
from mentormatch.problems import Problem
from mentormatch.rulefile import Rules
from mentormatch.scoring import part_label, special_parts
from mentormatch.unrecognised import HIDDEN_ANSWER, Unrecognised, rows_text
from mentormatch.workbook import Sheet

LONDON = ZoneInfo("Europe/London")


def run_time() -> datetime:
    """Now, in UK time to the second: when this run was made, as every output records it."""
    return datetime.now(LONDON).replace(microsecond=0)


REJECTED_COLUMNS = ["Row", "Name", "Email", "Role", "Rule", "Value seen", "Reason"]
STANDARD = ("email", "name", "submitted")


def role_label(rules: Rules, role: str | None) -> str:
    if role is None or role not in rules.spec.roles:
        return ""
    return rules.spec.roles[role].label or role.capitalize()


def shareable_fields(rules: Rules) -> list[str]:
    """Fields that may appear in forwarded sheets: never special category data."""
    skip = {*STANDARD, rules.spec.role_field}
    return [n for n, f in rules.spec.fields.items() if not f.special_category and n not in skip]


def field_label(rules: Rules, name: str) -> str:
    spec = rules.spec.fields.get(name)
    label = spec.label if spec is not None and spec.label else name.replace("_", " ")
    return label[:1].upper() + label[1:]


def several_files(people: Sequence[Applicant]) -> bool:
    """True when rows come from more than one file, so a row number needs its file name."""
    return len({a.source for a in people}) > 1


def with_file(columns: list[str], rows: list[list[Any]], people: Sequence[Applicant], show: bool) -> None:
    """Insert a File column after Row when rows come from several files."""
    if not show:
        return
    columns.insert(1, "File")
    for row, person in zip(rows, people, strict=True):
        row.insert(1, person.source)


def rejected_sheet(checked: Checked, rules: Rules) -> Sheet:
    """Applications that failed a rule (those held for review are on the To review sheet)."""
    columns, rows = _problem_rows(
        checked,
        rules,
        checked.rejected_by_a_rule,
        REJECTED_COLUMNS,
        lambda problems: [
            ", ".join(p.rule for p in problems),
            "; ".join(p.value for p in problems),
            " ".join(p.message for p in problems),
        ],
    )
    return Sheet("Rejected", columns, rows, wrap=frozenset({"Reason", "Value seen"}), freeze="Name")


REVIEW_SHEET = "To review"
REVIEW_COLUMNS = ["Row", "Name", "Email", "Role", "Question", "Answer", "To decide", "Code"]


def review_sheet(checked: Checked, rules: Rules) -> Sheet:
    """Applications held for the coordinator's review (no rule failed): per application the
    question(s) it raises, the answer as typed (special category answers not shown) and what the
    coordinator must decide."""
    columns, rows = _problem_rows(
        checked,
        rules,
        checked.to_review,
        REVIEW_COLUMNS,
        lambda problems: [
            "; ".join(dict.fromkeys(p.column for p in problems)),
            "; ".join(p.value for p in problems),
            " ".join(p.message for p in problems),
            ", ".join(p.rule for p in problems),
        ],
    )
    return Sheet(
        REVIEW_SHEET, columns, rows, wrap=frozenset({"Question", "Answer", "To decide"}), freeze="Name"
    )


def _problem_rows(
    checked: Checked,
    rules: Rules,
    records: Sequence[Rejection],
    columns: Sequence[str],
    problem_cells: Callable[[Sequence[Problem]], list[Any]],
) -> tuple[list[str], list[list[Any]]]:
    """One row per record in file and row order: Row, Name, Email, Role, then its problems' cells
    (with a File column after Row when the rows come from several files)."""
    ordered = sorted(records, key=lambda r: (r.applicant.source, r.applicant.row))
    rows = [
        [
            r.applicant.row,
            tidy_name(r.applicant.name),
            r.applicant.email or r.applicant.raw.get("email", ""),
            role_label(rules, r.applicant.role),
            *problem_cells(r.problems),
        ]
        for r in ordered
    ]
    out = list(columns)
    with_file(out, rows, [r.applicant for r in ordered], several_files(checked.applicants))
    return out, rows


def display_value(applicant: Applicant, rules: Rules, name: str) -> str:
    """A field's value as a coordinator reads it: normalised where that helps, else as typed."""
    value = applicant.value(name)
    kind = rules.spec.fields[name].type if name in rules.spec.fields else "text"
    if value is None:
        return applicant.raw.get(name, "")
    if kind == "band":
        return band_label(value)
    if kind in {"multi", "emails"}:
        return "; ".join(value)
    if kind == "number":
        return f"{value:g}"
    if kind in {"years", "organisation", "place", "choice", "text", "email"}:
        return str(value)
    return applicant.raw.get(name, "")


def applicant_cells(applicant: Applicant, rules: Rules, fields: Sequence[str]) -> list[Any]:
    return [display_value(applicant, rules, name) for name in fields]


def eligible_sheet(checked: Checked, rules: Rules) -> Sheet:
    fields = shareable_fields(rules)
    columns = ["Row", "Name", "Email", "Role", *(field_label(rules, f) for f in fields)]
    rows = [
        [a.row, tidy_name(a.name), a.email, role_label(rules, a.role), *applicant_cells(a, rules, fields)]
        for a in sorted(checked.eligible, key=lambda a: (a.source, a.row))
    ]
    return Sheet("Eligible", columns, rows, freeze="Name")


def validation_counts(checked: Checked, rules: Rules) -> list[tuple[str, int]]:
    """(label, count) lines: rows read, eligible per role, rejected per rule."""
    lines = [("Rows read", len(checked.applicants))]
    for role in rules.spec.roles:
        lines.append((f"Eligible {role_label(rules, role).lower()}s", len(checked.eligible_in(role))))
    lines.append(("Rejected", len(checked.rejected)))
    for rule, count in sorted(checked.rejected_per_rule().items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append((f"Rejected: {rule}", count))
    return lines


def provenance(rules: Rules, inputs: Sequence[tuple[str, str]]) -> list[tuple[str, Any]]:
    lines: list[tuple[str, Any]] = [
        ("Programme", rules.spec.programme.name),
        ("Rule file", rules.path.name),
        ("Rule file SHA-256", rules.sha256),
    ]
    lines += [(f"Input {name}", f"SHA-256 {digest}") for name, digest in inputs]
    lines.append(("mentormatch version", __version__))
    return lines


def summary_sheet(lines: Sequence[tuple[str, Any]]) -> Sheet:
    return Sheet("Summary", ["Item", "Value"], [list(line) for line in lines])


# --- the match workbook ---------------------------------------------------------------------------


def _person_fields(rules: Rules) -> list[str]:
    org = rules.spec.organisations.field if rules.spec.organisations else "organisation"
    different = rules.spec.matching.different if rules.spec.matching else []
    wanted = list(dict.fromkeys([org, *different, "job_title"]))
    return [f for f in wanted if f in rules.spec.fields and not rules.spec.fields[f].special_category]


def matches_sheet(matching: Matching, rules: Rules) -> Sheet:
    """One row per pair: both partners' names side by side, then Decision, Score and Why, then
    each detail for the two partners next to each other; emails and row numbers last.

    Readers find columns by their header text only (introduce, --review), never by position.
    """
    spec = rules.spec.matching
    assert spec is not None
    labels = (role_label(rules, spec.receiver), role_label(rules, spec.giver))
    fields = _person_fields(rules)
    columns = ["Pair", *(f"{label} name" for label in labels), "Decision", "Score", "Why"]
    for f in fields:
        columns += [f"{label} {field_label(rules, f).lower()}" for label in labels]
    columns += [f"{label} email" for label in labels]
    columns += [f"{label} row" for label in labels]
    # Order and Score use the shown score: the optimised one would reveal special category parts.
    ordered = sorted(
        matching.pairs, key=lambda p: (p.giver.email or "", -p.shown_score, p.receiver.email or "")
    )
    rows = []
    for n, pair in enumerate(ordered, start=1):
        people = (pair.receiver, pair.giver)
        row: list[Any] = [f"P{n:03d}", *(tidy_name(p.name) for p in people), "", pair.shown_score, pair.why]
        details = [applicant_cells(p, rules, fields) for p in people]
        for index in range(len(fields)):
            row += [cells[index] for cells in details]
        row += [p.email for p in people]
        row += [p.row for p in people]
        rows.append(row)
    group = f"{labels[1]} email"
    return Sheet(
        "Matches",
        columns,
        rows,
        wrap=frozenset({"Why"}),
        dropdowns={"Decision": ["keep", "reject"]},
        group_by=group,
        freeze=f"{labels[1]} name",
        landscape=True,
    )


def unmatched_sheet(matching: Matching, rules: Rules) -> Sheet:
    fields = _person_fields(rules)
    columns = ["Row", "Name", "Email", "Role", *(field_label(rules, f) for f in fields), "Reason"]
    ordered = sorted(matching.unmatched, key=lambda u: (u.applicant.source, u.applicant.row))
    rows = [
        [u.applicant.row, tidy_name(u.applicant.name), u.applicant.email, role_label(rules, u.role),
         *applicant_cells(u.applicant, rules, fields), u.reason]
        for u in ordered
    ]  # fmt: skip
    everyone = [u.applicant for u in ordered] + [p.receiver for p in matching.pairs]
    everyone += [p.giver for p in matching.pairs]
    with_file(columns, rows, [u.applicant for u in ordered], several_files(everyone))
    return Sheet("Unmatched", columns, rows, wrap=frozenset({"Reason"}), freeze="Name")


def match_counts(checked: Checked, matching: Matching, rules: Rules) -> list[tuple[str, Any]]:
    """Counts for the terminal and the Summary sheet."""
    spec = rules.spec.matching
    assert spec is not None
    r_label, g_label = role_label(rules, spec.receiver).lower(), role_label(rules, spec.giver).lower()
    matched_givers = len({p.giver.email for p in matching.pairs})
    coverage = len(matching.pairs) / matching.receivers if matching.receivers else 0.0
    lines: list[tuple[str, Any]] = [("Rows read", len(checked.applicants))]
    lines += [(f"Eligible {r_label}s", matching.receivers), (f"Eligible {g_label}s", matching.givers)]
    lines += [(f"{g_label.capitalize()} places offered", matching.places)]
    lines += [("Pairs", len(matching.pairs)), (f"Matched {g_label}s", matched_givers)]
    lines += [
        (f"Unmatched {r_label}s", sum(1 for u in matching.unmatched if u.role == spec.receiver)),
        (f"Unmatched {g_label}s", sum(1 for u in matching.unmatched if u.role == spec.giver)),
        ("Rejected", len(checked.rejected)),
    ]
    lines += [(f"Rejected: {rule}", n) for rule, n in sorted(checked.rejected_per_rule().items())]
    lines.append((f"Coverage ({r_label}s paired)", f"{coverage:.0%}"))
    return lines


SMALL = 5


def small(count: int) -> int | str:
    """A count for a shared sheet: 1-4 shown as "<5" so nobody can be singled out."""
    return "<5" if 0 < count < SMALL else count


def score_lines(matching: Matching, rules: Rules) -> list[tuple[str, Any]]:
    """Lowest, median and highest shown pair score; coverage by role.

    Coverage by priority group and the score parts that read special category data are not
    here (the Summary is forwarded): they are in the monitoring workbook (``priority_lines``).
    """
    spec = rules.spec.matching
    assert spec is not None
    scores = sorted(p.shown_score for p in matching.pairs)
    lines: list[tuple[str, Any]] = []
    if scores:
        lines += [
            ("Lowest pair score", scores[0]),
            ("Median pair score", float(statistics.median(scores))),
            ("Highest pair score", scores[-1]),
        ]
    for role in (spec.receiver, spec.giver):
        label = role_label(rules, role).lower()
        matched = len({p.receiver.email if role == spec.receiver else p.giver.email for p in matching.pairs})
        waiting = sum(1 for u in matching.unmatched if u.role == role)
        lines.append(
            (f"Coverage: {label}s paired / eligible", f"{small(matched)} / {small(matched + waiting)}")
        )
    if special_parts(rules):
        lines.append(("Score shown", SHOWN_SCORE))
    lines += priority_lines(matching, rules, special=False)
    return lines


SHOWN_SCORE = (
    "Score and Why count only the score parts that read no special category data; the solver also"
    " weighed the parts that do, which are reported only in the monitoring workbook."
)


def priority_lines(matching: Matching, rules: Rules, *, special: bool) -> list[tuple[str, Any]]:
    """Coverage of each priority group: those whose condition reads special category data when
    ``special`` (for the monitoring workbook only), else the others (for the Summary)."""
    spec = rules.spec.matching
    assert spec is not None
    hidden = special_parts(rules)
    paired = {p.receiver.email for p in matching.pairs} | {p.giver.email for p in matching.pairs}
    unmatched = {u.applicant.email for u in matching.unmatched}
    everyone = [p.receiver for p in matching.pairs] + [p.giver for p in matching.pairs]
    everyone += [u.applicant for u in matching.unmatched]
    lines: list[tuple[str, Any]] = []
    for index, part in enumerate(spec.score):
        if part.part != "priority" or part.when is None or (index in hidden) != special:
            continue
        group = {a.email for a in everyone if a.role == part.role and holds(part.when, a, rules)}
        lines.append(
            (
                f"Coverage: {part_label(part)} group paired / eligible",
                f"{small(len(group & paired))} / {small(len(group & (paired | unmatched)))}",
            )
        )
    return lines


def special_score_lines(matching: Matching, rules: Rules) -> list[tuple[str, Any]]:
    """For the coordinator only (monitoring workbook): the score parts that read special category
    data, the points they added, and the optimised total beside the shown one."""
    spec = rules.spec.matching
    if spec is None or not matching.pairs:
        return []
    hidden = sorted(special_parts(rules))
    lines: list[tuple[str, Any]] = []
    for index in hidden:
        part = spec.score[index]
        points = sum(p.parts[index].points for p in matching.pairs)
        earned = sum(1 for p in matching.pairs if p.parts[index].points > 0)
        lines.append((f"Score part '{part_label(part)}' (weight {part.weight:g})", f"{points:g} points"))
        lines.append((f"Pairs earning '{part_label(part)}'", small(earned)))
    optimised, shown = sum(p.score for p in matching.pairs), sum(p.shown_score for p in matching.pairs)
    lines.append(("Total score optimised (all parts)", f"{optimised:g}"))
    lines.append(("Total score shown in the pairs workbook", f"{shown:g}"))
    return lines + priority_lines(matching, rules, special=True)


def solve_lines(matching: Matching) -> list[tuple[str, Any]]:
    s = matching.solution
    total = sum(p.shown_score for p in matching.pairs)
    return [
        ("Objective", s.objective_text),
        ("Optimal", "yes (proven)" if s.optimal else "NO: not proven optimal"),
        ("Solver status", s.status),
        ("Total score", f"{total:g}"),
        ("Solver", f"{s.solver}, {s.method}"),
        ("Solve time (s)", f"{s.seconds:.2f}"),
        ("Allowed pairs considered", matching.candidate_pairs),
    ]


# --- answers nobody foresaw (unrecognised.py finds them) -----------------------------------------

UNRECOGNISED_COLUMNS = ["Field", "Answer", "Count", "Rows", "Rule-file lines"]


def forwardable_rows(found: Sequence[Unrecognised], rules: Rules, several_files: bool) -> list[list[object]]:
    """Rows for a shared sheet: special category answers replaced by a note (counts and rows stay)."""
    return [
        [
            field_label(rules, u.field),
            HIDDEN_ANSWER if u.special else u.answer,
            u.count,
            rows_text(u.rows, several_files),
            "; ".join(u.lines),
        ]
        for u in found
    ]


def unrecognised_sheet(found: Sequence[Unrecognised], rules: Rules, several_files: bool) -> Sheet:
    """The forwardable listing: per field and answer, its count, rows and rule-file lines."""
    rows = forwardable_rows(found, rules, several_files)
    return Sheet(
        "Unrecognised", list(UNRECOGNISED_COLUMNS), rows, wrap=frozenset({"Rows", "Rule-file lines"})
    )


def terminal_lines(found: Sequence[Unrecognised], rules: Rules, several_files: bool) -> list[str]:
    """Lines for the coordinator's terminal, answers shown (special category ones included)."""
    lines = []
    for u in found:
        where = f"accept or reject it at {u.lines[0]}"
        if u.field == rules.spec.role_field:  # it names no single role: say which lists to add it to
            where = "it names no single role; add it to one role's answers at " + " or ".join(u.lines)
        rows = rows_text(u.rows, several_files)
        lines.append(f"  {field_label(rules, u.field)}: '{u.answer}' x{u.count} ({rows}); {where}")
    return lines


def review_lines(to_review: int, found: Sequence[Unrecognised]) -> list[tuple[str, Any]]:
    """Summary lines: distinct answers not recognised (the applications held for review are
    counted with the other outcomes, ``outcome.summary_rows``)."""
    return [("Answers not recognised (see Unrecognised)", len(found))]

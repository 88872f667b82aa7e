"""The library: `validate` and `match` as a notebook calls them. Each returns a result whose tables
are pandas DataFrames and which writes its own workbook; the command line calls only these.

    import mentormatch
    result = mentormatch.match("applications.xlsx", rules="kent-medway-mind-2022")
    result.pairs.head()
    result.to_excel("pairs.xlsx")
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from mentormatch.errors import ExportError, RulesError
from mentormatch.pipeline import Source, Validation, load_members, validate_exports
from mentormatch.progress import Progress, silent
from mentormatch.rulefile import Rules, load_rules
from mentormatch.solvers import check_solver
from mentormatch.workbook import Formatted, Page, Sheet

if TYPE_CHECKING:
    import pandas as pd

    from mentormatch.load import Table
    from mentormatch.outcome import InputFile, Outcome
    from mentormatch.outputs import Outputs

Export: TypeAlias = "str | os.PathLike[str] | pd.DataFrame"
Exports: TypeAlias = "Export | Sequence[Export | Source] | Mapping[str, Export]"
RulesLike: TypeAlias = "str | os.PathLike[str] | Rules"


@dataclass(frozen=True)
class _Run:
    """What every result shares: the rules, the validate stage, the sheets and the files read."""

    rules: Rules
    validation: Validation
    sheets: tuple[Sheet | Page, ...]
    counts: tuple[tuple[str, Any], ...]  # the figures printed after a run
    inputs: tuple[Path, ...] = ()  # files a workbook must never be written over
    warnings: tuple[str, ...] = ()
    outcome: Outcome | None = None  # the counts behind the Summary, the Overview and --json

    def table(self, name: str) -> pd.DataFrame:
        """A sheet of the workbook as a DataFrame (its header row as the columns)."""
        import pandas as pd

        sheet = self.sheet(name)
        rows = [[v.value if isinstance(v, Formatted) else v for v in row] for row in sheet.rows]
        return pd.DataFrame(rows, columns=list(sheet.columns))

    def sheet(self, name: str) -> Sheet:
        found = [s for s in self.sheets if s.name == name and isinstance(s, Sheet)]
        if not found:
            raise KeyError(f"no sheet called {name!r}; there are {', '.join(s.name for s in self.sheets)}")
        return found[0]

    @property
    def rejected(self) -> pd.DataFrame:
        """Who is rejected: row, name, email, role, the rule, the value seen, a reason to forward."""
        return self.table("Rejected")

    @property
    def to_review(self) -> pd.DataFrame:
        """Who is held for the coordinator's review (no rule failed): the question, the answer, what
        to decide; empty when nobody is."""
        import pandas as pd

        from mentormatch.report import REVIEW_COLUMNS, REVIEW_SHEET

        if any(s.name == REVIEW_SHEET for s in self.sheets):
            return self.table(REVIEW_SHEET)
        return pd.DataFrame(columns=REVIEW_COLUMNS)

    @property
    def summary(self) -> pd.DataFrame:
        """The Summary sheet: counts, the objective, how it was solved, provenance."""
        return self.table("Summary")

    def to_excel(
        self,
        path: str | os.PathLike[str],
        *,
        force: bool = False,
        progress: Progress | None = None,
        outputs: Outputs | None = None,
    ) -> Path:
        """Write the workbook (all of it or nothing; never over an input; an existing file only
        with ``force``) and return its path. With ``outputs`` it is only staged there, to be
        moved into place with the run's other outputs when they commit."""
        from mentormatch.report import run_time
        from mentormatch.workbook import check_output_path, write_workbook

        out = Path(path)
        check_output_path(out, force=force, inputs=self.inputs, suffix=".xlsx")
        (progress or silent)(f"Writing {out.name}")
        title = self.rules.spec.programme.name
        write_workbook(
            out,
            self.sheets,
            force=force,
            inputs=self.inputs,
            progress=progress,
            title=title,
            run_at=self.outcome.run_at if self.outcome is not None else run_time(),
            outputs=outputs,
        )
        return out


@dataclass(frozen=True)
class ValidationReport(_Run):
    """The result of `validate`: who is eligible, who is rejected and why."""

    @property
    def eligible(self) -> pd.DataFrame:
        """The eligible applicants, with the answers the rules read."""
        return self.table("Eligible")


@dataclass(frozen=True)
class MatchResult(_Run):
    """The result of `match`: the pairs (or groups), who is unmatched and why, who is rejected."""

    optimal: bool = False
    status: str = ""
    changes: tuple[str, ...] = ()  # what moved since the reviewed workbook
    placed: frozenset[str] = frozenset()
    waiting: frozenset[str] = frozenset()
    private: tuple[tuple[str, Any], ...] = ()  # special category score parts: monitoring only

    @property
    def pairs(self) -> pd.DataFrame:
        """The pairs (the Matches sheet), or for group mentoring the Groups sheet."""
        return self.table(
            "Groups" if self.rules.spec.matching and self.rules.spec.matching.mode == "groups" else "Matches"
        )

    @property
    def unmatched(self) -> pd.DataFrame:
        """Eligible people left without a partner or group, and why."""
        return self.table("Unmatched")

    def monitoring_to_excel(
        self, path: str | os.PathLike[str], *, force: bool = False, outputs: Outputs | None = None
    ) -> Path:
        """Write the equality monitoring counts (small numbers hidden) to their own workbook
        (staged in ``outputs`` when given, as for `to_excel`)."""
        from mentormatch.report_monitoring import monitoring_sheets, write_monitoring
        from mentormatch.workbook import check_output_path

        out = Path(path)
        check_output_path(out, force=force, inputs=self.inputs, suffix=".xlsx")
        checked = self.validation.checked
        sheets = monitoring_sheets(checked, self.rules, set(self.placed), set(self.waiting), self.private)
        write_monitoring(out, sheets, force=force, inputs=self.inputs, outputs=outputs)
        return out


def validate(
    export: Exports,
    *,
    rules: RulesLike,
    members: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ValidationReport:
    """Check every applicant of ``export`` against a programme's rules.

    ``export``: a file (.xlsx, .csv, .ods), a DataFrame, a list of them, or ``{role: file}`` when
    each role has its own form. ``rules``: a bundled programme's name, a rule file, or loaded
    Rules. ``members``: a membership list; applicants not on it are rejected.
    """
    from mentormatch.outcome import summary_sheet, terminal_counts, validation_outcome
    from mentormatch.report import eligible_sheet, rejected_sheet, run_time

    loaded, sources = load_programme(rules), as_sources(export)
    result = _check(sources, loaded, sheet, members, progress)
    found, notes = _unforeseen(result, list(result.warnings))
    outcome = validation_outcome(result.checked, loaded, input_files(sources), run_time(), notes)
    sheets = (
        rejected_sheet(result.checked, loaded),
        eligible_sheet(result.checked, loaded),
        summary_sheet(outcome),
        *found,
    )
    inputs = _inputs(sources, loaded, members)
    counts = tuple(terminal_counts(outcome))
    return ValidationReport(loaded, result, sheets, counts, inputs, tuple(result.warnings), outcome)


def match(
    export: Exports,
    *,
    rules: RulesLike,
    members: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    review: Sequence[str | os.PathLike[str]] = (),
    withdraw: Sequence[str] = (),
    accept_late: Sequence[str] = (),
    exclude_previous: Sequence[str | os.PathLike[str]] = (),
    favour_unmatched: Sequence[str | os.PathLike[str]] = (),
    solver: str = "auto",
    time_limit: float | None = None,
    progress: Progress | None = None,
    accept_unverified: bool = False,
) -> MatchResult:
    """Pair (or group) the eligible applicants optimally: first the most pairs, then the highest
    total score, ties broken by a fixed key.

    ``review``: pairs workbooks with Decision filled in (keep fixes a pair, reject forbids it);
    ``withdraw``: emails (or files of emails) of people who dropped out; ``accept_late``: late
    applicants the coordinator admits; ``exclude_previous`` / ``favour_unmatched``: earlier
    cohorts' workbooks; ``accept_unverified``: review a workbook without the Check column (rows
    nobody can verify); ``time_limit``: seconds the solver may take, with ``solver="highs"`` or
    ``"cbc"`` and for group mentoring (a stopped result is marked not optimal); the default exact
    pairing route does not use it, and the result warns so. Other arguments as for `validate`.
    """
    from mentormatch.review import begin, check_admitted, check_withdrawn

    solver = check_solver(solver)
    loaded, sources = load_programme(rules), as_sources(export)
    spec = loaded.spec.matching
    if spec is None:
        raise RulesError(
            f"{loaded.path}: has no 'matching' section", "add one; see rules/kent-medway-mind-2022.yaml"
        )
    paired_only = {
        "review": review,
        "withdraw": withdraw,
        "exclude_previous": exclude_previous,
        "favour_unmatched": favour_unmatched,
    }
    given = [name for name, value in paired_only.items() if value]
    if spec.mode == "groups" and given:
        option = f"{given[0]}= / --{given[0].replace('_', '-')}"  # for the library and the command line
        what, hint = "reads a pairs workbook", f"run without {option}"
        if given[0] == "withdraw":
            what = "re-pairs the partners of people who dropped out"
            hint += "; to form groups without someone, take their row out of the export (groups may change)"
        raise RulesError(
            f"{loaded.path.name} forms groups; {option} {what}, so it works for pair programmes only", hint
        )
    reviews = [Path(p) for p in review]
    round_ = begin(
        loaded, reviews, withdraw=list(withdraw), accept_late=list(accept_late), unverified=accept_unverified
    )
    result = _check(sources, loaded, sheet, members, progress, round_.late)
    check_admitted(round_, result.checked.applicants, loaded)
    check_withdrawn(round_, result.checked.applicants)
    earlier = [*reviews, *map(Path, exclude_previous), *map(Path, favour_unmatched)]
    inputs = (*_inputs(sources, loaded, members), *earlier)
    options = _Options(solver, time_limit, progress or silent, members)
    if spec.mode == "groups":
        return _groups(loaded, result, options, inputs)
    return _pairs(
        loaded,
        result,
        options,
        inputs,
        round_,
        [Path(p) for p in exclude_previous],
        [Path(p) for p in favour_unmatched],
    )


TIME_LIMIT_UNUSED = (
    "The time limit was not used: it applies to the HiGHS and CBC solvers (--solver / solver=) and to"
    " group mentoring; pairs on the default exact route (min-cost flow) were solved to the end."
)


@dataclass(frozen=True)
class _Options:
    solver: str
    time_limit: float | None
    progress: Progress
    members: str | os.PathLike[str] | None = None


def _groups(loaded: Rules, result: Validation, options: _Options, inputs: tuple[Path, ...]) -> MatchResult:
    from mentormatch.grouping import match_groups
    from mentormatch.outcome import group_outcome, overview_page, summary_sheet, terminal_counts
    from mentormatch.report import rejected_sheet, run_time
    from mentormatch.report_groups import group_unplaced_sheet, groups_sheet

    spec = loaded.spec.matching
    assert spec is not None
    checked = result.checked
    options.progress("Forming groups")
    grouping = match_groups(
        loaded,
        checked.eligible_in(spec.receiver),
        checked.eligible_in(spec.giver),
        solver=options.solver,
        time_limit=options.time_limit,
    )
    found, notes = _unforeseen(result, list(result.warnings))
    files = input_files(result.sources)
    outcome = group_outcome(checked, grouping, loaded, files, run_time(), notes)
    sheets: tuple[Sheet | Page, ...] = (
        overview_page(outcome),
        groups_sheet(grouping, loaded),
        group_unplaced_sheet(grouping, loaded),
        rejected_sheet(checked, loaded),
        summary_sheet(outcome),
        *found,
    )
    return MatchResult(
        loaded,
        result,
        sheets,
        tuple(terminal_counts(outcome)),
        inputs,
        tuple(result.warnings),
        outcome,
        optimal=grouping.solution.optimal,
        status=grouping.solution.status,
        placed=frozenset(p.email or "" for g in grouping.groups for p in (*g.members, *g.leaders)),
        waiting=frozenset(p.email or "" for p, _role, _reason in grouping.unplaced),
    )


def _pairs(
    loaded: Rules,
    result: Validation,
    options: _Options,
    inputs: tuple[Path, ...],
    round_: Any,
    exclude_previous: list[Path],
    favour_unmatched: list[Path],
) -> MatchResult:
    from mentormatch.matching import match_pairs
    from mentormatch.notices import zero_score_warnings
    from mentormatch.outcome import match_outcome, overview_page, summary_sheet, terminal_counts
    from mentormatch.report import (
        matches_sheet,
        rejected_sheet,
        run_time,
        special_score_lines,
        unmatched_sheet,
    )
    from mentormatch.report_history import carry_history, changes_sheet
    from mentormatch.review import adjustments

    spec = loaded.spec.matching
    assert spec is not None
    checked = result.checked
    receivers, givers = checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver)
    warnings = [*result.warnings, *zero_score_warnings(loaded, receivers, givers)]
    if options.time_limit is not None and options.solver == "auto":
        warnings.append(TIME_LIMIT_UNUSED)
    adjust = adjustments(
        loaded,
        round_,
        exclude_previous=exclude_previous,
        favour_unmatched=favour_unmatched,
        eligible={a.email or "" for a in (*receivers, *givers)},
    )
    matching = match_pairs(
        loaded,
        receivers,
        givers,
        solver=options.solver,
        time_limit=options.time_limit,
        adjust=adjust,
        progress=options.progress,
    )
    members = Path(options.members) if options.members is not None else None
    carried = carry_history(
        round_,
        matches_sheet(matching, loaded),
        loaded,
        checked.applicants,
        members=members,
        excluded=exclude_previous,
        newcomers=adjust.newcomers,
    )
    changes = tuple(carried.changes) or matching.changes
    found, notes = _unforeseen(result, warnings)
    notes = [*(("Re-run", n) for n in adjust.notes), *carried.summary, *notes]
    outcome = match_outcome(checked, matching, loaded, input_files(result.sources), run_time(), notes)
    sheets: list[Sheet | Page] = [overview_page(outcome), carried.matches, unmatched_sheet(matching, loaded)]
    sheets += [carried.decisions, rejected_sheet(checked, loaded), summary_sheet(outcome), *found]
    if changes:
        sheets.append(changes_sheet(changes))
    return MatchResult(
        loaded,
        result,
        tuple(sheets),
        tuple(terminal_counts(outcome)),
        inputs,
        tuple(warnings),
        outcome,
        optimal=matching.solution.optimal,
        status=matching.solution.status,
        changes=changes,
        placed=frozenset(p.email or "" for pair in matching.pairs for p in (pair.receiver, pair.giver)),
        waiting=frozenset(u.applicant.email or "" for u in matching.unmatched),
        private=tuple(special_score_lines(matching, loaded)),
    )


def load_programme(rules: RulesLike) -> Rules:
    """Rules as given: already loaded, a bundled programme's name, or a rule file's path."""
    from mentormatch.programmes import find_rules

    return rules if isinstance(rules, Rules) else load_rules(find_rules(Path(os.fspath(rules))))


def as_sources(export: Exports) -> list[Source]:
    """The exports to read: files or DataFrames, one or several, or one per role."""
    if isinstance(export, Mapping):
        return [_source(given, str(role)) for role, given in export.items()]
    if isinstance(export, (str, os.PathLike)) or _is_frame(export):
        return [_source(export)]
    sources = [_source(given) for given in export]
    if not sources:
        raise ExportError("no export given", "give an export file, or one per role")
    return sources


def _source(given: Any, role: str | None = None) -> Source:
    if isinstance(given, Source):
        return given
    if _is_frame(given):
        return Source(Path(f"<DataFrame {role or 'export'}>"), role, table_from_frame(given, role))
    return Source(Path(given), role)


def _is_frame(value: object) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def table_from_frame(frame: pd.DataFrame, role: str | None = None) -> Table:
    """A DataFrame read as an export: its columns are the headers, its rows the answers (the
    first on spreadsheet row 2, as in the file it came from)."""
    import math
    from datetime import date, datetime

    from mentormatch.load import Table, TableRow

    def cell(value: Any) -> Any:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "to_pydatetime"):
            return None if str(value) == "NaT" else value.to_pydatetime()
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, str) and not value.strip():
            return None
        return value

    rows = tuple(
        TableRow(number, tuple(cell(v) for v in values))
        for number, values in enumerate(frame.itertuples(index=False, name=None), start=2)
    )
    rows = tuple(r for r in rows if any(c is not None for c in r.cells))
    headers = tuple(" ".join(str(c).split()) for c in frame.columns)
    return Table(Path(f"<DataFrame {role or 'export'}>"), None, 1, headers, rows)


def _check(
    sources: list[Source],
    rules: Rules,
    sheet: str | None,
    members: str | os.PathLike[str] | None,
    progress: Progress | None,
    late: frozenset[str] = frozenset(),
) -> Validation:
    emails = load_members(Path(members)) if members is not None else None
    return validate_exports(sources, rules, sheet=sheet, members=emails, progress=progress, late=late)


def _unforeseen(result: Validation, warnings: list[str]) -> tuple[list[Sheet], list[tuple[str, Any]]]:
    """The To review sheet (when applications are held for review), the Unrecognised sheet (when
    an answer was not recognised), and the Summary lines for it and for the warnings."""
    from mentormatch.report import review_lines, review_sheet, several_files, unrecognised_sheet

    found = _shareable(list(result.unrecognised), result)
    several = several_files(result.checked.applicants)
    notes = [*review_lines(len(result.checked.to_review), found), *(("Warning", w) for w in warnings)]
    sheets = [review_sheet(result.checked, result.rules)] if result.checked.to_review else []
    return [*sheets, *([unrecognised_sheet(found, result.rules, several)] if found else [])], notes


def _shareable(found: list[Any], result: Validation) -> list[Any]:
    """Unrecognised answers a forwarded sheet may list: a special category answer only on rows it
    held for review (Rejected says so already), never where it changed nothing, as that would
    single out people by their answer (the terminal still shows them all)."""
    import dataclasses

    from mentormatch import problems as codes

    held: dict[tuple[str, int], set[str]] = {}  # row -> the columns whose answers held it
    for rejection in result.checked.rejected:
        columns = {
            p.column
            for p in rejection.problems
            if p.rule in (codes.ANSWER_NOT_RECOGNISED, codes.VALUE_UNREADABLE)
        }
        held[(rejection.applicant.source, rejection.applicant.row)] = columns
    shared = []
    for item in found:
        if item.special:
            spec = result.rules.spec.fields.get(item.field)
            names = {item.field, *(spec.headers if spec else ())}
            rows = tuple(r for r in item.rows if held.get(r, set()) & names)
            item = dataclasses.replace(item, rows=rows)
        if item.rows:
            shared.append(item)
    return shared


def input_files(sources: Sequence[Source]) -> list[InputFile]:
    """The export files read, by file name and SHA-256 (never their local paths; a DataFrame has
    neither)."""
    from mentormatch.outcome import InputFile

    files = [s for s in sources if s.table is None and s.path.is_file()]
    return [InputFile(s.path.name, hashlib.sha256(s.path.read_bytes()).hexdigest(), s.role) for s in files]


def _inputs(
    sources: Sequence[Source], rules: Rules, members: str | os.PathLike[str] | None
) -> tuple[Path, ...]:
    return (*(s.path for s in sources if s.table is None), rules.path, *([Path(members)] if members else []))

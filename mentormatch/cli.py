"""The command line: a thin Typer layer that reads options, calls the core and reports."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from mentormatch import __version__
from mentormatch.errors import MentormatchError, RulesError
from mentormatch.matching import match_pairs
from mentormatch.pipeline import Source, Validation, load_members, validate_exports
from mentormatch.report import (
    eligible_sheet,
    match_counts,
    matches_sheet,
    provenance,
    rejected_sheet,
    solve_lines,
    summary_sheet,
    unmatched_sheet,
    validation_counts,
)
from mentormatch.rulefile import Rules, load_rules
from mentormatch.workbook import check_output_path, write_workbook

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="mentormatch",
    help="Check NHS mentoring applications against a programme's rules and pair people optimally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
rules_app = typer.Typer(help="Check, list and show rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class State:
    debug = False
    quiet = False


out = Console()
err = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn core exceptions into one message and exit 1; anything unexpected, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MentormatchError as exc:
            if State.debug:
                raise
            err.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if State.debug:
                raise
            err.print(
                f"[bold red]Error:[/] mentormatch failed unexpectedly ({type(exc).__name__})."
                " Run again with --debug to see where, and report it.",
                markup=True,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        out.print(f"mentormatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback on errors (no local variables).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only errors and the final counts.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Check NHS mentoring applications against a programme's rules and pair people optimally.

    Exit codes: 0 it ran; 1 the export, rule file or programme could not be processed; 2 a usage
    error (unknown option, missing argument).
    """
    State.debug = debug
    State.quiet = quiet


@contextmanager
def step(message: str) -> Iterator[None]:
    """Show a spinner on stderr while a stage runs (hidden with --quiet or off a terminal)."""
    if State.quiet or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def _say(message: str) -> None:
    """A progress line on stderr, only when a person is watching a terminal."""
    if not State.quiet and err.is_terminal:
        err.print(f"[dim]{message}…[/]", markup=True, highlight=False)


ExportArg = Annotated[
    Path, typer.Argument(help="The form export: .xlsx (Microsoft Forms) or .csv (Google Forms).")
]
RulesOpt = Annotated[Path, typer.Option("--rules", "-r", help="The programme's rule file (YAML).")]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="Worksheet holding the answers (default: the one with most rows)."),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]
MembersOpt = Annotated[
    Path | None,
    typer.Option("--members", help="A membership list (any export or CSV of emails); others are rejected."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")]


def _validate(export: Path, rules: Rules, sheet: str | None, members: Path | None) -> Validation:
    member_emails = load_members(members) if members is not None else None
    return validate_exports([Source(export)], rules, sheet=sheet, members=member_emails, progress=_say)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _print_counts(title: str, lines: list[tuple[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps({label.strip(): value for label, value in lines}, indent=2, default=str))
        return
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("What")
    table.add_column("Count", justify="right")
    for label, value in lines:
        table.add_row(label, str(value))
    out.print(table)


@app.command()
@reports_errors
def validate(
    export: ExportArg,
    rules: RulesOpt,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write a report workbook (Rejected, Eligible, Summary)."),
    ] = None,
    sheet: SheetOpt = None,
    members: MembersOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Check every applicant in an export against a programme's rules.

    Prints rows read, eligible per role and rejected per rule; with `-o` writes a workbook whose
    `Rejected` sheet gives each rejected applicant's row, rule, the value seen and a reason to
    forward.

    Example:

        mentormatch validate examples/kent-medway-mind-2022/applications.xlsx \\
            --rules rules/kent-medway-mind-2022.yaml -o report.xlsx
    """
    loaded = load_rules(rules)
    if output is not None:
        check_output_path(output, force=force, inputs=[export, rules], suffix=".xlsx")
    result = _validate(export, loaded, sheet, members)
    counts = validation_counts(result.checked, loaded)
    if output is not None:
        _say(f"Writing {output.name}")
        lines = [*counts, *provenance(loaded, [(export.name, _sha256(export))])]
        sheets = [
            rejected_sheet(result.checked, loaded),
            eligible_sheet(result.checked, loaded),
            summary_sheet(lines),
        ]
        write_workbook(output, sheets, force=force, inputs=[export, rules])
    _print_counts(f"{loaded.spec.programme.name}: validation", list(counts), as_json)
    if output is not None and not State.quiet and not as_json:
        err.print(f"Wrote {output}", highlight=False)


SolverOpt = Annotated[
    str, typer.Option("--solver", help="auto (HiGHS, else CBC), highs or cbc.", case_sensitive=False)
]
TimeOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit", min=0.1, help="Seconds the solver may take; a stopped result is marked not optimal."
    ),
]


@app.command()
@reports_errors
def match(
    export: ExportArg,
    rules: RulesOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).")],
    sheet: SheetOpt = None,
    members: MembersOpt = None,
    solver: SolverOpt = "auto",
    time_limit: TimeOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Pair the eligible applicants optimally and write the workbook to email on.

    The objective: first as many pairs as possible, then the highest total score (the sum of the
    rule file's weighted score parts), ties broken by a fixed key so reruns give the same pairs.
    Writes sheets `Matches` (with why each pair was made), `Unmatched` (with why), `Rejected` and
    `Summary`. Special category data (ethnicity, gender, disability, sexuality) is used for
    eligibility and priority only and never written.

    Example:

        mentormatch match examples/kent-medway-mind-2022/applications.xlsx \\
            --rules rules/kent-medway-mind-2022.yaml -o pairs.xlsx
    """
    if solver.lower() not in {"auto", "highs", "cbc"}:
        raise typer.BadParameter("choose auto, highs or cbc", param_hint="--solver")
    loaded = load_rules(rules)
    check_output_path(output, force=force, inputs=[export, rules], suffix=".xlsx")
    result = _validate(export, loaded, sheet, members)
    checked = result.checked
    spec = loaded.spec.matching
    if spec is None:
        raise RulesError(
            f"{rules}: has no 'matching' section", "add one; see rules/kent-medway-mind-2022.yaml"
        )
    with step("Solving"):
        matching = match_pairs(
            loaded,
            checked.eligible_in(spec.receiver),
            checked.eligible_in(spec.giver),
            solver=solver.lower(),
            time_limit=time_limit,
            progress=_say,
        )
    counts = match_counts(checked, matching, loaded)
    lines = [*counts, *solve_lines(matching), *provenance(loaded, [(export.name, _sha256(export))])]
    _say(f"Writing {output.name}")
    sheets = [
        matches_sheet(matching, loaded),
        unmatched_sheet(matching, loaded),
        rejected_sheet(checked, loaded),
        summary_sheet(lines),
    ]
    write_workbook(output, sheets, force=force, inputs=[export, rules])
    shown = [*counts, *solve_lines(matching)[:2]]
    _print_counts(f"{loaded.spec.programme.name}: matching", shown, as_json)
    if not matching.solution.optimal:
        err.print(f"[bold yellow]Warning:[/] the pairing is NOT proven optimal ({matching.solution.status}).")
    if not State.quiet and not as_json:
        err.print(f"Wrote {output}", highlight=False)


@rules_app.command("check")
@reports_errors
def rules_check(rule_file: Annotated[Path, typer.Argument(help="A rule file to check.")]) -> None:
    """Check a rule file and say what it defines.

    Example:

        mentormatch rules check rules/kent-medway-mind-2022.yaml
    """
    loaded = load_rules(rule_file)
    spec = loaded.spec
    roles = ", ".join(spec.roles)
    out.print(
        f"{rule_file}: OK: '{spec.programme.name}', {len(spec.fields)} fields, roles {roles}",
        highlight=False,
        soft_wrap=True,
    )


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        err.print("Interrupted; no output was written.")
        sys.exit(130)

"""The command line: a thin Typer layer that reads options, calls the core and reports."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from mentormatch import __version__
from mentormatch.errors import MentormatchError, RulesError

# Everything else is imported where a command needs it, so that `--version`, `--help` and the
# light commands start in a few hundredths of a second (numpy, openpyxl and the solvers are not
# loaded until a command reads an export or pairs people).
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from mentormatch.outcome import Outcome
    from mentormatch.outputs import Outputs
    from mentormatch.pipeline import Source, Validation
    from mentormatch.rulefile import Rules

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="mentormatch",
    help="Check NHS mentoring applications against a programme's rules and pair people optimally.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # "rich" keeps examples and <angle brackets> as written; "markdown" ate `<email>` and backticks.
    rich_markup_mode="rich",
)
rules_app = typer.Typer(help="Check, list and show rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class State:
    debug = False
    quiet = False
    json = False
    outputs: Outputs | None = None  # the running command's staged outputs


# Control characters (ESC, BEL, CR ...), C1 controls and bidirectional overrides in file content
# would act on the terminal (clear it, retitle the window, hide text): they are shown escaped.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with every control character written out (ESC -> \\x1b); newlines and tabs kept."""
    return _CONTROL_RE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


class _Terminal(Console):
    """A Console whose text (str or Text) never carries a raw control character."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        shown = [_visible_object(o) for o in objects]
        try:
            super().print(*shown, **kwargs)
        except OSError:  # the terminal went away (SIGHUP, a closed pipe): nothing to tell
            if isinstance(sys.exc_info()[1], BrokenPipeError):
                raise


def _visible_object(obj: Any) -> Any:
    if isinstance(obj, str):
        return visible(obj)
    if isinstance(obj, Text) and _CONTROL_RE.search(obj.plain):
        copy = obj.copy()
        copy.plain = visible(obj.plain)  # same length or longer: styles shift, text is safe
        return copy
    return obj


# Markup off everywhere: file names, headers and answers may contain [brackets].
out = _Terminal(markup=False)
err = _Terminal(stderr=True, markup=False)


def _labelled(label: str, style: str, message: str) -> Text:
    return Text.assemble((label, style), " ", visible(message))


F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn core exceptions into one message and exit 1; anything unexpected, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _say.stage = ""
        try:
            done = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
            return done
        except MentormatchError as exc:
            _say.stop(failed=True)
            if State.debug:
                raise
            err.print(_labelled("Error:", "bold red", str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except typer.BadParameter as exc:  # a command's own checks: a usage message, exit 2
            _say.stop(failed=True)
            exc.ctx = exc.ctx or _current_context()
            raise
        except BrokenPipeError:  # the reader of stdout went away (`| head`): end quietly
            _say.stop(failed=True)
            _quiet_stdout()
            raise typer.Exit(EXIT_FAILED) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP (interrupt.py)
            stage = _say.stage
            _say.stop(failed=True)
            _interrupted(exc, stage)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            _say.stop()
            if State.debug:
                raise
            message = (
                f"mentormatch failed unexpectedly ({type(exc).__name__})."
                " Run again with --debug to see where, and report it."
            )
            err.print(_labelled("Error:", "bold red", message), highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_FAILED) from None
        finally:
            _say.stop()
            if State.outputs is not None:  # a run that did not commit leaves nothing behind
                State.outputs.discard()
                State.outputs = None

    return wrapper  # type: ignore[return-value]


def _interrupted(exc: KeyboardInterrupt, stage: str) -> None:
    """Say the run was interrupted, and in which stage; exit 128 + the signal's number."""
    from mentormatch.interrupt import NAMES, Interrupted, last_signal

    # A solver that caught the signal itself raises a plain KeyboardInterrupt: ask which it was.
    signum = exc.signum if isinstance(exc, Interrupted) else (last_signal() or 2)
    how = NAMES.get(signum, f"signal {signum}")
    where = f" while {stage[:1].lower()}{stage[1:]}" if stage else ""
    with contextlib.suppress(OSError):
        err.print(f"Interrupted ({how}){where}; no output was written.", highlight=False, soft_wrap=True)
    if State.outputs is not None:
        State.outputs.discard()
        State.outputs = None
    raise typer.Exit(128 + signum) from None


def _current_context() -> Any:
    """The running command's click context (so a usage error shows the command's usage line)."""
    import importlib

    for name in ("typer._click.globals", "click.globals"):  # typer vendors click since 0.2x
        with contextlib.suppress(ImportError, AttributeError):
            return importlib.import_module(name).get_current_context(silent=True)
    return None


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _run_outputs(inputs: list[Path], *paths: Path | None) -> Outputs:
    """The outputs of this run: claimed now (the run's start), committed at its end."""
    from mentormatch.outputs import Outputs

    State.outputs = Outputs(inputs)
    for path in paths:
        if path is not None:
            State.outputs.claim(path)
    return State.outputs


def _version(value: bool) -> None:
    if value:
        out.print(f"mentormatch {__version__}")
        raise typer.Exit()


def _remember(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> bool:
    """A --quiet, --json or --debug given after the command's name counts as given before it."""
    if value:
        setattr(State, param.opts[0].removeprefix("--"), True)
    return value


DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show a traceback on errors (no local variables).", callback=_remember)
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors and the final counts.", callback=_remember)
]


@app.callback()
def main_options(
    debug: DebugOpt = False,
    quiet: QuietOpt = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout (validate, match).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Check NHS mentoring applications against a programme's rules and pair people optimally.

    Exit codes: 0 it ran; 1 the export, rule file or programme could not be processed; 2 a usage
    error (unknown option, missing argument).
    """
    State.debug, State.quiet, State.json = debug, quiet, as_json
    from mentormatch.interrupt import install

    install()  # Ctrl-C, SIGTERM and SIGHUP stop the run cleanly (no temporary file left)


class _Bars:
    """The core's progress as bars on stderr, one line per stage, only when a person is watching
    a terminal (not with --quiet). Stages that count their work get a bar and a percentage; the
    others a spinner and the time taken."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live: Progress | None = None
        self.task: TaskID | None = None
        self.message = ""
        self.stage = ""

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.stage = message  # remembered even with no bars: an interruption names its stage
        if State.quiet or not self.console.is_terminal:
            return
        if self.live is None:
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.live = Progress(
                SpinnerColumn(finished_text="✓"),
                TextColumn("{task.description}", markup=False),
                TimeElapsedColumn(),
                TaskProgressColumn(),
                BarColumn(bar_width=None),
                console=self.console,
            )
            self.live.start()
        if self.task is None or message != self.message:
            self._finish()
            self.task = self.live.add_task(message, total=total)
            self.message = message
        if total is not None:
            self.live.update(self.task, completed=done or 0, total=total)

    def _finish(self) -> None:
        if self.live is not None and self.task is not None:
            total = self.live.tasks[-1].total or 1
            self.live.update(self.task, total=total, completed=total)

    def stop(self, failed: bool = False) -> None:
        """Close the bars (before the counts are printed, and when a command ends). A stage that
        failed or was interrupted is left as it was, marked so, never shown as done."""
        if failed and self.live is not None and self.task is not None:
            self.live.update(self.task, description=f"{self.message} (stopped)")
        else:
            self._finish()
        if self.live is not None:
            self.live.stop()
        self.live, self.task, self.message = None, None, ""


_say = _Bars(err)


ExportArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="The form export(s): .xlsx (Microsoft Forms), .csv (Google Forms) or .ods; each holds"
        " a role column. Use --file ROLE=PATH instead when each role has its own file."
    ),
]
FileOpt = Annotated[
    list[str] | None,
    typer.Option("--file", help="A file holding one role's applicants, as ROLE=PATH (repeatable)."),
]
MentorsOpt = Annotated[Path | None, typer.Option("--mentors", help="Short for --file mentor=PATH.")]
MenteesOpt = Annotated[Path | None, typer.Option("--mentees", help="Short for --file mentee=PATH.")]


def _complete_programme(incomplete: str) -> list[str]:
    """Shell completion for --rules: the bundled programmes' names."""
    from mentormatch.programmes import bundled_names

    return [name for name in bundled_names() if name.startswith(incomplete)]


WorkbookArg = Annotated[Path, typer.Argument(help="A pairs workbook written by `mentormatch match`.")]
RulesOpt = Annotated[
    Path,
    typer.Option(
        "--rules",
        "-r",
        metavar="PROGRAMME",
        autocompletion=_complete_programme,
        help="The programme: a bundled programme's name (`mentormatch rules list`) or a rule file (.yaml).",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="Worksheet holding the answers (default: the one with most rows)."),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]
MembersOpt = Annotated[
    Path | None,
    typer.Option("--members", help="A membership list (any export or CSV of emails); others are rejected."),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the summary as JSON on stdout.", callback=_remember)
]


def _sources(
    exports: list[Path] | None, files: list[str] | None, mentors: Path | None, mentees: Path | None
) -> list[Source]:
    from mentormatch.pipeline import Source

    sources = [Source(path) for path in exports or []]
    for given in files or []:
        role, sep, path = given.partition("=")
        if not sep or not role.strip() or not path.strip():
            raise typer.BadParameter(
                f"'{given}' should be ROLE=PATH, e.g. mentor=mentors.xlsx", param_hint="--file"
            )
        sources.append(Source(Path(path.strip()), role.strip()))
    sources += [Source(p, "mentor") for p in [mentors] if p is not None]
    sources += [Source(p, "mentee") for p in [mentees] if p is not None]
    if not sources:
        raise typer.BadParameter(
            "give an export file, or --file ROLE=PATH for each role", param_hint="EXPORT"
        )
    return sources


def _load_rules(given: Path) -> Rules:
    """The rule file named by --rules: a path, or a bundled programme's name."""
    from mentormatch.programmes import find_rules
    from mentormatch.rulefile import load_rules

    return load_rules(find_rules(given))


def _inputs(sources: list[Source], rules: Path, members: Path | None) -> list[Path]:
    return [*(s.path for s in sources), rules, *([members] if members else [])]


def _print_outcome(title: str, outcome: Outcome | None, lines: list[tuple[str, Any]], as_json: bool) -> None:
    """The run's counts on the terminal, or its JSON (the README's schema) on stdout."""
    if as_json and outcome is not None:
        from mentormatch.outcome import outcome_json

        _say.stop()
        print(json.dumps(outcome_json(outcome), indent=2, ensure_ascii=False))
        return
    _print_counts(title, lines, as_json)


def _print_counts(title: str, lines: list[tuple[str, Any]], as_json: bool) -> None:
    from rich.table import Table

    _say.stop()
    if as_json:
        print(json.dumps({label.strip(): value for label, value in lines}, indent=2, default=str))
        return
    counts = [(label, value) for label, value in lines if isinstance(value, int) or len(str(value)) <= 12]
    sentences = [(label, value) for label, value in lines if (label, value) not in counts]
    out.print(title, highlight=False, style="bold", soft_wrap=True)
    table = Table(show_header=False)
    table.add_column("What")
    table.add_column("Count", justify="right")
    for label, value in counts:
        table.add_row(label, str(value))
    out.print(table)
    for label, value in sentences:
        out.print(f"{label}: {value}", highlight=False, soft_wrap=True)


def _print_unforeseen(result: Validation, rules: Rules, warnings: list[str], as_json: bool) -> None:
    """Warnings, and every answer the rules do not recognise (shown in full: the terminal is the
    coordinator's own), on stderr."""
    from mentormatch.report import several_files
    from mentormatch.unrecognised import terminal_lines

    for warning in warnings:
        err.print(_labelled("Warning:", "bold yellow", warning), highlight=False, soft_wrap=True)
    found = result.unrecognised
    if not found or State.quiet or as_json:
        return
    err.print(
        f"Answers the rules do not recognise ({len(result.checked.to_review)} applications held for"
        " review, not rejected); add each to the rule file to decide it:",
        highlight=False,
        soft_wrap=True,
    )
    for line in terminal_lines(found, rules, several_files(result.checked.applicants)):
        err.print(line, highlight=False, soft_wrap=True)


@app.command()
@reports_errors
def validate(
    rules: RulesOpt,
    export: ExportArg = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write a report workbook (Rejected, To review, Eligible, Summary).",
        ),
    ] = None,
    sheet: SheetOpt = None,
    members: MembersOpt = None,
    files: FileOpt = None,
    mentors: MentorsOpt = None,
    mentees: MenteesOpt = None,
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
    from mentormatch.api import validate as check_all
    from mentormatch.workbook import check_output_path

    as_json = as_json or State.json
    sources = _sources(export, files, mentors, mentees)
    loaded = _load_rules(rules)
    inputs = _inputs(sources, loaded.path, members)
    if output is not None:
        check_output_path(output, force=force, inputs=inputs, suffix=".xlsx")
    outputs = _run_outputs(inputs, output)
    report = check_all(sources, rules=loaded, members=members, sheet=sheet, progress=_say)
    if output is not None:
        report.to_excel(output, force=force, progress=_say, outputs=outputs)
    outputs.commit()
    _print_outcome(f"{loaded.spec.programme.name}: validation", report.outcome, list(report.counts), as_json)
    _print_unforeseen(report.validation, loaded, list(report.warnings), as_json)
    if output is not None and not State.quiet and not as_json:
        err.print(f"Wrote {output}", highlight=False)


SolverOpt = Annotated[
    str,
    typer.Option(
        "--solver",
        help="auto (exact min-cost flow, any size), or highs / cbc (the same model as a PuLP LP).",
        case_sensitive=False,
    ),
]
TimeOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.1,
        help="Seconds HiGHS or CBC may take (with --solver); a stopped result is marked not optimal.",
    ),
]


@app.command()
@reports_errors
def match(
    rules: RulesOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).")],
    export: ExportArg = None,
    sheet: SheetOpt = None,
    members: MembersOpt = None,
    files: FileOpt = None,
    mentors: MentorsOpt = None,
    mentees: MenteesOpt = None,
    solver: SolverOpt = "auto",
    time_limit: TimeOpt = None,
    review: Annotated[
        list[Path] | None,
        typer.Option(
            "--review",
            help="A pairs workbook with Decision filled in: keep fixes a pair, reject forbids it for"
            " every later round, blank pairs are kept unless more pairs need them. Normally the"
            " latest workbook only; to give two, repeat the option (--review r1.xlsx --review"
            " r2.xlsx): they must be rounds of one history.",
        ),
    ] = None,
    accept_late: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-late",
            help="Email of a late applicant to admit despite the deadline (kept for later rounds)."
            " Several: repeat the option (--accept-late a@nhs.net --accept-late b@nhs.net) or give"
            " a file of emails. Refused for an address with no application, or one that was on time.",
        ),
    ] = None,
    withdraw: Annotated[
        list[str] | None,
        typer.Option(
            "--withdraw",
            help="Email of someone who dropped out; needs --review. Several: repeat the option"
            " (--withdraw a@nhs.net --withdraw b@nhs.net) or give a file of emails. Refused for an"
            " address in no pair and no application (a typo).",
        ),
    ] = None,
    exclude_previous: Annotated[
        list[Path] | None,
        typer.Option(
            "--exclude-previous", help="An earlier cohort's pairs workbook: never repeat its pairs."
        ),
    ] = None,
    favour_unmatched: Annotated[
        list[Path] | None,
        typer.Option("--favour-unmatched", help="An earlier workbook: pair its unmatched people first."),
    ] = None,
    monitoring: Annotated[
        Path | None,
        typer.Option(
            "--monitoring",
            help="Also write equality monitoring counts (small counts hidden) to this separate workbook;"
            " never forward it with the pairs.",
        ),
    ] = None,
    accept_unverified: Annotated[
        bool,
        typer.Option(
            "--accept-unverified",
            help="Review a workbook written by an older mentormatch (no Check column), whose rows"
            " cannot be verified: only after checking by eye that each row's names and emails"
            " belong together.",
        ),
    ] = False,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Pair (or group) the eligible applicants optimally and write the workbook to email on.

    The objective: first as many pairs as possible, then the highest total score (the sum of the
    rule file's weighted score parts), ties broken by a fixed key so reruns give the same pairs.
    Writes sheets `Matches` (with why each pair was made; `Groups` for group mentoring),
    `Unmatched` (with why), `Rejected` and `Summary`. Special category data (ethnicity, gender,
    disability, sexuality) is used for eligibility and priority only and never written.

    Example:

        mentormatch match examples/kent-medway-mind-2022/applications.xlsx \\
            --rules rules/kent-medway-mind-2022.yaml -o pairs.xlsx

    With one file per role:

        mentormatch match --mentors mentors.xlsx --mentees mentees.xlsx --rules rules/x.yaml -o pairs.xlsx

    After review (Decision set to keep / reject in pairs.xlsx), or when someone drops out:

        mentormatch match applications.xlsx --rules rules/x.yaml --review pairs.xlsx -o pairs-v2.xlsx

        mentormatch match applications.xlsx --rules rules/x.yaml --review pairs.xlsx \\
            --withdraw a.b@nhs.net --withdraw c.d@nhs.net -o pairs-v3.xlsx
    """
    from mentormatch.api import match as pair_up

    if solver.lower() not in {"auto", "highs", "cbc"}:
        raise typer.BadParameter("choose auto, highs or cbc", param_hint="--solver")
    as_json = as_json or State.json
    sources = _sources(_no_email_exports(export), files, mentors, mentees)
    loaded = _load_rules(rules)
    earlier = [*(review or []), *(exclude_previous or []), *(favour_unmatched or [])]
    listed = [
        Path(w) for w in [*(withdraw or []), *(accept_late or [])] if "@" not in w and Path(w).is_file()
    ]
    inputs = [*_inputs(sources, loaded.path, members), *earlier, *listed]  # files of emails too
    outputs = _match_outputs(output, monitoring, inputs, force=force)
    result = pair_up(
        sources, rules=loaded, members=members, sheet=sheet, review=review or [], withdraw=withdraw or [],
        accept_late=accept_late or [], exclude_previous=exclude_previous or [],
        favour_unmatched=favour_unmatched or [], solver=solver, time_limit=time_limit, progress=_say,
        accept_unverified=accept_unverified,
    )  # fmt: skip
    result.to_excel(output, force=force, progress=_say, outputs=outputs)
    unmonitored = None
    if monitoring is not None:  # imported only then: monitoring loads HiGHS
        from mentormatch.monitoring import nothing_to_monitor

        unmonitored = nothing_to_monitor(loaded)
    if monitoring is not None and unmonitored is None:
        _say(f"Writing {monitoring.name}")
        result.monitoring_to_excel(monitoring, force=force, outputs=outputs)
    outputs.commit()  # both workbooks, or neither
    _print_outcome(f"{loaded.spec.programme.name}: matching", result.outcome, list(result.counts), as_json)
    _print_unforeseen(result.validation, loaded, list(result.warnings), as_json)
    if result.changes and not as_json:  # counts only on the terminal; who changed is in Changes
        out.print(f"Changes from the reviewed pairs: {result.changes[0]}", highlight=False)
    if not result.optimal:
        warning = f"the result is NOT proven optimal ({result.status})."
        err.print(_labelled("Warning:", "bold yellow", warning), highlight=False)
    if unmonitored is not None:
        err.print(_labelled("Note:", "bold", unmonitored), highlight=False, soft_wrap=True)
    if not State.quiet and not as_json:
        err.print(f"Wrote {output}", highlight=False)


def _no_email_exports(exports: list[Path] | None) -> list[Path] | None:
    """An email where an export belongs: `--withdraw a@x b@y` leaves b@y as an export argument."""
    for path in exports or []:
        if "@" in path.name and not path.exists():
            raise typer.BadParameter(
                f"'{path}' was read as an export file, but it is an email address: an option takes one"
                " value, so give each address with its own option (--withdraw a@nhs.net --withdraw"
                " b@nhs.net), or a file of addresses",
                param_hint="EXPORT",
            )
    return exports


def _match_outputs(output: Path, monitoring: Path | None, inputs: list[Path], *, force: bool) -> Outputs:
    """Check match's output options (usage errors exit 2) and claim its outputs at the start."""
    from mentormatch.workbook import check_output_path

    if monitoring is not None and _same_path(monitoring, output):
        raise typer.BadParameter("give the monitoring workbook its own name", param_hint="--monitoring")
    for path in [output, *([monitoring] if monitoring else [])]:
        check_output_path(path, force=force, inputs=inputs, suffix=".xlsx")
    return _run_outputs(inputs, output, monitoring)


@rules_app.command("check")
@reports_errors
def rules_check(
    rule_file: Annotated[Path, typer.Argument(help="A rule file, or a bundled programme's name.")],
) -> None:
    """Check a rule file and say what it defines.

    Example:

        mentormatch rules check rules/kent-medway-mind-2022.yaml
    """
    loaded = _load_rules(rule_file)
    spec = loaded.spec
    roles = ", ".join(spec.roles)
    out.print(
        f"{rule_file}: OK: '{spec.programme.name}', {len(spec.fields)} fields, roles {roles}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@reports_errors
def explain(
    workbook: WorkbookArg,
    rules: RulesOpt,
    person: Annotated[str, typer.Option("--person", "-p", help="The email of the person to explain.")],
    export: Annotated[
        list[Path] | None,
        typer.Option(
            "--export", help="The export(s) the workbook was made from (default: as its Summary records)."
        ),
    ] = None,
    files: FileOpt = None,
    members: MembersOpt = None,
) -> None:
    """Explain one person's outcome: their pair's score part by part and their next-best
    alternatives, or, if unmatched, what ruled each partner out and the smallest change that
    would have paired them.

    Example:

        mentormatch explain pairs.xlsx --rules rules/kent-medway-mind-2022.yaml --person a.b@nhs.net
    """
    from mentormatch.explain import explain_person

    loaded = _load_rules(rules)
    given = _sources(export, files, None, None) if export or files else None
    for line in explain_person(workbook, loaded, person, sources=given, members=members):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@app.command()
@reports_errors
def init(
    export: Annotated[Path, typer.Argument(help="An export of the programme's application form.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The rule file to write (.yaml).")],
    sheet: SheetOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="The programme's name.")] = None,
    force: ForceOpt = False,
) -> None:
    """Write a starting rule file from an export's headers and answers, with every key explained.

    It guesses which column holds the email, name, submission time, role, band, organisation,
    goals and special category answers, and lists the organisations and answers it found, ready
    for aliases. `mentormatch validate` runs with it straight away; then fill in the eligibility.

    Example:

        mentormatch init examples/kent-medway-mind-2022/applications.xlsx -o rules/my-programme.yaml
    """
    from mentormatch.init import draft_rules, write_draft
    from mentormatch.load import load_table
    from mentormatch.rulefile import load_rules

    if output.suffix.lower() not in {".yaml", ".yml"}:
        raise typer.BadParameter("the rule file should end in .yaml", param_hint="--output")
    text = draft_rules(load_table(export, sheet), name=name)
    write_draft(output, text, force=force)
    loaded = load_rules(output)
    if not State.quiet:
        out.print(
            f"Wrote {output}: {len(loaded.spec.fields)} fields, roles {', '.join(loaded.spec.roles)}."
            f" Next: edit it, then `mentormatch validate {export} --rules {output}`.",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
@reports_errors
def introduce(
    workbook: WorkbookArg,
    rules: RulesOpt,
    outbox: Annotated[Path, typer.Option("--output", "-o", help="The folder to write the .eml drafts into.")],
    coordinator: Annotated[
        str,
        typer.Option(
            "--coordinator", help="The coordinator, copied on every email: 'Name <email>' or an email."
        ),
    ],
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            "-t",
            help="The email template (Subject: line, blank line, body); default: the bundled"
            " programme's own.",
        ),
    ] = None,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="An earlier round's pairs workbook: draft only for pairs that are new since it (give"
            " a fresh outbox folder).",
        ),
    ] = None,
    accept_unverified: Annotated[
        bool,
        typer.Option(
            "--accept-unverified",
            help="Use a workbook written by an older mentormatch (no Check column), whose rows cannot"
            " be verified: only after checking by eye that each row's names and emails belong"
            " together, or one person's draft may go to another.",
        ),
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Write one introduction email draft (.eml) per pair, to both partners and copying the
    coordinator, plus a mail-merge CSV. Nothing is sent: open the drafts in Outlook or
    Thunderbird and send them yourself. Pairs marked `reject` in Decision are skipped.

    Example:

        mentormatch introduce pairs.xlsx --rules kent-medway-mind-2022 -o outbox/ \\
            --coordinator "Sam Lee <sam.lee@nhs.net>"

    After a review round, only the pairs made since the last workbook you introduced from:

        mentormatch introduce pairs-v2.xlsx --rules kent-medway-mind-2022 --since pairs.xlsx \
            -o outbox-v2/ --coordinator sam.lee@nhs.net

    With your own template:

        mentormatch introduce pairs.xlsx --rules rules/x.yaml --template my-email.txt \\
            -o outbox/ --coordinator sam.lee@nhs.net
    """
    from mentormatch.introduce import load_template, read_pairs, write_introductions
    from mentormatch.programmes import bundled_template

    loaded = _load_rules(rules)
    template = template or bundled_template(loaded.path)
    if template is None:
        raise typer.BadParameter(
            f"{loaded.path.name} has no bundled template: give one", param_hint="--template"
        )
    pairs = read_pairs(workbook, loaded, unverified=accept_unverified)
    if since is not None:
        from mentormatch.history import introduced_before

        earlier = introduced_before(since, loaded, unverified=accept_unverified)
        pairs = [p for p in pairs if (p.pair_id, p.receiver_email, p.giver_email) not in earlier]
    written = write_introductions(
        pairs, load_template(template, loaded), outbox, rules=loaded, coordinator=coordinator, force=force,
        inputs=[workbook, loaded.path, template, *([since] if since else [])],
    )  # fmt: skip
    if not State.quiet:
        out.print(f"Wrote {len(written)} email drafts and mail-merge.csv to {outbox}", highlight=False)


RulesDirOpt = Annotated[
    Path | None, typer.Option("--dir", help="A folder of rule files (default: the bundled programmes).")
]


@rules_app.command("list")
@reports_errors
def rules_list(folder: RulesDirOpt = None) -> None:
    """List the bundled programmes (or the rule files in a folder) with their names and sources.

    Example:

        mentormatch rules list
    """
    from rich.table import Table

    from mentormatch.describe import list_rule_files
    from mentormatch.programmes import bundled_folder

    rows = list_rule_files(folder or bundled_folder())
    if not rows:
        raise RulesError(f"no rule files (*.yaml) in {folder}", "give the folder that holds them")
    table = Table(show_header=True, header_style="bold")
    for column in ("File" if folder else "Name", "Programme", "Source"):
        table.add_column(column, overflow="fold", no_wrap=column in {"Name", "File"})
    for file_name, programme, source in rows:
        table.add_row(file_name if folder else Path(file_name).stem, programme, source)
    out.print(table)


@rules_app.command("show")
@reports_errors
def rules_show(
    name: Annotated[str, typer.Argument(help="A bundled programme's name, or a rule file.")],
    folder: RulesDirOpt = None,
) -> None:
    """Print a rule file in plain words: deadline, roles, eligibility, matching rules, scores.

    Example:

        mentormatch rules show kent-medway-mind-2022
    """
    from mentormatch.describe import describe_rules

    rules = _load_rules(folder / name if folder else Path(name))
    for line in describe_rules(rules):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


def _options_after_the_command(*groups: typer.Typer) -> None:
    """Every command also takes --quiet and --debug after its name (`mentormatch match ... -q`).

    They are added to each command's signature here, once every command is defined, rather than
    repeated in each; their callbacks set State, so no command body reads them.
    """
    common = {"quiet": QuietOpt, "debug": DebugOpt}
    for group in groups:
        for command in group.registered_commands:
            if command.callback is None:  # pragma: no cover - every command has one
                continue
            signature = inspect.signature(command.callback, eval_str=True)
            extra = [
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=option)
                for name, option in common.items()
            ]
            command.callback = _without(command.callback, set(common))
            command.callback.__signature__ = signature.replace(  # type: ignore[attr-defined]
                parameters=[*signature.parameters.values(), *extra]
            )


def _without(callback: Callable[..., Any], names: set[str]) -> Callable[..., Any]:
    """The command, called without the options that only set State."""

    @functools.wraps(callback)
    def command(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **{k: v for k, v in kwargs.items() if k not in names})

    return command


def _show_flags_as_flags() -> None:
    """In help, a flag shows no value (`--force`, not `--force <bool>`), an argument that takes
    several values `<path>...`, and an option given once per value `<str> (repeatable)` (not
    `<list[Path]>`, and not `...`, which would promise `--withdraw a b`); Typer's own rendering
    shows both."""
    from typer.core import TyperArgument, TyperOption

    def shown(original: Callable[..., str | None]) -> Callable[..., str | None]:
        def display(param: Any, ctx: Any) -> str | None:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                return None
            text = original(param, ctx)
            several = " (repeatable)" if isinstance(param, TyperOption) else "..."
            return (
                re.sub(r"<list\[(\w+)\]>", lambda m: f"<{m.group(1).lower()}>{several}", text or "") or None
            )

        return display

    for kind in (TyperOption, TyperArgument):
        kind.display_type_rich = shown(kind.display_type_rich)  # type: ignore[method-assign]


_options_after_the_command(app, rules_app)
_show_flags_as_flags()


def _same_path(a: Path, b: Path) -> bool:
    from mentormatch.outputs import same_file

    return same_file(a, b)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt as exc:  # outside a command (while starting up): nothing was written
        code = getattr(exc, "exit_code", 130)
        with contextlib.suppress(OSError):
            err.print("Interrupted; no output was written.")
        sys.exit(code)

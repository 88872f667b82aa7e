"""The two main jobs: `validate` (who is eligible, who is rejected and why) and `match` (pair or
group the eligible and write the workbook to email on)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from mentormatch.cli.apps import app
from mentormatch.cli.options import (
    ExportArg,
    FileOpt,
    ForceOpt,
    JsonOpt,
    MembersOpt,
    MenteesOpt,
    MentorsOpt,
    RulesOpt,
    SheetOpt,
    export_sources,
    input_files,
    programme_rules,
)
from mentormatch.cli.running import reports_errors, run_outputs
from mentormatch.cli.terminal import State, bars, err, labelled, out, print_outcome, print_unforeseen

if TYPE_CHECKING:
    from mentormatch.outputs import Outputs


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
    sources = export_sources(export, files, mentors, mentees)
    loaded = programme_rules(rules)
    inputs = input_files(sources, loaded.path, members)
    if output is not None:
        check_output_path(output, force=force, inputs=inputs, suffix=".xlsx")
    outputs = run_outputs(inputs, output)
    report = check_all(sources, rules=loaded, members=members, sheet=sheet, progress=bars)
    if output is not None:
        report.to_excel(output, force=force, progress=bars, outputs=outputs)
    outputs.commit()
    print_outcome(f"{loaded.spec.programme.name}: validation", report.outcome, list(report.counts), as_json)
    print_unforeseen(report.validation, loaded, list(report.warnings), as_json)
    if output is not None and not State.quiet and not as_json:
        err.print(f"Wrote {output}", highlight=False)


SolverOpt = Annotated[
    Literal["auto", "highs", "cbc"],  # mentormatch.solvers.SOLVER_CHOICES (a test checks they agree)
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
        help="Seconds HiGHS or CBC may take (--solver highs|cbc, and group mentoring; the default"
        " pairing route is exact and ignores it); a stopped result is marked not optimal.",
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

        mentormatch match --mentors mentors.xlsx --mentees mentees.xlsx \\
            --rules rules/x.yaml -o pairs.xlsx

    After review (Decision set to keep / reject in pairs.xlsx), or when someone drops out:

        mentormatch match applications.xlsx --rules rules/x.yaml \\
            --review pairs.xlsx -o pairs-v2.xlsx

        mentormatch match applications.xlsx --rules rules/x.yaml \\
            --review pairs.xlsx --withdraw a.b@nhs.net \\
            --withdraw c.d@nhs.net -o pairs-v3.xlsx
    """
    from mentormatch.api import match as pair_up

    as_json = as_json or State.json
    sources = export_sources(_no_email_exports(export), files, mentors, mentees)
    loaded = programme_rules(rules)
    earlier = [*(review or []), *(exclude_previous or []), *(favour_unmatched or [])]
    listed = [
        Path(w) for w in [*(withdraw or []), *(accept_late or [])] if "@" not in w and Path(w).is_file()
    ]
    inputs = [*input_files(sources, loaded.path, members), *earlier, *listed]  # files of emails too
    outputs = _match_outputs(output, monitoring, inputs, force=force)
    result = pair_up(
        sources, rules=loaded, members=members, sheet=sheet, review=review or [], withdraw=withdraw or [],
        accept_late=accept_late or [], exclude_previous=exclude_previous or [],
        favour_unmatched=favour_unmatched or [], solver=solver, time_limit=time_limit, progress=bars,
        accept_unverified=accept_unverified,
    )  # fmt: skip
    result.to_excel(output, force=force, progress=bars, outputs=outputs)
    unmonitored = None
    if monitoring is not None:  # imported only then: monitoring loads HiGHS
        from mentormatch.monitoring import nothing_to_monitor

        unmonitored = nothing_to_monitor(loaded)
    if monitoring is not None and unmonitored is None:
        bars(f"Writing {monitoring.name}")
        result.monitoring_to_excel(monitoring, force=force, outputs=outputs)
    outputs.commit()  # both workbooks, or neither
    print_outcome(f"{loaded.spec.programme.name}: matching", result.outcome, list(result.counts), as_json)
    print_unforeseen(result.validation, loaded, list(result.warnings), as_json)
    if result.changes and not as_json:  # counts only on the terminal; who changed is in Changes
        out.print(f"Changes from the reviewed pairs: {result.changes[0]}", highlight=False)
    if not result.optimal:
        warning = f"the result is NOT proven optimal ({result.status})."
        err.print(labelled("Warning:", "bold yellow", warning), highlight=False)
    if unmonitored is not None:
        err.print(labelled("Note:", "bold", unmonitored), highlight=False, soft_wrap=True)
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
    from mentormatch.outputs import same_file
    from mentormatch.workbook import check_output_path

    if monitoring is not None and same_file(monitoring, output):
        raise typer.BadParameter("give the monitoring workbook its own name", param_hint="--monitoring")
    for path in [output, *([monitoring] if monitoring else [])]:
        check_output_path(path, force=force, inputs=inputs, suffix=".xlsx")
    return run_outputs(inputs, output, monitoring)

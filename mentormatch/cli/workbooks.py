"""Commands on a pairs workbook: `explain` one person's outcome, `introduce` the pairs by email."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentormatch.cli.apps import app
from mentormatch.cli.options import (
    FileOpt,
    ForceOpt,
    MembersOpt,
    RulesOpt,
    WorkbookArg,
    export_sources,
    programme_rules,
)
from mentormatch.cli.running import reports_errors
from mentormatch.cli.terminal import State, out


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
    """Explain one person's outcome in a pairs workbook.

    Paired: their pair's score part by part and their next-best alternatives. Unmatched: what
    ruled each partner out and the smallest change that would have paired them.

    Example:

        mentormatch explain pairs.xlsx --rules kent-medway-mind-2022 \\
            --person a.b@nhs.net
    """
    from mentormatch.explain import explain_person

    loaded = programme_rules(rules)
    given = export_sources(export, files, None, None) if export or files else None
    for line in explain_person(workbook, loaded, person, sources=given, members=members):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


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
    """Write an introduction email draft (.eml) for each pair, and a mail-merge CSV.

    Each draft goes to both partners, copying the coordinator. Nothing is sent: open the drafts in
    Outlook or Thunderbird and send them yourself. Pairs marked `reject` in Decision are skipped.

    Example:

        mentormatch introduce pairs.xlsx --rules kent-medway-mind-2022 \\
            -o outbox/ --coordinator "Sam Lee <sam.lee@nhs.net>"

    After a review round, only the pairs made since the last workbook you introduced from:

        mentormatch introduce pairs-v2.xlsx --rules kent-medway-mind-2022 \\
            --since pairs.xlsx -o outbox-v2/ --coordinator sam.lee@nhs.net

    With your own template:

        mentormatch introduce pairs.xlsx --rules rules/x.yaml \\
            --template my-email.txt -o outbox/ --coordinator sam.lee@nhs.net
    """
    from mentormatch.introduce import load_template, read_pairs, write_introductions
    from mentormatch.programmes import bundled_template

    loaded = programme_rules(rules)
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

"""Rule files: `init` writes a starting one from an export; `rules check`, `rules list` and
`rules show` check, list and describe them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentormatch.cli.apps import app, rules_app
from mentormatch.cli.options import ForceOpt, SheetOpt, programme_rules
from mentormatch.cli.running import reports_errors
from mentormatch.cli.terminal import State, out
from mentormatch.errors import RulesError


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

        mentormatch init examples/kent-medway-mind-2022/applications.xlsx \\
            -o rules/my-programme.yaml
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


@rules_app.command("check")
@reports_errors
def rules_check(
    rule_file: Annotated[Path, typer.Argument(help="A rule file, or a bundled programme's name.")],
) -> None:
    """Check a rule file and say what it defines.

    A mistake is reported with the key it is under (and its line); a file that passes prints its
    programme, fields and roles.

    Example:

        mentormatch rules check rules/kent-medway-mind-2022.yaml
    """
    loaded = programme_rules(rule_file)
    spec = loaded.spec
    roles = ", ".join(spec.roles)
    out.print(
        f"{rule_file}: OK: '{spec.programme.name}', {len(spec.fields)} fields, roles {roles}",
        highlight=False,
        soft_wrap=True,
    )


RulesDirOpt = Annotated[
    Path | None, typer.Option("--dir", help="A folder of rule files (default: the bundled programmes).")
]


@rules_app.command("list")
@reports_errors
def rules_list(folder: RulesDirOpt = None) -> None:
    """List the bundled programmes (or the rule files in a folder) with their names and sources.

    A bundled programme's name is what `--rules` takes; the source is the programme's public
    document its rules follow.

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

    Read it to check the rules say what the programme's own document says, before a first run.

    Example:

        mentormatch rules show kent-medway-mind-2022
    """
    from mentormatch.describe import describe_rules

    rules = programme_rules(folder / name if folder else Path(name))
    for line in describe_rules(rules):
        out.print(line, highlight=False, markup=False, soft_wrap=True)

"""The options and arguments commands share, with their help text, and what they turn into: the
sources to read, the programme's rules, the files a run must never write over."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mentormatch.cli.running import started
from mentormatch.cli.terminal import State

if TYPE_CHECKING:
    from mentormatch.pipeline import Source
    from mentormatch.rulefile import Rules


def remember(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> bool:
    """A --quiet, --json or --debug given after the command's name counts as given before it."""
    if value:
        setattr(State, param.opts[0].removeprefix("--"), True)
    return value


DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show a traceback on errors (no local variables).", callback=remember)
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors and the final counts.", callback=remember)
]
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


def complete_programme(incomplete: str) -> list[str]:
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
        autocompletion=complete_programme,
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
    bool, typer.Option("--json", help="Print the summary as JSON on stdout.", callback=remember)
]


def export_sources(
    exports: list[Path] | None, files: list[str] | None, mentors: Path | None, mentees: Path | None
) -> list[Source]:
    """The files to read, each with its role when the option says it (--file, --mentors...)."""
    from mentormatch.pipeline import Source

    found = [Source(path) for path in exports or []]
    for given in files or []:
        role, sep, path = given.partition("=")
        if not sep or not role.strip() or not path.strip():
            raise typer.BadParameter(
                f"'{given}' should be ROLE=PATH, e.g. mentor=mentors.xlsx", param_hint="--file"
            )
        found.append(Source(Path(path.strip()), role.strip()))
    found += [Source(p, "mentor") for p in [mentors] if p is not None]
    found += [Source(p, "mentee") for p in [mentees] if p is not None]
    if not found:
        raise typer.BadParameter(
            "give an export file, or --file ROLE=PATH for each role", param_hint="EXPORT"
        )
    return found


def programme_rules(given: Path) -> Rules:
    """The rule file named by --rules: a path, or a bundled programme's name. Every command that
    reads one has loaded the library first, so start-up is over once it is read."""
    from mentormatch.programmes import find_rules
    from mentormatch.rulefile import load_rules

    rules = load_rules(find_rules(given))
    started()
    return rules


def input_files(sources: list[Source], rules: Path, members: Path | None) -> list[Path]:
    """The files a run reads, which it must never write over."""
    return [*(s.path for s in sources), rules, *([members] if members else [])]

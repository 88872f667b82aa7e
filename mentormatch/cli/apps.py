"""The Typer applications, `mentormatch` and its `rules` group, and the options given before a
command (--debug, --quiet, --json, --version). The commands are added by the modules named for
them (jobs, workbooks, rules); mentormatch.cli.commands puts them together."""

from __future__ import annotations

from typing import Annotated

import typer

from mentormatch import __version__
from mentormatch.cli.options import DebugOpt, QuietOpt
from mentormatch.cli.terminal import State, out

# Typer converts an option's value through pydantic (about 60 ms to import, with importlib.metadata)
# unless it is a bool already, and an option not given is None: `match --help` paid that for this
# group's --help and Typer's --install-completion / --show-completion, none of them given. They
# default to False instead (Click's default_map, by the options' names): bools, passed through.
NOT_GIVEN = {"help": False, "install_completion": False, "show_completion": False, "rules": {"help": False}}

app = typer.Typer(
    name="mentormatch",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Help in Click's plain layout: it reads as well as Typer's Rich panels (better at 80 columns,
    # where the panels squeezed each option's help into 23), and --help never loads Typer's
    # rich_utils (Markdown, Syntax, Traceback: about 30 ms). Examples keep their lines (`\b`,
    # conventions.prose_that_wraps); lines up to 120 columns on a wide terminal.
    rich_markup_mode=None,
    context_settings={"default_map": NOT_GIVEN, "max_content_width": 120},
)
rules_app = typer.Typer(help="Check, list and show rule files.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


def _version(value: bool) -> None:
    if value:
        out.print(f"mentormatch {__version__}")
        raise typer.Exit()


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

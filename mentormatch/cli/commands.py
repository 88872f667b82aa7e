"""The whole command line, assembled: the apps with every command added (from the modules named
for them) and the conventions applied. `run` is what the console script runs."""

from __future__ import annotations

import contextlib
import sys

from mentormatch.cli import jobs, rules, workbooks
from mentormatch.cli.apps import app, rules_app
from mentormatch.cli.conventions import options_after_the_command, prose_that_wraps, show_flags_as_flags
from mentormatch.cli.terminal import err

COMMANDS = (jobs, workbooks, rules)  # each adds its commands to the apps when imported
# The order `mentormatch --help` lists them in: the two main jobs first.
ORDER = ("validate", "match", "explain", "init", "introduce")
app.registered_commands.sort(key=lambda c: ORDER.index(c.name or getattr(c.callback, "__name__", "")))
prose_that_wraps(app, rules_app)
options_after_the_command(app, rules_app)
show_flags_as_flags()


def run() -> None:
    """Run the command line (mentormatch.cli.main, the console script, calls this)."""
    try:
        app()
    except KeyboardInterrupt as exc:  # outside a command (while starting up): nothing was written
        code = getattr(exc, "exit_code", 130)
        with contextlib.suppress(OSError):
            err.print("Interrupted; no output was written.")
        sys.exit(code)

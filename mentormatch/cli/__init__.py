"""The command line: a thin Typer layer over the library (mentormatch.api), in rooms:

- ``apps``: the Typer apps (``mentormatch``, ``mentormatch rules``) and the options before a command;
- ``options``: the options and arguments commands share, with their help text;
- ``jobs``: ``validate`` and ``match``; ``workbooks``: ``explain`` and ``introduce``; ``rules``:
  ``init`` and ``rules check / list / show``;
- ``terminal``: what is printed (the consoles, progress bars, counts); ``running``: errors, Ctrl-C
  and a run's outputs;
- ``conventions``: options after the command, flags shown as flags; ``commands``: all of it
  assembled.

This module stays light: ``mentormatch --version`` answers without loading Typer or Rich, and the
rest is imported when ``main`` runs (or when ``app`` is first used, as the tests do).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Any

from mentormatch import __version__

if TYPE_CHECKING:
    from mentormatch.cli.commands import app, rules_app
    from mentormatch.cli.terminal import Bars, State, visible

__all__ = ["Bars", "State", "app", "main", "rules_app", "visible"]


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:  # answered before Typer and Rich are loaded
        print(f"mentormatch {__version__}")
        return
    # Start-up allocates hundreds of thousands of objects that live as long as the process
    # (modules, classes, schemas, vocabularies) and no garbage: the cyclic collector only slowed
    # it (about a tenth of a small run). It is back on once start-up is over (running.started).
    gc.disable()
    # numpy's OpenBLAS starts a thread per core at import, which spin and cost a small run about
    # a tenth of its CPU; mentormatch does no BLAS work worth threads. A user's own setting wins.
    if not {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"} & set(os.environ):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from mentormatch.cli.commands import run

    run()


# Where the names this package offers live; imported on first use.
_HOMES = {"app": "commands", "rules_app": "commands", "Bars": "terminal", "State": "terminal",
          "visible": "terminal"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'mentormatch.cli' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"mentormatch.cli.{_HOMES[name]}"), name)

"""How a command runs: core exceptions become one message and an exit code, Ctrl-C (or SIGTERM,
SIGHUP) says which stage it stopped, and a run that does not finish leaves no output behind."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from mentormatch.cli.terminal import State, bars, err, labelled
from mentormatch.errors import MentormatchError

if TYPE_CHECKING:
    from mentormatch.outputs import Outputs

EXIT_FAILED = 1  # the export, rule file or programme could not be processed (2: a usage error)

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn core exceptions into one message and exit 1; anything unexpected, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bars.stage = ""
        try:
            done = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
            return done
        except MentormatchError as exc:
            bars.stop(failed=True)
            if State.debug:
                raise
            err.print(labelled("Error:", "bold red", str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except typer.BadParameter as exc:  # a command's own checks: a usage message, exit 2
            bars.stop(failed=True)
            exc.ctx = exc.ctx or _current_context()
            raise
        except BrokenPipeError:  # the reader of stdout went away (`| head`): end quietly
            bars.stop(failed=True)
            _quiet_stdout()
            raise typer.Exit(EXIT_FAILED) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP (interrupt.py)
            stage = bars.stage
            bars.stop(failed=True)
            _interrupted(exc, stage)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            bars.stop()
            if State.debug:
                raise
            message = (
                f"mentormatch failed unexpectedly ({type(exc).__name__})."
                " Run again with --debug to see where, and report it."
            )
            err.print(labelled("Error:", "bold red", message), highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_FAILED) from None
        finally:
            bars.stop()
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


def run_outputs(inputs: list[Path], *paths: Path | None) -> Outputs:
    """The outputs of this run: claimed now (the run's start), committed at its end."""
    from mentormatch.outputs import Outputs

    State.outputs = Outputs(inputs)
    for path in paths:
        if path is not None:
            State.outputs.claim(path)
    return State.outputs


def started() -> None:
    """Start-up is over (the library and the programme's rules are loaded): the cyclic garbage
    collector, paused by mentormatch.cli.main, works again, never looking at what start-up
    loaded (frozen). A no-op when the commands run in a process that did not pause it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()

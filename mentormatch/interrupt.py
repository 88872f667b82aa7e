"""Stopping a run cleanly: Ctrl-C, SIGTERM and SIGHUP become one exception, even mid-solve.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt; SIGTERM (``kill``) and SIGHUP (the terminal
closed) would end the process at once, leaving temporary files behind. :func:`install` makes all
three raise :class:`Interrupted` (a KeyboardInterrupt), so every ``finally`` and ``with`` block
runs: staged outputs and spool files are removed (see outputs.py). :func:`deferred` holds a signal
back while a few critical lines run (moving outputs into place). A HiGHS solve hears the signal
too: it runs in highspy's solver thread and is cancelled (solvers.py, ``interruptible_run``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

SIGNALS = tuple(
    s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP")) if s is not None
)
NAMES = {signal.SIGINT: "Ctrl-C"} | {s: signal.Signals(s).name for s in SIGNALS if s != signal.SIGINT}


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``signum`` says which (exit status 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(NAMES.get(signum, f"signal {signum}"))
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    installed = False
    holding = 0  # depth of deferred() blocks
    pending: int | None = None  # a signal that arrived while holding
    last: int | None = None  # the last signal received


def _handler(signum: int, frame: FrameType | None) -> None:
    _State.last = signum
    if _State.holding:
        _State.pending = _State.pending or signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise Interrupted in the main thread (idempotent)."""
    if _State.installed or threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        with suppress(OSError, ValueError):
            if signal.getsignal(signum) == signal.SIG_IGN:
                continue  # started with the signal ignored (nohup, a background job): keep it so
            signal.signal(signum, _handler)
    _State.installed = True


@contextmanager
def deferred() -> Iterator[None]:
    """Hold signals back while the block runs; one that arrived is raised when it ends."""
    _State.holding += 1
    try:
        yield
    finally:
        _State.holding -= 1
        if not _State.holding and _State.pending is not None:
            signum, _State.pending = _State.pending, None
            raise Interrupted(signum)


def last_signal() -> int | None:
    """The signal that last stopped the run (None: none did)."""
    return _State.last

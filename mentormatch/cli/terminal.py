"""What the command line prints: the two consoles (stdout, stderr) that never pass a raw control
character, the progress bars, and a run's counts, warnings and unforeseen answers."""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.text import Text

    from mentormatch.outcome import Outcome
    from mentormatch.outputs import Outputs
    from mentormatch.pipeline import Validation
    from mentormatch.rulefile import Rules


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


class Terminal:
    """stdout or stderr: a Rich console, made when first printed to (help and --version print
    without loading Rich), whose text (str or Text) never carries a raw control character."""

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            # Markup and emoji codes off: file names, headers and answers may contain [brackets]
            # or :colon words: that must print as written.
            self._console = Console(stderr=self.stderr, markup=False, emoji=False)
        return self._console

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def print(self, *objects: Any, **kwargs: Any) -> None:
        shown = [_visible_object(o) for o in objects]
        try:
            self.console.print(*shown, **kwargs)
        except OSError:  # the terminal went away (SIGHUP, a closed pipe): nothing to tell
            if isinstance(sys.exc_info()[1], BrokenPipeError):
                raise


def _visible_object(obj: Any) -> Any:
    from rich.text import Text

    if isinstance(obj, str):
        return visible(obj)
    if isinstance(obj, Text) and _CONTROL_RE.search(obj.plain):
        copy = obj.copy()
        copy.plain = visible(obj.plain)  # same length or longer: styles shift, text is safe
        return copy
    return obj


out = Terminal()
err = Terminal(stderr=True)


def labelled(label: str, style: str, message: str) -> Text:
    from rich.text import Text

    return Text.assemble((label, style), " ", visible(message))


class Bars:
    """The core's progress as bars on stderr, one line per stage, only when a person is watching
    a terminal (not with --quiet). Stages that count their work get a bar and a percentage; the
    others a spinner and the time taken."""

    def __init__(self, console: Console | Terminal) -> None:
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
                console=self.console.console if isinstance(self.console, Terminal) else self.console,
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


bars = Bars(err)  # the running command's progress


def print_outcome(title: str, outcome: Outcome | None, lines: list[tuple[str, Any]], as_json: bool) -> None:
    """The run's counts on the terminal, or its JSON (the README's schema) on stdout."""
    if as_json and outcome is not None:
        from mentormatch.outcome import outcome_json

        bars.stop()
        print(json.dumps(outcome_json(outcome), indent=2, ensure_ascii=False))
        return
    print_counts(title, lines, as_json)


def print_counts(title: str, lines: list[tuple[str, Any]], as_json: bool) -> None:
    from rich.table import Table

    bars.stop()
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


def print_unforeseen(result: Validation, rules: Rules, warnings: list[str], as_json: bool) -> None:
    """Warnings, and every answer the rules do not recognise (shown in full: the terminal is the
    coordinator's own), on stderr."""
    from mentormatch.report import several_files, terminal_lines

    for warning in warnings:
        err.print(labelled("Warning:", "bold yellow", warning), highlight=False, soft_wrap=True)
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

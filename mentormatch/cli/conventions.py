"""Conventions every command follows, applied once all are defined: --quiet and --debug after the
command's name too, help that shows a flag as a flag and a repeatable option as repeatable, and
help prose that wraps to the terminal's width."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import typer

from mentormatch.cli.options import DebugOpt, QuietOpt


def options_after_the_command(*groups: typer.Typer) -> None:
    """Every command also takes --quiet and --debug after its name (`mentormatch match ... -q`).

    They are added to each command's signature here, once every command is defined, rather than
    repeated in each; their callbacks set State, so no command body reads them.
    """
    common = {"quiet": QuietOpt, "debug": DebugOpt}
    for group in groups:
        for command in group.registered_commands:
            if command.callback is None:  # pragma: no cover - every command has one
                continue
            signature = inspect.signature(command.callback, eval_str=True)
            extra = [
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=option)
                for name, option in common.items()
            ]
            command.callback = _without(command.callback, set(common))
            command.callback.__signature__ = signature.replace(  # type: ignore[attr-defined]
                parameters=[*signature.parameters.values(), *extra]
            )


def _without(callback: Callable[..., Any], names: set[str]) -> Callable[..., Any]:
    """The command, called without the options that only set State."""

    @functools.wraps(callback)
    def command(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **{k: v for k, v in kwargs.items() if k not in names})

    return command


def show_flags_as_flags() -> None:
    """In help, a flag shows no value (`--force`, not `--force <bool>`), an argument that takes
    several values `<path>...`, and an option given once per value `<str> (repeatable)` (not
    `<list[Path]>`, and not `...`, which would promise `--withdraw a b`); Typer's own rendering
    shows both."""
    from typer.core import TyperArgument, TyperOption

    def shown(original: Callable[..., str | None]) -> Callable[..., str | None]:
        def display(param: Any, ctx: Any) -> str | None:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                return None
            text = original(param, ctx)
            several = " (repeatable)" if isinstance(param, TyperOption) else "..."
            return (
                re.sub(r"<list\[(\w+)\]>", lambda m: f"<{m.group(1).lower()}>{several}", text or "") or None
            )

        return display

    for kind in (TyperOption, TyperArgument):
        kind.display_type_rich = shown(kind.display_type_rich)  # type: ignore[method-assign]


def prose_that_wraps(*groups: typer.Typer) -> None:
    """Help prose flows to the terminal's width: each paragraph of a command's docstring becomes
    one line for Click to wrap. Indented paragraphs (the examples) keep their lines as written.
    The list of commands shows each one's whole first paragraph (Click cut it at the width with
    "...")."""
    for group in groups:
        for command in group.registered_commands:
            if command.help is None and command.callback is not None:
                command.help = reflowed(inspect.getdoc(command.callback) or "")
                command.short_help = command.short_help or command.help.split("\n\n")[0]


def reflowed(doc: str) -> str:
    """A docstring with each unindented paragraph joined into one line, and each indented one
    marked with Click's ``\\b`` (keep these lines as they are)."""

    def flowed(paragraph: str) -> str:
        indented = any(line.startswith(" ") for line in paragraph.splitlines())
        return "\b\n" + paragraph if indented else " ".join(paragraph.split())

    return "\n\n".join(flowed(paragraph) for paragraph in doc.split("\n\n"))

"""Run-stopping problems: a small exception hierarchy whose messages say how to fix them."""

from __future__ import annotations


class MentormatchError(Exception):
    """Base class: a problem that stops the run. The message is shown to the user as it is."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  Hint: {self.hint}"


class ExportError(MentormatchError):
    """The applications export cannot be read or lacks a column the rules need."""


class RulesError(MentormatchError):
    """The rule file is unreadable or breaks the rule-file schema."""


class InfeasibleError(MentormatchError):
    """The matching rules contradict each other, so no pairing can satisfy them."""


class SolverError(MentormatchError):
    """No solver could be run, or it failed without an answer."""


class OutputError(MentormatchError):
    """An output file cannot be written (exists, is the input, or the folder is missing)."""

"""mentormatch: check NHS mentoring applications against rules and pair people optimally.

import mentormatch
report = mentormatch.validate("applications.xlsx", rules="kent-medway-mind-2022")
result = mentormatch.match("applications.xlsx", rules="kent-medway-mind-2022")
result.pairs, result.unmatched, result.rejected      # pandas DataFrames
result.to_excel("pairs.xlsx")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The one place the version is written: pyproject.toml reads it from here (tool.setuptools.dynamic),
# so the installed package's metadata says the same without a lookup at every start.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from mentormatch.api import MatchResult, ValidationReport, match, validate
    from mentormatch.errors import (
        ExportError,
        InfeasibleError,
        MentormatchError,
        OutputError,
        RulesError,
        SolverError,
    )
    from mentormatch.programmes import bundled_names
    from mentormatch.rulefile import Rules, load_rules

__all__ = [
    "ExportError",
    "InfeasibleError",
    "MatchResult",
    "MentormatchError",
    "OutputError",
    "Rules",
    "RulesError",
    "SolverError",
    "ValidationReport",
    "__version__",
    "bundled_names",
    "load_rules",
    "match",
    "validate",
]

# Where each public name lives; imported on first use, so `import mentormatch` (and the command
# line's start) stays light.
_HOMES = {
    "MatchResult": "api", "ValidationReport": "api", "match": "api", "validate": "api",
    "ExportError": "errors", "InfeasibleError": "errors", "MentormatchError": "errors",
    "OutputError": "errors", "RulesError": "errors", "SolverError": "errors",
    "bundled_names": "programmes", "Rules": "rulefile", "load_rules": "rulefile",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'mentormatch' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"mentormatch.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)

"""The validate stage end to end: load each export, map columns, build applicants, check them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mentormatch.applicants import Applicant, build_applicants
from mentormatch.columns import ColumnMap, resolve_columns
from mentormatch.eligibility import Checked, check_applicants
from mentormatch.errors import ExportError
from mentormatch.load import Table, load_table
from mentormatch.notices import unmapped_warnings
from mentormatch.progress import Progress, silent
from mentormatch.rulefile import Rules
from mentormatch.unrecognised import Unrecognised, unrecognised_answers


@dataclass(frozen=True)
class Source:
    """One export file, and the role of everyone in it when the file is one role's; ``table``
    when the answers are already loaded (a DataFrame given to the library)."""

    path: Path
    role: str | None = None
    table: Table | None = None


@dataclass(frozen=True)
class Validation:
    """Everything the validate stage learnt: the rows read and who is eligible or rejected."""

    sources: tuple[Source, ...]
    rules: Rules
    columns: tuple[ColumnMap, ...]
    checked: Checked
    warnings: tuple[str, ...] = ()  # for the terminal and the Summary sheet

    @property
    def rows_read(self) -> int:
        return len(self.checked.applicants)

    @cached_property
    def unrecognised(self) -> list[Unrecognised]:
        """Every answer the rules did not foresee, per field (see mentormatch.unrecognised)."""
        return unrecognised_answers(self.checked.applicants, self.rules)


def validate_exports(
    sources: Sequence[Source],
    rules: Rules,
    *,
    sheet: str | None = None,
    members: frozenset[str] | None = None,
    progress: Progress | None = None,
    late: frozenset[str] = frozenset(),
) -> Validation:
    """Load every export and check every applicant against the rules (``late``: late applicants
    admitted by the coordinator)."""
    say = progress or silent
    applicants: list[Applicant] = []
    maps: list[ColumnMap] = []
    for source in sources:
        if source.role is not None and source.role not in rules.spec.roles:
            raise ExportError(
                f"{source.path}: the role '{source.role}' is not in {rules.path}",
                f"roles there: {', '.join(rules.spec.roles)}",
            )
        say(f"Loading {source.path.name}")
        table = source.table if source.table is not None else load_table(source.path, sheet)
        columns = resolve_columns(table, rules)
        maps.append(columns)
        applicants += build_applicants(table, columns, rules, role=source.role)
    say("Checking eligibility")
    checked = check_applicants(applicants, rules, members, late)
    warnings = unmapped_warnings(rules, [(s.path.name, m) for s, m in zip(sources, maps, strict=True)])
    return Validation(tuple(sources), rules, tuple(maps), checked, tuple(warnings))


def _text_cells(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return [re.split(r"[,;\t]", line) for line in text.splitlines()]


def load_members(path: Path) -> frozenset[str]:
    """Emails of a membership list: any export or CSV; every cell that is an email counts."""
    from mentormatch.normalise import readable_emails

    cells_of: list[Sequence[object]]
    if path.suffix.lower() in {".csv", ".txt"} and path.is_file():
        cells_of = list(_text_cells(path))  # a short list, perhaps one line with no header
    else:
        table = load_table(path)
        cells_of = [table.headers, *[row.cells for row in table.rows]]  # a list may have no header
    emails = {email for cells in cells_of for email in readable_emails(cells)}
    if not emails:
        raise ExportError(f"{path}: no email addresses found in the membership list")
    return frozenset(emails)

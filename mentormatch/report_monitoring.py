"""The equality monitoring workbook: a sheet of counts per special category field, then Notes.

monitoring.py counts and hides small numbers; this module lays its tables out as sheets and
writes them, apart from the pairs workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mentormatch.eligibility import Checked
from mentormatch.monitoring import COLUMNS, NOT_GIVEN, SUPPRESSION_RULE, monitoring_tables
from mentormatch.outputs import Outputs
from mentormatch.rulefile import Rules
from mentormatch.workbook import Sheet, write_workbook


def monitoring_sheets(
    checked: Checked,
    rules: Rules,
    matched_emails: set[str],
    unmatched_emails: set[str],
    scores: Sequence[tuple[str, Any]] = (),
) -> list[Sheet]:
    """One sheet per special-category field (counts by answer, small numbers hidden), then the
    score parts that read special category data (``scores``, for the coordinator) if any, then Notes.

    See ``monitoring.monitoring_tables`` for what is counted. No name, email or row number is written.
    """
    tables = monitoring_tables(checked, rules, matched_emails, unmatched_emails)
    sheets = [Sheet(table.label, list(COLUMNS), table.rows) for table in tables]
    if scores:
        sheets.append(Sheet("Special category scores", ["Item", "Value"], [list(x) for x in scores]))
    sheets.append(_notes(rules, [table.label for table in tables]))
    return sheets


def _notes(rules: Rules, labels: list[str]) -> Sheet:
    covered = ", ".join(labels) if labels else "none (no field in the rule file has special_category: true)"
    lines = [
        f"Equality monitoring for {rules.spec.programme.name} (rule file {rules.path.name}).",
        f"Sheets: {covered}. Each counts applicants by their answer; a blank answer is '{NOT_GIVEN}'.",
        "Applicants: everyone who applied, each person once (a repeated submission is not counted again)."
        " Eligible: those who met the programme's rules. Matched: eligible applicants given a partner or"
        " group. Unmatched: eligible applicants left without one.",
        f"Small numbers: {SUPPRESSION_RULE}",
        "This workbook holds no names, email addresses or row numbers, but it describes special category"
        " data (UK GDPR Article 9). Keep it separate from the pairs workbook: do NOT forward it with the"
        " pairs or attach it to introduction emails, because put side by side the two could identify"
        " people in small groups.",
        "Share it only with the people who monitor the programme's equality, diversity and inclusion,"
        " and delete it when it is no longer needed.",
    ]
    return Sheet("Notes", ["Note"], [[line] for line in lines], wrap=frozenset({"Note"}))


def write_monitoring(
    path: Path,
    sheets: Sequence[Sheet],
    *,
    force: bool,
    inputs: Sequence[Path],
    outputs: Outputs | None = None,
) -> None:
    """Write the monitoring workbook (.xlsx) atomically: never over an input, nor over a file unless force."""
    write_workbook(Path(path), sheets, force=force, inputs=inputs, outputs=outputs)

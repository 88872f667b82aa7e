"""The bundled Kent & Medway MIND example: `mentormatch validate` agrees with expected.csv.

The example and its expected outcomes come from examples/kent-medway-mind-2022/generate.py, which
decides each row's outcome from how it built the row, not by running mentormatch.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.problems import REVIEW

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "kent-medway-mind-2022"
EXPORT = EXAMPLE / "applications.xlsx"
RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"
REJECTED_HEADER = ["Row", "Name", "Email", "Role", "Rule", "Value seen", "Reason"]


def expected_rows() -> dict[int, dict[str, str]]:
    with (EXAMPLE / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return {int(row["row"]): row for row in csv.DictReader(handle)}


def sheet_rows(path: Path, name: str) -> tuple[list[str], list[dict[str, object]]]:
    wb = load_workbook(path, read_only=True)
    try:
        ws = wb[name]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(cell) if cell is not None else "" for cell in rows[0]]
    body = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(c is not None for c in row)]
    return header, body


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mind") / "report.xlsx"
    result = CliRunner().invoke(app, ["validate", str(EXPORT), "--rules", str(RULES), "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.exists()
    return out


def test_rejected_sheet_starts_with_the_documented_columns(report: Path) -> None:
    """Rows and rules are checked for all five programmes in tests/test_examples.py."""
    header, rows = sheet_rows(report, "Rejected")
    assert header[: len(REJECTED_HEADER)] == REJECTED_HEADER
    # those held for review (no rule failed) are on the To review sheet, not here
    assert len(rows) == sum(
        e["outcome"] == "rejected" and e["rule"] not in REVIEW for e in expected_rows().values()
    )


def test_expected_counts_are_what_the_readme_says() -> None:
    expected = expected_rows()
    eligible = [e["role"] for e in expected.values() if e["outcome"] == "eligible"]
    assert (eligible.count("mentee"), eligible.count("mentor")) == (69, 43)
    assert len(expected) == 152

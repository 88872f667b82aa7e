"""The bundled Kent & Medway MIND example: `mentormatch validate` agrees with expected.csv.

The example and its expected outcomes come from examples/kent-medway-mind-2022/generate.py, which
decides each row's outcome from how it built the row, not by running mentormatch.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from mentormatch.cli import app

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


def test_rejected_sheet_matches_expected(report: Path) -> None:
    expected = {row: e for row, e in expected_rows().items() if e["outcome"] == "rejected"}
    header, rows = sheet_rows(report, "Rejected")
    assert header[: len(REJECTED_HEADER)] == REJECTED_HEADER
    by_row = {int(str(r["Row"])): r for r in rows}
    assert len(by_row) == len(rows), "a row is listed twice on the Rejected sheet"
    missing, extra = sorted(set(expected) - set(by_row)), sorted(set(by_row) - set(expected))
    assert not missing and not extra, (
        f"rejected rows differ: not rejected but should be {missing}, "
        f"rejected but should be eligible {[(r, by_row[r]['Rule'], by_row[r]['Value seen']) for r in extra]}"
    )
    wrong = []
    for row, e in sorted(expected.items()):
        got = by_row[row]
        first = str(got["Rule"] or "").split(",")[0].strip()
        if first != e["rule"]:
            wrong.append((row, e["email"], f"expected {e['rule']}", f"got {got['Rule']}", got["Value seen"]))
        assert isinstance(got["Reason"], str) and got["Reason"].strip(), f"row {row}: empty Reason"
    assert not wrong, "first rule differs:\n" + "\n".join(map(str, wrong))


def test_eligible_sheet_matches_expected(report: Path) -> None:
    expected = {row: e for row, e in expected_rows().items() if e["outcome"] == "eligible"}
    header, rows = sheet_rows(report, "Eligible")
    assert header[:4] == ["Row", "Name", "Email", "Role"]
    by_row = {int(str(r["Row"])): r for r in rows}
    assert len(by_row) == len(rows), "a row is listed twice on the Eligible sheet"
    assert sorted(by_row) == sorted(expected)
    wrong_role = [
        (row, e["email"], e["role"], by_row[row]["Role"])
        for row, e in sorted(expected.items())
        if str(by_row[row]["Role"] or "").strip().lower() != e["role"]
    ]
    assert not wrong_role, wrong_role
    wrong_email = [
        (row, e["email"], by_row[row]["Email"])
        for row, e in sorted(expected.items())
        if str(by_row[row]["Email"] or "").strip().lower() != e["email"]
    ]
    assert not wrong_email, wrong_email


def test_expected_counts_are_what_the_readme_says() -> None:
    expected = expected_rows()
    eligible = [e["role"] for e in expected.values() if e["outcome"] == "eligible"]
    assert (eligible.count("mentee"), eligible.count("mentor")) == (68, 42)
    assert len(expected) == 152


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mind_generate", EXAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generate = load_generator()
    generate.main(tmp_path / "a")
    generate.main(tmp_path / "b")
    first = (tmp_path / "a" / "expected.csv").read_bytes()
    assert first == (tmp_path / "b" / "expected.csv").read_bytes()
    # and the committed files are what the script writes
    assert first == (EXAMPLE / "expected.csv").read_bytes()
    workbook = (tmp_path / "a" / "applications.xlsx").read_bytes()
    assert workbook == (tmp_path / "b" / "applications.xlsx").read_bytes()
    assert workbook == EXPORT.read_bytes()

"""`mentormatch explain` on the MIND example: a matched and an unmatched person."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES

runner = CliRunner()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def first_email(path: Path, sheet: str, column: str) -> str:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    header, first = list(ws.iter_rows(min_row=1, max_row=2, values_only=True))
    return str(first[header.index(column)])


def explain(pairs: Path, email: str) -> str:
    result = runner.invoke(app, ["explain", str(pairs), "--rules", str(MIND_RULES), "--person", email])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_a_matched_mentee_part_by_part(pairs: Path) -> None:
    email = first_email(pairs, "Matches", "Mentee email")
    mentor = first_email(pairs, "Matches", "Mentor email")
    text = explain(pairs, email)
    assert text.startswith(f"{email}: paired with")
    assert mentor in text.splitlines()[0]
    assert "goals supported:" in text and "of 50 points" in text
    assert "band gap:" in text and "Next-best alternatives:" in text


def test_explain_an_unmatched_mentee(pairs: Path) -> None:
    email = first_email(pairs, "Unmatched", "Email")
    text = explain(pairs, email)
    assert text.startswith(f"{email}: unmatched")
    assert "Of 42 eligible mentors" in text and "Smallest change" in text


def test_explain_a_rejected_applicant(pairs: Path) -> None:
    email = first_email(pairs, "Rejected", "Email")
    text = explain(pairs, email)
    assert "rejected" in text.splitlines()[0]


def test_explain_unknown_person_is_one_clear_error(pairs: Path) -> None:
    result = runner.invoke(
        app, ["explain", str(pairs), "--rules", str(MIND_RULES), "--person", "nobody@nhs.net"]
    )
    assert result.exit_code == 1
    assert "nobody@nhs.net is not among the applicants" in result.output

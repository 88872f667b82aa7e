"""`mentormatch explain` on the MIND example: a matched and an unmatched person."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES

runner = CliRunner()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The export kept beside the pairs workbook: the Summary records it by name and SHA-256 only.
    folder = tmp_path_factory.mktemp("explain")
    export = folder / MIND_EXPORT.name
    shutil.copyfile(MIND_EXPORT, export)
    out = folder / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(out)])
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
    assert "Of 43 eligible mentors" in text and "Smallest change" in text


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


# --- explain tells what match did: a reviewed round, a members list ---------------------------------


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    values = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


@pytest.fixture(scope="module")
def reviewed(pairs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str]]:
    """Round 2 after the coordinator rejected round 1's best pair."""
    folder = tmp_path_factory.mktemp("reviewed")
    rows = sheet_rows(pairs, "Matches")
    best = max(rows, key=lambda r: (r["Score"], str(r["Pair"])))
    vetoed = (str(best["Mentee email"]), str(best["Mentor email"]))
    wb = openpyxl.load_workbook(pairs)
    ws = wb["Matches"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("Pair")].value == best["Pair"]:
            row[header.index("Decision")].value = "reject"
    wb.save(folder / "reviewed.xlsx")
    out = folder / "r2.xlsx"
    export = folder / MIND_EXPORT.name  # kept beside the workbooks: the Summary records its name
    shutil.copyfile(MIND_EXPORT, export)
    args = ["match", str(export), "--rules", str(MIND_RULES), "-o", str(out), "--review"]
    result = runner.invoke(app, [*args, str(folder / "reviewed.xlsx")])
    assert result.exit_code == 0, result.output
    return out, vetoed


def test_explain_agrees_with_match_on_a_reviewed_round(reviewed: tuple[Path, tuple[str, str]]) -> None:
    from mentormatch.explain import explain_person
    from mentormatch.rulefile import load_rules

    out, (mentee, mentor) = reviewed
    rules = load_rules(MIND_RULES)
    rows = sheet_rows(out, "Matches")
    assert (mentee, mentor) not in {(r["Mentee email"], r["Mentor email"]) for r in rows}
    sample = rows[::7] + [r for r in rows if r["Mentee email"] == mentee or r["Mentor email"] == mentor]
    for row in sample:
        lines = explain_person(out, rules, str(row["Mentee email"]))
        assert lines[0] == (
            f"{row['Mentee email']}: paired with {row['Mentor name']} ({row['Mentor email']}),"
            f" score {row['Score']:g}"
        )
    waiting = [r for r in sheet_rows(out, "Unmatched") if r["Role"] == "Mentee"]
    for row in waiting[:3]:
        assert explain_person(out, rules, str(row["Email"]))[0] == f"{row['Email']}: unmatched"
    text = explain_person(out, rules, mentee)
    alternatives = (
        text[text.index("  Next-best alternatives:") + 1 :] if "  Next-best alternatives:" in text else []
    )
    assert not [line for line in alternatives if mentor in line and "Vetoed" not in line]
    assert f"  Vetoed in round 1 (never made again): {mentee} + {mentor}" in text
    assert f"  Vetoed in round 1 (never made again): {mentee} + {mentor}" in explain_person(
        out, rules, mentor
    )


def test_explain_uses_the_members_list_the_workbook_records(tmp_path: Path) -> None:
    from mentormatch.explain import explain_person
    from mentormatch.rulefile import load_rules

    export = tmp_path / MIND_EXPORT.name  # beside the workbooks, as the Summary records it
    shutil.copyfile(MIND_EXPORT, export)
    first = tmp_path / "all.xlsx"
    result = runner.invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(first)])
    assert result.exit_code == 0, result.output
    rows = sheet_rows(first, "Matches")
    outsider = str(rows[0]["Mentee email"])
    members = tmp_path / "members.csv"
    everyone = {str(r[k]) for r in rows for k in ("Mentee email", "Mentor email")} - {outsider}
    members.write_text("\n".join(sorted(everyone)) + "\n", encoding="utf-8")
    out = tmp_path / "members-only.xlsx"
    args = ["match", str(export), "--rules", str(MIND_RULES), "-o", str(out), "--members", str(members)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = explain_person(out, load_rules(MIND_RULES), outsider)
    assert lines[0].startswith(f"{outsider}: rejected") and "not-a-member" in "\n".join(lines)


def test_explain_says_when_the_export_changed_since_the_workbook(tmp_path: Path) -> None:
    import shutil

    from mentormatch.explain import explain_person
    from mentormatch.rulefile import load_rules

    export = tmp_path / "applications.xlsx"
    shutil.copyfile(MIND_EXPORT, export)
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    email = first_email(out, "Matches", "Mentee email")
    rules = load_rules(MIND_RULES)
    assert not [line for line in explain_person(out, rules, email) if line.startswith("Note:")]
    wb = openpyxl.load_workbook(export)
    wb.active.cell(row=1, column=1).value = "ID"  # saved again: other bytes, the same answers
    wb.save(export)
    lines = explain_person(out, rules, email)
    assert lines[0].startswith(f"{email}: paired with")
    assert lines[-1] == (
        "Note: applications.xlsx has changed since pairs.xlsx was written; this account uses the file"
        " as it is now"
    )


def test_explain_refuses_an_export_that_is_not_beside_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    email = first_email(out, "Matches", "Mentee email")
    result = runner.invoke(app, ["explain", str(out), "--rules", str(MIND_RULES), "--person", email])
    assert result.exit_code == 1
    assert "applications.xlsx" in result.output and "--export" in result.output
    given = ["--export", str(MIND_EXPORT)]
    result = runner.invoke(app, ["explain", str(out), "--rules", str(MIND_RULES), "--person", email, *given])
    assert result.exit_code == 0, result.output

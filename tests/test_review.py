"""Review round trip, withdrawals and earlier cohorts; diagnosis of the unmatched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES, mind_export

runner = CliRunner()


def match(out: Path, *extra: str, export: Path = MIND_EXPORT) -> Path:
    result = runner.invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    values = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def pairs(path: Path) -> set[tuple[str, str]]:
    return {(r["Mentee email"], r["Mentor email"]) for r in rows(path, "Matches")}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return match(tmp_path_factory.mktemp("review") / "pairs.xlsx")


def edit_decisions(source: Path, target: Path, decisions: dict[tuple[str, str], str]) -> None:
    """Set Decision cells and re-sort the data rows by score, as a coordinator might in Excel."""
    wb = openpyxl.load_workbook(source)
    ws = wb["Matches"]
    header = [c.value for c in ws[1]]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    m, g, d, s = (header.index(h) for h in ("Mentee email", "Mentor email", "Decision", "Score"))
    for row in data:
        row[d] = decisions.get((row[m], row[g]), row[d])
    data.sort(key=lambda row: (row[s], row[m]))
    for r, row in enumerate(data, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(target)


def test_review_keeps_kept_forbids_rejected_and_changes_nothing_else(first: Path, tmp_path: Path) -> None:
    before = sorted(pairs(first))
    kept, rejected = before[0], before[1]
    edited = tmp_path / "edited.xlsx"
    edit_decisions(first, edited, {kept: "keep", rejected: "reject"})
    assert [r["Decision"] for r in rows(edited, "Matches")].count("reject") == 1
    second = match(tmp_path / "v2.xlsx", "--review", str(edited))
    after = pairs(second)
    assert kept in after
    assert rejected not in after
    assert set(before) - {rejected} <= after
    assert len(after) == len(before)
    changes = [r["Change"] for r in rows(second, "Changes")]
    assert changes[0].startswith(f"{len(before) - 1} pairs unchanged, 1 new, 1 no longer paired")


def test_withdrawal_moves_only_the_affected_people(first: Path, tmp_path: Path) -> None:
    before = pairs(first)
    mentor = sorted(before)[3][1]
    affected = {p for p in before if p[1] == mentor}
    second = match(tmp_path / "v3.xlsx", "--review", str(first), "--withdraw", mentor)
    after = pairs(second)
    assert before - affected <= after
    assert all(p[1] != mentor for p in after)
    withdrawn = [u for u in rows(second, "Unmatched") if u["Email"] == mentor]
    assert len(withdrawn) == 1 and "Withdrew" in withdrawn[0]["Reason"]


def test_exclude_previous_never_repeats_a_pair(first: Path, tmp_path: Path) -> None:
    second = match(tmp_path / "next-cohort.xlsx", "--exclude-previous", str(first))
    assert not pairs(first) & pairs(second)


def test_favour_unmatched_pairs_last_times_unmatched_first(first: Path, tmp_path: Path) -> None:
    waiting = {u["Email"] for u in rows(first, "Unmatched") if u["Role"] == "Mentee"}
    assert waiting
    second = match(tmp_path / "favoured.xlsx", "--favour-unmatched", str(first))
    assert waiting <= {m for m, _g in pairs(second)}


def test_withdraw_without_review_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "match",
            str(MIND_EXPORT),
            "--rules",
            str(MIND_RULES),
            "-o",
            str(tmp_path / "x.xlsx"),
            "--withdraw",
            "a@nhs.net",
        ],
    )
    assert result.exit_code == 1 and "--review" in result.output


def test_unmatched_diagnosis_names_the_blocking_rule(tmp_path: Path) -> None:
    export = mind_export(
        tmp_path / "small.xlsx",
        [
            {"name": "Mia Mentee", "email": "mia@nhs.net", "role": "Mentee", "band": "Band 7"},
            {
                "name": "Oli Mentor",
                "email": "oli@nhs.net",
                "role": "Mentor",
                "band": "Band 7",
                "years": "10 years",
            },
            {
                "name": "Pat Mentor",
                "email": "pat@nhs.net",
                "role": "Mentor",
                "band": "Band 7",
                "before": "Yes",
            },
        ],
    )
    out = match(tmp_path / "pairs.xlsx", export=export)
    reasons = {u["Email"]: u["Reason"] for u in rows(out, "Unmatched")}
    assert "2 are less than 1 band(s) above you" in reasons["mia@nhs.net"]
    assert "relaxing 'band-gap-too-small' would allow 2 mentor(s)" in reasons["mia@nhs.net"]
    assert "1 are not at least 1 band(s) below you" in reasons["oli@nhs.net"]


def test_capacity_diagnosis_names_one_more_place(tmp_path: Path) -> None:
    export = mind_export(
        tmp_path / "small.xlsx",
        [
            {"name": "Ann Mentee", "email": "ann@nhs.net", "role": "Mentee", "band": "Band 5"},
            {
                "name": "Bea Mentee",
                "email": "bea@nhs.net",
                "role": "Mentee",
                "band": "Band 5",
                "goals": "Networking",
            },
            {"name": "Cat Mentor", "email": "cat@nhs.net", "role": "Mentor", "band": "Band 8a"},
        ],
    )
    out = match(tmp_path / "pairs.xlsx", export=export)
    assert pairs(out) == {("ann@nhs.net", "cat@nhs.net")}
    reason = {u["Email"]: u["Reason"] for u in rows(out, "Unmatched")}["bea@nhs.net"]
    assert "at capacity" in reason and "one more place for Cat Mentor (cat@nhs.net)" in reason


def test_best_pairs_mode_makes_only_pairs_above_the_minimum(tmp_path: Path) -> None:
    # The minimum is held against the shown score (the parts that read no special category
    # data: goals 50 + band gap 20 for MIND), so the Score column never falls below it.
    text = MIND_RULES.read_text().replace(
        "  objective: coverage-then-score", "  objective: best-pairs\n  minimum_score: 70"
    )
    rules = tmp_path / "quality.yaml"
    rules.write_text(text)
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(MIND_EXPORT), "--rules", str(rules), "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = [r["Score"] for r in rows(out, "Matches")]
    assert scores and min(scores) >= 70
    reach = rows(first_match(tmp_path), "Matches")
    assert len(scores) < len(reach)
    summary = {r["Item"]: r["Value"] for r in rows(out, "Summary")}
    assert summary["Lowest pair score"] >= 70 and "Median pair score" in summary
    reasons = [u["Reason"] for u in rows(out, "Unmatched") if u["Role"] == "Mentee"]
    assert any("minimum score of 70" in r for r in reasons)


def first_match(tmp_path: Path) -> Path:
    return match(tmp_path / "reach.xlsx")

"""Say what is missing, all at once: every missing column in one message; warnings for optional
questions that feed eligibility or the score, and for a score part that never scores."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import ExportError
from mentormatch.notices import zero_score_parts
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from tests.conftest import MIND_EXPORT, MIND_RULES, mind_export

runner = CliRunner()


def renamed(tmp_path: Path, changes: dict[str, str]) -> Path:
    wb = openpyxl.load_workbook(MIND_EXPORT)
    ws = wb.active
    assert ws is not None
    for cell in ws[1]:
        if cell.value in changes:
            cell.value = changes[cell.value]
    path = tmp_path / "renamed.xlsx"
    wb.save(path)
    return path


def test_every_missing_required_column_in_one_message(tmp_path: Path) -> None:
    export = renamed(
        tmp_path,
        {
            "What is your current Agenda for Change band or grade?": "Current pay grade",
            "What is your ethnic group?": "Ethnic background",
            "Which organisation do you work for?": "Employer",
        },
    )
    rules = load_rules(MIND_RULES)
    try:
        validate_exports([Source(export)], rules)
    except ExportError as exc:
        message = str(exc)
    else:
        raise AssertionError("the missing columns were not reported")
    assert "no column for 'organisation', 'band', 'ethnicity' (3 required fields)" in message
    for name in ("band", "ethnicity", "organisation"):
        assert f"'{name}' expected a header like" in message
    assert "fields.organisation.headers and fields.band.headers and fields.ethnicity.headers" in message
    result = runner.invoke(app, ["validate", str(export), "--rules", str(MIND_RULES)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert all(f"'{name}'" in result.output for name in ("band", "ethnicity", "organisation"))


def test_an_unmapped_optional_field_that_feeds_the_score_is_a_warning(tmp_path: Path) -> None:
    question = "Mentees: what would you like support with?"
    export = renamed(tmp_path, {question: "What would you like help with?"})
    rules = load_rules(MIND_RULES)
    warnings = validate_exports([Source(export)], rules).warnings
    assert len(warnings) == 1
    assert "'goals'" in warnings[0] and "the 'goals supported' score part" in warnings[0]
    pairs = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(pairs)])
    assert result.exit_code == 0, result.output
    assert "Warning: renamed.xlsx: no column for the optional field 'goals'" in result.output
    # ... and the goals part now scores 0 for every allowed pair: said too
    assert "the score part 'goals supported' is 0 for every allowed pair" in result.output
    summary = [r for r in openpyxl.load_workbook(pairs)["Summary"].iter_rows(values_only=True)]
    warned = [str(value) for item, value, *_detail in summary if item == "Warning"]
    assert any("'goals'" in w for w in warned)
    assert any("'goals supported' is 0 for every allowed pair" in w for w in warned)


def test_an_optional_field_nothing_reads_is_not_a_warning(tmp_path: Path) -> None:
    export = renamed(tmp_path, {"Job title": "Role title"})
    assert validate_exports([Source(export)], load_rules(MIND_RULES)).warnings == ()


def test_zero_score_part_found_only_when_no_allowed_pair_scores(tmp_path: Path) -> None:
    rules = load_rules(MIND_RULES)
    # mentees want what no mentor offers: the goals part is 0 for every pair
    people = [
        {"name": f"E{n}", "email": f"e{n}@nhs.net", "role": "Mentee", "band": "Band 5", "goals": "Finance;"}
        for n in range(3)
    ]
    people += [
        {"name": f"R{n}", "email": f"r{n}@nhs.net", "role": "Mentor", "band": "Band 8a",
         "offers": "Leadership;", "org": "Medway NHS Foundation Trust"}
        for n in range(2)
    ]  # fmt: skip
    checked = validate_exports([Source(mind_export(tmp_path / "a.xlsx", people))], rules).checked
    receivers, givers = checked.eligible_in("mentee"), checked.eligible_in("mentor")
    assert len(receivers) == 3 and len(givers) == 2
    assert "goals supported" in zero_score_parts(rules, receivers, givers)
    # one mentor offering Finance makes it score for an allowed pair
    people[-1]["offers"] = "Finance;"
    checked = validate_exports([Source(mind_export(tmp_path / "b.xlsx", people))], rules).checked
    parts = zero_score_parts(rules, checked.eligible_in("mentee"), checked.eligible_in("mentor"))
    assert "goals supported" not in parts

"""CLI behaviour: one-line errors naming the key or header, exit codes, help with examples."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES

runner = CliRunner()


def test_rules_check_accepts_the_mind_rules() -> None:
    result = runner.invoke(app, ["rules", "check", str(MIND_RULES)])
    assert result.exit_code == 0
    assert "OK" in result.output and "mentee, mentor" in result.output


def test_misspelt_rule_key_is_one_line_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MIND_RULES.read_text().replace("deadline:", "deadlin:", 1))
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.count("\n") == 0
    assert "deadlin" in message and "did you mean 'deadline'" in message and str(bad) in message


def test_misspelt_nested_key_names_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MIND_RULES.read_text().replace("    type: band", "    typ: band", 1))
    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(bad)])
    assert result.exit_code == 1
    assert "fields.band: unknown key 'typ'; did you mean 'type'?" in result.output


def test_missing_column_names_expected_found_and_closest(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(MIND_EXPORT)
    ws = wb.active
    assert ws is not None
    for cell in ws[1]:
        if cell.value == "What is your current Agenda for Change band or grade?":
            cell.value = "What is your current AfC band or grade?"
    export = tmp_path / "renamed.xlsx"
    wb.save(export)
    result = runner.invoke(app, ["validate", str(export), "--rules", str(MIND_RULES)])
    assert result.exit_code == 1
    first_line = result.output.strip().splitlines()[0]
    assert "no column for 'band'" in first_line
    assert "expected a header like 'What is your current Agenda for Change band or grade?'" in first_line
    assert "Closest header found: 'What is your current AfC band or grade?'" in first_line
    assert "Headers found" in first_line and "Traceback" not in result.output


def test_missing_export_is_exit_1_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx"), "--rules", str(MIND_RULES)])
    assert result.exit_code == 1
    assert "nope.xlsx" in result.output and "Traceback" not in result.output


def test_usage_error_is_exit_2() -> None:
    assert runner.invoke(app, ["validate", str(MIND_EXPORT)]).exit_code == 2
    assert runner.invoke(app, ["validate", "--no-such-option"]).exit_code == 2


def test_validate_prints_counts_and_writes_report(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Rows read" in result.output and "Rejected: after-deadline" in result.output
    # the example's grades that are neither a band nor in 'grades' are listed on Unrecognised
    # held for review (no rule failed): their own sheet, apart from the rejected
    assert openpyxl.load_workbook(out).sheetnames == [
        "Rejected",
        "Eligible",
        "Summary",
        "To review",
        "Unrecognised",
    ]


def test_validate_json_summary(tmp_path: Path) -> None:
    import json

    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(MIND_RULES), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    eligible = {role["role"]: role["eligible"] for role in data["roles"]}
    # every row is eligible, rejected by a rule, or held for review (no rule failed), once
    assert (
        data["rows_read"]
        == eligible["mentee"] + eligible["mentor"] + data["rejected"] + data["held_for_review"]
    )


def test_every_command_has_help_with_an_example() -> None:
    commands = [["validate"], ["match"], ["explain"], ["init"], ["introduce"], ["rules", "check"]]
    commands += [["rules", "list"], ["rules", "show"]]
    for command in commands:
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("mentormatch ")


def test_members_list_rejects_non_members_and_keeps_members(tmp_path: Path) -> None:
    from tests.conftest import mind_export

    export = mind_export(
        tmp_path / "apps.xlsx",
        [
            {"name": "Ann", "email": "ann@nhs.net", "role": "Mentee", "band": "Band 5"},
            {"name": "Bob", "email": "bob@nhs.net", "role": "Mentor", "band": "Band 8a"},
        ],
    )
    members = tmp_path / "members.csv"
    members.write_text("ann@nhs.net\n", encoding="utf-8")  # no header row: the first line is an email
    out = tmp_path / "report.xlsx"
    args = ["validate", str(export), "--rules", str(MIND_RULES), "--members", str(members), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rejected = list(openpyxl.load_workbook(out)["Rejected"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[4]) for r in rejected] == [("bob@nhs.net", "not-a-member")]

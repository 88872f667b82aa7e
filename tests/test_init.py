"""Drafting a rule file from an export: it loads, validates, and recognises the usual questions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import ExportError, OutputError
from mentormatch.init import draft_rules, quote_yaml, write_draft
from mentormatch.load import load_table
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, MIND_EXPORT

runner = CliRunner()


def example_exports() -> list[Path]:
    """Every export under examples/*/ (globbed now: other examples may still be being written)."""
    found = sorted(
        path
        for pattern in ("*/*.xlsx", "*/*.csv")
        for path in EXAMPLES.glob(pattern)
        if path.name != "expected.csv" and not path.name.startswith((".", "~$"))
    )
    assert MIND_EXPORT in found
    return found


def draft_file(export: Path, folder: Path) -> Path:
    path = folder / f"{export.parent.name}-{export.stem}.yaml"
    write_draft(path, draft_rules(load_table(export)), force=False)
    return path


def test_every_example_export_gives_a_draft_that_loads_and_validates(tmp_path: Path) -> None:
    for export in example_exports():
        draft = draft_file(export, tmp_path)
        rules = load_rules(draft)
        assert "email" in rules.spec.fields and "name" in rules.spec.fields
        check = runner.invoke(app, ["rules", "check", str(draft)])
        assert check.exit_code == 0, (export, check.output)
        result = runner.invoke(app, ["validate", str(export), "--rules", str(draft)])
        assert result.exit_code == 0, (export, result.output)


def test_every_column_is_used_or_listed() -> None:
    for export in example_exports():
        table = load_table(export)
        text = draft_rules(table)
        rules_text = yaml.safe_load(text)
        used = {h for spec in rules_text["fields"].values() for h in spec["headers"]}
        for header in table.headers:
            if header:
                assert header in used or quote_yaml(header) in text, (export, header)


@pytest.fixture(scope="module")
def mind_draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return draft_file(MIND_EXPORT, tmp_path_factory.mktemp("draft"))


def test_mind_draft_recognises_the_questions(mind_draft: Path) -> None:
    spec = load_rules(mind_draft).spec
    fields = spec.fields
    assert fields["email"].headers == ["Work email address", "Email"]  # Forms' own column last
    assert fields["email"].type == "email" and not fields["email"].optional
    assert fields["name"].headers == ["Full name", "Name"]
    assert fields["submitted"].headers[0] == "Completion time" and fields["submitted"].type == "datetime"
    assert fields["role"].headers == ["Are you applying to be a mentor or a mentee?"]
    assert spec.role_field == "role"
    assert fields["band"].type == "band"
    assert fields["band"].headers == ["What is your current Agenda for Change band or grade?"]
    assert fields["organisation"].type == "organisation"
    assert fields["ethnicity"].special_category and fields["gender"].special_category
    assert not any(f.special_category for n, f in fields.items() if n not in {"ethnicity", "gender"})
    assert fields["line_manager"].type == "email"
    assert fields["capacity"].type == "number"
    assert fields["goals"].type == "multi" and fields["offers"].type == "multi"
    assert fields["years_in_role"].type == "years"
    assert [f.type for n, f in fields.items() if "mentoring" in n] == ["yesno"]
    assert set(spec.roles["mentee"].answers) == {"Mentee", "I would like a mentor"}
    assert set(spec.roles["mentor"].answers) == {"Mentor", "I would like to be a mentor"}
    assert all(role.eligibility is None for role in spec.roles.values())
    assert spec.deadline is None
    assert spec.organisations is not None
    names = spec.organisations.names
    assert {"EKHUFT", "MTW", "Medway NHS Foundation Trust", "Oxleas NHS Foundation Trust"} <= set(names)
    matching = spec.matching
    assert matching is not None
    assert (matching.receiver, matching.giver) == ("mentee", "mentor")
    assert matching.capacity.default == 1 and matching.capacity.field == "capacity"
    assert matching.band_gap is not None and matching.band_gap.min == 1
    assert matching.never_field == "line_manager"
    parts = {p.part: p for p in matching.score}
    assert parts["goals"].field == "goals" and parts["goals"].offer_field == "offers"
    assert "band_gap" in parts


def test_mind_draft_comments(mind_draft: Path) -> None:
    text = mind_draft.read_text(encoding="utf-8")
    assert '#   A "ID"' in text  # Forms' ID column: listed, not used
    assert '# deadline: "' in text and "# eligibility:" in text and "# grades:" in text
    assert '"Consultant"' in text  # a grade the band reader does not know, offered for 'grades'
    assert 'until you add each to a role\'s answers: "Not sure"' in text
    for line in text.splitlines():  # readable without scrolling sideways (long headers excepted)
        assert len(line) <= 130


def test_mind_draft_validates_everyone(mind_draft: Path) -> None:
    checked = validate_exports([Source(MIND_EXPORT)], load_rules(mind_draft)).checked
    assert len(checked.applicants) == 152
    assert len(checked.eligible_in("mentee")) > 60 and len(checked.eligible_in("mentor")) > 40
    assert {r.rule for r in checked.rejected} <= {
        "duplicate-submission",
        "email-missing",
        "grade-needs-review",
        "role-unknown",
        "answer-not-recognised",  # the role answer 'Not sure' names no role: held for review
    }
    held = [r for r in checked.rejected if r.rule == "answer-not-recognised"]
    assert held and {r.applicant.raw.get("role") for r in held} == {"Not sure"}


def test_draft_matches(mind_draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", str(MIND_EXPORT), "--rules", str(mind_draft), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


def write_csv_export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_google_forms_export(tmp_path: Path) -> None:
    export = write_csv_export(
        tmp_path / "responses.csv",
        [
            ["Timestamp", "Email Address", "What is your name?", "Would you like to be a mentor or a mentee?",
             "Pay band", "Do you manage staff?", "Topics", "What is your religion or belief?",
             "Favourite colour"],
            ["2024/01/10 10:00:00 AM GMT", "a@nhs.net", "Ann", "Mentee", "Band 5", "No",
             "Leadership, Confidence", "Christian", "Blue"],
            ["2024/01/11 10:00:00 AM GMT", "b@nhs.net", "Bob", "Mentor", "8a", "Yes",
             "Confidence, Networking", "None", "Red"],
            ["2024/01/12 10:00:00 AM GMT", "c@nhs.net", "Cat", "Mentee", "Band 6", "yes",
             "Leadership, Networking", "Prefer not to say", "Green"],
            ["2024/01/13 10:00:00 AM GMT", "d@nhs.net", "Dan", "Mentor", "Band 7", "no",
             "Leadership, Confidence", "Muslim", "Teal"],
        ],
    )  # fmt: skip
    text = draft_rules(load_table(export), name="Test programme: 2024")
    path = tmp_path / "draft.yaml"
    write_draft(path, text, force=False)
    spec = load_rules(path).spec
    assert spec.programme.name == "Test programme: 2024"
    assert spec.programme.year == 2024
    assert spec.fields["email"].headers == ["Email Address"]
    assert spec.fields["name"].headers == ["What is your name?"]
    assert spec.fields["submitted"].headers == ["Timestamp"]
    assert spec.fields["band"].type == "band"
    assert spec.fields["religion"].special_category
    assert spec.fields["goals"].type == "multi"
    assert [f.type for n, f in spec.fields.items() if "manage" in n] == ["yesno"]
    assert spec.roles["mentor"].answers == ["Mentor"]
    assert '#   I "Favourite colour"' in text
    result = runner.invoke(app, ["validate", str(export), "--rules", str(path)])
    assert result.exit_code == 0, result.output


def test_no_email_column_names_what_to_fill_in(tmp_path: Path) -> None:
    export = write_csv_export(
        tmp_path / "export.csv",
        [["Name", "Role"], ["Ann", "Mentee"], ["Bob", "Mentor"]],
    )
    path = tmp_path / "draft.yaml"
    write_draft(path, draft_rules(load_table(export)), force=False)
    rules = load_rules(path)
    assert rules.spec.fields["email"].headers == ["Email address"]
    with pytest.raises(ExportError) as caught:
        validate_exports([Source(export)], rules)
    assert "no column for 'email'" in caught.value.message
    assert caught.value.hint is not None and "fields.email.headers" in caught.value.hint
    assert "# FILL IN" in path.read_text(encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), "--rules", str(path)])
    assert result.exit_code == 1 and "fields.email.headers" in result.output


def test_awkward_headers_and_answers(tmp_path: Path) -> None:
    export = write_csv_export(
        tmp_path / "export.csv",
        [
            ["Email", 'Name: "full" # really', "yes", "2024 cohort?", "Which trust? (e.g. 'MTW')", "Email"],
            ["a@nhs.net", "Ann", "Yes", "No", "Trust: A #1", "x"],
            ["b@nhs.net", "Bob", "No", "Yes", 'Trust "B"\\', "y"],
        ],
    )
    text = draft_rules(load_table(export))
    path = tmp_path / "draft.yaml"
    write_draft(path, text, force=False)
    spec = load_rules(path).spec
    assert set(spec.fields["organisation"].headers) == {"Which trust? (e.g. 'MTW')"}
    assert spec.organisations is not None
    assert set(spec.organisations.names) == {"Trust: A #1", 'Trust "B"\\'}
    assert all(isinstance(name, str) and name[0].isalpha() for name in spec.fields)
    assert "(two columns have this header)" in text
    result = runner.invoke(app, ["validate", str(export), "--rules", str(path)])
    assert result.exit_code in {0, 1}, result.output
    assert "Traceback" not in result.output


@given(st.text())
def test_quote_yaml_reads_back_exactly(text: str) -> None:
    assert yaml.safe_load(f"key: {quote_yaml(text)}") == {"key": text}


def test_write_draft_refuses_overwrite_and_bad_suffix(tmp_path: Path) -> None:
    path = tmp_path / "draft.yaml"
    write_draft(path, "a: 1\n", force=False)
    with pytest.raises(OutputError, match="exists"):
        write_draft(path, "a: 2\n", force=False)
    assert path.read_text(encoding="utf-8") == "a: 1\n"
    write_draft(path, "a: 2\n", force=True)
    assert path.read_text(encoding="utf-8") == "a: 2\n"
    with pytest.raises(OutputError, match=r"\.yaml"):
        write_draft(tmp_path / "draft.txt", "a: 1\n", force=False)
    with pytest.raises(OutputError, match="does not exist"):
        write_draft(tmp_path / "missing" / "draft.yaml", "a: 1\n", force=False)

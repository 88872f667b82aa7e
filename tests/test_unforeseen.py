"""An answer the rules did not foresee goes to review and is listed; it never rejects anyone.

Expected outcomes come from the programme texts (seeds/000: MIND mentees are "from a BAME
background, or a woman or non-binary member of staff and currently working at Band 4 - 7"), not
from the rule file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentormatch.errors import RulesError
from mentormatch.pipeline import Source, validate_exports
from mentormatch.report import REVIEW_COLUMNS, forwardable_rows
from mentormatch.rulefile import load_rules
from mentormatch.unrecognised import HIDDEN_ANSWER, unrecognised_answers
from tests.conftest import MIND_RULES, mind_export

# Census 2021 ethnic groups nobody wrote into the MIND rule file, each an ethnic minority.
# Answers no census, NHS code list or common short form names (the vocabulary knows "Kurdish" and
# "Latin American" under "Any other ethnic group", and asks about "Roma").
UNFORESEEN_ETHNIC = ["Cornish", "Sami", "Pacific Islander", "Any other ethnic background: Ainu"]


def outcome(tmp_path: Path, people: list[dict[str, object]], rules_path: Path = MIND_RULES) -> dict[str, str]:
    rules = load_rules(rules_path)
    export = mind_export(tmp_path / "export.xlsx", people)
    checked = validate_exports([Source(export)], rules).checked
    found = {a.email or "": "eligible" for a in checked.eligible}
    found |= {r.applicant.email or "": r.rule for r in checked.rejected}
    return found


def test_unforeseen_ethnic_group_goes_to_review_not_rejection(tmp_path: Path) -> None:
    people = [
        {"name": f"M{n}", "email": f"m{n}@nhs.net", "role": "Mentee", "band": "Band 5", "gender": "Man",
         "ethnicity": answer}
        for n, answer in enumerate(UNFORESEEN_ETHNIC)
    ]  # fmt: skip
    people += [
        # a woman is eligible whatever her ethnic group answer says
        {"name": "W", "email": "w@nhs.net", "role": "Mentee", "band": "Band 5", "gender": "Woman",
         "ethnicity": "Cornish"},
        # a man of a white group is not in the mentee groups: a rule decides, so he is rejected
        {"name": "X", "email": "x@nhs.net", "role": "Mentee", "band": "Band 5", "gender": "Man",
         "ethnicity": "White - British"},
        # Band 9 is outside Band 4-7 whatever the ethnic group means: rejected by the band rule
        {"name": "Y", "email": "y@nhs.net", "role": "Mentee", "band": "Band 9", "gender": "Man",
         "ethnicity": "Cornish"},
    ]  # fmt: skip
    got = outcome(tmp_path, people)
    for n in range(len(UNFORESEEN_ETHNIC)):
        assert got[f"m{n}@nhs.net"] == "answer-not-recognised"
    assert got["w@nhs.net"] == "eligible"
    assert got["x@nhs.net"] == "not-in-mentee-groups"
    assert got["y@nhs.net"] == "band-out-of-range"


def test_unforeseen_organisation_goes_to_review(tmp_path: Path) -> None:
    people = [
        {"name": "A", "email": "a@nhs.net", "role": "Mentee", "band": "Band 5", "org": "Ashford Clinic"},
        {"name": "B", "email": "b@nhs.net", "role": "Mentee", "band": "Band 5",
         "org": "Oxleas NHS Foundation Trust"},
        {"name": "C", "email": "c@nhs.net", "role": "Mentee", "band": "Band 5", "org": "KCHFT"},
    ]  # fmt: skip
    got = outcome(tmp_path, people)
    assert got["a@nhs.net"] == "answer-not-recognised"
    assert got["b@nhs.net"] == "organisation-not-in-programme"  # a London trust, outside Kent
    assert got["c@nhs.net"] == "eligible"


def test_unforeseen_grade_goes_to_review(tmp_path: Path) -> None:
    people = [{"name": "G", "email": "g@nhs.net", "role": "Mentor", "band": "Senior Sister", "years": "9"}]
    assert outcome(tmp_path, people)["g@nhs.net"] == "grade-needs-review"


MULTI_RULES = """
programme: {name: Multi test, source: "seeds/002 (Nursing, Midwifery, AHP and Admin staff)"}
fields:
  email: {headers: ["Work email address"], type: email}
  name: {headers: ["Full name"]}
  role: {headers: ["Are you applying to be a mentor or a mentee?"], type: choice}
  groups:
    headers: ["Mentees: what would you like support with?"]
    type: multi
    values: [Leadership, Confidence, Finance]
    CLOSED
roles:
  mentee:
    answers: [Mentee]
    eligibility: {field: groups, in: [Leadership, Confidence]}
  mentor:
    answers: [Mentor]
"""


def multi_rules(tmp_path: Path, closed: str = "") -> Path:
    path = tmp_path / "multi.yaml"
    path.write_text(MULTI_RULES.replace("CLOSED", closed))
    return path


def test_unforeseen_multi_select_answer_goes_to_review(tmp_path: Path) -> None:
    people = [
        {"name": "A", "email": "a@nhs.net", "role": "Mentee", "goals": "Finance;Resilience;"},
        {"name": "B", "email": "b@nhs.net", "role": "Mentee", "goals": "Finance;"},
        {"name": "C", "email": "c@nhs.net", "role": "Mentee", "goals": "Resilience;Leadership;"},
        {"name": "D", "email": "d@nhs.net", "role": "Mentee", "goals": "Resilience;"},
    ]
    got = outcome(tmp_path, people, multi_rules(tmp_path))
    assert got["a@nhs.net"] == "answer-not-recognised"  # Resilience might be what the rule wants
    assert got["b@nhs.net"] == "groups-not-accepted"  # Finance is known and not accepted
    assert got["c@nhs.net"] == "eligible"  # one accepted answer is enough
    assert got["d@nhs.net"] == "answer-not-recognised"


def test_a_closed_field_rejects_unknown_answers(tmp_path: Path) -> None:
    path = multi_rules(tmp_path, 'closed: "the form offered only these three answers"')
    people = [{"name": "D", "email": "d@nhs.net", "role": "Mentee", "goals": "Resilience;"}]
    assert outcome(tmp_path, people, path)["d@nhs.net"] == "groups-not-accepted"


@pytest.mark.parametrize("closed", ["closed: true", 'closed: ""', "closed: 1"])
def test_closing_a_field_needs_a_reason(tmp_path: Path, closed: str) -> None:
    with pytest.raises(RulesError, match="say why the field is closed"):
        load_rules(multi_rules(tmp_path, closed))


def test_unrecognised_answers_are_listed_per_field_with_counts_and_lines(tmp_path: Path) -> None:
    rules = load_rules(MIND_RULES)
    people = [
        {"name": f"K{n}", "email": f"k{n}@nhs.net", "role": "Mentee", "gender": "Man", "ethnicity": "Cornish"}
        for n in range(3)
    ]
    people += [{"name": "R", "email": "r@nhs.net", "role": "Mentee", "gender": "Man", "ethnicity": "Sami"}]
    people += [{"name": "O", "email": "o@nhs.net", "role": "Mentee", "org": "Ashford Clinic"}]
    export = mind_export(tmp_path / "export.xlsx", people)
    checked = validate_exports([Source(export)], rules).checked
    found = {(u.field, u.answer): u for u in unrecognised_answers(checked.applicants, rules)}
    assert set(found) == {("ethnicity", "Cornish"), ("ethnicity", "Sami"), ("organisation", "Ashford Clinic")}
    cornish = found[("ethnicity", "Cornish")]
    assert cornish.count == 3 and [row for _file, row in cornish.rows] == [2, 3, 4]
    assert cornish.special
    # the line that accepts or rejects it: the ethnicity 'in' list of the mentee rule
    text = MIND_RULES.read_text().splitlines()
    number = int(cornish.lines[0].split(" line ")[1].split(" ")[0])
    assert "group: ethnic-minority" in text[number - 1]
    # forwardable rows: counts and row numbers, never the special category answer
    shared = forwardable_rows(list(found.values()), rules, several_files=False)
    assert all("Cornish" not in str(cell) and "Sami" not in str(cell) for row in shared for cell in row)
    assert [HIDDEN_ANSWER, 3, "rows 2, 3, 4"] in [row[1:4] for row in shared]
    assert ["Ashford Clinic", 1, "row 6"] in [row[1:4] for row in shared]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_no_answer_to_a_group_question_rejects_a_possible_member(tmp_path: Path, answer: str) -> None:
    """Whatever a man writes as his ethnic group, he is rejected only when the answer is known."""
    rules = load_rules(MIND_RULES)
    people = [{"name": "H", "email": "h@nhs.net", "role": "Mentee", "gender": "Man", "ethnicity": answer}]
    export = mind_export(tmp_path / "h.xlsx", people)
    checked = validate_exports([Source(export)], rules).checked
    if checked.rejected and checked.rejected[0].rule == "not-in-mentee-groups":
        given_answer = checked.rejected[0].applicant.value("ethnicity")
        # rejected only when the answer is known (or blank: no answer is not an unforeseen one)
        assert given_answer is None or rules.known.recognised("ethnicity", given_answer)


def test_validate_lists_unrecognised_answers_on_terminal_and_in_the_report(tmp_path: Path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from mentormatch.cli import app

    people = [
        {"name": f"K{n}", "email": f"k{n}@nhs.net", "role": "Mentee", "band": "Band 5", "gender": "Man",
         "ethnicity": "Cornish"}
        for n in range(2)
    ]  # fmt: skip
    people += [{"name": "O", "email": "o@nhs.net", "role": "Mentee", "band": "6", "org": "Ashford Clinic"}]
    export = mind_export(tmp_path / "export.xlsx", people)
    report = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["validate", str(export), "--rules", str(MIND_RULES), "-o", str(report)])
    assert result.exit_code == 0, result.output
    # the coordinator's terminal shows the answer itself, its count, rows and where to decide it
    assert "'Cornish' x2 (rows 2, 3)" in result.output
    assert "'Ashford Clinic' x1 (row 4)" in result.output
    assert "kent-medway-mind-2022.yaml line" in result.output
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == ["Rejected", "Eligible", "Summary", "To review", "Unrecognised"]
    cells = [[c.value for c in row] for row in wb["Unrecognised"].iter_rows()]
    assert cells[0] == ["Field", "Answer", "Count", "Rows", "Rule-file lines"]
    assert ["Ethnicity", HIDDEN_ANSWER, 2, "rows 2, 3"] in [row[:4] for row in cells]
    assert not any("Cornish" in str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row)
    # held for review, not rejected: on their own sheet, with the question and what to decide
    assert [r for r in wb["Rejected"].iter_rows(min_row=2, values_only=True) if any(r)] == []
    held = [
        dict(zip(REVIEW_COLUMNS, r, strict=True))
        for r in wb["To review"].iter_rows(min_row=2, values_only=True)
    ]
    assert {row["Row"] for row in held} == {2, 3, 4}
    assert {row["Code"] for row in held} == {"answer-not-recognised"}
    assert all(row["Question"] and "coordinator will review" in row["To decide"] for row in held)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["To review"] == 3 and summary["Rejected"] == 0
    assert summary["Answers not recognised (see Unrecognised)"] == 2


def vocabulary_rules(tmp_path: Path) -> Path:
    """The MIND rules, whose ethnicity and gender fields name the standard vocabularies."""
    text = MIND_RULES.read_text()
    assert "    vocabulary: ethnicity\n" in text and "    vocabulary: gender\n" in text
    return MIND_RULES


def test_vocabularies_decide_answers_the_rule_file_does_not_list(tmp_path: Path) -> None:
    """With the vocabularies, answers the MIND rule file never lists are decided as the text says:
    Kurdish and Latin American are minority ethnic groups (census 'Any other ethnic group'), F is a
    woman, a White Irish man is in none of the mentee groups; nonsense still goes to review."""
    man = {"role": "Mentee", "band": "Band 5", "gender": "Man"}
    people = [
        {"name": "A", "email": "a@nhs.net", **man, "ethnicity": "Kurdish"},
        {"name": "B", "email": "b@nhs.net", **man, "ethnicity": "Latin American"},
        {"name": "C", "email": "c@nhs.net", **man, "ethnicity": "White - Irish"},
        {"name": "D", "email": "d@nhs.net", **man, "gender": "F", "ethnicity": "White - Irish"},
        {"name": "E", "email": "e@nhs.net", **man, "ethnicity": "Blue"},
        {"name": "G", "email": "g@nhs.net", **man, "ethnicity": "BAME"},
    ]
    got = outcome(tmp_path, people, vocabulary_rules(tmp_path))
    assert got == {
        "a@nhs.net": "eligible",
        "b@nhs.net": "eligible",
        "c@nhs.net": "not-in-mentee-groups",
        "d@nhs.net": "eligible",
        "e@nhs.net": "answer-not-recognised",
        "g@nhs.net": "eligible",
    }


def test_a_hospital_of_a_programme_trust_is_in_the_programme(tmp_path: Path) -> None:
    """The organisations vocabulary knows the QEQM is East Kent Hospitals' (a MIND organisation):
    recognising it must make it that trust, never 'outside the programme'."""
    people = [
        {"name": "Q", "email": "q@nhs.net", "role": "Mentee", "band": "Band 5", "org": "QEQM"},
        {"name": "R", "email": "r@nhs.net", "role": "Mentee", "band": "Band 5", "org": "Ashford Clinic"},
    ]
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(mind_export(tmp_path / "q.xlsx", people))], rules).checked
    assert [a.value("organisation") for a in checked.eligible] == [
        "East Kent Hospitals University NHS Foundation Trust"
    ]
    assert [r.rule for r in checked.rejected] == ["answer-not-recognised"]


def test_a_loosely_named_programme_hospital_goes_to_review_never_rejection(tmp_path: Path) -> None:
    """A hospital of a programme trust written loosely (not exactly a name the vocabulary lists)
    is never 'outside the programme': the area condition finds the QEQM inside the answer, so the
    applicant is in the programme (were it not found, they would go to review)."""
    people = [
        {"name": "M", "email": "m@nhs.net", "role": "Mentee", "band": "Band 5",
         "org": "Margate site - QEQM hospital (East Kent)"},
    ]  # fmt: skip
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(mind_export(tmp_path / "m.xlsx", people))], rules).checked
    assert [r.rule for r in checked.rejected] == []


def test_match_lists_unrecognised_answers_too_without_the_special_category_answer(tmp_path: Path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from mentormatch.cli import app

    people = [
        {"name": "K", "email": "k@nhs.net", "role": "Mentee", "band": "Band 5", "gender": "Man",
         "ethnicity": "Cornish"},
        {"name": "W", "email": "w@nhs.net", "role": "Mentee", "band": "Band 5"},
        {"name": "M", "email": "m@nhs.net", "role": "Mentor", "band": "Band 8a", "org": "MTW"},
    ]  # fmt: skip
    export = mind_export(tmp_path / "export.xlsx", people)
    pairs = tmp_path / "pairs.xlsx"
    result = CliRunner().invoke(app, ["match", str(export), "--rules", str(MIND_RULES), "-o", str(pairs)])
    assert result.exit_code == 0, result.output
    assert "Ethnicity: 'Cornish' x1 (row 2)" in result.output  # the coordinator's terminal
    wb = openpyxl.load_workbook(pairs)
    rows = list(wb["Unrecognised"].iter_rows(min_row=2, values_only=True))
    assert [row[:4] for row in rows] == [("Ethnicity", HIDDEN_ANSWER, 1, "row 2")]
    assert not any("Cornish" in str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row)


def test_unforeseen_multi_and_grade_answers_are_listed_with_counts(tmp_path: Path) -> None:
    people = [
        {"name": f"A{n}", "email": f"a{n}@nhs.net", "role": "Mentee", "goals": "Resilience;Finance;"}
        for n in range(3)
    ]
    people += [{"name": "B", "email": "b@nhs.net", "role": "Mentee", "goals": "Leadership;"}]
    rules = load_rules(multi_rules(tmp_path))
    checked = validate_exports([Source(mind_export(tmp_path / "m.xlsx", people))], rules).checked
    found = [(u.field, u.answer, u.count) for u in unrecognised_answers(checked.applicants, rules)]
    assert found == [("groups", "Resilience", 3)]  # Finance is known; Leadership accepted

    mind = load_rules(MIND_RULES)
    people = [
        {"name": f"G{n}", "email": f"g{n}@nhs.net", "role": "Mentor", "band": "Senior Sister"}
        for n in range(2)
    ]
    checked = validate_exports([Source(mind_export(tmp_path / "g.xlsx", people))], mind).checked
    listed = unrecognised_answers(checked.applicants, mind)
    assert [(u.field, u.answer, u.count) for u in listed] == [("band", "Senior Sister", 2)]
    assert listed[0].lines[0].endswith("(grades)")  # where a grade is put on the band ladder
    assert {r.rule for r in checked.rejected} == {"grade-needs-review"}

"""A role answer is a role's only when it is exactly one of that role's answers (or one followed by
the form's own explanatory tail); anything else goes to review, never to a role or a rejection.

Expected outcomes come from the programme texts (seeds/000, MIND: mentees "currently working at
Band 4 - 7", mentors "at a band 8a or above"; seeds/002, NMA: "Early Career Mentoring Partner ...
up to 5 years", "Later Career Mentoring Partner ... 8+ years"). A Band 6 woman from a minority
ethnic group who answers the role question in a way nobody listed is a possible mentee, not a
mentor to be rejected for her band and not someone to turn away for "no role".
"""

from __future__ import annotations

import csv
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from mentormatch.normalise import key
from mentormatch.pipeline import Source, validate_exports
from mentormatch.report import forwardable_rows, terminal_lines
from mentormatch.roles import RoleAnswers
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, MIND_RULES, ROOT, mind_export

MIND = RoleAnswers(load_rules(MIND_RULES).spec)
NMA_RULES = ROOT / "rules" / "kent-medway-nma-2023.yaml"
NMA = RoleAnswers(load_rules(NMA_RULES).spec)

# Answers that only start with a role word, name both roles or none: none of them names one role.
NOT_ONE_ROLE = [
    "Mentor/Mentee",
    "Mentorship",
    "Mentor me",
    "Mentoree",
    "Mentee or mentor",
    "Both",
    "I want a mentor",
    "Either",
    "Not sure",
    "Mentee (or mentor)",
    "Mentor, I would like a mentor",
    "Mentee - I would like to be a mentor",
]


@pytest.mark.parametrize("answer", NOT_ONE_ROLE)
def test_an_answer_naming_no_single_role_is_no_role(answer: str) -> None:
    assert MIND.read(answer) is None


@pytest.mark.parametrize(
    ("answer", "role"),
    [
        ("Mentee", "mentee"),
        ("  MENTOR ", "mentor"),
        ("I would like a mentor", "mentee"),
        ("i would like to be a mentor.", "mentor"),
        ("Mentor (Band 8a or above)", "mentor"),  # the form's own explanation of the choice
        ("Mentee: Band 4-7", "mentee"),
        ("Mentee (I would like a mentor)", "mentee"),  # the tail is the mentee's own answer
    ],
)
def test_an_answer_that_is_one_roles_reads_as_that_role(answer: str, role: str) -> None:
    assert MIND.read(answer) == role


def test_the_nma_form_explains_its_choices_and_they_still_read() -> None:
    assert NMA.read("Early career mentoring partner (up to 5 years' experience)") == "early_career"
    assert NMA.read("Later career mentoring partner (8+ years' experience)") == "later_career"
    assert NMA.read("Early career mentoring partner (or later career)") is None
    assert NMA.read("Not sure - happy to be either") is None


def test_every_bundled_role_answer_reads_as_the_generator_meant() -> None:
    """Each example's expected.csv (written by its generator from how it built the row) gives the
    role, or none; the tool reads every role answer of the committed exports the same way."""
    for folder in sorted(EXAMPLES.iterdir()):
        rules_path = ROOT / "rules" / f"{folder.name}.yaml"
        if not (folder / "expected.csv").exists() or load_rules(rules_path).spec.role_field is None:
            continue
        rules = load_rules(rules_path)
        exports = [p for p in folder.iterdir() if p.name.startswith("applications")]
        checked = validate_exports([Source(p) for p in exports], rules).checked
        with (folder / "expected.csv").open(encoding="utf-8", newline="") as handle:
            expected = {int(row["row"]): row["role"] for row in csv.DictReader(handle)}
        for applicant in checked.applicants:
            assert (applicant.role or "") == expected[applicant.row], (folder.name, applicant.row)


Outcome = tuple[dict[str, str], list[str], list[list[object]]]


def outcome(tmp_path: Path, people: list[dict[str, object]]) -> Outcome:
    rules = load_rules(MIND_RULES)
    validation = validate_exports([Source(mind_export(tmp_path / "export.xlsx", people))], rules)
    checked = validation.checked
    found = {a.email or "": "eligible" for a in checked.eligible}
    found |= {r.applicant.email or "": r.rule for r in checked.rejected}
    listed = list(validation.unrecognised)
    return found, terminal_lines(listed, rules, False), forwardable_rows(listed, rules, False)


def band6_woman(n: int, role: object) -> dict[str, object]:
    return {"name": f"P{n}", "email": f"p{n}@nhs.net", "role": role, "band": "Band 6", "gender": "Woman"}


def test_unforeseen_role_answers_go_to_review_listed_with_their_counts(tmp_path: Path) -> None:
    people = [band6_woman(n, answer) for n, answer in enumerate(NOT_ONE_ROLE)]
    people += [band6_woman(100, "Mentor me"), band6_woman(101, "Mentee"), band6_woman(102, "")]
    got, lines, rows = outcome(tmp_path, people)
    for n, answer in enumerate(NOT_ONE_ROLE):
        # never a mentor rejected for Band 6, never rejected for having no role
        assert got[f"p{n}@nhs.net"] == "answer-not-recognised", answer
    assert got["p100@nhs.net"] == "answer-not-recognised"
    assert got["p101@nhs.net"] == "eligible"  # a Band 6 woman who answered "Mentee"
    assert got["p102@nhs.net"] == "role-unknown"  # a blank answer keeps its handling
    role_lines = [line for line in lines if line.strip().startswith("Role:")]
    shown = {line.split(": ", 1)[1].split(" x")[0]: line for line in role_lines}
    assert set(shown) == {f"'{a}'" for a in NOT_ONE_ROLE}
    assert " x2 (rows 4, 14)" in shown["'Mentor me'"]
    assert "roles.mentee.answers" in shown["'Mentor me'"] and "roles.mentor.answers" in shown["'Mentor me'"]
    listed = {row[1]: row[2] for row in rows if row[0] == "Role"}
    assert listed["Mentor me"] == 2 and listed["Both"] == 1 and "" not in listed


def test_review_reason_is_clear_and_the_workbook_lists_it(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentormatch.cli import app

    export = mind_export(tmp_path / "export.xlsx", [band6_woman(1, "Mentorship"), band6_woman(2, "Mentee")])
    report = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["validate", str(export), "--rules", str(MIND_RULES), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "'Mentorship' x1" in result.output and "names no single role" in result.output
    wb = load_workbook(report, read_only=True)
    try:
        # held for review (no rule failed): on the To review sheet, not with the rejected
        assert [r for r in wb["Rejected"].iter_rows(min_row=2, values_only=True) if any(r)] == []
        header = [str(c) for c in next(wb["To review"].iter_rows(max_row=1, values_only=True))]
        rows = wb["To review"].iter_rows(min_row=2, values_only=True)
        held = [dict(zip(header, r, strict=False)) for r in rows]
        unrecognised = [r for r in wb["Unrecognised"].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()
    assert [(r["Code"], r["Answer"]) for r in held] == [("answer-not-recognised", "Mentorship")]
    assert "coordinator will review" in str(held[0]["To decide"])
    assert [(r[0], r[1], r[2]) for r in unrecognised] == [("Role", "Mentorship", 1)]


def test_a_closed_role_field_rejects_unknown_answers(tmp_path: Path) -> None:
    text = MIND_RULES.read_text(encoding="utf-8")
    anchor = '    headers: ["Are you applying to be a mentor or a mentee?"'
    assert anchor in text
    closed = text.replace(anchor, '    closed: "the form offered only Mentee and Mentor"\n' + anchor, 1)
    rules_path = tmp_path / "closed.yaml"
    rules_path.write_text(closed, encoding="utf-8")
    rules = load_rules(rules_path)
    assert rules.known.closed("role")
    export = mind_export(tmp_path / "export.xlsx", [band6_woman(1, "Both"), band6_woman(2, "Mentee")])
    validation = validate_exports([Source(export)], rules)
    assert [r.rule for r in validation.checked.rejected] == ["role-unknown"]
    assert not [u for u in validation.unrecognised if u.field == "role"]


# --- role-word variants (hypothesis) ----------------------------------------------------------------

ROLE_WORDS = ["Mentor", "Mentee", "mentor", "MENTEE", "Mentoring", "To be mentored"]
KNOWN_KEYS = {key(a) for r in load_rules(MIND_RULES).spec.roles.values() for a in r.answers} | {
    "mentor",
    "mentee",
}
letters = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ROLE_WORDS), letters)
def test_a_role_word_run_on_into_other_words_is_no_role(word: str, rest: str) -> None:
    """'Mentor me', 'Mentoree', 'Mentorship': no separator, so only an exact answer is a role."""
    answer = word + rest
    if key(answer) not in KNOWN_KEYS:
        assert MIND.read(answer) is None


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["Mentee", "I would like a mentor", "To be mentored", "Apply as a mentee"]),
    st.sampled_from(["Mentor", "I would like to be a mentor", "To be a mentor", "Apply as a mentor"]),
    st.sampled_from(["/", " or ", " and ", " & ", ", ", " - ", " (or ", "; ", " / "]),
    st.booleans(),
)
def test_two_roles_named_together_are_no_role(mentee: str, mentor: str, joint: str, swap: bool) -> None:
    first, second = (mentor, mentee) if swap else (mentee, mentor)
    assert MIND.read(first + joint + second) is None


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(
        [
            ("Mentee", "mentee"),
            ("Mentor", "mentor"),
            ("I would like a mentor", "mentee"),
            ("I would like to be a mentor", "mentor"),
        ]
    ),
    st.sampled_from(["upper", "lower", "title", "same"]),
    st.sampled_from(["", " ", "  ", "."]),
    st.sampled_from(["", " (Band 4-7)", " - band 8a or above", ": please see the guidance", " [new]"]),
)
def test_a_listed_answer_in_any_case_spacing_or_with_the_forms_tail_is_that_role(
    answer_role: tuple[str, str], case: str, space: str, tail: str
) -> None:
    answer, role = answer_role
    shaped = {"upper": answer.upper(), "lower": answer.lower(), "title": answer.title(), "same": answer}[case]
    assert MIND.read(space + shaped + space + tail) == role


def test_rules_show_says_how_role_answers_are_read() -> None:
    from typer.testing import CliRunner

    from mentormatch.cli import app

    shown = CliRunner().invoke(app, ["rules", "show", str(MIND_RULES)])
    assert shown.exit_code == 0, shown.output
    assert "not exactly one role's answer is held for review" in " ".join(shown.output.split())

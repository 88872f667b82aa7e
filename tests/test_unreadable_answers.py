"""An answer given but not readable (years, yes/no, number) goes to review; a blank one does not.

Expected outcomes come from the programme texts: the NMA programme (seeds/001) takes early career
partners with "up to 5 years of experience" and later career partners with "8+ years"; the
Inclusion programme (seeds/003) asks mentors and mentees to commit to six months. An answer the
tool cannot read ("a couple of years", "Not sure yet") is the coordinator's to decide, never a
rejection; an answer left blank to a required question, or one read that fails the rule, is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentormatch.eligibility import Checked
from mentormatch.normalise import Unreadable, Years, parse_years
from mentormatch.pipeline import Source, validate_exports
from mentormatch.problems import REVIEW, VALUE_UNREADABLE
from mentormatch.rulefile import Rules, load_rules
from mentormatch.unrecognised import unrecognised_answers

ROOT = Path(__file__).resolve().parents[1]
NMA_RULES = ROOT / "rules" / "kent-medway-nma-2023.yaml"
NMA_EXPORT = ROOT / "examples" / "kent-medway-nma-2023" / "applications.csv"
EXPERIENCE = "How many years of experience do you have in the industry / post-qualification?"
ROLE = "Which mentoring partner role are you applying for?"

# Written independently of the parser: English number words 0-69.
UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]  # fmt: skip
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty"}


def in_words(n: int, joiner: str) -> str:
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    return TENS[tens] + (joiner + UNITS[unit] if unit else "")


@given(
    n=st.integers(0, 69),
    half=st.booleans(),
    joiner=st.sampled_from(["-", " "]),
    unit=st.sampled_from(["", " years", " year", " yrs"]),
    capital=st.booleans(),
)
def test_number_words_and_halves_are_read_whole(
    n: int, half: bool, joiner: str, unit: str, capital: bool
) -> None:
    text = in_words(n, joiner) + (" and a half" if half else "") + unit
    text = text.capitalize() if capital else text
    value = n + (0.5 if half else 0.0)
    assert parse_years(text) == Years(value, value)


@given(n=st.integers(0, 69), sign=st.sampled_from(["½", " ½", ".5"]), unit=st.sampled_from(["", " years"]))
def test_halves_in_figures_are_read_whole(n: int, sign: str, unit: str) -> None:
    assert parse_years(f"{n}{sign}{unit}") == Years(n + 0.5, n + 0.5)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("two and a half", 2.5),
        ("seven and a half", 7.5),
        ("2.5", 2.5),
        ("2½", 2.5),
        ("five and a half years", 5.5),
        ("a year and a half", 1.5),
        ("twenty-five years", 25),
        ("2 years 6 months", 2.5),
    ],
)
def test_the_leads_examples_are_read_whole(text: str, years: float) -> None:
    assert parse_years(text) == Years(years, years)


@pytest.mark.parametrize(
    "text",
    ["a couple of years", "since 2021", "a few years", "several years", "2 and a bit", "ten odd years",
     "half", "Not sure"],
)  # fmt: skip
def test_what_cannot_be_read_whole_is_not_read_in_part(text: str) -> None:
    with pytest.raises(Unreadable):
        parse_years(text)


def nma_outcomes(tmp_path: Path, answers: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str, str]]:
    """The NMA example with some rows' (role, experience) answers replaced: row -> (outcome, value
    seen, reason)."""
    with NMA_EXPORT.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    role, experience = rows[0].index(ROLE), rows[0].index(EXPERIENCE)
    for row, (role_text, years) in answers.items():
        rows[row - 1][role], rows[row - 1][experience] = role_text, years
    path = tmp_path / "applications.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    checked = validate_exports([Source(path)], load_rules(NMA_RULES)).checked
    out = {a.row: ("eligible", "", "") for a in checked.eligible}
    for r in checked.rejected:
        first = r.problems[0]
        out[r.applicant.row] = ("review" if r.needs_review else r.rule, first.value, first.message)
    return out


EARLY = "Early career mentoring partner (up to 5 years' experience)"
LATER = "Later career mentoring partner (8+ years' experience)"


def test_nma_unreadable_experience_is_held_for_review_blank_is_rejected(tmp_path: Path) -> None:
    # rows 2-7 of the example are eligible early career partners from Kent & Medway trusts
    got = nma_outcomes(
        tmp_path,
        {
            2: (EARLY, "a couple of years"),
            3: (EARLY, "since 2021"),
            4: (EARLY, "two and a half"),  # 2.5 years: up to 5, eligible
            5: (EARLY, "seven and a half"),  # 7.5: neither up to 5 nor 8+, read and fails
            6: (LATER, "five and a half years"),  # 5.5: neither role
            7: (EARLY, ""),  # blank to a required question: rejected as before
        },
    )
    for row, typed in [(2, "a couple of years"), (3, "since 2021")]:
        outcome, seen, reason = got[row]
        assert outcome == "review", got[row]
        assert seen == typed  # the answer as typed
        assert "Years of experience" in reason and typed in reason and "coordinator will decide" in reason
    assert got[4][0] == "eligible"
    assert got[5][0] == "experience-fits-neither-role"
    assert got[6][0] == "experience-fits-neither-role"
    assert got[7][:2] == ("experience-missing", "(blank)")


def test_nma_partly_readable_experience_is_never_read_in_part(tmp_path: Path) -> None:
    # "10 odd years" must not be read as 10 (eligible later career); "a couple of years" not as 1
    got = nma_outcomes(tmp_path, {2: (LATER, "10 odd years"), 3: (EARLY, "two and a bit years")})
    assert got[2][0] == got[3][0] == "review"


YESNO_RULES = """
programme: {name: Commitment test, source: "seeds/003 (commit to the six-month programme)"}
fields:
  email: {headers: ["Email"], type: email}
  name: {headers: ["Name"]}
  role: {headers: ["Role"], type: choice}
  commit:
    headers: ["Can you commit to the six-month programme?"]
    type: yesno
    label: commitment
    CLOSED
  disabled:
    headers: ["Do you consider yourself to have a disability?"]
    type: yesno
    special_category: true
    optional: true
roles:
  mentee:
    answers: [Mentee]
    eligibility:
      all_of:
        - {field: commit, is: true, code: not-committed, reason: "Mentees commit to six months."}
        - DISABILITY
  mentor:
    answers: [Mentor]
"""


def commitment(
    tmp_path: Path, answers: list[tuple[str, str]], closed: str = "", disability: bool = False
) -> tuple[Checked, Rules]:
    rules_text = YESNO_RULES.replace("CLOSED", closed).replace(
        "- DISABILITY", "- {field: disabled, is: true}" if disability else ""
    )
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text(rules_text)
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Email", "Name", "Role", "Can you commit to the six-month programme?",
                    "Do you consider yourself to have a disability?"])  # fmt: skip
        for n, (commit, disabled) in enumerate(answers):
            w.writerow([f"p{n}@nhs.net", f"P{n}", "Mentee", commit, disabled])
    rules = load_rules(rules_path)
    return validate_exports([Source(path)], rules).checked, rules


def test_not_sure_to_a_required_commitment_goes_to_review(tmp_path: Path) -> None:
    checked, _rules = commitment(tmp_path, [("Yes", ""), ("No", ""), ("Not sure yet", ""), ("", "")])
    got = {r.applicant.email: r for r in checked.rejected}
    assert [a.email for a in checked.eligible] == ["p0@nhs.net"]
    assert got["p1@nhs.net"].rule == "not-committed"  # read, and fails the rule
    assert got["p2@nhs.net"].rule == VALUE_UNREADABLE and got["p2@nhs.net"].needs_review
    assert got["p2@nhs.net"].problems[0].value == "Not sure yet"
    assert "yes or no" in got["p2@nhs.net"].problems[0].message
    assert got["p3@nhs.net"].rule == "not-committed" and not got["p3@nhs.net"].needs_review  # blank


def test_a_closed_yes_no_field_rejects_what_it_cannot_read(tmp_path: Path) -> None:
    checked, _rules = commitment(
        tmp_path, [("Not sure yet", "")], closed='closed: "the form offered only Yes and No"'
    )
    assert [r.rule for r in checked.rejected] == ["not-committed"]
    assert not checked.rejected[0].needs_review


def test_an_unreadable_special_category_answer_is_held_without_showing_it(tmp_path: Path) -> None:
    checked, rules = commitment(tmp_path, [("Yes", "It varies, ask me"), ("Yes", "It varies, ask me")],
                                disability=True)  # fmt: skip
    assert len(checked.rejected) == 2
    for r in checked.rejected:
        assert r.rule == VALUE_UNREADABLE and r.rule in REVIEW
        problem = r.problems[0]
        assert "It varies" not in problem.value and "It varies" not in problem.message
    found = unrecognised_answers(checked.applicants, rules)
    listed = [(u.field, u.answer, u.count, u.special) for u in found]
    assert listed == [("disabled", "It varies, ask me", 2, True)]  # the coordinator's own listing


def test_unreadable_answers_are_listed_with_their_count(tmp_path: Path) -> None:
    answers = [("Not sure yet", ""), ("Not sure yet", ""), ("Maybe", ""), ("", "")]
    checked, rules = commitment(tmp_path, answers)
    found = {(u.field, u.answer): u.count for u in unrecognised_answers(checked.applicants, rules)}
    assert found == {("commit", "Not sure yet"): 2, ("commit", "Maybe"): 1}


MIND_RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"
MIND_EXPORT = ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx"
MIND_BAND = "What is your current Agenda for Change band or grade?"


def test_a_band_span_the_vocabulary_reads_is_decided_and_not_listed(tmp_path: Path) -> None:
    # MIND (seeds/000): mentees are Band 4-7, mentors Band 8a and above. "Band 8" means 8a to 8d:
    # every band it can mean is a mentor's band and none is a mentee's, so the rules decide it.
    import openpyxl

    book = openpyxl.load_workbook(MIND_EXPORT)
    sheet = book.active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    column, email = headers.index(MIND_BAND) + 1, headers.index("Work email address") + 1
    emails = {str(sheet.cell(row, email).value).lower(): row for row in range(2, sheet.max_row + 1)}
    mentor, mentee = emails["matthew.hussain@nhs.net"], emails["marta.clarke@nhs.net"]  # eligible as given
    sheet.cell(mentor, column).value = "Band 8"
    sheet.cell(mentee, column).value = "Band 8"
    path = tmp_path / "applications.xlsx"
    book.save(path)
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(path)], rules).checked
    assert "matthew.hussain@nhs.net" in {a.email for a in checked.eligible}
    got = {r.applicant.email: r for r in checked.rejected}
    assert got["marta.clarke@nhs.net"].rule == "band-out-of-range"
    assert not got["marta.clarke@nhs.net"].needs_review
    listed = {u.answer for u in unrecognised_answers(checked.applicants, rules) if u.field == "band"}
    assert "Band 8" not in listed
    assert "Registrar" in listed  # a grade with no standard band: the rule file's grades decide it

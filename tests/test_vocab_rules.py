"""Rule conditions that name a vocabulary group: yes, no, or review (never a guess), on the
bundled rule files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentormatch import problems as codes
from mentormatch.applicants import Applicant, _parsers
from mentormatch.conditions import failure
from mentormatch.normalise import Unreadable, clean_text
from mentormatch.rulefile import Rules, load_rules

ROOT = Path(__file__).parents[1]
MIND = load_rules(ROOT / "rules" / "kent-medway-mind-2022.yaml")
NMA = load_rules(ROOT / "rules" / "kent-medway-nma-2023.yaml")
HPMA = load_rules(ROOT / "rules" / "hpma-west-midlands.yaml")
INCLUSION = load_rules(ROOT / "rules" / "mentoring-for-inclusion-2018.yaml")


def person(rules: Rules, role: str, **answers: object) -> Applicant:
    """An applicant whose answers are read by the rule file's own parsers."""
    parsers = _parsers(rules)
    values, raw, unreadable = {}, {}, {}
    for name, answer in answers.items():
        text = clean_text(answer)
        if text is None:
            continue
        raw[name] = text
        try:
            values[name] = parsers[name](answer)
        except Unreadable as exc:
            values[name], unreadable[name] = None, str(exc)
    return Applicant(1, "x.csv", "a@nhs.net", "A", role, values, raw=raw, unreadable=unreadable)


def outcome(rules: Rules, role: str, **answers: object) -> str:
    eligibility = rules.spec.roles[role].eligibility
    assert eligibility is not None
    found = failure(eligibility, person(rules, role, **answers), rules)
    if found is None:
        return "eligible"
    return "review" if found.code in codes.REVIEW else found.code


MIND_MENTEE = {"organisation": "EKHUFT", "band": "Band 5"}


@pytest.mark.parametrize(
    "ethnicity,gender,expected",
    [
        ("Black, Black British, Black Welsh, Caribbean or African: African", "Man", "eligible"),
        ("N - Black or Black British - African", "Man", "eligible"),
        ("British Indian", "Male", "eligible"),
        ("White - British", "Female", "eligible"),
        ("White - British", "Non binary", "eligible"),
        ("White: English, Welsh, Scottish, Northern Irish or British", "Man", "not-in-mentee-groups"),
        ("A", "M", "not-in-mentee-groups"),
        ("White: Roma", "Man", "review"),  # the census says White; "BAME" is genuinely open
        ("Prefer not to say", "Man", "review"),
        ("Prefer not to say", "Woman", "eligible"),
        ("Cornish", "Man", "review"),  # nothing recognises it
    ],
)
def test_mind_mentee_groups(ethnicity: str, gender: str, expected: str) -> None:
    got = outcome(MIND, "mentee", ethnicity=ethnicity, gender=gender, **MIND_MENTEE)
    assert got == expected


def test_a_special_category_question_does_not_repeat_the_answer() -> None:
    applicant = person(MIND, "mentee", ethnicity="White: Roma", gender="Man", **MIND_MENTEE)
    found = failure(MIND.spec.roles["mentee"].eligibility, applicant, MIND)  # type: ignore[arg-type]
    assert found is not None and found.code == codes.QUESTION_FOR_COORDINATOR
    assert "Roma" not in found.reason and "coordinator" in found.reason


@pytest.mark.parametrize(
    "organisation,expected",
    [
        ("William Harvey Hospital", "eligible"),
        ("QEQM", "eligible"),
        ("MFT", "eligible"),  # the rule file's local alias (Medway, not Manchester)
        ("Kent and Medway NHS and Social Care Partnership Trust", "eligible"),  # in the area, not listed
        ("NHS Kent and Medway ICB", "eligible"),  # the successor of the listed CCG
        ("Guy's and St Thomas' NHS Foundation Trust", "organisation-not-in-programme"),
        ("Royal Stoke University Hospital", "organisation-not-in-programme"),
        ("NHS England", "review"),  # a national body: a question, not a guess
        ("Kent County Council", "review"),  # in the system, not NHS: a question
        ("The Surgery, High Street", "review"),  # not recognised
    ],
)
def test_mind_area(organisation: str, expected: str) -> None:
    answers = {**MIND_MENTEE, "organisation": organisation}
    assert outcome(MIND, "mentee", ethnicity="Indian", gender="Man", **answers) == expected


@pytest.mark.parametrize(
    "band,role,expected",
    [
        ("B6", "mentee", "eligible"),
        ("band five", "mentee", "eligible"),
        ("Band 5/6", "mentee", "eligible"),
        ("Band 7/8a", "mentee", "review"),  # straddles the limit
        ("Band 8", "mentee", "band-out-of-range"),  # 8a-8d, all above 7
        ("Band 8", "mentor", "eligible"),  # at least 8a
        ("Consultant", "mentor", "eligible"),  # "(including Consultant roles)"
        ("Consultant psychiatrist", "mentor", "eligible"),
        ("VSM", "mentor", "eligible"),
        ("Registrar", "mentor", "review"),  # no standard band
        ("Registrar", "mentee", "review"),
    ],
)
def test_mind_bands(band: str, role: str, expected: str) -> None:
    answers = {"organisation": "MTW", "band": band, "ethnicity": "Indian", "gender": "Woman"}
    assert outcome(MIND, role, **answers) == expected


@pytest.mark.parametrize(
    "profession,expected",
    [
        ("Staff Nurse", "eligible"),
        ("RMN", "eligible"),
        ("Midwife", "eligible"),
        ("Senior MSK Physio", "eligible"),
        ("Band 6 Paramedic", "eligible"),
        ("Dietician", "eligible"),
        ("Speech & Language Therapist", "eligible"),
        ("Ward Clerk", "eligible"),
        ("Medical Secretary", "eligible"),
        ("Pharmacist", "profession-not-in-programme"),
        ("Doctor", "profession-not-in-programme"),
        ("Physician Associate", "profession-not-in-programme"),
        ("Nursing Associate", "review"),
        ("Healthcare Assistant", "review"),
        ("HR Business Partner", "review"),  # Admin & Clerical staff group, not an admin role
        ("Gardener at the allotment", "review"),
    ],
)
def test_nma_staff_groups(profession: str, expected: str) -> None:
    answers = {"organisation": "Darent Valley Hospital", "profession": profession, "experience": "3 years"}
    assert outcome(NMA, "early_career", **answers) == expected


def test_a_question_names_itself_in_the_reason() -> None:
    applicant = person(
        NMA, "early_career", organisation="KCHFT", profession="Nursing Associate", experience="2 years"
    )
    found = failure(NMA.spec.roles["early_career"].eligibility, applicant, NMA)  # type: ignore[arg-type]
    assert found is not None and found.code == codes.QUESTION_FOR_COORDINATOR
    assert "nursing associate" in found.reason.lower() and "not rejected" in found.reason
    assert found.undecided


@pytest.mark.parametrize(
    "profession,expected",
    [("Employee Relations", "eligible"), ("Workforce Planning & Information", "eligible"),
     ("Medical Staffing", "eligible"), ("Head of OD", "eligible"), ("Finance", "not-hr-professional"),
     ("Nursing", "not-hr-professional"), ("Payroll", "review")],
)  # fmt: skip
def test_hpma_hr_professionals(profession: str, expected: str) -> None:
    assert outcome(HPMA, "mentee", profession=profession) == expected


def test_hpma_knows_every_west_midlands_town() -> None:
    parse = _parsers(HPMA)["place"]
    assert parse("Lichfield") == "Lichfield"
    assert parse("Leamington") == "Leamington Spa"  # another name of a town


def test_an_option_switched_off_rejects_nobody() -> None:
    # the Band 8a floor for mentors is not in the Mentoring for Inclusion text: enabled: false
    assert outcome(INCLUSION, "mentor", commitment="Yes", band="Band 5") == "eligible"
    assert outcome(INCLUSION, "mentor", commitment="No", band="Band 9") == "not-committed"

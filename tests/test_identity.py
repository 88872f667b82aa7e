"""One person is one person: emails compared as people read them, look-alikes held for review, and
the same person in two input files counted once with a stated winner."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentormatch.normalise import email_doubt, identity_email, parse_email
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, MIND_RULES, RULES, mind_export

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u00a0", "\u200e"]


@pytest.mark.parametrize("mark", INVISIBLE, ids=lambda m: f"U+{ord(m):04X}")
def test_invisible_characters_do_not_make_a_second_person(mark: str) -> None:
    assert parse_email(f"ann.{mark}lee@nhs.net") == "ann.lee@nhs.net"
    assert parse_email(f"Ann.Lee@NHS.net{mark}") == "ann.lee@nhs.net"


def test_fullwidth_and_case_fold_to_one_address() -> None:
    assert parse_email("ＡＮＮ.ＬＥＥ@nhs.net") == "ann.lee@nhs.net"
    assert parse_email("ANN.LEE@NHS.NET") == "ann.lee@nhs.net"


@given(
    local=st.text("abcdefghijklmnopqrstuvwxyz.", min_size=1, max_size=12).filter(
        lambda s: not s.startswith(".") and not s.endswith(".")
    ),
    marks=st.lists(st.sampled_from(INVISIBLE), max_size=4),
    upper=st.booleans(),
)
def test_any_mix_of_invisibles_and_case_is_the_same_email(local: str, marks: list[str], upper: bool) -> None:
    email = f"{local}@nhs.net"
    messy = "".join(marks) + (email.upper() if upper else email)
    for mark in marks:
        messy = messy.replace("@", f"{mark}@", 1)
    assert parse_email(messy) == email
    assert email_doubt(parse_email(messy)) is None


@pytest.mark.parametrize(
    ("email", "looks_like"),
    [
        ("\u0430nn.lee@nhs.net", "ann.lee@nhs.net"),  # Cyrillic a
        ("ann.l\u0435e@nhs.net", "ann.lee@nhs.net"),  # Cyrillic e
        ("j\u03bfe@nhs.net", "joe@nhs.net"),  # Greek omicron
        ("ann@nhs.\u0440ost", None),  # Cyrillic er in the domain
    ],
)
def test_look_alike_letters_are_doubted(email: str, looks_like: str | None) -> None:
    parsed = parse_email(email) if "@nhs.\u0440" not in email else email
    why = email_doubt(parsed)
    assert why is not None and "look-alike" in why
    if looks_like:
        assert identity_email(parsed) == looks_like and looks_like in why


def test_accents_and_symbols_are_not_doubted() -> None:
    assert email_doubt("zoë.brontë@nhs.net") is None
    assert email_doubt("ann📧@nhs.net") is None


def test_a_look_alike_email_goes_to_review_not_a_second_applicant(tmp_path: Path) -> None:
    people = [
        {"name": "Ann Lee", "email": "ann.lee@nhs.net", "role": "Mentee", "band": "Band 5"},
        {"name": "Ann Lee", "email": "\u0430nn.lee@nhs.net", "role": "Mentee", "band": "Band 5"},
        {"name": "Ann Lee", "email": "ann.lee\u200b@nhs.net", "role": "Mentee", "band": "Band 5"},
    ]
    export = mind_export(tmp_path / "a.xlsx", people)
    checked = validate_exports([Source(export)], load_rules(MIND_RULES)).checked
    assert [a.row for a in checked.eligible] == [4]  # the latest plain submission
    outcome = {r.applicant.row: r.problems[0] for r in checked.rejected}
    assert outcome[2].rule == "duplicate-submission" and "row 4" in outcome[2].message
    assert outcome[3].rule == "email-needs-review"
    assert "ann.lee@nhs.net" in outcome[3].message and "row 4" in outcome[3].message


HPMA_RULES = RULES / "hpma-west-midlands.yaml"


def test_one_mentor_in_two_files_is_one_applicant(tmp_path: Path) -> None:
    """A mentor who is in both the mentors' file and a second mentors' file (sent in later) is one
    mentor with one set of places; the latest submission is used and the other is noted."""
    source = EXAMPLES / "hpma-west-midlands" / "mentors.xlsx"
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    first = [c.value for c in ws[2]]
    email = str(first[header.index(next(h for h in header if "mail" in str(h).lower()))])
    second = openpyxl.Workbook()
    sheet = second.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(first)
    late = tmp_path / "more-mentors.xlsx"
    second.save(late)
    rules = load_rules(HPMA_RULES)
    checked = validate_exports(
        [Source(source, "mentor"), Source(EXAMPLES / "hpma-west-midlands" / "mentees.xlsx", "mentee"),
         Source(late, "mentor")],
        rules,
    ).checked  # fmt: skip
    mentors = [a for a in checked.eligible if a.role == "mentor" and a.email == parse_email(email)]
    assert len(mentors) == 1 and mentors[0].source == "more-mentors.xlsx"  # same time: file given last
    duplicate = next(r for r in checked.rejected if r.applicant.email == parse_email(email))
    assert duplicate.rule == "duplicate-submission" and duplicate.applicant.source == "mentors.xlsx"
    assert "more-mentors.xlsx" in duplicate.problems[0].message


def test_same_email_in_shared_export_and_role_file_is_one_applicant(tmp_path: Path) -> None:
    when = datetime.datetime(2022, 10, 10, 9, 0)
    shared = mind_export(
        tmp_path / "shared.xlsx",
        [{"name": "Bo", "email": "bo.ray@nhs.net", "role": "Mentor", "band": "Band 8a"},
         {"name": "Cy", "email": "cy@nhs.net", "role": "Mentee", "band": "Band 5"}],
    )  # fmt: skip
    wb = openpyxl.load_workbook(shared)
    ws = wb.active
    assert ws is not None
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    mentors = openpyxl.Workbook()
    out = mentors.active
    assert out is not None
    out.append(rows[0])
    later = list(rows[1])
    later[2] = when + datetime.timedelta(days=1)  # Completion time: a day later
    later[rows[0].index("Work email address")] = "BO.RAY@nhs.net\u200b"  # same person, messier
    out.append(later)
    role_file = tmp_path / "mentors.xlsx"
    mentors.save(role_file)
    checked = validate_exports([Source(shared), Source(role_file, "mentor")], load_rules(MIND_RULES)).checked
    bo = [a for a in checked.eligible if a.email == "bo.ray@nhs.net"]
    assert len(bo) == 1 and bo[0].source == "mentors.xlsx"  # the later submission wins
    earlier = next(r for r in checked.rejected if r.applicant.email == "bo.ray@nhs.net")
    assert earlier.rule == "duplicate-submission" and earlier.applicant.source == "shared.xlsx"

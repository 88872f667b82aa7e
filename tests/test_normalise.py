"""Table-driven tests for every normaliser."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from mentormatch.normalise import (
    LONDON,
    Unreadable,
    Years,
    canonical_band,
    organisation_index,
    parse_band,
    parse_datetime,
    parse_deadline,
    parse_email,
    parse_number,
    parse_organisation,
    parse_years,
    parse_yes_no,
    split_multi,
)

GRADES = {"Consultant": "8a", "Specialty Doctor": "7"}


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("Band 6", "6"),
        ("6", "6"),
        (6, "6"),
        (6.0, "6"),
        ("band 8A", "8a"),
        ("8A", "8a"),
        ("8a", "8a"),
        ("AfC Band 7", "7"),
        ("AFC band 7", "7"),
        ("Agenda for Change Band 5", "5"),
        ("Band 8 - Range B", "8b"),
        ("Band 8 – Range C", "8c"),
        ("Band 8d", "8d"),
        ("Band 9", "9"),
        ("  band 4 ", "4"),
        ("Band 7 (senior)", "7"),
        ("Band 6.", "6"),
        ("Consultant", "8a"),
        ("consultant", "8a"),
        ("Specialty doctor", "7"),
        ("Band 1", "1"),
    ],
)
def test_parse_band(text: object, band: str) -> None:
    assert parse_band(text, GRADES) == band


@pytest.mark.parametrize(
    "text", ["Registrar", "Associate Specialist", "N/A", "", None, "Band 10", "8e", "Band 8", "#N/A"]
)
def test_parse_band_refuses_to_guess(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_band(text, GRADES)


def test_consultant_without_grade_table_needs_review() -> None:
    with pytest.raises(Unreadable):
        parse_band("Consultant")


@pytest.mark.parametrize(("text", "band"), [("8A", "8a"), ("Band 7", "7"), (4, "4"), ("9", "9")])
def test_canonical_band(text: object, band: str) -> None:
    assert canonical_band(text) == band


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("5", 5, 5),
        (5, 5, 5),
        ("5 years", 5, 5),
        ("5+", 5, math.inf),
        ("10+ years", 10, math.inf),
        ("Over 10 years", 10, math.inf),
        ("more than 8 years", 8, math.inf),
        ("18 months", 1.5, 1.5),
        ("6 months", 0.5, 0.5),
        ("less than a year", 0, 1),
        ("Less than 1 year", 0, 1),
        ("up to 5 years", 0, 5),
        ("3-5 years", 3, 5),
        ("6 - 7 years", 6, 7),
        ("0-2 years", 0, 2),
        ("two years", 2, 2),
        ("2.5 yrs", 2.5, 2.5),
        ("8 years or more", 8, math.inf),
        ("1 year 6 months", 1.5, 1.5),
        ("4 years and 3 months", 4.25, 4.25),
        ("2 and a half years", 2.5, 2.5),
    ],
)
def test_parse_years(text: object, low: float, high: float) -> None:
    assert parse_years(text) == Years(low, high)


@pytest.mark.parametrize("text", ["", None, "a while", "-2", -2, 400, "400 years", True])
def test_parse_years_unreadable(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_years(text)


def test_years_text() -> None:
    assert str(Years(5, math.inf)) == "5+ years"
    assert str(Years(1.5, 1.5)) == "1.5 years"
    assert str(Years(3, 5)) == "3-5 years"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes", True), ("yes", True), ("Y", True), ("TRUE", True), (True, True),
        ("No", False), ("no", False), ("N", False), (False, False),
        ("No - not yet", False), ("Yes, as a mentee", True),
    ],
)  # fmt: skip
def test_parse_yes_no(text: object, answer: bool) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize("text", ["", None, "Maybe", "Not sure"])
def test_parse_yes_no_unreadable(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_yes_no(text)


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Leadership;Confidence;", ("Leadership", "Confidence")),
        ("Leadership;Confidence", ("Leadership", "Confidence")),
        ("Leadership, Confidence", ("Leadership", "Confidence")),
        ("Leadership,Confidence", ("Leadership", "Confidence")),
        ("Work-life balance; Managing change;", ("Work-life balance", "Managing change")),
        (
            "Leading, managing and influencing;Confidence;",
            ("Leading, managing and influencing", "Confidence"),
        ),
        ("Networking;networking;", ("Networking",)),
        ("", ()),
        (None, ()),
        ("Leadership", ("Leadership",)),
    ],
)
def test_split_multi(text: object, items: tuple[str, ...]) -> None:
    assert split_multi(text) == items


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2.0), (2, 2.0), ("2 mentees", 2.0), ("up to 3", 3.0), ("one", 1.0), ("1,000", 1000.0)],
)
def test_parse_number(text: object, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["", None, "some", "2 or 3"])
def test_parse_number_unreadable(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("  Jane.Smith@NHS.net ", "jane.smith@nhs.net"),
        ("jane.smith@nhs.net", "jane.smith@nhs.net"),
        ("Jane Smith <Jane.Smith@nhs.net>", "jane.smith@nhs.net"),
        ("mailto:a.b@kentcht.nhs.uk", "a.b@kentcht.nhs.uk"),
        ("Siobhan.O'Neill@nhs.net", "siobhan.o'neill@nhs.net"),
    ],
)
def test_parse_email(text: str, email: str) -> None:
    assert parse_email(text) == email


@pytest.mark.parametrize("text", ["anonymous", "", None, "jane at nhs dot net", "a@b"])
def test_parse_email_unreadable(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_email(text)


ORGS = organisation_index(
    {
        "East Kent Hospitals University NHS Foundation Trust": ["EKHUFT", "East Kent Hospitals"],
        "Medway NHS Foundation Trust": ["Medway Foundation Trust"],
        "Maidstone and Tunbridge Wells NHS Trust": ["MTW"],
    }
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("EKHUFT", "East Kent Hospitals University NHS Foundation Trust"),
        ("ekhuft ", "East Kent Hospitals University NHS Foundation Trust"),
        (
            "East Kent Hospitals University Foundation NHS Trust",
            "East Kent Hospitals University NHS Foundation Trust",
        ),
        ("Medway Foundation Trust", "Medway NHS Foundation Trust"),
        ("Medway NHS FT", "Medway NHS Foundation Trust"),
        ("Maidstone & Tunbridge Wells NHS Trust", "Maidstone and Tunbridge Wells NHS Trust"),
        ("Guy's and St Thomas'", "Guy's and St Thomas'"),
    ],
)
def test_parse_organisation(text: str, name: str) -> None:
    assert parse_organisation(text, ORGS) == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2022, 10, 14, 17, 29, 59), datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)),
        ("14/10/2022 17:29:59", datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)),
        ("14/10/2022 17:29", datetime(2022, 10, 14, 17, 29, tzinfo=LONDON)),
        ("03/04/2023", datetime(2023, 4, 3, tzinfo=LONDON)),
        ("14/10/22 5:29 pm", datetime(2022, 10, 14, 17, 29, tzinfo=LONDON)),
        ("2022-10-14 17:29:59", datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)),
        ("2022/10/14 5:29:59 PM GMT+1", datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)),
        ("2022/11/30 10:39:41 PM GMT", datetime(2022, 11, 30, 22, 39, 41, tzinfo=LONDON)),
        ("2022/10/14 4:29:59 PM GMT", datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)),
        (44848.7291666667, datetime(2022, 10, 14, 17, 30, tzinfo=LONDON)),
    ],
)
def test_parse_datetime(value: object, expected: datetime) -> None:
    got = parse_datetime(value)
    assert abs((got - expected).total_seconds()) < 1
    assert got.utcoffset() == expected.utcoffset()


def test_google_offset_compares_in_london_time() -> None:
    # 10:39:41 PM at GMT+1 is 21:39:41 GMT: London is on GMT on 30 November.
    got = parse_datetime("2022/11/30 10:39:41 PM GMT+1")
    assert (got.hour, got.minute) == (21, 39)


@pytest.mark.parametrize("text", ["", None, "yesterday", "31/02/2022 10:00", "32/01/2022"])
def test_parse_datetime_unreadable(text: object) -> None:
    with pytest.raises(Unreadable):
        parse_datetime(text)


def test_deadline_needs_a_time() -> None:
    assert parse_deadline("2022-10-14 17:30") == datetime(2022, 10, 14, 17, 30, tzinfo=LONDON)
    with pytest.raises(Unreadable):
        parse_deadline("2022-10-14")

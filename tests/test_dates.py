"""Dates as the file means them: day/month order from the file's own values, date_order in the rule
file, a clear stop when neither says, and ISO 8601 with Z and offsets."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch.errors import ExportError
from mentormatch.normalise import LONDON, date_order_of, parse_datetime
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from tests.conftest import MIND_HEADERS, MIND_RULES

# MIND: "Please submit your application by Close of Business (5.30pm) on 14 October 2022."
DEADLINE = datetime(2022, 10, 14, 17, 30, tzinfo=LONDON)


def google_csv(path: Path, stamps: list[str]) -> Path:
    """A Google Forms CSV in the MIND layout: Timestamp first, one eligible mentee per row."""
    header = ["Timestamp", *MIND_HEADERS.values()]
    answers = {
        "name": "", "email": "", "org": "EKHUFT", "role": "Mentee", "band": "Band 5", "years": "6",
        "before": "No", "ethnicity": "Black or Black British - African", "gender": "Woman",
        "goals": "Leadership", "offers": "", "capacity": "", "manager": "",
    }  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for n, stamp in enumerate(stamps, start=1):
            row = {**answers, "name": f"Person {n}", "email": f"p{n}@nhs.net"}
            writer.writerow([stamp, *(row[k] for k in MIND_HEADERS)])
    return path


def outcomes(path: Path, rules_path: Path = MIND_RULES) -> dict[int, str]:
    checked = validate_exports([Source(path)], load_rules(rules_path)).checked
    found = {a.row: "eligible" for a in checked.eligible}
    return found | {r.applicant.row: r.rule for r in checked.rejected}


def test_a_month_first_export_is_read_month_first(tmp_path: Path) -> None:
    # US Google Forms: 10/13 is 13 October (in time), 10/15 is 15 October (late), and 10/3 is
    # 3 October, in time; read day first it would be 10 March.
    stamps = ["10/3/2022 9:15:00", "10/13/2022 17:29:59", "10/14/2022 17:31:00", "10/15/2022 8:00:00"]
    assert outcomes(google_csv(tmp_path / "us.csv", stamps)) == {
        2: "eligible", 3: "eligible", 4: "after-deadline", 5: "after-deadline"
    }  # fmt: skip


def test_a_day_first_export_is_read_day_first(tmp_path: Path) -> None:
    stamps = ["03/10/2022 09:15:00", "13/10/2022 17:29:59", "14/10/2022 17:31:00", "15/10/2022 08:00:00"]
    assert outcomes(google_csv(tmp_path / "uk.csv", stamps)) == {
        2: "eligible", 3: "eligible", 4: "after-deadline", 5: "after-deadline"
    }  # fmt: skip


def test_an_ambiguous_export_stops_with_a_clear_message(tmp_path: Path) -> None:
    # every day is 12 or less and the times run in order read either way
    stamps = ["03/04/2022 09:00:00", "04/05/2022 09:00:00", "05/06/2022 09:00:00"]
    with pytest.raises(ExportError) as caught:
        outcomes(google_csv(tmp_path / "which.csv", stamps))
    message = str(caught.value)
    assert "'Timestamp' (column A) could be day first" in message and "month first" in message
    assert "date_order: day-first or date_order: month-first" in message


def with_date_order(tmp_path: Path, order: str) -> Path:
    deadline = 'deadline: "2022-10-14 17:30"'
    text = MIND_RULES.read_text().replace(deadline, f"{deadline}\ndate_order: {order}")
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def test_date_order_in_the_rule_file_decides_an_ambiguous_export(tmp_path: Path) -> None:
    # 10/12 is 12 October (in time) month first; 10 December (late) day first
    stamps = ["10/09/2022 09:00:00", "10/12/2022 09:00:00"]
    path = google_csv(tmp_path / "which.csv", stamps)
    assert outcomes(path, with_date_order(tmp_path, "month-first")) == {2: "eligible", 3: "eligible"}
    assert outcomes(path, with_date_order(tmp_path, "day-first")) == {2: "eligible", 3: "after-deadline"}


def test_date_order_wins_over_the_file_and_odd_rows_go_to_review(tmp_path: Path) -> None:
    path = google_csv(tmp_path / "us.csv", ["10/3/2022 9:15:00", "10/13/2022 17:29:59"])
    got = outcomes(path, with_date_order(tmp_path, "day-first"))
    assert got == {2: "eligible", 3: "submission-time-unreadable"}  # day 10, month 13: not a date


def test_a_file_written_both_ways_stops(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"both day first .* and month first"):
        outcomes(google_csv(tmp_path / "both.csv", ["13/10/2022 09:00", "10/13/2022 09:00"]))


def test_row_order_decides_when_only_one_reading_runs_in_order(tmp_path: Path) -> None:
    # day first: 5 Oct, 10 Jun (backwards); month first: 10 May, 6 Oct (in order)
    path = google_csv(tmp_path / "order.csv", ["05/10/2022 09:00", "10/06/2022 09:00"])
    assert outcomes(path) == {2: "eligible", 3: "eligible"}
    assert date_order_of(["05/10/2022 09:00", "10/06/2022 09:00"]) == "month-first"


@pytest.mark.parametrize(
    "text",
    [
        "2022-10-14T16:29:59Z",
        "2022-10-14T16:29:59.250Z",
        "2022-10-14T17:29:59+01:00",
        "2022-10-14 17:29:59+0100",
        "2022-10-14T11:29:59-05:00",
        "2022-10-14T17:29:59",
    ],
)
def test_iso_8601_with_z_and_offsets(text: str) -> None:
    assert parse_datetime(text) == datetime(2022, 10, 14, 17, 29, 59, tzinfo=LONDON)


def test_iso_offset_decides_in_time_or_late(tmp_path: Path) -> None:
    # 16:31Z is 17:31 in London (BST): late; 17:29+01:00 is in time
    path = google_csv(tmp_path / "iso.csv", ["2022-10-14T17:29:00+01:00", "2022-10-14T16:31:00Z"])
    assert outcomes(path) == {2: "eligible", 3: "after-deadline"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2022, 12, 31)),
        min_size=2,
        max_size=12,
    ).map(sorted)
)
def test_an_in_order_export_is_never_read_the_wrong_way(times: list[datetime]) -> None:
    """Whatever the times, a month-first file is read month first or refused, never day first."""
    texts = [f"{t.month}/{t.day}/{t.year} {t:%H:%M:%S}" for t in times]
    order = date_order_of(texts)  # never Unreadable: no value of a month-first file is day first
    assert order in {"month-first", "either", None}
    if order == "either":
        assert all(t.month == t.day for t in times)
    if order is not None:
        assert [parse_datetime(x, "month-first").replace(tzinfo=None) for x in texts] == [
            t.replace(microsecond=0) for t in times
        ]

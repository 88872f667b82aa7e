"""The MIND programme end to end: every row accounted for, hard rules kept, coverage maximal."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.normalise import BAND_RANK
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from mentormatch.vocab import bands
from tests.conftest import MIND_EXPORT, MIND_HEADERS, MIND_RULES

runner = CliRunner()


def sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def run_match(tmp_path: Path, name: str = "pairs.xlsx", *extra: str) -> Path:
    out = tmp_path / name
    result = runner.invoke(
        app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_match(tmp_path_factory.mktemp("mind"))


@pytest.fixture(scope="module")
def validation():  # type: ignore[no-untyped-def]
    return validate_exports([Source(MIND_EXPORT)], load_rules(MIND_RULES))


def test_every_input_row_lands_in_exactly_one_place(pairs: Path, validation) -> None:  # type: ignore[no-untyped-def]
    matched = sheet_rows(pairs, "Matches")
    places: list[int] = [m["Mentee row"] for m in matched]
    places += sorted({m["Mentor row"] for m in matched})
    places += [u["Row"] for u in sheet_rows(pairs, "Unmatched")]
    places += [r["Row"] for r in sheet_rows(pairs, "Rejected")]
    places += [r["Row"] for r in sheet_rows(pairs, "To review")]  # held, no rule failed
    input_rows = sorted(a.row for a in validation.checked.applicants)
    assert sorted(places) == input_rows
    assert len(input_rows) == len(set(input_rows)) > 140


def test_no_pair_breaks_a_hard_rule(pairs: Path, validation) -> None:  # type: ignore[no-untyped-def]
    people = {a.email: a for a in validation.checked.eligible}
    per_mentor: dict[str, int] = {}
    mentees_seen = set()
    for pair in sheet_rows(pairs, "Matches"):
        mentee, mentor = people[pair["Mentee email"]], people[pair["Mentor email"]]
        assert mentee.role == "mentee" and mentor.role == "mentor"
        assert mentee.email != mentor.email
        # "Band 8" (8a to 8d) counts at its lowest for a mentor (band vocabulary)
        mentor_band = mentor.value("band") or bands().read(mentor.raw["band"]).low
        assert BAND_RANK[mentor_band] - BAND_RANK[mentee.value("band")] >= 1
        assert mentee.value("line_manager") != mentor.email
        assert mentor.value("line_manager") != mentee.email
        assert mentee.email not in mentees_seen
        mentees_seen.add(mentee.email)
        per_mentor[mentor.email] = per_mentor.get(mentor.email, 0) + 1  # type: ignore[index]
    for email, count in per_mentor.items():
        offered = people[email].value("capacity")
        assert count <= min(int(offered), 3) if offered else count <= 1


LADDER = ["1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"]
# The example's README: consultants and specialist grades count as 8a, specialty doctors as 7.
GRADES = {"consultant": "8a", "medical consultant": "8a", "specialist grade": "8a", "specialty doctor": "7"}


def band_step(answer: object) -> int:
    """A band answer's step on the Agenda for Change ladder, read here without mentormatch."""
    text = " ".join(str(answer).lower().split())
    if text in GRADES:
        return LADDER.index(GRADES[text])
    found = re.search(r"(\d)\s*(?:-\s*range\s*)?([a-d])?$", text)
    assert found, f"unexpected band answer {answer!r}"
    if found.group(1) == "8" and not found.group(2):  # "Band 8": 8a to 8d, so at least 8a (a mentor)
        return LADDER.index("8a")
    return LADDER.index(found.group(1) + (found.group(2) or ""))


def places(answer: object) -> int:
    """A mentor's places: the number they offer (the first in their answer), one if blank, at most 3."""
    found = re.search(r"\d+", str(answer or ""))
    return min(int(found.group()), 3) if found else 1


def eligible_from_the_example() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The eligible mentees and mentors as the generator recorded them (expected.csv), with their
    answers read straight from the workbook: nothing here goes through mentormatch."""
    expected = list(csv.DictReader((MIND_EXPORT.parent / "expected.csv").open(encoding="utf-8")))
    ws = openpyxl.load_workbook(MIND_EXPORT).active
    assert ws is not None
    header = [c.value for c in ws[1]]

    def answer(row: int, question: str) -> object:
        return ws.cell(row=row, column=header.index(question) + 1).value

    people: dict[str, list[dict[str, Any]]] = {"mentee": [], "mentor": []}
    for line in expected:
        if line["outcome"] != "eligible":
            continue
        row = int(line["row"])
        assert str(answer(row, MIND_HEADERS["email"])).strip().lower() == line["email"]
        people[line["role"]].append(
            {
                "email": line["email"],
                "band": band_step(answer(row, MIND_HEADERS["band"])),
                "manager": str(answer(row, MIND_HEADERS["manager"]) or "").strip().lower(),
                "places": places(answer(row, MIND_HEADERS["capacity"])),
            }
        )
    return people["mentee"], people["mentor"]


def test_coverage_equals_an_exact_maximum_matching(pairs: Path) -> None:
    """The most pairs the programme's hard rules allow, counted independently of mentormatch: a
    mentor at least one band above the mentee, never their line manager (either way round), and
    each mentor taking as many mentees as they offered (one if blank, at most three)."""
    mentees, mentors = eligible_from_the_example()
    assert (len(mentees), len(mentors)) == (69, 43)  # the example's README
    slots = [r for r in mentors for _ in range(r["places"])]  # one column per mentor place
    allowed = np.array(
        [
            [
                r["band"] - e["band"] >= 1 and e["manager"] != r["email"] and r["manager"] != e["email"]
                for r in slots
            ]
            for e in mentees
        ],
        dtype=np.int8,
    )
    best = int((maximum_bipartite_matching(csr_matrix(allowed), perm_type="column") >= 0).sum())
    assert len(sheet_rows(pairs, "Matches")) == best
    summary = {row["Item"]: row["Value"] for row in sheet_rows(pairs, "Summary")}
    assert summary["Optimal"] == "yes (proven)"
    assert summary["Pairs"] == best
    assert best == 58 < len(mentees)  # every place filled; some mentees wait (the README's figures)


def test_matches_sheet_explains_and_hides_special_category_data(pairs: Path, validation) -> None:  # type: ignore[no-untyped-def]
    matched = sheet_rows(pairs, "Matches")
    assert all("goals" in m["Why"] and "Band" in m["Why"] for m in matched)
    for sheet in ("Matches", "Unmatched", "Rejected"):
        rows = sheet_rows(pairs, sheet)
        header = " ".join(rows[0]).lower() if rows else ""
        assert "ethnic" not in header and "gender" not in header
        values = {str(v) for row in rows for v in row.values()}
        for person in validation.checked.applicants:
            for field in ("ethnicity", "gender"):
                assert person.raw.get(field) not in values


def test_running_twice_and_with_either_solver_gives_the_same_pairs(tmp_path: Path, pairs: Path) -> None:
    def pair_set(path: Path) -> set[tuple[str, str]]:
        return {(m["Mentee email"], m["Mentor email"]) for m in sheet_rows(path, "Matches")}

    again = run_match(tmp_path, "again.xlsx")
    cbc = run_match(tmp_path, "cbc.xlsx", "--solver", "cbc")
    assert pair_set(again) == pair_set(pairs) == pair_set(cbc)
    assert [m["Pair"] for m in sheet_rows(again, "Matches")] == [
        m["Pair"] for m in sheet_rows(pairs, "Matches")
    ]


def test_match_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    out.write_bytes(b"keep me")
    result = runner.invoke(app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert out.read_bytes() == b"keep me"

"""The bundled Mentoring for Inclusion 2018 example, matched end to end.

The example comes from examples/mentoring-for-inclusion-2018/generate.py, which decides each row's
outcome, part of the health and care system and mentor places from how it built the row, not by
running mentormatch. What all five programmes share (rejected rows and rule codes, every row in
exactly one place, the outcome counts, proven optimality, each pair's roles) is checked in
tests/test_examples.py, on the same workbook. Here, against that generated truth: no pair inside
one part of the system (the programme's hard rule), capacities, maximal coverage (against an exact
maximum bipartite matching computed here), and no special category data in forwarded sheets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, ROOT, expected_by_row, load_generator, sheet_table, summary

EXAMPLE = EXAMPLES / "mentoring-for-inclusion-2018"
RULES = ROOT / "rules" / "mentoring-for-inclusion-2018.yaml"
FORWARDED = ("Matches", "Unmatched", "Rejected")

runner = CliRunner()


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator(EXAMPLE)


@pytest.fixture(scope="module")
def truth(generator: ModuleType) -> dict[int, Any]:
    """Spreadsheet row -> the generator's submission (person, outcome, rule), blank row left out."""
    rows, _rng = generator.cohort()
    return {sub.row: sub for sub in rows if sub is not None}


@pytest.fixture(scope="module")
def pairs(example_run: Callable[[str], dict[str, Path]]) -> Path:
    """The README's `match` command for this programme (run once a session, see conftest)."""
    return example_run(EXAMPLE.name)["pairs"]


@pytest.fixture(scope="module")
def matches(pairs: Path) -> list[dict[str, Any]]:
    header, rows = sheet_table(pairs, "Matches")
    assert "Mentee row" in header and "Mentor row" in header
    return rows


# --- the rule file ---------------------------------------------------------------------------------


def test_rule_file_without_a_deadline_loads() -> None:
    rules = load_rules(RULES)
    assert rules.spec.deadline is None  # the programme text gives no closing date
    assert rules.spec.matching is not None
    assert rules.spec.matching.different == ["sector"]
    special = {n for n, f in rules.spec.fields.items() if f.special_category}
    assert special == {"ethnicity", "disability", "sexual_orientation", "gender_identity"}
    checked = runner.invoke(app, ["rules", "check", str(RULES)])
    assert checked.exit_code == 0, checked.output
    shown = runner.invoke(app, ["rules", "show", str(RULES)])
    assert shown.exit_code == 0, shown.output
    assert "Deadline: none" in shown.output


def test_expected_csv_has_a_line_for_each_row_the_generator_built(truth: dict[int, Any]) -> None:
    """(The counts of each outcome: tests/test_examples.py.)"""
    assert sorted(expected_by_row(EXAMPLE)) == sorted(truth)


# --- the match workbook ----------------------------------------------------------------------------


def test_no_pair_is_inside_one_part_of_the_system(
    matches: list[dict[str, Any]], truth: dict[int, Any]
) -> None:
    """(That each pair is an eligible mentee and mentor, the emails theirs: tests/test_examples.py.)"""
    assert matches
    for pair in matches:
        mentee, mentor = truth[int(pair["Mentee row"])], truth[int(pair["Mentor row"])]
        # a blank part of the system cannot be compared: nothing says the two are in the same part
        if mentee.person.sector is not None and mentor.person.sector is not None:
            assert mentee.person.sector != mentor.person.sector, (pair["Pair"], mentee.person.sector)


def test_capacities_hold(matches: list[dict[str, Any]], truth: dict[int, Any]) -> None:
    mentees = Counter(int(m["Mentee row"]) for m in matches)
    assert max(mentees.values()) == 1
    per_mentor = Counter(int(m["Mentor row"]) for m in matches)
    for row, taken in per_mentor.items():
        assert taken <= truth[row].person.places <= 2, (row, taken)


def _maximum_pairs(mentees: list[Any], mentors: list[Any], *, hard_rule: bool = True) -> int:
    """An exact maximum bipartite matching, each mentor repeated once per place."""
    slots = [m for m in mentors for _ in range(m.person.places)]
    allowed = np.array(
        [
            [
                not hard_rule
                or None in (a.person.sector, b.person.sector)
                or a.person.sector != b.person.sector
                for b in slots
            ]
            for a in mentees
        ],
        dtype=np.int8,
    )
    found = maximum_bipartite_matching(csr_matrix(allowed), perm_type="column")
    return int((found >= 0).sum())


def test_coverage_equals_an_exact_maximum_matching(
    pairs: Path, matches: list[dict[str, Any]], truth: dict[int, Any]
) -> None:
    eligible = [s for s in truth.values() if s.outcome == "eligible"]
    mentees = [s for s in eligible if s.person.role == "mentee"]
    mentors = [s for s in eligible if s.person.role == "mentor"]
    best = _maximum_pairs(mentees, mentors)
    # With the mentors below Band 8a now eligible (the text names no band), every mentee can have a
    # partner from another part of the system.
    assert len(matches) == best == len(mentees) == 46
    assert int(summary(pairs)["Pairs"]) == best  # proven optimal: tests/test_examples.py
    # Only mentors are left, each with a reason.
    _header, unmatched = sheet_table(pairs, "Unmatched")
    left = [truth[int(u["Row"])].person for u in unmatched]
    assert left and all(p.role == "mentor" for p in left)
    assert all(str(u["Reason"]).strip() for u in unmatched)
    # The hard rule still binds: without it the same mentees are covered, and the solver never
    # needed a pair inside one part of the system (test_no_pair_is_inside_one_part_of_the_system).
    assert _maximum_pairs(mentees, mentors, hard_rule=False) == len(mentees)


def test_no_special_category_data_in_forwarded_sheets(pairs: Path, truth: dict[int, Any]) -> None:
    answers = {value for sub in truth.values() for value in sub.person.monitoring.values()}
    assert len(answers) > 10
    for name in FORWARDED:
        header, rows = sheet_table(pairs, name)
        lowered = " ".join(header).lower()
        for word in ("ethnic", "disab", "sexual", "gender", "monitoring"):
            assert word not in lowered, (name, word)
        cells = [str(v) for row in rows for v in row.values() if v is not None]
        leaked = sorted({a for a in answers for cell in cells if a in cell})
        assert not leaked, (name, leaked)

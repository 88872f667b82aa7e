"""The bundled Kent & Medway NMA Experience example (reciprocal mentoring) matched end to end.

The export and its expected outcomes come from examples/kent-medway-nma-2023/generate.py, which
decides each row's outcome (and records each person's organisation) from how it built the row, not
by running mentormatch. Everything checked here is computed from those files, independently of the
tool's code: the rejections particular to this programme, the cross-organisation rule, the early x
later career pairing, the most pairs possible, and each pair's reciprocal goals score. What all
five programmes share (where every row lands, the outcome counts, proven optimality, each pair's
roles) is checked in tests/test_examples.py, on the same workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from tests.conftest import EXAMPLES, expected_by_row, google_export_rows, sheet_rows, summary

EXAMPLE = EXAMPLES / "kent-medway-nma-2023"
EXPORT = EXAMPLE / "applications.csv"
EARLY, LATER = "early_career", "later_career"
EARLY_ROW, LATER_ROW = "Early career partner row", "Later career partner row"
H_GOALS = "What would you like your mentoring partner to help you with?"
H_OFFERS = "What could you help your mentoring partner with?"
GOALS_WEIGHT = 100  # the rule file's only score part
MESSY_YEARS = {"5 years", "10+ years", "18 months", "less than a year", "Over 10 years", "3-5 years", "8+"}

# --- reading the example and the report ---------------------------------------------------------


def expected_rows() -> dict[int, dict[str, str]]:
    return expected_by_row(EXAMPLE)


def export_rows() -> dict[int, dict[str, str]]:
    return google_export_rows(EXPORT)


@pytest.fixture(scope="module")
def report(example_run: Callable[[str], dict[str, Path]]) -> Path:
    """The README's `match` command for this programme (run once a session, see conftest)."""
    return example_run(EXAMPLE.name)["pairs"]


@pytest.fixture(scope="module")
def pairs(report: Path) -> list[tuple[int, int, dict[str, Any]]]:
    """(early career row, later career row, the Matches row) for every pair."""
    return [(int(m[EARLY_ROW]), int(m[LATER_ROW]), m) for m in sheet_rows(report, "Matches")]


def eligible(role: str) -> list[dict[str, str]]:
    return [e for e in expected_rows().values() if e["outcome"] == "eligible" and e["role"] == role]


def goal_share(wants: str, offers: str) -> float:
    """Share of one partner's goals the other can help with (Google joins choices with ", ")."""
    wanted = {w.strip().lower() for w in wants.split(", ") if w.strip()}
    offered = {o.strip().lower() for o in offers.split(", ") if o.strip()}
    return len(wanted & offered) / len(wanted) if wanted else 0.0


def pair_score(early: dict[str, str], later: dict[str, str]) -> float:
    """The reciprocal score: the average of what each partner can give the other."""
    there = goal_share(early[H_GOALS], later[H_OFFERS])
    back = goal_share(later[H_GOALS], early[H_OFFERS])
    return GOALS_WEIGHT * (there + back) / 2


# --- rejections ---------------------------------------------------------------------------------


def test_six_or_seven_years_reads_that_it_fits_neither_role(report: Path) -> None:
    neither = [r for r in sheet_rows(report, "Rejected") if r["Rule"] == "experience-fits-neither-role"]
    seen = {str(r["Value seen"]) for r in neither}
    assert {"6 years", "7", "6-7 years", "6 and a half years"} <= seen
    for row in neither:
        reason = str(row["Reason"])
        assert "6-7 years fits neither role" in reason, reason
        assert "up to 5 years" in reason and "8 or more" in reason, reason


def test_the_export_holds_the_cases_the_readme_promises() -> None:
    raw = EXPORT.read_bytes()
    assert raw.startswith(b'\xef\xbb\xbf"Timestamp","Email address",')  # UTF-8 BOM, Google layout
    export, expected = export_rows(), expected_rows()
    assert sorted(export) == sorted(expected)  # (121 rows, with their outcomes: test_examples.py)
    by_stamp = {r["Timestamp"]: n for n, r in export.items()}
    assert expected[by_stamp["2023/06/06 5:29:00 PM GMT+1"]]["outcome"] == "eligible"  # 17:29 BST
    assert expected[by_stamp["06/06/2023 17:29:30"]]["outcome"] == "eligible"
    assert expected[by_stamp["12/05/2023 14:02:17"]]["outcome"] == "eligible"  # 12 May, day first
    assert expected[by_stamp["2023/06/06 5:31:02 PM GMT+1"]]["rule"] == "after-deadline"
    assert expected[by_stamp["2023/06/06 4:45:10 PM GMT"]]["rule"] == "after-deadline"  # 17:45 BST
    professions = {r["What is your profession?"]: n for n, r in export.items()}
    for rejected in ("Pharmacist", "Doctor"):
        assert expected[professions[rejected]]["rule"] == "profession-not-in-programme"
    years = {r["How many years of experience do you have in the industry / post-qualification?"]
             for n, r in export.items() if expected[n]["outcome"] == "eligible"}  # fmt: skip
    assert years >= MESSY_YEARS


# --- every row in one place; the hard rules -----------------------------------------------------


def test_no_pair_is_inside_one_organisation(pairs: list[tuple[int, int, Any]]) -> None:
    expected = expected_rows()
    same = [(a, b, expected[a]["organisation"]) for a, b, _ in pairs
            if expected[a]["organisation"] == expected[b]["organisation"]]  # fmt: skip
    assert not same, f"pairs inside one organisation: {same}"
    assert all(expected[a]["organisation"] and expected[b]["organisation"] for a, b, _ in pairs)


def test_pairs_are_early_with_later_career_one_partner_each(pairs: list[tuple[int, int, Any]]) -> None:
    """(That each pair is an eligible early and later career partner: tests/test_examples.py.)"""
    early, later = [a for a, _, _ in pairs], [b for _, b, _ in pairs]
    assert len(set(early)) == len(early) and len(set(later)) == len(later)  # capacity 1: pairs are 1:1


# --- optimality ---------------------------------------------------------------------------------


def allowed_matrix() -> tuple[list[dict[str, str]], list[dict[str, str]], np.ndarray]:
    """Eligible early x later career partners: True where the organisations differ."""
    early, later = eligible(EARLY), eligible(LATER)
    orgs_e = np.array([e["organisation"] for e in early])
    orgs_l = np.array([e["organisation"] for e in later])
    return early, later, orgs_e[:, None] != orgs_l[None, :]


def test_coverage_equals_an_exact_maximum_matching(report: Path, pairs: list[tuple[int, int, Any]]) -> None:
    early, later, allowed = allowed_matrix()
    assert (len(early), len(later)) == (50, 38)
    matching = maximum_bipartite_matching(csr_matrix(allowed.astype(np.int8)), perm_type="column")
    best = int((matching >= 0).sum())
    assert best == 35  # three East Kent later career partners cannot all be paired (see README)
    assert len(pairs) == best
    assert summary(report)["Pairs"] == best  # proven optimal: tests/test_examples.py


def test_pair_scores_are_the_reciprocal_goal_shares(pairs: list[tuple[int, int, Any]]) -> None:
    export = export_rows()
    wrong = [
        (a, b, m["Score"], round(pair_score(export[a], export[b]), 2))
        for a, b, m in pairs
        if abs(float(m["Score"]) - pair_score(export[a], export[b])) > 0.01
    ]
    assert not wrong, f"(early row, later row, score shown, both-ways goal score): {wrong}"


def test_total_score_is_the_best_among_the_most_pairs(
    report: Path, pairs: list[tuple[int, int, Any]]
) -> None:
    early, later, allowed = allowed_matrix()
    export = export_rows()
    points = np.array(
        [
            [round(pair_score(export[int(e["row"])], export[int(g["row"])]) * 100) for g in later]
            for e in early
        ]
    )
    # Coverage first: each allowed pair is worth more than all scores together, then score points.
    big = int(points.sum()) + 1
    value = np.where(allowed, big + points, 0)
    rows, cols = linear_sum_assignment(value, maximize=True)
    chosen = allowed[rows, cols]
    assert int(chosen.sum()) == len(pairs)
    best_points = int(points[rows, cols][chosen].sum())
    shown = sum(round(float(m["Score"]) * 100) for _, _, m in pairs)
    assert shown == best_points
    assert round(float(summary(report)["Total score"]) * 100) == best_points

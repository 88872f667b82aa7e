"""The bundled HPMA West Midlands example (two forms, face-to-face pairs) matched end to end.

The two exports and their expected outcomes come from examples/hpma-west-midlands/generate.py,
which decides each row's outcome from how it built the row and keeps the true values behind every
answer (canonical organisation, place, band, line manager, capacity). Everything checked here is
computed from the generator's data, the rule file's YAML and our own haversine, independently of
the tool's code: where every row of each file lands, the distance limit, the reporting line (either
direction), the organisation rule, capacities, the most pairs possible, and the special cases.
What all five programmes share (where every row of each file lands, the outcome counts, proven
optimality, each pair's roles) is checked in tests/test_examples.py, on the same workbook.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from mentormatch.rulefile import load_rules
from mentormatch.vocab import organisations
from tests.conftest import EXAMPLES, ROOT, expected_csv, load_generator, sheet_rows

EXAMPLE = EXAMPLES / "hpma-west-midlands"
RULES = ROOT / "rules" / "hpma-west-midlands.yaml"
EARTH_KM = 6371.0

# --- reading the example, the rule file and the report -----------------------------------------


GENERATE = load_generator(EXAMPLE)


def expected_rows() -> list[dict[str, str]]:
    return expected_csv(EXAMPLE)


def rule_file() -> dict[str, Any]:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    """The generator's people: every row by (file, row), and each eligible person by email."""
    _builder, layouts = GENERATE.cohort()
    rows = {(file, s.row): s for file, subs in layouts.items() for s in subs if s is not None}
    eligible = {s.person.email: s.person for s in rows.values() if s.outcome == "eligible"}
    return {"rows": rows, "eligible": eligible}


@pytest.fixture(scope="module")
def report(example_run: Callable[[str], dict[str, Path]]) -> Path:
    """The README's `match` command for this programme, both forms (--mentors, --mentees), run
    once a session (see conftest)."""
    return example_run(EXAMPLE.name)["pairs"]


@pytest.fixture(scope="module")
def sheets(report: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: sheet_rows(report, name) for name in ("Matches", "Unmatched", "Rejected", "Summary")}


# --- the rules, as the test reads them ---------------------------------------------------------


@pytest.fixture(scope="module")
def limits() -> dict[str, Any]:
    matching = rule_file()["matching"]
    weights = {part["part"]: float(part["weight"]) for part in matching["score"]}
    return {
        "km": float(matching["distance"]["max"]),
        "gap": int(matching["band_gap"]["min"]),
        "different": "organisation" in matching.get("different", []),
        "cap": int(matching["capacity"]["max"]),
        "weights": weights,
    }


def band_rank(band: str) -> int:
    return GENERATE.RANK[band]


def km_between(a: Any, b: Any) -> float:
    """Great-circle km between two people's towns; infinite when either gave no place."""
    towns = {**GENERATE.PLACES, **GENERATE.OTHER_TOWNS}
    if a.place is None or b.place is None:
        return math.inf
    return haversine_km(towns[a.place], towns[b.place])


def reporting_line(mentee: Any, mentor: Any) -> bool:
    return mentee.line_manager == mentor.email or mentor.line_manager == mentee.email


def allowed(mentee: Any, mentor: Any, limits: dict[str, Any], *, reporting: bool = True) -> bool:
    """Every hard rule of the rule file, from the generator's true values. The text bars only the
    reporting line, so one organisation is allowed (a score preference); a band gap needs both
    bands and a distance both places."""
    return (
        mentee.email != mentor.email
        and (not limits["different"] or mentee.org != mentor.org)
        and mentee.band is not None
        and mentor.band is not None
        and band_rank(mentor.band) - band_rank(mentee.band) >= limits["gap"]
        and km_between(mentee, mentor) <= limits["km"]
        and not (reporting and reporting_line(mentee, mentor))
        and mentor.capacity > 0
    )


def score(mentee: Any, mentor: Any, limits: dict[str, Any]) -> float:
    wanted = {g.lower() for g in mentee.goals}
    offered = {g.lower() for g in mentor.offers}
    goals = len(wanted & offered) / len(wanted) if wanted else 0.0
    near = max(0.0, 1.0 - km_between(mentee, mentor) / limits["km"])
    other_org = mentee.org is not None and mentor.org is not None and mentee.org != mentor.org
    return (
        limits["weights"]["goals"] * goals
        + limits["weights"]["distance"] * near
        + limits["weights"].get("different", 0.0) * other_org
    )


def people(truth: dict[str, Any], role: str) -> list[Any]:
    return sorted((p for p in truth["eligible"].values() if p.role == role), key=lambda p: p.email)


def special(truth: dict[str, Any], note: str) -> Any:
    (person,) = [p for p in truth["eligible"].values() if p.note == note]
    return person


# --- the example's own consistency ---------------------------------------------------------------


def test_rule_file_and_generator_agree_on_places_and_grades() -> None:
    spec = rule_file()
    # every town of the West Midlands from the place vocabulary, the form's sixteen among them
    assert spec["place_regions"] == ["west-midlands"]
    places = load_rules(RULES).spec.places
    for town, coords in {**GENERATE.PLACES, **GENERATE.OTHER_TOWNS}.items():
        assert places[town] == coords, town
    assert len(places) > len(GENERATE.PLACES)
    assert {grade: str(band) for grade, band in spec["grades"].items()} == GENERATE.GRADES
    assert spec["role_field"] is None and "deadline" not in spec  # two forms; open ended
    # organisations come from the organisation vocabulary: each way the generator types one
    # resolves to its canonical name
    for name, (typed, _homes) in GENERATE.ORGANISATIONS.items():
        for text in {name, *typed}:
            found = organisations().lookup(text)
            assert found is not None and found.name == name, (text, name)


def test_expected_csv_is_what_the_generator_decides(truth: dict[str, Any]) -> None:
    rows = expected_rows()
    assert {(r["file"], int(r["row"])) for r in rows} == set(truth["rows"])
    for r in rows:
        sub = truth["rows"][(r["file"], int(r["row"]))]
        assert (r["email"], r["outcome"], r["role"], r["rule"]) == (
            sub.person.email, sub.outcome, sub.person.role, sub.rule
        )  # fmt: skip
    # (the counts of each outcome: tests/test_examples.py)


# --- rejections and where every row lands --------------------------------------------------------


def test_a_town_off_the_form_list_is_known_not_rejected(sheets: dict[str, list[dict[str, Any]]]) -> None:
    """Rows and rules are checked for all five programmes in tests/test_examples.py. Lichfield,
    typed into "Other", is a West Midlands town the place vocabulary knows: nobody is rejected for
    it, and both who typed it are placed somewhere on the workbook."""
    assert not [r for r in sheets["Rejected"] if r["Value seen"] == "Lichfield"]


# --- the pairs -------------------------------------------------------------------------------------


def test_no_pair_breaks_a_hard_rule(
    sheets: dict[str, list[dict[str, Any]]], truth: dict[str, Any], limits: dict[str, Any]
) -> None:
    per_mentor: Counter[str] = Counter()
    for m in sheets["Matches"]:
        mentee, mentor = truth["eligible"][m["Mentee email"]], truth["eligible"][m["Mentor email"]]
        assert (mentee.role, mentor.role) == ("mentee", "mentor")
        km = km_between(mentee, mentor)
        assert km <= limits["km"], f"{mentee.email} and {mentor.email} are {km:.1f} km apart"
        assert mentee.line_manager != mentor.email and mentor.line_manager != mentee.email
        assert band_rank(mentor.band) - band_rank(mentee.band) >= limits["gap"]
        assert allowed(mentee, mentor, limits)
        per_mentor[mentor.email] += 1
    assert len({m["Mentee email"] for m in sheets["Matches"]}) == len(sheets["Matches"])
    for email, count in per_mentor.items():
        assert count <= truth["eligible"][email].capacity <= limits["cap"], email


def test_coverage_equals_an_exact_maximum_matching(
    sheets: dict[str, list[dict[str, Any]]], truth: dict[str, Any], limits: dict[str, Any]
) -> None:
    mentees, mentors = people(truth, "mentee"), people(truth, "mentor")
    ok = np.array([[allowed(e, r, limits) for r in mentors] for e in mentees], dtype=np.int8)
    slots = np.repeat(np.arange(len(mentors)), [r.capacity for r in mentors])  # one column per place
    best = int((maximum_bipartite_matching(csr_matrix(ok[:, slots]), perm_type="column") >= 0).sum())
    summary = {row["Item"]: row["Value"] for row in sheets["Summary"]}
    assert len(sheets["Matches"]) == best == summary["Pairs"]  # proven optimal: tests/test_examples.py
    assert best < len(mentees)  # not everyone can be paired: the far-away mentee, for one


def test_far_away_mentee_is_unmatched_for_distance(
    sheets: dict[str, list[dict[str, Any]]], truth: dict[str, Any], limits: dict[str, Any]
) -> None:
    far = special(truth, "far-away")
    assert far.place == "Hereford"
    assert all(km_between(far, r) > limits["km"] for r in people(truth, "mentor"))
    (row,) = [u for u in sheets["Unmatched"] if u["Email"] == far.email]
    assert row["Role"] == "Mentee"
    assert "km" in row["Reason"] and f"{limits['km']:g} km" in row["Reason"]


def test_line_manager_is_the_best_match_but_never_the_pair(
    sheets: dict[str, list[dict[str, Any]]], truth: dict[str, Any], limits: dict[str, Any]
) -> None:
    mentee, boss = special(truth, "line-manager-best"), special(truth, "line-manager")
    assert mentee.line_manager == boss.email
    assert mentee.place == boss.place and mentee.org != boss.org  # only the reporting line forbids it
    assert allowed(mentee, boss, limits, reporting=False) and not allowed(mentee, boss, limits)
    others = [r for r in people(truth, "mentor") if r is not boss and allowed(mentee, r, limits)]
    assert others, "someone else can mentor them"
    assert score(mentee, boss, limits) > max(score(mentee, r, limits) for r in others)
    pairs = {(m["Mentee email"], m["Mentor email"]) for m in sheets["Matches"]}
    assert (mentee.email, boss.email) not in pairs
    assert mentee.email in {e for e, _ in pairs}

    # The other direction: a mentor names a mentee as their line manager.
    lead, report_ = special(truth, "manages-a-mentor"), special(truth, "managed-by-a-mentee")
    assert report_.line_manager == lead.email and lead.line_manager != report_.email
    assert allowed(lead, report_, limits, reporting=False) and not allowed(lead, report_, limits)
    assert (lead.email, report_.email) not in pairs


def test_band_5_mentor_is_eligible_but_above_no_mentee(
    sheets: dict[str, list[dict[str, Any]]], truth: dict[str, Any]
) -> None:
    low = special(truth, "not-above-anyone")
    assert low.band == "5"
    # (a mentee who gave no band cannot be placed by the band gap either way)
    assert all(band_rank(e.band) >= band_rank(low.band) for e in people(truth, "mentee") if e.band)
    (row,) = [u for u in sheets["Unmatched"] if u["Email"] == low.email]
    assert row["Role"] == "Mentor" and "band" in row["Reason"].lower()

"""The pruned-and-certified solve (best candidates + column generation) equals the dense solve."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mentormatch import matching
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import load_rules
from tests.conftest import MIND_EXPORT, MIND_RULES, mind_export


def pairs_of(result: matching.Matching) -> set[tuple[str | None, str | None]]:
    return {(p.receiver.email, p.giver.email) for p in result.pairs}


def both_ways(monkeypatch: pytest.MonkeyPatch, export: Path, top_k: int):  # type: ignore[no-untyped-def]
    rules = load_rules(MIND_RULES)
    checked = validate_exports([Source(export)], rules).checked
    mentees, mentors = checked.eligible_in("mentee"), checked.eligible_in("mentor")
    dense = matching.match_pairs(rules, mentees, mentors)
    monkeypatch.setattr(matching, "CERTIFY_MIN_PAIRS", 0)
    monkeypatch.setattr(matching, "CERTIFY_TOP_K", top_k)
    pruned = matching.match_pairs(rules, mentees, mentors)
    return dense, pruned


@pytest.mark.parametrize("top_k", [1, 2, 5])
def test_certified_equals_dense_on_the_mind_example(monkeypatch: pytest.MonkeyPatch, top_k: int) -> None:
    dense, pruned = both_ways(monkeypatch, MIND_EXPORT, top_k)
    assert pruned.solution.optimal and dense.solution.optimal
    assert len(pruned.pairs) == len(dense.pairs)
    assert sum(p.score for p in pruned.pairs) == pytest.approx(sum(p.score for p in dense.pairs))
    assert pairs_of(pruned) == pairs_of(dense)
    assert pruned.candidate_pairs < dense.candidate_pairs


@pytest.mark.parametrize("seed", range(12))
def test_certified_equals_dense_on_random_cohorts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    goals = ["Leadership", "Confidence", "Networking", "Influencing", "Career progression"]
    people: list[dict[str, object]] = []
    for n in range(rng.randint(8, 30)):
        people.append({
            "name": f"Mentee {n}", "email": f"mentee{n}@nhs.net", "role": "Mentee",
            "band": f"Band {rng.randint(4, 7)}", "goals": ";".join(rng.sample(goals, rng.randint(1, 3))),
        })  # fmt: skip
    for n in range(rng.randint(4, 16)):
        people.append({
            "name": f"Mentor {n}", "email": f"mentor{n}@nhs.net", "role": "Mentor",
            "band": rng.choice(["Band 7", "Band 8a", "Band 8b", "Band 8c", "Band 9"]),
            "years": "10 years",
            "offers": ";".join(rng.sample(goals, rng.randint(1, 4))), "capacity": str(rng.randint(1, 3)),
            "gender": rng.choice(["Woman", "Man"]),
            "ethnicity": rng.choice(["White - British", "Asian - Indian"]),
        })  # fmt: skip
    export = mind_export(tmp_path / "cohort.xlsx", people)
    dense, pruned = both_ways(monkeypatch, export, top_k=rng.choice([1, 2]))
    assert pruned.solution.optimal
    assert len(pruned.pairs) == len(dense.pairs)
    assert sum(p.score for p in pruned.pairs) == pytest.approx(sum(p.score for p in dense.pairs))
    assert pairs_of(pruned) == pairs_of(dense)

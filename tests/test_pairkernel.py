"""The integer pair kernel (pairkernel.py) gives Scorer.points' numbers bit for bit.

On every bundled pairs programme, and on random variations of the MIND rule file (weights with
fractions, band gaps both ways, goals both ways, a minimum score) over random cohorts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mentormatch.pairkernel import PairKernel, goal_masks
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import Rules, load_rules
from mentormatch.scoring import Scorer
from tests.conftest import EXAMPLES, MIND_RULES, RULES, mind_export


def same_points(scorer: Scorer, minimum: float | None, rows: np.ndarray, columns: np.ndarray) -> bool:
    kernel = PairKernel(scorer, rows, columns, minimum)
    step = 7
    for start in range(0, rows.size, step):
        stop = min(rows.size, start + step)
        expected = scorer.points(rows[start:stop], columns, minimum, kernel.dtype)
        found = kernel.block(start, stop)
        assert found.dtype == expected.dtype
        np.testing.assert_array_equal(found, expected)
    return kernel.fast


def everyone(scorer: Scorer) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(len(scorer.receivers.people)), np.arange(len(scorer.givers.people))


def example(name: str) -> tuple[Rules, list, list]:
    rules = load_rules(RULES / f"{name}.yaml")
    files = sorted(
        p for p in (EXAMPLES / name).iterdir() if p.suffix in {".csv", ".xlsx"} and p.stem != "expected"
    )
    checked = validate_exports([Source(p) for p in files], rules).checked
    spec = rules.spec.matching
    assert spec is not None
    return rules, checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver)


@pytest.mark.parametrize(
    "name",
    ["kent-medway-mind-2022", "hpma-west-midlands", "kent-medway-nma-2023", "mentoring-for-inclusion-2018"],
)
def test_every_bundled_pairs_programme(name: str) -> None:
    rules, receivers, givers = example(name)
    spec = rules.spec.matching
    assert spec is not None and spec.mode == "pairs"
    forbidden = [(receivers[0].email, givers[1].email)] if len(receivers) > 1 and len(givers) > 1 else []
    scorer = Scorer(rules, receivers, givers, forbidden=forbidden)
    rows, columns = everyone(scorer)
    assert same_points(scorer, None, rows, columns)
    assert same_points(scorer, 0.37 * scorer.max_score(), rows, columns)
    rng = np.random.default_rng(len(name))  # any subset, in any order, as classes' representatives
    some_rows = rng.permutation(rows)[: max(1, rows.size // 2)]
    assert same_points(scorer, None, some_rows, rng.permutation(columns))


def cohort(tmp_path: Path, rng: np.random.Generator, size: int) -> list[dict[str, object]]:
    goals = ["Leadership", "Confidence", "Career", "Networking", "Budgeting", "Research"]
    rows: list[dict[str, object]] = []
    for n in range(size):
        mentor = n % 2 == 1
        bands = (
            ["Band 7", "Band 8a", "Band 8b", "Band 9", "Band 8"]
            if mentor
            else ["Band 4", "Band 5", "Band 6", "Band 7"]
        )
        rows.append(
            {
                "name": f"Person {n}",
                "email": f"p{n}@nhs.net",
                "role": "Mentor" if mentor else "Mentee",
                "band": str(rng.choice(bands)),
                "years": "6 years",
                "goals": ";".join(rng.choice(goals, size=int(rng.integers(0, 4)), replace=False)) + ";",
                "offers": ";".join(rng.choice(goals, size=int(rng.integers(0, 5)), replace=False)) + ";",
                "capacity": str(int(rng.integers(0, 3))),
                "gender": str(rng.choice(["Woman", "Man", "Non-binary"])),
                "manager": f"p{n + 1}@nhs.net" if not mentor and rng.random() < 0.2 else "",
            }
        )
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_random_rule_variations_and_cohorts(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    text = MIND_RULES.read_text(encoding="utf-8")
    weights = rng.uniform(0.1, 60, size=3).round(int(rng.integers(0, 4)))
    text = text.replace("weight: 50", f"weight: {weights[0]}").replace(
        'weight: 20\n    # "priority', f'weight: {weights[1]}\n    # "priority'
    )
    text = text.replace("      weight: 20\n", f"      weight: {weights[2]}\n", 1)
    text = text.replace(
        "best: 2", f"best: {int(rng.integers(0, 4))}\n      falloff: {rng.uniform(0.05, 0.9):.3f}"
    )
    if seed % 2:
        text = text.replace("offer_field: offers", "offer_field: offers\n      both_ways: true")
    if seed % 3 == 0:
        text = text.replace("band_gap:\n    min: 1", "band_gap:\n    min: 0\n    max: 3")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    export = mind_export(tmp_path / "cohort.xlsx", cohort(tmp_path, rng, 60 + 10 * seed))
    checked = validate_exports([Source(export)], rules).checked
    receivers, givers = checked.eligible_in("mentee"), checked.eligible_in("mentor")
    assert receivers and givers
    scorer = Scorer(rules, receivers, givers)
    rows, columns = everyone(scorer)
    assert same_points(scorer, None, rows, columns)
    for share in (0.2, 0.5, 0.8):
        assert same_points(scorer, share * scorer.max_score(), rows, columns)


def test_goal_masks_hold_more_than_sixty_four_choices() -> None:
    table = np.zeros((3, 130), dtype=np.float32)
    table[0, [0, 63, 64, 129]] = 1
    table[1, 127] = 1
    masks = goal_masks(table)
    assert masks.shape == (3, 3)
    assert np.bitwise_count(masks).sum(axis=1).tolist() == [4, 1, 0]
    assert [int(w) for w in masks[0]] == [1 | 1 << 63, 1, 2]
    assert [int(w) for w in masks[1]] == [0, 1 << 63, 0]


def test_a_table_too_large_falls_back_to_the_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    from mentormatch import pairkernel

    rules, receivers, givers = example("hpma-west-midlands")
    scorer = Scorer(rules, receivers, givers)
    monkeypatch.setattr(pairkernel, "MAX_TABLE", 1)
    rows, columns = everyone(scorer)
    assert not same_points(scorer, None, rows, columns)  # the slow path, the same points

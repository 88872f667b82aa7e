"""OR-Library assignment instances: the solver must reproduce Beasley's published optima."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mentormatch.assignment import DensePairs, solve_dense_pairs
from mentormatch.solve import available_solvers, solve_assignment_costs

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib"
BUNDLED = Path(__file__).resolve().parent / "data" / "orlib"  # assign100 and assign500, always here
SLOW = os.environ.get("MENTORMATCH_SLOW_TESTS") == "1"

# (file, published minimum total cost, runs by default)
INSTANCES = [
    ("assign100.txt", 305, True),
    ("assign500.txt", 991, True),
    ("assign600.txt", 1176, False),
    ("assign700.txt", 1362, False),
]


def find(name: str) -> Path | None:
    """The instance from the tests' own copy, else the shared benchmarks folder."""
    for folder in (BUNDLED, SHARED):
        if (folder / name).is_file():
            return folder / name
    return None


def read_instance(path: Path) -> np.ndarray:
    """OR-Library format: n, then n x n integer costs (row i = item i's cost per column)."""
    numbers = np.array(path.read_text().split(), dtype=np.int64)
    n = int(numbers[0])
    assert numbers.size == 1 + n * n, f"{path.name}: expected {n * n} costs"
    return numbers[1:].reshape(n, n)


@pytest.mark.parametrize(
    ("name", "optimum", "default"),
    INSTANCES,
    ids=[name.removesuffix(".txt") for name, _, _ in INSTANCES],
)
def test_published_optimum(name: str, optimum: int, default: bool) -> None:
    if not default and not SLOW:
        pytest.skip("large instance: set MENTORMATCH_SLOW_TESTS=1 to run it")
    path = find(name)
    if path is None:
        assert not default, f"{name} should be in {BUNDLED}"
        pytest.skip(f"{name} not found in {SHARED} (the shared benchmarks folder)")
    costs = read_instance(path)
    columns, total = solve_assignment_costs(costs)
    assert total == optimum
    assert np.array_equal(np.sort(columns), np.arange(costs.shape[0]))
    assert int(costs[np.arange(costs.shape[0]), columns].sum()) == optimum


@pytest.mark.skipif("cbc" not in available_solvers(), reason="needs CBC")
def test_assign100_with_cbc() -> None:
    path = find("assign100.txt")
    assert path is not None
    _, total = solve_assignment_costs(read_instance(path), solver="cbc")
    assert total == 305


@pytest.mark.parametrize(("name", "optimum"), [("assign100.txt", 305), ("assign500.txt", 991)])
def test_published_optimum_by_the_assignment_path(name: str, optimum: int) -> None:
    """The large-cohort path (assignment.py) on the same instances: points = max + 1 - cost."""
    path = find(name)
    assert path is not None
    costs = read_instance(path)
    n = costs.shape[0]
    points = int(costs.max()) + 1 - costs
    found = solve_dense_pairs(
        DensePairs(
            n_left=n,
            n_right=n,
            capacity=np.ones(n, dtype=np.int64),
            points=lambda rows: points[rows],
            pair_points=lambda left, right: points[left, right],
            must_left=np.zeros(0, dtype=np.int64),
            must_right=np.zeros(0, dtype=np.int64),
            objective="score",
        )
    )
    assert found is not None and found.solution.optimal
    assert found.left.tolist() == list(range(n))
    assert int(costs[found.left, found.right].sum()) == optimum

"""OR-Library assignment instances: the solver must reproduce Beasley's published optima."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mentormatch.solve import available_solvers, solve_assignment_costs

ORLIB = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib"
SLOW = os.environ.get("MENTORMATCH_SLOW_TESTS") == "1"

# (file, published minimum total cost, runs by default)
INSTANCES = [
    ("assign100.txt", 305, True),
    ("assign500.txt", 991, True),
    ("assign600.txt", 1176, False),
    ("assign700.txt", 1362, False),
]


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
    if not ORLIB.is_dir():
        pytest.skip(f"OR-Library instances not found at {ORLIB} (the shared benchmarks folder)")
    if not default and not SLOW:
        pytest.skip("large instance: set MENTORMATCH_SLOW_TESTS=1 to run it")
    path = ORLIB / name
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    costs = read_instance(path)
    columns, total = solve_assignment_costs(costs)
    assert total == optimum
    assert np.array_equal(np.sort(columns), np.arange(costs.shape[0]))
    assert int(costs[np.arange(costs.shape[0]), columns].sum()) == optimum


@pytest.mark.skipif("cbc" not in available_solvers(), reason="needs CBC")
def test_assign100_with_cbc() -> None:
    if not ORLIB.is_dir():
        pytest.skip(f"OR-Library instances not found at {ORLIB} (the shared benchmarks folder)")
    _, total = solve_assignment_costs(read_instance(ORLIB / "assign100.txt"), solver="cbc")
    assert total == 305

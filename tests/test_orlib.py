"""OR-Library assignment instances: the solver must reproduce Beasley's published optima."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from mentormatch.flow import ClassProblem, solve_classes
from mentormatch.solve import PairProblem, solve_pairs
from mentormatch.solvers import available_solvers

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


def solve_assignment_costs(costs: np.ndarray, solver: str = "auto") -> tuple[np.ndarray, int]:
    """The LP route on a cost matrix: score = max(cost) + 1 - cost >= 1 on a complete graph, so
    the highest score leaves no row unpaired and is the lowest cost."""
    n_rows, n_cols = costs.shape
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), n_cols)
    cols = np.tile(np.arange(n_cols, dtype=np.int64), n_rows)
    cost = costs.ravel()
    problem = PairProblem(
        n_left=n_rows,
        n_right=n_cols,
        left=rows,
        right=cols,
        score=int(cost.max()) + 1 - cost,
        right_capacity=np.ones(n_cols, dtype=np.int64),
        objective="score",
    )
    solution = solve_pairs(problem, solver=solver)
    assert solution.optimal and solution.coverage == n_rows
    assigned = np.empty(n_rows, dtype=np.int64)
    assigned[rows[solution.chosen]] = cols[solution.chosen]
    return assigned, int(cost[solution.chosen].sum())


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
def test_published_optimum_by_the_flow_route(name: str, optimum: int) -> None:
    """The min-cost flow route (flow.py) on the same instances, each person a class of one."""
    path = find(name)
    assert path is not None
    costs = read_instance(path)
    n = costs.shape[0]
    left, right = np.nonzero(np.ones_like(costs, dtype=bool))
    found = solve_classes(
        ClassProblem(
            left_size=np.ones(n, dtype=np.int64),
            right_supply=np.ones(n, dtype=np.int64),
            arc_left=left.astype(np.int64),
            arc_right=right.astype(np.int64),
            arc_score=(int(costs.max()) + 1 - costs[left, right]).astype(np.int64),
            arc_key=np.zeros(left.size, dtype=np.uint64),
            objective="coverage-then-score",
            max_pairs=n,
        )
    )
    assert int(found.flow.sum()) == n
    assert int(costs[left, right] @ found.flow) == optimum

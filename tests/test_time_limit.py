"""A time limit that strikes: the best pairing found so far comes back, labelled not proven optimal.

Whether a real clock runs out mid-solve depends on the machine, so here every solver run is made
to end the way a run that reached its limit ends: stopped, holding the pairing it had found. The
result must be a valid pairing and never be called optimal, in the library and in the CLI.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from typer.testing import CliRunner

from mentormatch import solve as solve_module
from mentormatch.cli import app
from mentormatch.solve import PairProblem, solve_pairs
from mentormatch.solvers import available_solvers
from tests.conftest import MIND_EXPORT, MIND_RULES

SOLVERS = available_solvers()


@pytest.fixture
def clock_runs_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every solver run ends as a run that reached its time limit holding the pairing it found
    (HiGHS's kTimeLimit with a solution, CBC's 'stopped on time' with an integer solution)."""
    stopped: list[str] = []
    for model in (solve_module._CbcModel, solve_module._HighsModel):
        monkeypatch.setattr(model, "solve", _stopped_at_the_limit(model.solve, stopped))
    return stopped


def _stopped_at_the_limit(solve: Callable[..., Any], stopped: list[str]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        found = solve(*args, **kwargs)
        stopped.append(found.state)
        return dataclasses.replace(found, state="stopped", timed_out=True, detail="Time limit reached")

    return run


def problem_with_score_to_gain(n: int = 40) -> PairProblem:
    rng = np.random.default_rng(16)
    left, right = np.nonzero(rng.random((n, n)) < 0.3)
    return PairProblem(
        n_left=n,
        n_right=n,
        left=left.astype(np.int64),
        right=right.astype(np.int64),
        score=rng.integers(0, 1000, size=left.size).astype(np.int64),
        right_capacity=np.ones(n, dtype=np.int64),
    )


def most_pairs(problem: PairProblem) -> int:
    graph = csr_matrix(
        (np.ones(problem.left.size), (problem.left, problem.right)), (problem.n_left, problem.n_right)
    )
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_stopped_solve_is_labelled_not_proven_optimal(solver: str, clock_runs_out: list[str]) -> None:
    problem = problem_with_score_to_gain()
    solution = solve_pairs(problem, solver=solver, time_limit=60)
    assert clock_runs_out  # the solver ran, and stopped
    assert solution.optimal is False
    assert solution.status.startswith("time-limit (not proven optimal"), solution.status
    chosen = solution.chosen
    assert Counter(problem.left[chosen].tolist()).most_common(1)[0][1] == 1
    assert Counter(problem.right[chosen].tolist()).most_common(1)[0][1] == 1
    assert 0 < solution.coverage == chosen.size <= most_pairs(problem)
    assert solution.total_score == int(problem.score[chosen].sum())


def test_the_cli_warns_and_the_summary_says_not_optimal(clock_runs_out: list[str], tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    args = ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out), "--time-limit", "60"]
    args += ["--solver", SOLVERS[0]]  # the LP route, which --time-limit governs
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert clock_runs_out
    assert "NOT proven optimal (time-limit" in " ".join(result.stderr.split())
    summary = {
        row[0]: row[1]
        for row in openpyxl.load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True)
    }
    assert not str(summary["Optimal"]).startswith("yes"), summary["Optimal"]

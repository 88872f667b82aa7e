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
from tests.conftest import EXAMPLES, MIND_EXPORT, MIND_RULES

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


# The default pairing route (min-cost flow) is exact and takes no time limit: a coordinator who
# gives one must be told it was not used, never left to think it bounded the run.
UNUSED = "time limit was not used"


def test_a_time_limit_on_the_default_route_is_reported_unused(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    args = ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out), "--time-limit", "0.1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert UNUSED in said and "--solver" in said and "group mentoring" in said, said
    cells = [
        str(value)
        for row in openpyxl.load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert any(UNUSED in cell for cell in cells), cells  # the workbook's Summary says so too


def test_the_library_warns_only_when_the_limit_was_not_used() -> None:
    import mentormatch

    unused = mentormatch.match(MIND_EXPORT, rules=MIND_RULES, time_limit=0.1)
    assert unused.optimal and any(UNUSED in w for w in unused.warnings)
    assert not any(UNUSED in w for w in mentormatch.match(MIND_EXPORT, rules=MIND_RULES).warnings)
    used = mentormatch.match(MIND_EXPORT, rules=MIND_RULES, solver=SOLVERS[0], time_limit=60)
    assert not any(UNUSED in w for w in used.warnings)
    lmp = EXAMPLES / "bme-leadership-lmp-2022"
    groups = mentormatch.match(
        lmp / "applications.csv", rules="bme-leadership-lmp-2022", members=lmp / "members.csv", time_limit=60
    )
    assert not any(UNUSED in w for w in groups.warnings)  # group mentoring uses the limit


def test_the_help_and_docstring_say_where_the_limit_applies() -> None:
    import mentormatch

    help_text = " ".join(CliRunner().invoke(app, ["match", "--help"], terminal_width=200).output.split())
    doc = " ".join((mentormatch.match.__doc__ or "").split())
    assert "group mentoring" in help_text and "ignores it" in help_text, help_text
    assert "group mentoring" in doc and "does not use it" in doc

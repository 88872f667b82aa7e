"""solvers.py: the solver choice, and what a HiGHS or CBC run's status is taken to mean.

The rule under test: a run is "optimal" only when the solver proved it. PuLP can report a
time-limited HiGHS run as Optimal with sol_status 2 (integer feasible), so the
status pair is read together, and a time limit that was set turns an unproven end into "stopped".
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pulp
import pytest

from mentormatch import solvers
from mentormatch.errors import SolverError
from mentormatch.solvers import Run, check_solver, new_highs, run_highs, solve_pulp

ROOT = Path(__file__).resolve().parents[1]


def test_the_solver_names_are_checked_in_one_place() -> None:
    assert [check_solver(name) for name in ("auto", "HiGHS", "CBC")] == ["auto", "highs", "cbc"]
    for wrong in ("gurobi", "", "highs "):
        with pytest.raises(ValueError, match="solver must be 'auto', 'highs' or 'cbc'"):
            check_solver(wrong)


class _Engine:
    def __init__(self, works: bool) -> None:
        self.works = works

    def available(self) -> bool:
        return self.works


@pytest.mark.parametrize(
    ("highs", "cbc", "found", "picked"),
    [
        (True, True, ["highs", "cbc"], ("highs", "")),
        (False, True, ["cbc"], ("cbc", "HiGHS unavailable, used CBC")),
        (True, False, ["highs"], ("highs", "")),
    ],
)
def test_available_solvers_and_the_pick(
    highs: bool, cbc: bool, found: list[str], picked: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = SimpleNamespace(HiGHS=lambda msg: _Engine(highs), PULP_CBC_CMD=lambda **options: _Engine(cbc))
    monkeypatch.setattr(solvers, "pulp", fake)
    assert solvers.available_solvers() == found
    assert solvers.pick_solver("HIGHS") == picked
    monkeypatch.setattr(solvers, "available_solvers", lambda: [])
    with pytest.raises(SolverError, match="No solver is available"):
        solvers.pick_solver("auto")


class _Prob:
    """A PuLP problem whose solve ends as told (CBC's route: no HiGHS model to ask)."""

    def __init__(self, status: int, sol_status: int, error: Exception | None = None) -> None:
        self.result, self.error = (status, sol_status), error
        self.variables = [SimpleNamespace(varValue=v) for v in (1.0, 0.0, None)]

    def solve(self, engine: Any) -> None:
        assert Path(engine.tmpDir).is_dir()  # CBC's files go to a temporary folder
        if self.error is not None:
            raise self.error
        self.status, self.sol_status = self.result
        for v in self.variables:
            v.varValue = v.varValue  # the values PuLP left


FAR = 3600.0


@pytest.mark.parametrize(
    ("status", "sol_status", "limit", "state", "timed_out", "has_values"),
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, None, "optimal", False, True),
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, FAR, "optimal", False, True),
        # PuLP's "Optimal" with an integer-feasible solution and a time limit set: NOT optimal
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, FAR, "stopped", True, True),
        (pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible, None, "stopped", False, True),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, FAR, "stopped", True, False),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, None, "failed", False, False),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, None, "infeasible", False, False),
        (pulp.LpStatusUndefined, pulp.LpSolutionInfeasible, FAR, "infeasible", False, False),
    ],
)
def test_a_pulp_run_is_optimal_only_when_proven(
    status: int, sol_status: int, limit: float | None, state: str, timed_out: bool, has_values: bool
) -> None:
    prob = _Prob(status, sol_status)
    deadline = None if limit is None else time.perf_counter() + limit
    run = solve_pulp(prob, prob.variables, "cbc", mip=True, deadline=deadline)
    assert (run.state, run.timed_out) == (state, timed_out)
    if has_values:
        assert run.values is not None and run.values.tolist() == [1.0, 0.0, 0.0]
    else:
        assert run.values is None


def test_a_pulp_run_that_errors_or_has_no_time_left() -> None:
    crashed = _Prob(0, 0, pulp.PulpSolverError("Pulp: Error while executing"))
    run = solve_pulp(crashed, crashed.variables, "cbc", mip=False, deadline=None)
    assert run.state == "failed" and run.values is None
    assert run.detail == "CBC error: Pulp: Error while executing"
    late = solve_pulp(crashed, [], "highs", mip=False, deadline=time.perf_counter() - 1)
    assert late == Run("stopped", None, timed_out=True, detail="no time left")


def test_a_pulp_mip_solved_by_highs_reads_highs_own_status() -> None:
    prob = pulp.LpProblem("tiny", pulp.LpMaximize)
    xs = [prob.add_variable(f"x{k}", 0, 1, pulp.LpInteger) for k in range(3)]
    prob.setObjective(pulp.lpSum([3 * xs[0], 2 * xs[1], 1 * xs[2]]))  # one optimum: x0 = x1 = 1
    prob.addConstraint(pulp.lpSum(xs) <= 2)
    run = solve_pulp(prob, xs, "highs", mip=True, deadline=time.perf_counter() + FAR)
    assert run.state == "optimal" and run.detail == "Optimal"
    assert run.values is not None and run.values.tolist() == [1.0, 1.0, 0.0]
    assert prob.solverModel is None  # HiGHS's copy of the model is freed
    prob.addConstraint(pulp.lpSum(xs) >= 3)
    prob.addConstraint(xs[0] <= 0)
    assert solve_pulp(prob, xs, "highs", mip=True, deadline=None).state == "infeasible"


def _tiny_lp(infeasible: bool) -> Any:
    model = new_highs()
    model.addVar(0.0, 4.0)
    model.addVar(0.0, 4.0)
    model.changeColCost(0, 1.0)
    model.changeColCost(1, 2.0)
    model.changeObjectiveSense(solvers.highspy.ObjSense.kMaximize)
    model.addRow(-solvers.highspy.kHighsInf, 5.0, 2, np.array([0, 1], np.int32), np.ones(2))
    if infeasible:
        model.addRow(7.0, solvers.highspy.kHighsInf, 2, np.array([0, 1], np.int32), np.ones(2))
    return model


@pytest.mark.parametrize("stoppable", [True, False])
def test_a_highspy_run_and_its_status(stoppable: bool) -> None:
    run = run_highs(_tiny_lp(False), False, None, stoppable=stoppable)
    assert run.state == "optimal" and run.values is not None and run.values.tolist() == [1.0, 4.0]
    failed = run_highs(_tiny_lp(True), False, None, stoppable=stoppable)
    assert failed == Run("failed", None, detail="Infeasible")
    late = run_highs(_tiny_lp(False), False, time.perf_counter() - 1)
    assert late == Run("stopped", None, timed_out=True, detail="no time left")


def test_a_highspy_run_stopped_by_its_time_limit_is_not_optimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MIP given a nanosecond: HiGHS ends with kTimeLimit, the run is "stopped", timed out."""
    rng = np.random.default_rng(3)
    model = new_highs()
    n = 60
    for k in range(n):
        model.addVar(0.0, 1.0)
        model.changeColCost(k, float(rng.integers(1, 100)))
    model.changeObjectiveSense(solvers.highspy.ObjSense.kMaximize)
    for _ in range(40):
        cols = np.sort(rng.choice(n, size=8, replace=False)).astype(np.int32)
        model.addRow(-solvers.highspy.kHighsInf, 3.0, 8, cols, rng.integers(1, 5, size=8).astype(float))
    model.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, dtype=np.uint8))
    monkeypatch.setattr(solvers, "remaining", lambda deadline: 1e-9)
    run = run_highs(model, True, time.perf_counter() + FAR)
    assert run.state == "stopped" and run.timed_out and run.detail == "Time limit reached"


def test_the_banner_guard_copes_without_a_stdout() -> None:
    """With file descriptor 1 closed, silencing HiGHS's banner must not raise (the OSError guard)."""
    script = (
        "import os\n"
        "os.close(1)\n"
        "from mentormatch import solvers\n"
        "solvers.silence_highs_banner()\n"
        "solvers.silence_highs_banner()\n"
        "model = solvers.new_highs()\n"
        "import sys; sys.stderr.write('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "ok"


def test_the_banner_guard_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_stdout(fd: int) -> int:
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(solvers, "_banner_silenced", False)
    monkeypatch.setattr(solvers.os, "dup", no_stdout)
    solvers.silence_highs_banner()  # returns quietly: nothing to protect
    assert solvers._banner_silenced

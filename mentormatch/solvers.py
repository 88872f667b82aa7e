"""Running HiGHS and CBC: which solver, one call within a time limit, and what its status means.

The one place that picks a solver and reads its answer, for the pairs LP (solve.py), the group
stages (group_leaders.py, group_members.py) and the monitoring check (monitoring.py):

- ``check_solver`` / ``pick_solver``: the ``solver`` string ("auto", "highs" or "cbc") is checked
  here only; an unavailable choice falls back to the other one and says so.
- ``solve_pulp`` runs a PuLP model, ``run_highs`` a model built straight in highspy; both return a
  ``Run``. A run is "optimal" only when the solver proved it: PuLP's ``status`` can say Optimal
  after a time limit, so its ``sol_status`` and HiGHS's own model status are checked too
  (measured: a 500 x 500 pairing stopped by its time limit came back "Optimal" with sol_status
  2 and an objective of 1,072 against a true 498,589).
- Ctrl-C stops a HiGHS solve within an iteration or so (``interruptible_run``); CBC runs as a
  child process and stops with it.
- HiGHS prints a banner on its first use: swallowed once (``silence_highs_banner``). CBC's files
  go to a temporary folder, never the working directory.

PuLP and highspy are imported on first use: importing them takes 0.2 s, and plain pairings
(flow.py) never need them.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mentormatch.errors import SolverError

if TYPE_CHECKING:
    import numpy as np

SOLVER_CHOICES = ("auto", "highs", "cbc")
LABELS = {"highs": "HiGHS", "cbc": "CBC"}
INTEGRALITY_TOL = 1e-6
TIME_LIMIT_HINT = "Raise --time-limit, or leave it out to let the solver finish."


class Lazy:
    """A module imported on first use."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


pulp: Any = Lazy("pulp")
highspy: Any = Lazy("highspy")


@dataclass(frozen=True)
class Run:
    """One solver call: how it ended and the variable values it left (None: none worth reading).

    "optimal": proven; "stopped": ended early (time limit, Ctrl-C) with or without values;
    "infeasible": proven to have no solution; "failed": no answer for another reason (``detail``).
    """

    state: Literal["optimal", "stopped", "infeasible", "failed"]
    values: np.ndarray | None
    timed_out: bool = False
    gap: float | None = None
    detail: str = ""


def check_solver(requested: str) -> str:
    """``requested`` in lower case; ValueError unless it is "auto", "highs" or "cbc"."""
    wanted = requested.lower()
    if wanted not in SOLVER_CHOICES:
        raise ValueError(f"solver must be 'auto', 'highs' or 'cbc', got {requested!r}")
    return wanted


def available_solvers() -> list[str]:
    """Solvers PuLP can run here, best first: a subset of ["highs", "cbc"]."""
    found = []
    if pulp.HiGHS(msg=False).available():
        found.append("highs")
    if cbc(mip=False, time_limit=None).available():
        found.append("cbc")
    return found


def pick_solver(requested: str) -> tuple[str, str]:
    """The solver to use ("highs" or "cbc") and a note when the requested one is unavailable."""
    wanted = check_solver(requested)
    found = available_solvers()
    if not found:
        raise SolverError(
            "No solver is available: neither HiGHS (highspy) nor PuLP's CBC could be run.",
            hint="Install highspy (pip install highspy) or reinstall PuLP.",
        )
    if wanted == "auto" or wanted in found:
        return (found[0] if wanted == "auto" else wanted), ""
    return found[0], f"{LABELS[wanted]} unavailable, used {LABELS[found[0]]}"


def remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (a ``time.perf_counter()`` value; None: no limit)."""
    return None if deadline is None else deadline - time.perf_counter()


def is_integral(values: np.ndarray) -> bool:
    """True when every value lies within INTEGRALITY_TOL of 0 or 1."""
    import numpy as np

    return bool(np.all(np.minimum(np.abs(values), np.abs(values - 1.0)) <= INTEGRALITY_TOL))


def cbc(*, mip: bool, time_limit: float | None) -> Any:
    """PuLP's bundled CBC, quiet, gap 0 for a MIP (its PuLP 4 deprecation warning is not for our users)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, mip=mip, timeLimit=time_limit, gapRel=0.0 if mip else None)


_banner_silenced = False


def silence_highs_banner() -> None:
    """HiGHS prints a banner to the C stdout on its first use; swallow it once."""
    global _banner_silenced
    if _banner_silenced:
        return
    _banner_silenced = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout: nothing to protect
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def new_highs() -> Any:
    """A silent highspy model (no banner, no log)."""
    silence_highs_banner()
    model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    return model


def interruptible_run(model: Any) -> None:
    """``model.run()``, but stopped by Ctrl-C within an iteration or so: highspy runs the solve in
    a thread and cancels it through its interrupt callback when the main thread sees the
    KeyboardInterrupt; here it is raised again once HiGHS has stopped. (Its note to the user
    goes to stderr, never to the stdout a `--json` reader may be parsing.)"""
    if threading.current_thread() is not threading.main_thread():
        model.run()  # signals reach only the main thread
        return
    model.HandleKeyboardInterrupt = True
    with contextlib.redirect_stdout(sys.stderr):
        model.solve()
    if model.getModelStatus() == highspy.HighsModelStatus.kInterrupt:
        raise KeyboardInterrupt


def stoppable_highs(**options: Any) -> Any:
    """PuLP's HiGHS (highspy API), its solve stoppable by Ctrl-C as in ``interruptible_run``."""

    class _HiGHS(pulp.HiGHS):
        def callSolver(self, lp: Any) -> None:
            interruptible_run(lp.solverModel)

    return _HiGHS(**options)


def run_highs(model: Any, mip: bool, deadline: float | None, *, stoppable: bool = True) -> Run:
    """Run a model built in highspy within the time left and translate its model status (its
    callers' models always have a solution: any other status, infeasible included, is "failed").

    ``stoppable=False`` runs it in this thread: for LPs of a millisecond or less, where the
    solver thread of ``interruptible_run`` costs more than the solve (Ctrl-C acts just after).
    """
    import numpy as np

    left = remaining(deadline)
    if left is not None and left <= 0:
        return Run("stopped", None, timed_out=True, detail="no time left")
    model.setOptionValue("time_limit", highspy.kHighsInf if left is None else left)
    if stoppable:
        interruptible_run(model)
    else:
        model.run()
    status = model.getModelStatus()
    detail = model.modelStatusToString(status)
    kinds = highspy.HighsModelStatus
    if status == kinds.kOptimal:
        return Run("optimal", np.asarray(model.getSolution().col_value), detail=detail)
    if status in (kinds.kTimeLimit, kinds.kInterrupt):
        solution = model.getSolution()
        values = np.asarray(solution.col_value) if solution.value_valid else None
        return Run(
            "stopped", values, timed_out=status == kinds.kTimeLimit, gap=_mip_gap(model, mip), detail=detail
        )
    return Run("failed", None, detail=detail)


def solve_pulp(
    prob: Any,
    variables: Sequence[Any],
    solver: str,
    *,
    mip: bool,
    deadline: float | None,
) -> Run:
    """Solve the PuLP model ``prob`` with "highs" or "cbc" within the time left; a MIP to gap 0.

    ``values`` holds the ``variables``' values when the solver left a solution: proven optimal,
    or (stopped early) an integer-feasible one.
    """
    import numpy as np

    left = remaining(deadline)
    if left is not None and left <= 0:
        return Run("stopped", None, timed_out=True, detail="no time left")
    if solver == "highs":
        silence_highs_banner()
        options: dict[str, Any] = {"msg": False, "mip": mip, "timeLimit": left}
        if mip:
            options.update(gapRel=0.0)
        engine = stoppable_highs(**options)
    else:
        engine = cbc(mip=mip, time_limit=left)
    try:
        with tempfile.TemporaryDirectory(prefix="mentormatch-cbc-") as tmp:
            engine.tmpDir = tmp  # CBC's MPS and solution files: never in the cwd
            prob.solve(engine)
    except (pulp.PulpSolverError, KeyError) as exc:
        return Run("failed", None, detail=f"{LABELS[solver]} error: {exc}")
    status, sol_status = prob.status, prob.sol_status
    timed_out, gap, detail = False, None, pulp.LpStatus.get(status, str(status))
    model = getattr(prob, "solverModel", None)
    if solver == "highs" and model is not None:
        model_status = model.getModelStatus()
        detail = model.modelStatusToString(model_status)
        timed_out = model_status == highspy.HighsModelStatus.kTimeLimit
        gap = _mip_gap(model, mip)
        prob.solverModel = None  # free the HiGHS copy of the model
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return Run("infeasible", None, detail=detail)

    def values() -> np.ndarray:
        return np.array([v.varValue or 0.0 for v in variables], dtype=np.float64)

    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal and not timed_out:
        return Run("optimal", values(), detail=detail)
    timed_out = timed_out or left is not None
    if sol_status == pulp.LpSolutionIntegerFeasible:
        return Run("stopped", values(), timed_out=timed_out, gap=gap, detail=detail)
    return Run("stopped" if timed_out else "failed", None, timed_out=timed_out, detail=detail)


def _mip_gap(model: Any, mip: bool) -> float | None:
    """HiGHS's relative MIP gap when it has a finite one."""
    if not mip:
        return None
    gap = float(model.getInfo().mip_gap)
    return gap if math.isfinite(gap) else None

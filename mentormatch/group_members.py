"""Group mentoring, stage 2: the members placed in the groups (group_solve.py runs both stages)."""

# Stage 2, members to groups. P = min(members, G * size_max) are placed (everyone when the
# numbers allow); each group gets size_min..size_max; at most ``max_same_org`` members of one
# organisation (default ceil(size_max / 2)) and ceil(size_max / 2) of one profession per group.
# Points: for each placed member, GOAL_POINTS * (share of their goals some leader of the group
# offers), plus, only when not everyone fits, BONUS_WEIGHT * GOAL_POINTS * member_bonus: a
# quarter of a full share, so the bonus weighs in on who is left out but is never a hard rule.
# GOAL_POINTS = 2520 = lcm(1..10) keeps shares of up to 10 goals exact integers. Lexicographic
# objective: the most points, then the largest sum of a tie-break in [1, 1e6] per (member,
# group) from the member's key and the group's canonical number. Solved as LPs over priced
# columns (see ``_member_model``): without the profession rows the matrix is two laminar
# families (members; groups with organisations inside them), hence totally unimodular, and the

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch.flow import mix64
from mentormatch.group_problem import GroupData, capped_codes, min_cap, no_answer, relax_caps
from mentormatch.solvers import INTEGRALITY_TOL, Run, is_integral, pulp, solve_pulp

GOAL_POINTS = 2520  # lcm(1..10): a share of up to 10 goals is a whole number of points
BONUS_WEIGHT = 0.25  # the programme-fit bonus is worth at most a quarter of a full goal share
START_COLUMNS = 4  # stage 2 starts from each member's best groups ...
SPREAD_COLUMNS = 3  # ... plus a few spread evenly over the groups so the first LP is feasible
ENTER_COLUMNS = 10  # ... and adds at most this many priced columns per member per round
MAX_PRICING_ROUNDS = 30  # then gives up pricing and solves over every column
RC_TOL = 1e-3  # reduced costs below this are noise: objective coefficients are integers
TIE_RANKS_MEMBERS = 1_000_000  # stage 2 phase 2 tie-break values lie in [1, this]
DUAL_PRECISION = 1e-6  # duals must reproduce the solver's own reduced costs to this share of the top weight


@dataclass(frozen=True)
class MemberPlan:
    """Stage 2's answer: each member's group (-1 not placed)."""

    group: np.ndarray
    optimal: bool
    timed_out: bool
    placed: int
    org_cap: int
    prof_cap: int
    bonus_used: bool
    notes: list[str]


def _member_points(goals: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """(members, groups) int64: GOAL_POINTS * share of each member's goals that each group covers."""
    ticked = np.maximum(goals.sum(axis=1), 1)  # no goals: every share is 0
    covered = goals.astype(np.int64) @ cover.T.astype(np.int64)
    return np.rint(GOAL_POINTS * covered / ticked[:, None]).astype(np.int64)


def place_members(
    data: GroupData, n_groups: int, cover: np.ndarray, solver: str, deadline: float | None
) -> MemberPlan:
    """Solve stage 2, raising a mix cap while the solver reports the model infeasible."""
    placed = min(data.n_members, n_groups * data.size_max)
    want_org = data.org_cap
    want_prof = math.ceil(data.size_max / 2)
    org_cap = min_cap(data.member_org, placed, n_groups, want_org)
    prof_cap = min_cap(data.member_prof, placed, n_groups, want_prof)
    points = _member_points(data.goals, cover)
    bonus_used = placed < data.n_members
    if bonus_used:
        points = points + np.rint(BONUS_WEIGHT * GOAL_POINTS * data.bonus).astype(np.int64)[:, None]
    while True:
        run = _member_model(data, n_groups, placed, (org_cap, prof_cap), points, solver, deadline)
        if run.state != "infeasible":
            break
        org_cap, prof_cap = relax_caps(data.member_org, data.member_prof, org_cap, prof_cap, "the members")
    values = run.values
    if values is None or not is_integral(values):
        raise no_answer(run, "members to groups")
    group = np.full(data.n_members, -1, dtype=np.int64)
    rows, cols = np.nonzero(values > 0.5)
    group[rows] = cols
    notes = []
    if org_cap > want_org:
        notes.append(f"organisation mix relaxed to at most {org_cap} per group")
    if prof_cap > want_prof:
        notes.append(f"profession mix relaxed to at most {prof_cap} per group")
    return MemberPlan(
        group=group,
        optimal=run.state == "optimal",
        timed_out=run.timed_out,
        placed=placed,
        org_cap=org_cap,
        prof_cap=prof_cap,
        bonus_used=bonus_used,
        notes=notes,
    )


def _member_model(
    data: GroupData,
    n_groups: int,
    placed: int,
    caps: tuple[int, int],
    points: np.ndarray,
    solver: str,
    deadline: float | None,
) -> Run:
    """Stage 2 in two LP phases over priced columns: the most points, then the best tie-break.

    Phase 1 maximises the points. Its LP starts from each member's best groups (and each group's
    best members, and a few groups spread evenly); the duals price every left-out column, those
    with a positive reduced cost join, and the LP is solved again until none has one: then it is
    optimal over all columns. Phase 2 keeps only that LP's optimal face (columns with reduced cost
    0, rows with a non-zero dual held tight: complementary slackness) and maximises the tie-break,
    priced the same way. An integral answer there reaching the phase 1 bound is the lexicographic
    optimum: every points-optimal grouping lies on that face. Otherwise (the profession rows can
    make the LP fractional; or the duals did not check out) two MIPs over every column decide: the
    most points, then the best tie-break among groupings with those points.
    """
    g_count = points.shape[1]
    everything = np.ones(points.shape, dtype=bool)
    start = _best_columns(points, START_COLUMNS, 3 * data.size_max) | _spread_columns(
        data.member_key, g_count
    )
    first = _price(data, placed, caps, points, start, everything, None, solver, deadline)
    if first.run.state != "optimal":
        return first.run
    fallback = (
        Run("stopped", first.values, timed_out=True, detail="time limit")
        if is_integral(first.values)
        else None
    )
    tie = _tiebreak(data.member_key, g_count, TIE_RANKS_MEMBERS)
    if first.duals is not None:
        face = first.duals.reduced >= -first.duals.noise
        start = (first.values > INTEGRALITY_TOL) | (
            face & _top_per_row(np.where(face, tie, 0), START_COLUMNS)
        )
        second = _price(data, placed, caps, tie, start, face, first.duals.tight, solver, deadline)
        run = second.run
        bound = float((points * first.values).sum())
        if run.state == "optimal":
            if is_integral(second.values) and abs(float((points * second.values).sum()) - bound) < 0.5:
                return run
        elif run.state != "infeasible":  # stopped by the time limit, or failed
            return run if run.values is not None or fallback is None else fallback
    best = _MemberLP(data, placed, caps, points, everything, None).solve(solver, mip=True, deadline=deadline)
    if best.state != "optimal" or best.values is None:
        return best if best.values is not None or fallback is None else fallback
    target = round(float((points * best.values).sum()))
    final = _MemberLP(data, placed, caps, tie, everything, None, (points, target)).solve(
        solver, mip=True, deadline=deadline
    )
    if final.values is None:
        return Run("stopped", best.values, timed_out=final.timed_out, detail=final.detail)
    return final


@dataclass(frozen=True)
class _Duals:
    """What one LP's duals say: every column's reduced cost, and which rows must stay tight."""

    reduced: np.ndarray  # (members, groups)
    noise: float  # |reduced cost| up to this counts as 0: RC_TOL plus four times the error seen
    tight: dict[str, np.ndarray]  # row family -> bool per row: non-zero dual


@dataclass(frozen=True)
class _Priced:
    """The last LP of a pricing loop, with its values and (when they checked out) duals."""

    run: Run
    values: np.ndarray
    duals: _Duals | None


def _price(
    data: GroupData,
    placed: int,
    caps: tuple[int, int],
    weight: np.ndarray,
    active: np.ndarray,
    allowed: np.ndarray,
    tight: dict[str, np.ndarray] | None,
    solver: str,
    deadline: float | None,
) -> _Priced:
    """Maximise ``weight`` over the ``allowed`` columns: LPs over the ``active`` ones, pricing the rest."""
    active = active & allowed
    grouping = None  # the last integral LP answer: a valid grouping to fall back on at a time limit
    for _ in range(MAX_PRICING_ROUNDS):
        model = _MemberLP(data, placed, caps, weight, active, tight)
        run = model.solve(solver, mip=False, deadline=deadline)
        complete = bool((active | ~allowed).all())
        if run.state == "infeasible" and not complete:  # the start cannot meet the sizes and caps
            active = allowed.copy()
            continue
        if run.state != "optimal" or run.values is None:
            run = (
                Run("stopped", grouping, timed_out=run.timed_out, detail=run.detail)
                if grouping is not None
                else run
            )
            return _Priced(run, np.zeros(weight.shape), None)
        if is_integral(run.values):
            grouping = run.values
        duals = model.duals(weight)
        if duals is None:
            if complete:
                return _Priced(run, run.values, None)
            active = allowed.copy()
            continue
        entering = allowed & ~active & (duals.reduced > duals.noise)
        if not entering.any():
            return _Priced(run, run.values, duals)
        active |= _top_per_row(np.where(entering, duals.reduced, -np.inf), ENTER_COLUMNS)
    model = _MemberLP(data, placed, caps, weight, allowed, tight)
    run = model.solve(solver, mip=False, deadline=deadline)
    values = run.values if run.values is not None else np.zeros(weight.shape)
    duals = model.duals(weight) if run.state == "optimal" else None
    return _Priced(run, values, duals)


def _best_columns(weight: np.ndarray, per_member: int, per_group: int) -> np.ndarray:
    """(members, groups) mask: each member's ``per_member`` best groups and each group's best members."""
    return _top_per_row(weight, per_member) | _top_per_row(weight.T, per_group).T


def _spread_columns(key: np.ndarray, g_count: int) -> np.ndarray:
    """(members, groups) mask: SPREAD_COLUMNS groups per member, evenly spaced from a key-chosen start.

    Every group gets about members * SPREAD_COLUMNS / groups of these columns, from all
    organisations, so the first LP can usually meet the group sizes and mix caps.
    """
    mask = np.zeros((key.size, g_count), dtype=bool)
    step = -(-g_count // SPREAD_COLUMNS)
    start = (key % np.uint64(g_count)).astype(np.int64)
    for j in range(min(SPREAD_COLUMNS, g_count)):
        mask[np.arange(key.size), (start + j * step) % g_count] = True
    return mask


def _top_per_row(score: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k largest finite entries in each row (ties to the lower column)."""
    mask = np.zeros(score.shape, dtype=bool)
    k = min(k, score.shape[1])
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    np.put_along_axis(mask, order, True, axis=1)
    return mask & np.isfinite(score)


def _tiebreak(key: np.ndarray, n_groups: int, ranks: int) -> np.ndarray:
    """(len(key), n_groups) integers in [1, ranks] from each person's mixed key and the group number."""
    groups = mix64(np.arange(1, n_groups + 1, dtype=np.uint64))
    mixed = mix64(key[:, None] ^ groups[None, :])
    return (mixed % np.uint64(ranks)).astype(np.int64) + 1


class _MemberLP:
    """Stage 2 over the (member, group) columns in ``active``, as a PuLP model with its row families."""

    def __init__(
        self,
        data: GroupData,
        placed: int,
        caps: tuple[int, int],
        weight: np.ndarray,
        active: np.ndarray,
        tight: dict[str, np.ndarray] | None,
        at_least: tuple[np.ndarray, int] | None = None,
    ) -> None:
        n, g_count = active.shape
        self.shape = active.shape
        self.member, self.group = np.nonzero(active)
        self.tight = tight or {}
        self.prob = pulp.LpProblem("members", pulp.LpMaximize)
        width = len(str(max(n, g_count)))
        self.x = [
            self.prob.add_variable(f"x{i:0{width}d}_{g:0{width}d}", 0, None, pulp.LpInteger)
            for i, g in zip(self.member.tolist(), self.group.tolist(), strict=True)
        ]
        le, ge, eq = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ
        self.families: dict[str, list[Any]] = {
            "M": self._rows("M", self.member, n, eq if placed == n else le, 1),
            "Smin": self._rows("Smin", self.group, g_count, ge, data.size_min),
            "Smax": self._rows("Smax", self.group, g_count, le, data.size_max),
        }
        if placed < n:
            self.families["N"] = self._rows("N", np.zeros(self.member.size, dtype=np.int64), 1, eq, placed)
        self.code_of: dict[str, np.ndarray] = {}
        for tag, codes, cap in (("O", data.member_org, caps[0]), ("P", data.member_prof, caps[1])):
            capped = capped_codes(codes, cap)
            code_of = np.full(n, -1, dtype=np.int64)
            for c, people in enumerate(capped):
                code_of[people] = c
            own = code_of[self.member]
            keys = np.where(own >= 0, own * g_count + self.group, -1)
            self.families[tag] = self._rows(tag, keys, len(capped) * g_count, le, cap, skip_up_to=cap)
            self.code_of[tag] = code_of
        if at_least is not None:  # sum of at_least[0] over the chosen columns >= at_least[1]
            terms = zip(self.x, at_least[0][self.member, self.group].tolist(), strict=True)
            self.prob.addConstraint(
                pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintGE, "V", at_least[1])
            )
        costs = weight[self.member, self.group].tolist()
        self.prob.setObjective(pulp.LpAffineExpression(zip(self.x, costs, strict=True)))

    def _rows(
        self, name: str, keys: np.ndarray, count: int, sense: int, rhs: int, skip_up_to: int = 0
    ) -> list[Any]:
        """One row per key in [0, count) over the columns holding that key (held tight if asked).

        None where there are at most ``skip_up_to`` columns and the row need not be tight: a cap
        row with no more columns than its cap cannot bind, and its dual 0 keeps the pricing exact.
        """
        order = np.argsort(keys, kind="stable")
        bounds = np.searchsorted(keys[order], np.arange(count + 1))
        tight = self.tight.get(name, np.zeros(count, dtype=bool))
        rows: list[Any] = []
        for key in range(count):
            cols = order[bounds[key] : bounds[key + 1]].tolist()
            if len(cols) <= skip_up_to and not tight[key]:
                rows.append(None)
                continue
            expr = pulp.LpAffineExpression([(self.x[c], 1) for c in cols])
            rows.append(
                pulp.LpConstraint(expr, pulp.LpConstraintEQ if tight[key] else sense, f"{name}{key}", rhs)
            )
            self.prob.addConstraint(rows[-1])
        return rows

    def solve(self, solver: str, *, mip: bool, deadline: float | None) -> Run:
        """Solve; the values come back as a (members, groups) array."""
        run = solve_pulp(self.prob, self.x, solver, mip=mip, deadline=deadline)
        if run.values is None or (not mip and run.state != "optimal"):  # a stopped LP's values mean nothing
            return Run(run.state, None, timed_out=run.timed_out, detail=run.detail)
        values = np.zeros(self.shape)
        values[self.member, self.group] = run.values
        return Run(run.state, values, timed_out=run.timed_out, detail=run.detail)

    def duals(self, weight: np.ndarray) -> _Duals | None:
        """Every column's reduced cost and the rows with non-zero duals; None unless they check out.

        PuLP passes each solver's sign convention through (HiGHS's duals of a maximisation come out
        negated), so both signs are tried against the reduced costs the solver reports for the
        model's own columns. CBC writes duals with 8 significant digits: the error seen there sets
        how small a reduced cost or dual counts as zero.
        """
        g_count = self.shape[1]
        pi = {
            name: np.array([0.0 if r is None else (r.pi or 0.0) for r in rows])
            for name, rows in self.families.items()
        }
        price = pi["M"][:, None] + pi["Smin"][None, :] + pi["Smax"][None, :] + pi.get("N", np.zeros(1)).sum()
        for tag, code_of in self.code_of.items():
            if pi[tag].size:
                inside = code_of >= 0
                price[inside] += pi[tag].reshape(-1, g_count)[code_of[inside]]
        own = np.array([v.dj or 0.0 for v in self.x])
        allowed = DUAL_PRECISION * float(np.abs(weight).max(initial=1))
        for sign in (1.0, -1.0):
            reduced = weight - sign * price
            error = float(np.abs(reduced[self.member, self.group] - sign * own).max(initial=0.0))
            if error <= allowed:
                noise = RC_TOL + 4 * error
                return _Duals(reduced, noise, {name: np.abs(values) > noise for name, values in pi.items()})
        return None

"""Form mentoring groups: leaders shared out to groups, then members placed, each an exact PuLP model."""

# The model, in two stages
# ------------------------
# G, the number of groups, comes from ``plan_group_count``: the G that places the most members
# (G * size_min <= placed <= G * size_max, G * leaders_min <= leaders), then the one that uses
# the most leaders, then the fewest groups.
#
# Stage 1, leaders to groups (a MIP). U = min(leaders, G * leaders_max) leaders are used and
# every group gets floor(U / G) or ceil(U / G) of them (equal shares, always within the
# leaders_min..leaders_max setting). Hard mix rules: at most ``org_cap`` leaders of one
# organisation and ``prof_cap`` of one profession in a group, each the smallest cap that the
# counts allow (every known organisation's leaders spread as evenly as possible); unknown (-1)
# codes are never capped. Objective: the most goals covered, summed over groups, each goal
# weighted by w_k = round(1000 * (the members' goal share that goal k carries) / members with
# goals), where a member with m goals gives 1/m to each; c_gk <= 1 and c_gk <= (leaders in g
# offering k). So stage 1 maximises the goal share an average member would find in a group.
# Ties: + t_lg in [1, R] per (leader, group) from a mixed hash of the leader's key, under a
# weight T = U * R + 1 on coverage, so the tie-break can never outweigh one coverage point.
# Groups are interchangeable, so leader of key rank r may only join groups 0..r (every grouping
# can be labelled that way: order the groups by their lowest-ranked leader); then the groups are
# renumbered by their lowest-ranked leader, which makes the labels canonical.
#
# Stage 2, members to groups (an LP, then a MIP if the LP answer is fractional). P = min(members,
# G * size_max) members are placed (everyone when the numbers allow); every group gets
# size_min..size_max; at most ``max_same_org`` members of one organisation (default
# ceil(size_max / 2)) and ceil(size_max / 2) of one profession per group. Objective: the total
# over placed members of GOAL_POINTS * (share of the member's goals offered by some leader of the
# group), plus, only when not everyone fits, BONUS_WEIGHT * GOAL_POINTS * member_bonus (so the
# bonus decides who is left out only among near-equal goal shares, never as a hard rule). Points
# are integers (GOAL_POINTS = 2520 makes shares with up to 10 goals exact). Ties: as in stage 1,
# t_ig from the member's key and the group's canonical number, under T = P * R + 1. Without the
# profession rows the constraint matrix is two laminar families (members; groups and
# organisations within them), hence totally unimodular, so the LP is usually integral already.
#
# Proven: each stage's own objective, exactly (HiGHS with mip_rel_gap = 0 and CBC's default gap
# 0; integer objectives below 2**53). Not proven: that the two stages together give the best
# possible joint grouping; stage 1 only sees the members' goal totals, not who sits with whom.
# When a mix cap cannot be met (say 80% of members from one trust), it is raised to the smallest
# value the counts allow, then by one while the solver reports infeasible, and ``status`` says so.
# With a time limit, stage 1 gets half of it, stage 2 the rest.

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pulp

from mentormatch.errors import InfeasibleError, SolverError

try:
    import highspy as _highspy
except ImportError:  # pragma: no cover - highspy is a dependency; CBC is used without it
    _highspy = None  # type: ignore[assignment]

GOAL_POINTS = 2520  # lcm(1..10): a share of up to 10 goals is a whole number of points
BONUS_WEIGHT = 0.25  # the programme-fit bonus is worth at most a quarter of a full goal share
COVERAGE_SCALE = 1000  # stage 1 goal weights are per-mille of the members' goal share
COEF_CAP = 1_000_000_000  # the largest objective coefficient: exact in doubles and in CBC's MPS file
INTEGRALITY_TOL = 1e-6
LABELS = {"highs": "HiGHS", "cbc": "CBC"}
TIME_LIMIT_HINT = "Raise --time-limit, or leave it out to let the solver finish."


@dataclass(frozen=True)
class GroupProblem:
    """Members and leaders to form into mentoring groups, with their goals, organisations and professions."""

    member_goals: np.ndarray
    leader_offers: np.ndarray
    member_org: np.ndarray
    leader_org: np.ndarray
    member_prof: np.ndarray
    leader_prof: np.ndarray
    member_bonus: np.ndarray
    size_min: int = 5
    size_max: int = 7
    leaders_min: int = 2
    leaders_max: int = 4
    max_same_org: int | None = None
    member_key: np.ndarray | None = None
    leader_key: np.ndarray | None = None


@dataclass(frozen=True)
class GroupSolution:
    """The groups formed, and how sure the solver is that they are the best."""

    member_group: np.ndarray
    leader_group: np.ndarray
    n_groups: int
    optimal: bool
    status: str
    solver: str
    seconds: float
    objective_text: str
    group_goal_share: np.ndarray


# ---------------------------------------------------------------------------------------------
# Public API


def plan_group_count(
    n_members: int, n_leaders: int, size_min: int, size_max: int, leaders_min: int, leaders_max: int
) -> int:
    """The number of groups that places the most members, then uses the most leaders, then the fewest."""
    _check_range("matching.groups.size", size_min, size_max)
    _check_range("matching.groups.leaders", leaders_min, leaders_max)
    problems, hints = [], []
    if n_leaders < leaders_min:
        problems.append(
            f"{_count(n_leaders, 'leader')} cannot staff one group of {leaders_min}-{leaders_max} leaders"
        )
        hints.append("lower matching.groups.leaders.min in the rule file or recruit more leaders")
    if n_members < size_min:
        verb = "is" if n_members == 1 else "are"
        problems.append(f"{_count(n_members, 'member')} {verb} fewer than one group's minimum of {size_min}")
        hints.append("lower matching.groups.size.min in the rule file or accept more members")
    if problems:
        hint = "; ".join(hints)
        raise InfeasibleError("No mentoring group can be formed: " + "; ".join(problems) + ".", hint=hint[0].upper() + hint[1:] + ".")
    most = min(n_leaders // leaders_min, n_members // size_min)
    return max(
        range(1, most + 1),
        key=lambda g: (min(n_members, g * size_max), min(n_leaders, g * leaders_max), -g),
    )


def solve_groups(
    problem: GroupProblem, *, solver: str = "auto", time_limit: float | None = None
) -> GroupSolution:
    """Form the groups for ``problem`` (see the module comment for the two stages and what is proven)."""
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
    data = _validate(problem)
    n_groups = plan_group_count(
        data.n_members, data.n_leaders, data.size_min, data.size_max, data.leaders_min, data.leaders_max
    )
    name, note = _pick_solver(solver)
    deadline = None if time_limit is None else start + time_limit
    stage1_deadline = None if time_limit is None else start + time_limit / 2
    leaders = _assign_leaders(data, n_groups, name, stage1_deadline)
    cover = _group_cover(data, leaders.group, n_groups)
    members = _place_members(data, n_groups, cover, name, deadline)
    notes = [*leaders.notes, *members.notes]
    if note:
        notes.append(note)
    optimal = leaders.optimal and members.optimal
    if optimal:
        status = "optimal"
    else:
        stopped = "time-limit" if leaders.timed_out or members.timed_out else "stopped early"
        status = f"{stopped} (not proven optimal)"
    if notes:
        status += "; " + "; ".join(notes)
    return GroupSolution(
        member_group=members.group,
        leader_group=leaders.group,
        n_groups=n_groups,
        optimal=optimal,
        status=status,
        solver=LABELS[name],
        seconds=time.perf_counter() - start,
        objective_text=_objective_text(data, n_groups, leaders, members),
        group_goal_share=_goal_share(data, members.group, cover, n_groups),
    )


# ---------------------------------------------------------------------------------------------
# Validation and preparation


@dataclass(frozen=True)
class _Data:
    """The validated problem."""

    n_members: int
    n_leaders: int
    goals: np.ndarray  # bool (n_members, K)
    offers: np.ndarray  # bool (n_leaders, K)
    member_org: np.ndarray
    leader_org: np.ndarray
    member_prof: np.ndarray
    leader_prof: np.ndarray
    bonus: np.ndarray
    size_min: int
    size_max: int
    leaders_min: int
    leaders_max: int
    org_cap: int
    member_key: np.ndarray  # uint64, mixed
    leader_key: np.ndarray  # uint64, mixed
    leader_rank: np.ndarray  # int64: position of each leader in the order of its raw key


def _validate(problem: GroupProblem) -> _Data:
    """Check shapes and types; fill in default keys and the organisation cap."""
    goals = _bool_matrix("member_goals", problem.member_goals)
    offers = _bool_matrix("leader_offers", problem.leader_offers)
    if goals.shape[1] != offers.shape[1]:
        raise ValueError(
            f"member_goals has {goals.shape[1]} goal columns but leader_offers has {offers.shape[1]}"
        )
    n, m = goals.shape[0], offers.shape[0]
    bonus = np.asarray(problem.member_bonus, dtype=np.float64)
    if bonus.shape != (n,) or not np.all((bonus >= 0) & (bonus <= 1)):
        raise ValueError(f"member_bonus must be {n} numbers between 0 and 1")
    size_min, size_max = int(problem.size_min), int(problem.size_max)
    _check_range("matching.groups.size", size_min, size_max)
    _check_range("matching.groups.leaders", int(problem.leaders_min), int(problem.leaders_max))
    org_cap = math.ceil(size_max / 2) if problem.max_same_org is None else int(problem.max_same_org)
    if org_cap < 1:
        raise ValueError(f"max_same_org must be at least 1, got {problem.max_same_org!r}")
    member_raw = np.arange(n, dtype=np.int64) if problem.member_key is None else _ints("member_key", problem.member_key, n)
    leader_raw = np.arange(m, dtype=np.int64) if problem.leader_key is None else _ints("leader_key", problem.leader_key, m)
    rank = np.empty(m, dtype=np.int64)
    rank[np.argsort(leader_raw, kind="stable")] = np.arange(m, dtype=np.int64)
    return _Data(
        n_members=n,
        n_leaders=m,
        goals=goals,
        offers=offers,
        member_org=_ints("member_org", problem.member_org, n),
        leader_org=_ints("leader_org", problem.leader_org, m),
        member_prof=_ints("member_prof", problem.member_prof, n),
        leader_prof=_ints("leader_prof", problem.leader_prof, m),
        bonus=bonus,
        size_min=size_min,
        size_max=size_max,
        leaders_min=int(problem.leaders_min),
        leaders_max=int(problem.leaders_max),
        org_cap=org_cap,
        member_key=_mix64(member_raw.astype(np.uint64)),
        leader_key=_mix64(leader_raw.astype(np.uint64)),
        leader_rank=rank,
    )


def _check_range(setting: str, low: int, high: int) -> None:
    """Raise ValueError unless 1 <= low <= high."""
    if not 1 <= low <= high:
        raise ValueError(f"{setting} needs 1 <= min <= max, got min {low} and max {high}")


def _bool_matrix(name: str, value: Any) -> np.ndarray:
    """A 2-D boolean copy of ``value``."""
    arr = np.asarray(value)
    if arr.ndim != 2 or (arr.size and arr.dtype.kind not in "biu"):
        raise ValueError(f"{name} must be a 2-D boolean array, got shape {arr.shape} and dtype {arr.dtype}")
    return arr.astype(bool)


def _ints(name: str, value: Any, length: int) -> np.ndarray:
    """A 1-D int64 copy of ``value`` of the given length."""
    arr = np.asarray(value)
    if arr.shape != (length,) or (length and arr.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be {length} integers, got shape {arr.shape} and dtype {arr.dtype}")
    return arr.astype(np.int64)


def _count(n: int, noun: str) -> str:
    """'1 leader', '3 leaders'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _mix64(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: spreads any integer keys evenly over uint64."""
    z = keys.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _tiebreak(key: np.ndarray, n_groups: int, ranks: int) -> np.ndarray:
    """(len(key), n_groups) integers in [1, ranks] from each person's mixed key and the group number."""
    groups = _mix64(np.arange(1, n_groups + 1, dtype=np.uint64))
    mixed = _mix64(key[:, None] ^ groups[None, :])
    return (mixed % np.uint64(ranks)).astype(np.int64) + 1


def _weights(points: np.ndarray, key: np.ndarray, people: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer weights ``points * T`` and tie-breaks in [1, R] with T = people * R + 1 <= COEF_CAP."""
    n_groups = points.shape[1] if points.ndim == 2 else 0
    top = int(points.max(initial=0))
    ranks = (COEF_CAP - top) // (top * max(people, 1) + 1)
    if ranks < 2:
        return points, np.zeros((key.size, n_groups), dtype=np.int64), 1
    return points * (people * ranks + 1), _tiebreak(key, n_groups, ranks), ranks


def _min_cap(codes: np.ndarray, chosen: int, n_groups: int, floor: int) -> int:
    """Smallest cap >= floor such that ``chosen`` people can be picked with at most n_groups * cap per code."""
    unknown = int(np.count_nonzero(codes < 0))
    _, counts = np.unique(codes[codes >= 0], return_counts=True)
    cap = floor
    while unknown + int(np.minimum(counts, n_groups * cap).sum()) < chosen:
        cap += 1
    return cap


def _capped_codes(codes: np.ndarray, cap: int) -> list[np.ndarray]:
    """Index arrays of the people sharing each known code held by more than ``cap`` people."""
    known = np.flatnonzero(codes >= 0)
    values, inverse, counts = np.unique(codes[known], return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    split = np.split(known[order], np.cumsum(counts)[:-1]) if values.size else []
    return [people for people in split if people.size > cap]


# ---------------------------------------------------------------------------------------------
# Stage 1: leaders


@dataclass(frozen=True)
class _LeaderPlan:
    """Stage 1's answer: each leader's canonical group (-1 unused)."""

    group: np.ndarray
    optimal: bool
    timed_out: bool
    org_cap: int
    prof_cap: int
    per_group: tuple[int, int]
    notes: list[str]


def _goal_weights(data: _Data) -> np.ndarray:
    """Per goal: round(1000 * members' goal share on it / members with goals), as int64."""
    ticked = data.goals.sum(axis=1)
    with_goals = ticked > 0
    if not with_goals.any():
        return np.zeros(data.goals.shape[1], dtype=np.int64)
    share = (data.goals[with_goals] / ticked[with_goals, None]).sum(axis=0)
    return np.rint(COVERAGE_SCALE * share / with_goals.sum()).astype(np.int64)


def _assign_leaders(data: _Data, n_groups: int, solver: str, deadline: float | None) -> _LeaderPlan:
    """Solve stage 1, raising a mix cap while the solver reports the model infeasible."""
    used = min(data.n_leaders, n_groups * data.leaders_max)
    per_group = (used // n_groups, -(-used // n_groups))
    org_cap = _min_cap(data.leader_org, used, n_groups, 1)
    prof_cap = _min_cap(data.leader_prof, used, n_groups, 1)
    weights = _goal_weights(data)
    relaxed = False
    while True:
        run = _leader_model(data, n_groups, used, per_group, org_cap, prof_cap, weights, solver, deadline)
        if run.state != "infeasible":
            break
        relaxed = True
        if _capped_codes(data.leader_prof, prof_cap):
            prof_cap += 1
        elif _capped_codes(data.leader_org, org_cap):
            org_cap += 1
        else:
            raise SolverError("The solver found no way to share out the leaders, which should not happen.")
    values = _usable(run, "leaders to groups")
    labelled = np.full(data.n_leaders, -1, dtype=np.int64)
    rows, cols = np.nonzero(values > 0.5)
    labelled[rows] = cols
    notes = [f"leader mix relaxed to at most {org_cap} per organisation and {prof_cap} per profession"] if relaxed else []
    return _LeaderPlan(
        group=_canonical(labelled, data.leader_rank, n_groups),
        optimal=run.state == "optimal",
        timed_out=run.timed_out,
        org_cap=org_cap,
        prof_cap=prof_cap,
        per_group=per_group,
        notes=notes,
    )


def _leader_model(
    data: _Data,
    n_groups: int,
    used: int,
    per_group: tuple[int, int],
    org_cap: int,
    prof_cap: int,
    weights: np.ndarray,
    solver: str,
    deadline: float | None,
) -> _Run:
    """Build and solve the stage 1 MIP; values are (n_leaders, n_groups)."""
    prob = pulp.LpProblem("leaders", pulp.LpMaximize)
    m, g_count = data.n_leaders, n_groups
    top = int(weights.max(initial=0))
    ranks = max((COEF_CAP // max(top, 1) - 1) // max(used, 1), 0)
    scale = used * ranks + 1 if ranks >= 2 else 1
    tie = _tiebreak(data.leader_key, g_count, ranks) if ranks >= 2 else np.zeros((m, g_count), dtype=np.int64)
    allowed = np.arange(g_count)[None, :] <= data.leader_rank[:, None]
    width = len(str(max(m, g_count)))
    y: dict[tuple[int, int], Any] = {}
    for leader, group in zip(*np.nonzero(allowed), strict=True):
        y[leader, group] = prob.add_variable(f"y{leader:0{width}d}_{group:0{width}d}", 0, 1, pulp.LpInteger)
    by_leader: list[list[Any]] = [[] for _ in range(m)]
    by_group: list[list[Any]] = [[] for _ in range(g_count)]
    for (leader, group), var in y.items():
        by_leader[leader].append(var)
        by_group[group].append(var)
    sense = pulp.LpConstraintEQ if used == m else pulp.LpConstraintLE
    for leader, row in enumerate(by_leader):
        _add_row(prob, f"L{leader}", row, sense, 1)
    _add_row(prob, "used", list(y.values()), pulp.LpConstraintEQ, used)
    for group, row in enumerate(by_group):
        _add_row(prob, f"Gmin{group}", row, pulp.LpConstraintGE, per_group[0])
        _add_row(prob, f"Gmax{group}", row, pulp.LpConstraintLE, per_group[1])
    for tag, codes, cap in (("O", data.leader_org, org_cap), ("P", data.leader_prof, prof_cap)):
        for c, people in enumerate(_capped_codes(codes, cap)):
            for group in range(g_count):
                row = [y[p, group] for p in people.tolist() if (p, group) in y]
                if len(row) > cap:
                    _add_row(prob, f"{tag}{c}_{group}", row, pulp.LpConstraintLE, cap)
    objective: list[tuple[Any, int]] = [(var, int(tie[key])) for key, var in y.items()]
    for k in np.flatnonzero(weights > 0).tolist():
        offering = np.flatnonzero(data.offers[:, k]).tolist()
        if not offering:
            continue
        for group in range(g_count):
            row = [y[p, group] for p in offering if (p, group) in y]
            if not row:
                continue
            c = prob.add_variable(f"c{k:0{width}d}_{group:0{width}d}", 0, 1)
            objective.append((c, int(weights[k]) * scale))
            expr = pulp.LpAffineExpression([(c, 1), *((v, -1) for v in row)])
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"C{k}_{group}", 0))
    prob.setObjective(pulp.LpAffineExpression(objective))
    run = _solve(prob, solver, mip=True, deadline=deadline)
    if run.state in ("optimal", "stopped") and run.values_ok:
        values = np.zeros((m, g_count))
        for (leader, group), var in y.items():
            values[leader, group] = var.varValue or 0.0
        return _Run(run.state, values, run.timed_out, run.detail)
    return run


def _canonical(labelled: np.ndarray, rank: np.ndarray, n_groups: int) -> np.ndarray:
    """Renumber groups in the order of their lowest-ranked leader."""
    lowest = np.full(n_groups, np.iinfo(np.int64).max)
    used = labelled >= 0
    np.minimum.at(lowest, labelled[used], rank[used])
    order = np.argsort(lowest, kind="stable")
    new = np.empty(n_groups, dtype=np.int64)
    new[order] = np.arange(n_groups, dtype=np.int64)
    out = np.full(labelled.size, -1, dtype=np.int64)
    out[used] = new[labelled[used]]
    return out


def _group_cover(data: _Data, leader_group: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, K) bool: goals some leader of the group offers."""
    cover = np.zeros((n_groups, data.offers.shape[1]), dtype=bool)
    used = leader_group >= 0
    np.logical_or.at(cover, leader_group[used], data.offers[used])
    return cover


# ---------------------------------------------------------------------------------------------
# Stage 2: members


@dataclass(frozen=True)
class _MemberPlan:
    """Stage 2's answer: each member's group (-1 not placed)."""

    group: np.ndarray
    optimal: bool
    timed_out: bool
    placed: int
    org_cap: int
    prof_cap: int
    bonus_used: bool
    tie: bool
    notes: list[str]


def _member_points(goals: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """(members, groups) int64: GOAL_POINTS * share of each member's goals that each group covers."""
    ticked = goals.sum(axis=1)
    covered = goals.astype(np.int64) @ cover.T.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(ticked[:, None] > 0, covered / np.maximum(ticked, 1)[:, None], 0.0)
    return np.rint(GOAL_POINTS * share).astype(np.int64)


def _place_members(
    data: _Data, n_groups: int, cover: np.ndarray, solver: str, deadline: float | None
) -> _MemberPlan:
    """Solve stage 2, raising a mix cap while the solver reports the model infeasible."""
    placed = min(data.n_members, n_groups * data.size_max)
    want_org = data.org_cap
    want_prof = math.ceil(data.size_max / 2)
    org_cap = _min_cap(data.member_org, placed, n_groups, want_org)
    prof_cap = _min_cap(data.member_prof, placed, n_groups, want_prof)
    points = _member_points(data.goals, cover)
    bonus_used = placed < data.n_members
    if bonus_used:
        points = points + np.rint(BONUS_WEIGHT * GOAL_POINTS * data.bonus).astype(np.int64)[:, None]
    weight, tie, ranks = _weights(points, data.member_key, placed)
    while True:
        run = _member_model(data, n_groups, placed, org_cap, prof_cap, weight + tie, solver, deadline)
        if run.state != "infeasible":
            break
        if _capped_codes(data.member_prof, prof_cap):
            prof_cap += 1
        elif _capped_codes(data.member_org, org_cap):
            org_cap += 1
        else:
            raise SolverError("The solver found no way to place the members, which should not happen.")
    values = _usable(run, "members to groups")
    group = np.full(data.n_members, -1, dtype=np.int64)
    rows, cols = np.nonzero(values > 0.5)
    group[rows] = cols
    notes = []
    if org_cap > want_org:
        notes.append(f"organisation mix relaxed to at most {org_cap} per group")
    if prof_cap > want_prof:
        notes.append(f"profession mix relaxed to at most {prof_cap} per group")
    return _MemberPlan(
        group=group,
        optimal=run.state == "optimal",
        timed_out=run.timed_out,
        placed=placed,
        org_cap=org_cap,
        prof_cap=prof_cap,
        bonus_used=bonus_used,
        tie=ranks >= 2,
        notes=notes,
    )


def _member_model(
    data: _Data,
    n_groups: int,
    placed: int,
    org_cap: int,
    prof_cap: int,
    weight: np.ndarray,
    solver: str,
    deadline: float | None,
) -> _Run:
    """Build and solve stage 2 as an LP, then as a MIP if the LP answer is fractional."""
    n, g_count = data.n_members, n_groups
    prob = pulp.LpProblem("members", pulp.LpMaximize)
    width = len(str(max(n, g_count)))
    x = [
        [prob.add_variable(f"x{i:0{width}d}_{g:0{width}d}", 0, 1, pulp.LpInteger) for g in range(g_count)]
        for i in range(n)
    ]
    sense = pulp.LpConstraintEQ if placed == n else pulp.LpConstraintLE
    for i, row in enumerate(x):
        _add_row(prob, f"M{i}", row, sense, 1)
    if placed < n:
        _add_row(prob, "placed", [v for row in x for v in row], pulp.LpConstraintEQ, placed)
    for g in range(g_count):
        column = [row[g] for row in x]
        _add_row(prob, f"Smin{g}", column, pulp.LpConstraintGE, data.size_min)
        _add_row(prob, f"Smax{g}", column, pulp.LpConstraintLE, data.size_max)
    for tag, codes, cap in (("O", data.member_org, org_cap), ("P", data.member_prof, prof_cap)):
        for c, people in enumerate(_capped_codes(codes, cap)):
            for g in range(g_count):
                _add_row(prob, f"{tag}{c}_{g}", [x[i][g] for i in people.tolist()], pulp.LpConstraintLE, cap)
    flat = [v for row in x for v in row]
    prob.setObjective(pulp.LpAffineExpression(zip(flat, weight.ravel().tolist(), strict=True)))
    run = _solve(prob, solver, mip=False, deadline=deadline)
    values = _values(x, n, g_count) if run.values_ok else None
    if run.state == "optimal" and values is not None and _integral(values):
        return _Run("optimal", values, False, run.detail)
    if run.state == "optimal":
        run = _solve(prob, solver, mip=True, deadline=deadline)
        values = _values(x, n, g_count) if run.values_ok else None
    return _Run(run.state, values, run.timed_out, run.detail)


def _values(x: list[list[Any]], n: int, g_count: int) -> np.ndarray:
    """The variable values as an (n, g_count) array."""
    return np.array([[v.varValue or 0.0 for v in row] for row in x], dtype=np.float64).reshape(n, g_count)


def _integral(values: np.ndarray) -> bool:
    """True when every value lies within INTEGRALITY_TOL of 0 or 1."""
    return bool(np.all(np.minimum(np.abs(values), np.abs(values - 1.0)) <= INTEGRALITY_TOL))


# ---------------------------------------------------------------------------------------------
# Reporting


def _goal_share(data: _Data, member_group: np.ndarray, cover: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: mean share of its members' goals its leaders cover (members with no goals left out; NaN if none)."""
    ticked = data.goals.sum(axis=1)
    counted = (member_group >= 0) & (ticked > 0)
    idx = np.flatnonzero(counted)
    share = (data.goals[idx] & cover[member_group[idx]]).sum(axis=1) / ticked[idx]
    total = np.bincount(member_group[idx], weights=share, minlength=n_groups)
    people = np.bincount(member_group[idx], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(people > 0, total / np.maximum(people, 1), np.nan)


def _objective_text(data: _Data, n_groups: int, leaders: _LeaderPlan, members: _MemberPlan) -> str:
    """The objective in words."""
    low, high = leaders.per_group
    share = f"{low}" if low == high else f"{low}-{high}"
    ties = "ties broken by a fixed key" if members.tie else "ties left to the solver"
    bonus = (
        f", plus {BONUS_WEIGHT:g} of a full share per placed member times their programme-fit bonus"
        if members.bonus_used
        else ""
    )
    return (
        f"{n_groups} groups. Leaders: {share} per group, at most {leaders.org_cap} per organisation and "
        f"{leaders.prof_cap} per profession in a group, covering the most goals weighted by how many "
        f"members want them. Members: {members.placed} of {data.n_members} placed, "
        f"{data.size_min}-{data.size_max} per group, at most {members.org_cap} of one organisation and "
        f"{members.prof_cap} of one profession per group, with the highest total share of each member's "
        f"goals covered by their group's leaders{bonus}; {ties}."
    )


# ---------------------------------------------------------------------------------------------
# Solving


@dataclass(frozen=True)
class _Run:
    """One solver call: how it ended and (for the stages) the values it left."""

    state: Literal["optimal", "stopped", "infeasible", "failed"]
    values: np.ndarray | None
    timed_out: bool = False
    detail: str = ""

    @property
    def values_ok(self) -> bool:
        """True when the variables hold a solution worth reading."""
        return self.state in ("optimal", "stopped") and self.detail != "no solution"


def _usable(run: _Run, stage: str) -> np.ndarray:
    """The run's values, or a SolverError that says what to do."""
    if run.values is not None and _integral(run.values):
        return run.values
    if run.timed_out:
        raise SolverError(f"The solver found no way to assign {stage} within the time limit.", hint=TIME_LIMIT_HINT)
    raise SolverError(f"The solver stopped without assigning {stage} ({run.detail}).", hint=TIME_LIMIT_HINT)


def _add_row(prob: pulp.LpProblem, name: str, row: list[Any], sense: int, rhs: int) -> None:
    """Add sum(row) <sense> rhs."""
    expr = pulp.LpAffineExpression([(v, 1) for v in row])
    prob.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))


def available_solvers() -> list[str]:
    """Solvers PuLP can run here, best first: a subset of ["highs", "cbc"]."""
    found = []
    if _highspy is not None and pulp.HiGHS(msg=False).available():
        found.append("highs")
    if _cbc(mip=True, time_limit=None).available():
        found.append("cbc")
    return found


def _pick_solver(requested: str) -> tuple[str, str]:
    """The solver to use and a note when the requested one is unavailable."""
    wanted = requested.lower()
    if wanted not in ("auto", *LABELS):
        raise ValueError(f"solver must be 'auto', 'highs' or 'cbc', got {requested!r}")
    found = available_solvers()
    if not found:
        raise SolverError(
            "No solver is available: neither HiGHS (highspy) nor PuLP's CBC could be run.",
            hint="Install highspy (pip install highspy) or reinstall PuLP.",
        )
    if wanted == "auto" or wanted in found:
        return (found[0] if wanted == "auto" else wanted), ""
    return found[0], f"{LABELS[wanted]} unavailable, used {LABELS[found[0]]}"


def _cbc(*, mip: bool, time_limit: float | None) -> Any:
    """PuLP's bundled CBC, quiet (its PuLP 4 deprecation warning is not for our users)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, mip=mip, timeLimit=time_limit, gapRel=0.0 if mip else None)


_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to the C stdout on its first use; swallow it once."""
    global _banner_silenced
    if _banner_silenced or _highspy is None:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        _highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    _banner_silenced = True


def _solve(prob: pulp.LpProblem, solver: str, *, mip: bool, deadline: float | None) -> _Run:
    """Solve ``prob`` and classify the outcome; the values stay on the PuLP variables."""
    left = None if deadline is None else deadline - time.perf_counter()
    if left is not None and left <= 0:
        return _Run("stopped", None, timed_out=True, detail="no solution")
    if solver == "highs":
        _silence_highs_banner()
        options: dict[str, Any] = {"msg": False, "mip": mip, "timeLimit": left}
        if mip:
            options.update(gapRel=0.0, presolve="off")
        engine = pulp.HiGHS(**options)
    else:
        engine = _cbc(mip=mip, time_limit=left)
    try:
        with tempfile.TemporaryDirectory(prefix="mentormatch-cbc-") as tmp:
            engine.tmpDir = tmp  # CBC's MPS and solution files: never in the cwd
            prob.solve(engine)
    except (pulp.PulpSolverError, KeyError) as exc:
        return _Run("failed", None, detail=f"{LABELS[solver]} error: {exc}")
    status, sol_status = prob.status, prob.sol_status
    timed_out, detail = False, pulp.LpStatus.get(status, str(status))
    highs = getattr(prob, "solverModel", None)
    if solver == "highs" and highs is not None and _highspy is not None:
        model_status = highs.getModelStatus()
        detail = highs.modelStatusToString(model_status)
        timed_out = model_status == _highspy.HighsModelStatus.kTimeLimit
        prob.solverModel = None  # free the HiGHS copy of the model
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return _Run("infeasible", None, detail=detail)
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal and not timed_out:
        return _Run("optimal", None, detail=detail)
    timed_out = timed_out or left is not None
    if sol_status == pulp.LpSolutionIntegerFeasible:
        return _Run("stopped", None, timed_out=timed_out, detail=detail)
    return _Run("stopped" if timed_out else "failed", None, timed_out, detail="no solution")

"""Form mentoring groups: leaders shared out to groups, then members placed, each an exact PuLP model."""

# The model, in two stages
# ------------------------
# G, the number of groups, comes from ``plan_group_count``: the G that places the most members
# (G * size_min <= placed <= G * size_max, G * leaders_min <= leaders), then the one that uses
# the most leaders, then the fewest groups.
#
# Stage 1, leaders to groups. U = min(leaders, G * leaders_max) leaders are used; every group
# gets floor(U / G) or ceil(U / G) of them. Mix rules: at most ``org_cap`` leaders of one
# organisation and ``prof_cap`` of one profession in a group, each the smallest cap the counts
# allow; unknown (-1) codes are never capped. Objective: the most goals covered, summed over
# groups, goal k weighted by w_k = round(1000 * (goal share members put on k) / members with
# goals), a member with m goals putting 1/m on each; so stage 1 maximises the goal share an
# average member would find in a group. This is a clustering problem (NP-hard; a MIP over
# leader-group variables failed to prove optimality at 60 leaders in 150 s), solved so:
#   1. A deterministic local search (greedy start; then, leader by leader in key order, the best
#      improving swap or move; cap breaches cost more than any coverage) runs first. When it
#      meets the upper bound sum_k w_k min(G, leaders offering k) within the caps, it is proven.
#   2. Else, when at most TEAM_LIMIT teams of the needed sizes exist, a set-partitioning MIP over
#      every team (within the caps) picks the G teams: exact, and free of group-label symmetry.
#      A tie-break in [1, TIE_RANKS] per team from its leaders' keys sits under a weight
#      T = G * TIE_RANKS + 1 on coverage, so it never outweighs one coverage point.
#   3. Else the local search's grouping is used and reported as not proven optimal.
# Groups are then numbered by their lowest-keyed leader, so the labels are canonical.
#
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
# LP answers are usually integral; when not, exact MIPs over the columns that can matter.
#
# Proven: stage 2 exactly, whenever it reports optimal; stage 1 exactly in cases 1 and 2
# (HiGHS with mip_rel_gap = 0, CBC's gap 0, integer objectives). ``optimal`` needs both. Not
# proven: that the two stages together give the best joint grouping; stage 1 sees only the
# members' goal totals, not who will sit with whom. When a mix cap cannot be met (say 80% of
# members from one trust) it is raised to the smallest value the counts allow, then by one
# while the solver reports the model infeasible, and ``status`` says so. With a time limit,
# stage 1 gets half of it, stage 2 the rest. Same input, same groups: every choice depends on
# the keys (or positions) only; HiGHS and CBC agree whenever both prove optimality and the
# tie-breaks leave no exact tie (likely: 1e6 ranks per member).

from __future__ import annotations

import itertools
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
MIP_COEF_CAP = 100_000_000  # HiGHS's MIP slowed 10x with coefficients near 1e9 (measured on stage 1)
TIE_RANKS = 1000  # stage 1 tie-break values lie in [1, TIE_RANKS]
TEAM_LIMIT = 40_000  # stage 1 is exact when at most this many leader teams are possible
MAX_PASSES = 200  # a safety stop for the stage 1 local search; each pass strictly improves
START_COLUMNS = 4  # stage 2 starts from each member's best groups ...
SPREAD_COLUMNS = 3  # ... plus a few spread evenly over the groups so the first LP is feasible
ENTER_COLUMNS = 10  # ... and adds at most this many priced columns per member per round
MAX_PRICING_ROUNDS = 30  # then gives up pricing and solves over every column
RC_TOL = 1e-3  # reduced costs below this are noise: objective coefficients are integers
TIE_RANKS_MEMBERS = 1_000_000  # stage 2 phase 2 tie-break values lie in [1, this]
DUAL_PRECISION = 1e-6  # duals must reproduce the solver's own reduced costs to this share of the top weight
INTEGRALITY_TOL = 1e-6
LABELS = {"highs": "HiGHS", "cbc": "CBC"}
TIME_LIMIT_HINT = "Raise --time-limit, or leave it out to let the solver finish."


@dataclass(frozen=True)
class GroupProblem:
    """Members and leaders to form into mentoring groups, with their goals, organisations and professions."""

    member_goals: np.ndarray  # bool (members, K): the goals each member ticked
    leader_offers: np.ndarray  # bool (leaders, K): the goals each leader can support
    member_org: np.ndarray  # int codes, -1 unknown (never capped); same coding as leader_org
    leader_org: np.ndarray
    member_prof: np.ndarray  # int profession codes, -1 unknown
    leader_prof: np.ndarray
    member_bonus: np.ndarray  # float in [0, 1]: programme fit (counts only when not everyone fits)
    size_min: int = 5  # members per group
    size_max: int = 7
    leaders_min: int = 2  # leaders per group
    leaders_max: int = 4
    max_same_org: int | None = None  # members of one organisation per group; None: ceil(size_max / 2)
    member_key: np.ndarray | None = None  # int stable keys (hashed emails) for tie-breaks; None: position
    leader_key: np.ndarray | None = None


@dataclass(frozen=True)
class GroupSolution:
    """The groups formed, and how sure the solver is that they are the best."""

    member_group: np.ndarray  # int64 group per member, -1 not placed
    leader_group: np.ndarray  # int64 group per leader, -1 not used
    n_groups: int
    optimal: bool  # True only when both stages were proven optimal
    status: str  # in words, with any mix cap that had to be relaxed
    solver: str
    seconds: float
    objective_text: str  # the objective in words
    group_goal_share: np.ndarray  # per group: mean share of members' goals its leaders offer (NaN: none)


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
        raise InfeasibleError(
            "No mentoring group can be formed: " + "; ".join(problems) + ".",
            hint=hint[0].upper() + hint[1:] + ".",
        )
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
    elif leaders.timed_out or members.timed_out:
        status = "time-limit (not proven optimal)"
    else:
        status = "not proven optimal"
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
    member_raw = (
        np.arange(n, dtype=np.int64)
        if problem.member_key is None
        else _ints("member_key", problem.member_key, n)
    )
    leader_raw = (
        np.arange(m, dtype=np.int64)
        if problem.leader_key is None
        else _ints("leader_key", problem.leader_key, m)
    )
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


def _min_cap(codes: np.ndarray, chosen: int, n_groups: int, floor: int) -> int:
    """Smallest cap >= floor letting ``chosen`` people be picked with at most n_groups * cap per code."""
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
    """Stage 1's answer: each leader's canonical group (-1 unused), and how it was found."""

    group: np.ndarray
    optimal: bool
    timed_out: bool
    method: str  # how the grouping was found, in words
    org_cap: int
    prof_cap: int
    sizes: tuple[int, int]
    notes: list[str]


@dataclass(frozen=True)
class _Shape:
    """What every stage 1 method must produce: G teams, n_hi of size hi and the rest of size lo."""

    n_groups: int
    used: int
    lo: int
    hi: int
    n_hi: int


def _goal_weights(data: _Data) -> np.ndarray:
    """Per goal: round(1000 * members' goal share on it / members with goals), as int64."""
    ticked = data.goals.sum(axis=1)
    with_goals = ticked > 0
    if not with_goals.any():
        return np.zeros(data.goals.shape[1], dtype=np.int64)
    share = (data.goals[with_goals] / ticked[with_goals, None]).sum(axis=0)
    return np.rint(COVERAGE_SCALE * share / with_goals.sum()).astype(np.int64)


def _assign_leaders(data: _Data, n_groups: int, solver: str, deadline: float | None) -> _LeaderPlan:
    """Share the leaders out: local search, proven when it meets the bound, else exact when small enough."""
    used = min(data.n_leaders, n_groups * data.leaders_max)
    lo = used // n_groups
    shape = _Shape(n_groups, used, lo, -(-used // n_groups), used - n_groups * lo)
    least_org = org_cap = _min_cap(data.leader_org, used, n_groups, 1)
    least_prof = prof_cap = _min_cap(data.leader_prof, used, n_groups, 1)
    weights = _goal_weights(data)
    teams = sum(math.comb(data.n_leaders, s) for s in {shape.lo, shape.hi})
    labelled = _search_teams(data, shape, org_cap, prof_cap, weights)
    within = (
        _max_per_group(data.leader_org, labelled, n_groups) <= org_cap
        and _max_per_group(data.leader_prof, labelled, n_groups) <= prof_cap
    )
    bound = int((weights * np.minimum(data.offers.sum(axis=0), n_groups)).sum())
    notes: list[str] = []
    timed_out = False
    if within and _coverage(data, labelled, n_groups, weights) == bound:
        method, optimal = "search, meeting the upper bound", True
    elif teams <= TEAM_LIMIT:
        exact, run, org_cap, prof_cap = _exact_teams(
            data, shape, org_cap, prof_cap, weights, solver, deadline
        )
        method, optimal, timed_out = (
            f"comparing all {teams:,} possible teams",
            run.state == "optimal",
            run.timed_out,
        )
        if exact is not None:
            labelled = exact
        else:  # stopped without a grouping: keep the local search's
            method = "local search (the exact model found no grouping in time)"
    else:
        org_cap = max(org_cap, _max_per_group(data.leader_org, labelled, n_groups))
        prof_cap = max(prof_cap, _max_per_group(data.leader_prof, labelled, n_groups))
        method, optimal = "local search", False
        found = _coverage(data, labelled, n_groups, weights)
        gap = (bound - found) / bound if bound else 0.0
        notes.append(
            f"leaders grouped by local search ({teams:,} possible leader teams are too many to"
            f" compare): goal coverage {found:,} of an upper bound of {bound:,}, so proven within"
            f" {gap:.2%} of the best leader grouping"
        )
    if org_cap > least_org or prof_cap > least_prof:
        notes.append(
            f"leader mix relaxed to at most {org_cap} per organisation and {prof_cap} per profession"
        )
    return _LeaderPlan(
        group=_canonical(labelled, data.leader_rank, n_groups),
        optimal=optimal,
        timed_out=timed_out,
        method=method,
        org_cap=org_cap,
        prof_cap=prof_cap,
        sizes=(shape.lo, shape.hi),
        notes=notes,
    )


def _coverage(data: _Data, labelled: np.ndarray, n_groups: int, weights: np.ndarray) -> int:
    """Stage 1's objective: the goal weights covered, summed over groups."""
    return int((_group_cover(data, labelled, n_groups) * weights).sum())


def _max_per_group(codes: np.ndarray, labelled: np.ndarray, n_groups: int) -> int:
    """The most people sharing one known code in any group."""
    keep = (labelled >= 0) & (codes >= 0)
    if not keep.any():
        return 0
    _, code = np.unique(codes[keep], return_inverse=True)
    return int(np.bincount(labelled[keep] * (code.max() + 1) + code).max())


def _exact_teams(
    data: _Data,
    shape: _Shape,
    org_cap: int,
    prof_cap: int,
    weights: np.ndarray,
    solver: str,
    deadline: float | None,
) -> tuple[np.ndarray | None, _Run, int, int]:
    """Solve the set-partitioning MIP, raising a mix cap while the solver reports it infeasible."""
    while True:
        teams = [_teams(data, s, org_cap, prof_cap) for s in sorted({shape.lo, shape.hi})]
        run, chosen = _team_model(data, shape, teams, weights, solver, deadline)
        if run.state != "infeasible":
            break
        if _capped_codes(data.leader_prof, prof_cap):
            prof_cap += 1
        elif _capped_codes(data.leader_org, org_cap):
            org_cap += 1
        else:
            raise SolverError("The solver found no way to share out the leaders, which should not happen.")
    if chosen is None:
        if run.state == "failed":
            raise _no_answer(run, "leaders to groups")
        return None, run, org_cap, prof_cap
    labelled = np.full(data.n_leaders, -1, dtype=np.int64)
    for label, team in enumerate(chosen):
        labelled[team] = label
    return labelled, run, org_cap, prof_cap


def _teams(data: _Data, size: int, org_cap: int, prof_cap: int) -> np.ndarray:
    """(teams, size) leader indices: every team of ``size`` leaders within both mix caps."""
    teams = np.array(list(itertools.combinations(range(data.n_leaders), size)), dtype=np.int64)
    teams = teams.reshape(-1, size)
    for codes, cap in ((data.leader_org, org_cap), (data.leader_prof, prof_cap)):
        c = codes[teams]
        same = (c[:, :, None] == c[:, None, :]) & (c[:, :, None] >= 0)
        teams = teams[same.sum(axis=2).max(axis=1, initial=0) <= cap]
    return teams


def _team_model(
    data: _Data,
    shape: _Shape,
    teams: list[np.ndarray],
    weights: np.ndarray,
    solver: str,
    deadline: float | None,
) -> tuple[_Run, list[np.ndarray] | None]:
    """Choose G teams covering each used leader once: most weighted coverage, then a fixed tie-break."""
    top = int(weights.sum())
    ranks = min(TIE_RANKS, (MIP_COEF_CAP // max(top, 1) - 1) // shape.n_groups)
    scale = shape.n_groups * ranks + 1
    prob = pulp.LpProblem("leaders", pulp.LpMaximize)
    width = len(str(sum(t.shape[0] for t in teams)))
    by_leader: list[list[Any]] = [[] for _ in range(data.n_leaders)]
    objective: list[tuple[Any, int]] = []
    columns: list[tuple[np.ndarray, list[Any]]] = []
    for block in teams:
        cover = np.zeros((block.shape[0], data.offers.shape[1]), dtype=bool)
        key = np.zeros(block.shape[0], dtype=np.uint64)
        for j in range(block.shape[1]):
            cover |= data.offers[block[:, j]]
            key ^= data.leader_key[block[:, j]]
        coef = (
            (cover.astype(np.int64) @ weights) * scale + (_mix64(key) % np.uint64(ranks)).astype(np.int64) + 1
        )
        made = []
        for team, c in zip(block.tolist(), coef.tolist(), strict=True):
            var = prob.add_variable(f"t{len(objective):0{width}d}", 0, 1, pulp.LpInteger)
            made.append(var)
            objective.append((var, c))
            for leader in team:
                by_leader[leader].append(var)
        columns.append((block, made))
    sense = pulp.LpConstraintEQ if shape.used == data.n_leaders else pulp.LpConstraintLE
    for leader, row in enumerate(by_leader):
        _add_row(prob, f"L{leader}", row, sense, 1)
    wanted = (
        {shape.lo: shape.n_groups - shape.n_hi, shape.hi: shape.n_hi}
        if shape.n_hi
        else {shape.lo: shape.n_groups}
    )
    for block, made in columns:
        _add_row(prob, f"S{block.shape[1]}", made, pulp.LpConstraintEQ, wanted[block.shape[1]])
    prob.setObjective(pulp.LpAffineExpression(objective))
    run = _solve(prob, solver, mip=True, deadline=deadline)
    if not run.values_ok:
        return run, None
    chosen = [
        np.array(team)
        for block, made in columns
        for team, var in zip(block.tolist(), made, strict=True)
        if (var.varValue or 0.0) > 0.5
    ]
    return run, chosen


def _search_teams(data: _Data, shape: _Shape, org_cap: int, prof_cap: int, weights: np.ndarray) -> np.ndarray:
    """Deterministic local search: greedy start, then best swap or move per leader until none improves."""
    search = _TeamSearch(data, shape, weights, [(data.leader_org, org_cap), (data.leader_prof, prof_cap)])
    value = (data.offers * weights / np.maximum(data.offers.sum(axis=0), 1)).sum(axis=1)
    for leader in np.lexsort((data.leader_rank, -value)).tolist():
        if not search.place_greedily(leader):
            break
    by_rank = np.argsort(data.leader_rank).tolist()
    for _ in range(MAX_PASSES):
        if not any([search.improve(leader) for leader in by_rank if search.group[leader] >= 0]):
            break
    return search.group.copy()


class _TeamSearch:
    """Leaders in groups with running goal and code counts; objective coverage - PENALTY * excess."""

    def __init__(
        self, data: _Data, shape: _Shape, weights: np.ndarray, caps: list[tuple[np.ndarray, int]]
    ) -> None:
        g_count = shape.n_groups
        self.offers = data.offers.astype(np.int64)
        self.weights = weights
        self.weighted = self.offers * weights
        self.penalty = 2 * int(weights.sum()) + 1  # more than any one swap can change coverage by
        self.target = np.where(np.arange(g_count) < shape.n_hi, shape.hi, shape.lo)
        self.lo, self.hi = shape.lo, shape.hi
        self.group = np.full(data.n_leaders, -1, dtype=np.int64)
        self.size = np.zeros(g_count, dtype=np.int64)
        self.goals = np.zeros((g_count, self.offers.shape[1]), dtype=np.int64)
        self.codes: list[tuple[np.ndarray, np.ndarray, int]] = []
        for raw, cap in caps:
            code = np.full(raw.size, -1, dtype=np.int64)
            known = raw >= 0
            _, code[known] = np.unique(raw[known], return_inverse=True)
            self.codes.append((code, np.zeros((g_count, int(code.max(initial=-1)) + 2), dtype=np.int64), cap))

    def _add(self, leader: int, group: int, sign: int) -> None:
        """Put ``leader`` into (sign 1) or take them out of (sign -1) ``group``."""
        self.size[group] += sign
        self.goals[group] += sign * self.offers[leader]
        for code, count, _ in self.codes:
            if code[leader] >= 0:
                count[group, code[leader]] += sign
        self.group[leader] = group if sign > 0 else -1

    def place_greedily(self, leader: int) -> bool:
        """Put ``leader`` where it adds most (fewest cap breaches first); False when all groups are full."""
        room = self.size < self.target
        if not room.any():
            return False
        excess = np.zeros(self.size.size, dtype=np.int64)
        for code, count, cap in self.codes:
            if code[leader] >= 0:
                excess += count[:, code[leader]] >= cap
        gain = (self.goals == 0) @ self.weighted[leader] - self.penalty * excess
        self._add(leader, int(np.argmax(np.where(room, gain, np.iinfo(np.int64).min))), 1)
        return True

    def improve(self, leader: int) -> bool:
        """Apply the best improving swap with another leader (or unused leader) or move; True if one was."""
        g1 = int(self.group[leader])
        own = self.offers[leader]
        other = self.group
        placed = other >= 0
        rows = self.goals[np.maximum(other, 0)]
        left = self.goals[g1] - own
        swap = (
            -(self.weighted[leader] @ (self.goals[g1] == 1))
            + self.offers @ (self.weights * (left == 0))
            - placed * ((rows == 1) * self.weighted).sum(axis=1)
            + placed * (((rows - self.offers) == 0) @ self.weighted[leader])
        )
        move = -(self.weighted[leader] @ (self.goals[g1] == 1)) + (self.goals == 0) @ self.weighted[leader]
        for code, count, cap in self.codes:
            swap -= self.penalty * _swap_excess(code, count, cap, leader, g1, other)
            move -= self.penalty * _move_excess(code, count, cap, leader, g1)
        swap[other == g1] = 0
        if self.size[g1] == self.hi and self.lo < self.hi:
            move[self.size != self.lo] = 0
        else:
            move[:] = 0
        best_swap, best_move = int(np.argmax(swap)), int(np.argmax(move))
        if max(swap[best_swap], move[best_move]) <= 0:
            return False
        self._add(leader, g1, -1)
        if swap[best_swap] >= move[best_move]:
            g2 = int(other[best_swap])
            if g2 >= 0:
                self._add(best_swap, g2, -1)
                self._add(leader, g2, 1)
            self._add(best_swap, g1, 1)
        else:
            self._add(leader, best_move, 1)
        return True


def _swap_excess(
    code: np.ndarray, count: np.ndarray, cap: int, leader: int, g1: int, other: np.ndarray
) -> np.ndarray:
    """Change in cap breaches if ``leader`` (in g1) swapped groups with each other leader."""
    o1 = int(code[leader])
    placed = other >= 0
    g2 = np.maximum(other, 0)
    known = code >= 0
    o2 = np.maximum(code, 0)
    change = known * (count[g1, o2] >= cap).astype(np.int64) - (known & placed) * (count[g2, o2] > cap)
    if o1 >= 0:
        change += placed * (count[g2, o1] >= cap).astype(np.int64) - int(count[g1, o1] > cap)
        change[code == o1] = 0
    return change


def _move_excess(code: np.ndarray, count: np.ndarray, cap: int, leader: int, g1: int) -> np.ndarray:
    """Change in cap breaches if ``leader`` moved from g1 to each group."""
    o1 = int(code[leader])
    if o1 < 0:
        return np.zeros(count.shape[0], dtype=np.int64)
    return (count[:, o1] >= cap).astype(np.int64) - int(count[g1, o1] > cap)


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
    notes: list[str]


def _member_points(goals: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """(members, groups) int64: GOAL_POINTS * share of each member's goals that each group covers."""
    ticked = np.maximum(goals.sum(axis=1), 1)  # no goals: every share is 0
    covered = goals.astype(np.int64) @ cover.T.astype(np.int64)
    return np.rint(GOAL_POINTS * covered / ticked[:, None]).astype(np.int64)


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
    while True:
        run = _member_model(data, n_groups, placed, (org_cap, prof_cap), points, solver, deadline)
        if run.state != "infeasible":
            break
        if _capped_codes(data.member_prof, prof_cap):
            prof_cap += 1
        elif _capped_codes(data.member_org, org_cap):
            org_cap += 1
        else:
            raise SolverError("The solver found no way to place the members, which should not happen.")
    values = run.values
    if values is None or not _integral(values):
        raise _no_answer(run, "members to groups")
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
        notes=notes,
    )


def _member_model(
    data: _Data,
    n_groups: int,
    placed: int,
    caps: tuple[int, int],
    points: np.ndarray,
    solver: str,
    deadline: float | None,
) -> _Run:
    """Stage 2 in two LP phases over priced columns: the most points, then the best tie-break.

    Phase 1 maximises the points. Its LP starts from each member's best groups (and each group's
    best members, and a few groups spread evenly); the duals price every left-out column, those
    with a positive reduced cost join, and the LP is solved again until none has one: then it is
    optimal over all columns. Phase 2 keeps only that LP's optimal face (columns with reduced cost
    0, rows with a non-zero dual held tight: complementary slackness) and maximises the tie-break,
    priced the same way. If some integral point reaches the phase 1 LP bound, every points-optimal
    grouping lies on that face, so the best integral point of the face (its LP answer when
    integral, else a MIP) is the lexicographic optimum. Only when none reaches the bound do two
    MIPs decide: the most points, then the best tie-break among groupings with those points.
    """
    g_count = points.shape[1]
    everything = np.ones(points.shape, dtype=bool)
    start = _best_columns(points, START_COLUMNS, 3 * data.size_max) | _spread_columns(
        data.member_key, g_count
    )
    first = _price(data, placed, caps, points, start, everything, None, solver, deadline)
    if first.run.state != "optimal":
        return first.run
    fallback = _Run("stopped", first.values, True, "time limit") if _integral(first.values) else None
    tie = _tiebreak(data.member_key, g_count, TIE_RANKS_MEMBERS)
    bound = float((points * first.values).sum())
    if first.duals is not None:
        face = first.duals.reduced >= -first.duals.noise
        start = (first.values > INTEGRALITY_TOL) | (
            face & _top_per_row(np.where(face, tie, 0), START_COLUMNS)
        )
        second = _price(data, placed, caps, tie, start, face, first.duals.tight, solver, deadline)
        run = second.run
        if run.state == "optimal" and not _integral(second.values):
            run = _exact_mip(data, placed, caps, tie, second, solver, deadline)
        if run.state == "optimal" and run.values is not None:
            if abs(float((points * run.values).sum()) - bound) < 0.5:
                return run
        elif run.state != "infeasible":  # stopped by the time limit, or failed
            return run if run.values is not None or fallback is None else fallback
    best = _exact_mip(data, placed, caps, points, first, solver, deadline)
    if best.state != "optimal" or best.values is None:
        return best if best.values is not None or fallback is None else fallback
    target = round(float((points * best.values).sum()))
    keep = everything
    if first.duals is not None:  # as in _exact_mip: only these columns can reach ``target``
        keep = first.active | (first.duals.reduced >= target - bound - first.duals.noise)
    final = _MemberLP(data, placed, caps, tie, keep, None, (points, target)).solve(
        solver, mip=True, deadline=deadline
    )
    return final if final.values is not None else _Run("stopped", best.values, final.timed_out, final.detail)


def _exact_mip(
    data: _Data,
    placed: int,
    caps: tuple[int, int],
    weight: np.ndarray,
    priced: _Priced,
    solver: str,
    deadline: float | None,
) -> _Run:
    """The MIP optimum over the priced LP's allowed columns, by reduced-cost fixing.

    A MIP over the LP's own columns gives V0. Any feasible x has weight <= z_LP + sum rc_j x_j
    with every rc_j <= 0, so one reaching V0 only uses columns with rc_j >= V0 - z_LP: the MIP
    over those is the MIP over all allowed columns.
    """
    model = _MemberLP(data, placed, caps, weight, priced.active, priced.tight)
    first = model.solve(solver, mip=True, deadline=deadline)
    if first.state != "optimal" or first.values is None:
        return first
    if priced.duals is None:
        if priced.allowed[~priced.active].any():
            model = _MemberLP(data, placed, caps, weight, priced.allowed, priced.tight)
            return model.solve(solver, mip=True, deadline=deadline)
        return first
    floor = float((weight * first.values).sum()) - float((weight * priced.values).sum())
    keep = priced.allowed & (priced.active | (priced.duals.reduced >= floor - priced.duals.noise))
    if not (keep & ~priced.active).any():
        return first
    return _MemberLP(data, placed, caps, weight, keep, priced.tight).solve(
        solver, mip=True, deadline=deadline
    )


@dataclass(frozen=True)
class _Duals:
    """What one LP's duals say: every column's reduced cost, and which rows must stay tight."""

    reduced: np.ndarray  # (members, groups)
    noise: float  # |reduced cost| up to this counts as 0: RC_TOL plus four times the error seen
    tight: dict[str, np.ndarray]  # row family -> bool per row: non-zero dual


@dataclass(frozen=True)
class _Priced:
    """The last LP of a pricing loop, with its values and (when they checked out) duals."""

    run: _Run
    values: np.ndarray
    duals: _Duals | None
    active: np.ndarray  # the columns the LP had
    allowed: np.ndarray  # the columns it priced
    tight: dict[str, np.ndarray] | None  # the rows it held tight


def _price(
    data: _Data,
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
    take = START_COLUMNS
    grouping = None  # the last integral LP answer: a valid grouping to fall back on at a time limit
    for _ in range(MAX_PRICING_ROUNDS):
        model = _MemberLP(data, placed, caps, weight, active, tight)
        run = model.solve(solver, mip=False, deadline=deadline)
        complete = bool((active | ~allowed).all())
        if run.state == "infeasible" and not complete:
            take *= 4
            active |= allowed & _best_columns(np.where(allowed, weight, -np.inf), take, take * data.size_max)
            continue
        if run.state != "optimal" or run.values is None:
            run = _Run("stopped", grouping, run.timed_out, run.detail) if grouping is not None else run
            return _Priced(run, np.zeros(weight.shape), None, active, allowed, tight)
        if _integral(run.values):
            grouping = run.values
        duals = model.duals(weight)
        if duals is None:
            if complete:
                return _Priced(run, run.values, None, active, allowed, tight)
            active = allowed.copy()
            continue
        entering = allowed & ~active & (duals.reduced > duals.noise)
        if not entering.any():
            return _Priced(run, run.values, duals, active, allowed, tight)
        active |= _top_per_row(np.where(entering, duals.reduced, -np.inf), ENTER_COLUMNS)
    model = _MemberLP(data, placed, caps, weight, allowed, tight)
    run = model.solve(solver, mip=False, deadline=deadline)
    values = run.values if run.values is not None else np.zeros(weight.shape)
    duals = model.duals(weight) if run.state == "optimal" else None
    return _Priced(run, values, duals, allowed, allowed, tight)


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
    if k <= 0 or score.size == 0:
        return mask
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    np.put_along_axis(mask, order, True, axis=1)
    return mask & np.isfinite(score)


class _MemberLP:
    """Stage 2 over the (member, group) columns in ``active``, as a PuLP model with its row families."""

    def __init__(
        self,
        data: _Data,
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
            capped = _capped_codes(codes, cap)
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

    def solve(self, solver: str, *, mip: bool, deadline: float | None) -> _Run:
        """Solve; the values come back as a (members, groups) array."""
        run = _solve(self.prob, solver, mip=mip, deadline=deadline)
        if not run.values_ok or (not mip and run.state != "optimal"):  # a stopped LP's values mean nothing
            return _Run(run.state, None, run.timed_out, run.detail)
        values = np.zeros(self.shape)
        values[self.member, self.group] = [v.varValue or 0.0 for v in self.x]
        return _Run(run.state, values, run.timed_out, run.detail)

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


def _integral(values: np.ndarray) -> bool:
    """True when every value lies within INTEGRALITY_TOL of 0 or 1."""
    return bool(np.all(np.minimum(np.abs(values), np.abs(values - 1.0)) <= INTEGRALITY_TOL))


# ---------------------------------------------------------------------------------------------
# Reporting


def _goal_share(data: _Data, member_group: np.ndarray, cover: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: mean share of its members' goals its leaders offer (members without goals left out)."""
    ticked = data.goals.sum(axis=1)
    counted = (member_group >= 0) & (ticked > 0)
    idx = np.flatnonzero(counted)
    share = (data.goals[idx] & cover[member_group[idx]]).sum(axis=1) / ticked[idx]
    total = np.bincount(member_group[idx], weights=share, minlength=n_groups)
    people = np.bincount(member_group[idx], minlength=n_groups)
    return np.where(people > 0, total / np.maximum(people, 1), np.nan)


def _objective_text(data: _Data, n_groups: int, leaders: _LeaderPlan, members: _MemberPlan) -> str:
    """The objective in words."""
    low, high = leaders.sizes
    per_group = f"{low}" if low == high else f"{low}-{high}"
    bonus = (
        f", plus {BONUS_WEIGHT:g} of a full share times the programme-fit bonus for each member placed"
        if members.bonus_used
        else ""
    )
    return (
        f"{_count(n_groups, 'group')}. Leaders: {per_group} per group, at most {leaders.org_cap} of one "
        f"organisation and {leaders.prof_cap} of one profession in a group, covering the most goals "
        f"weighted by how many members want them (found by {leaders.method}). Members: {members.placed} "
        f"of {data.n_members} placed, {data.size_min}-{data.size_max} per group, at most "
        f"{members.org_cap} of one organisation and {members.prof_cap} of one profession in a group, "
        f"with the highest total share of each member's goals offered by their group's leaders{bonus}. "
        "Ties broken by a fixed key."
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


def _no_answer(run: _Run, stage: str) -> SolverError:
    """The error for a solve that left no usable answer."""
    if run.timed_out:
        return SolverError(
            f"The solver found no way to assign {stage} within the time limit.", hint=TIME_LIMIT_HINT
        )
    return SolverError(f"The solver stopped without assigning {stage} ({run.detail}).", hint=TIME_LIMIT_HINT)


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
            options.update(gapRel=0.0)
        from mentormatch.solve import stoppable_highs  # Ctrl-C stops the solve, not just after it

        engine = stoppable_highs(**options)
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

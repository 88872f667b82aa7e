"""Group mentoring, stage 1: the leaders shared out to the groups (group_solve.py runs both stages)."""

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

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch.flow import mix64
from mentormatch.group_problem import GroupData, group_cover, min_cap, no_answer, relax_caps
from mentormatch.solvers import Run, pulp, solve_pulp

COVERAGE_SCALE = 1000  # stage 1 goal weights are per-mille of the members' goal share
MIP_COEF_CAP = 100_000_000  # HiGHS's MIP slowed 10x with coefficients near 1e9 (measured on stage 1)
TIE_RANKS = 1000  # stage 1 tie-break values lie in [1, TIE_RANKS]
TEAM_LIMIT = 40_000  # stage 1 is exact when at most this many leader teams are possible


@dataclass(frozen=True)
class LeaderPlan:
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


def _goal_weights(data: GroupData) -> np.ndarray:
    """Per goal: round(1000 * members' goal share on it / members with goals), as int64."""
    ticked = data.goals.sum(axis=1)
    with_goals = ticked > 0
    if not with_goals.any():
        return np.zeros(data.goals.shape[1], dtype=np.int64)
    share = (data.goals[with_goals] / ticked[with_goals, None]).sum(axis=0)
    return np.rint(COVERAGE_SCALE * share / with_goals.sum()).astype(np.int64)


def assign_leaders(data: GroupData, n_groups: int, solver: str, deadline: float | None) -> LeaderPlan:
    """Share the leaders out: local search, proven when it meets the bound, else exact when small enough."""
    used = min(data.n_leaders, n_groups * data.leaders_max)
    lo = used // n_groups
    shape = _Shape(n_groups, used, lo, -(-used // n_groups), used - n_groups * lo)
    least_org = org_cap = min_cap(data.leader_org, used, n_groups, 1)
    least_prof = prof_cap = min_cap(data.leader_prof, used, n_groups, 1)
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
    return LeaderPlan(
        group=_canonical(labelled, data.leader_rank, n_groups),
        optimal=optimal,
        timed_out=timed_out,
        method=method,
        org_cap=org_cap,
        prof_cap=prof_cap,
        sizes=(shape.lo, shape.hi),
        notes=notes,
    )


def _coverage(data: GroupData, labelled: np.ndarray, n_groups: int, weights: np.ndarray) -> int:
    """Stage 1's objective: the goal weights covered, summed over groups."""
    return int((group_cover(data, labelled, n_groups) * weights).sum())


def _max_per_group(codes: np.ndarray, labelled: np.ndarray, n_groups: int) -> int:
    """The most people sharing one known code in any group."""
    keep = (labelled >= 0) & (codes >= 0)
    if not keep.any():
        return 0
    _, code = np.unique(codes[keep], return_inverse=True)
    return int(np.bincount(labelled[keep] * (code.max() + 1) + code).max())


def _exact_teams(
    data: GroupData,
    shape: _Shape,
    org_cap: int,
    prof_cap: int,
    weights: np.ndarray,
    solver: str,
    deadline: float | None,
) -> tuple[np.ndarray | None, Run, int, int]:
    """Solve the set-partitioning MIP, raising a mix cap while the solver reports it infeasible."""
    while True:
        teams = [_teams(data, s, org_cap, prof_cap) for s in sorted({shape.lo, shape.hi})]
        run, chosen = _team_model(data, shape, teams, weights, solver, deadline)
        if run.state != "infeasible":
            break
        org_cap, prof_cap = relax_caps(data.leader_org, data.leader_prof, org_cap, prof_cap, "the leaders")
    if chosen is None:
        if run.state == "failed":
            raise no_answer(run, "leaders to groups")
        return None, run, org_cap, prof_cap
    labelled = np.full(data.n_leaders, -1, dtype=np.int64)
    for label, team in enumerate(chosen):
        labelled[team] = label
    return labelled, run, org_cap, prof_cap


def _teams(data: GroupData, size: int, org_cap: int, prof_cap: int) -> np.ndarray:
    """(teams, size) leader indices: every team of ``size`` leaders within both mix caps."""
    teams = np.array(list(itertools.combinations(range(data.n_leaders), size)), dtype=np.int64)
    teams = teams.reshape(-1, size)
    for codes, cap in ((data.leader_org, org_cap), (data.leader_prof, prof_cap)):
        c = codes[teams]
        same = (c[:, :, None] == c[:, None, :]) & (c[:, :, None] >= 0)
        teams = teams[same.sum(axis=2).max(axis=1, initial=0) <= cap]
    return teams


def _team_model(
    data: GroupData,
    shape: _Shape,
    teams: list[np.ndarray],
    weights: np.ndarray,
    solver: str,
    deadline: float | None,
) -> tuple[Run, list[np.ndarray] | None]:
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
            (cover.astype(np.int64) @ weights) * scale + (mix64(key) % np.uint64(ranks)).astype(np.int64) + 1
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
    run = solve_pulp(prob, [var for var, _ in objective], solver, mip=True, deadline=deadline)
    if run.values is None:
        return run, None
    every = (team for block in teams for team in block.tolist())
    chosen = [np.array(team) for team, value in zip(every, run.values.tolist(), strict=True) if value > 0.5]
    return run, chosen


def _add_row(prob: Any, name: str, row: list[Any], sense: int, rhs: int) -> None:
    """Add sum(row) <sense> rhs."""
    expr = pulp.LpAffineExpression([(v, 1) for v in row])
    prob.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))


def _search_teams(
    data: GroupData, shape: _Shape, org_cap: int, prof_cap: int, weights: np.ndarray
) -> np.ndarray:
    """Deterministic local search: greedy start, then best swap or move per leader until none improves."""
    search = _TeamSearch(data, shape, weights, [(data.leader_org, org_cap), (data.leader_prof, prof_cap)])
    value = (data.offers * weights / np.maximum(data.offers.sum(axis=0), 1)).sum(axis=1)
    for leader in np.lexsort((data.leader_rank, -value)).tolist():
        if not search.place_greedily(leader):
            break
    by_rank = np.argsort(data.leader_rank).tolist()
    # Each pass that changes anything raises the (integer, bounded) objective by at least 1: it ends.
    while any([search.improve(leader) for leader in by_rank if search.group[leader] >= 0]):
        pass
    return search.group.copy()


class _TeamSearch:
    """Leaders in groups with running goal and code counts; objective coverage - PENALTY * excess."""

    def __init__(
        self, data: GroupData, shape: _Shape, weights: np.ndarray, caps: list[tuple[np.ndarray, int]]
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

"""Form mentoring groups: leaders shared out to groups (group_leaders.py), then members placed
(group_members.py), each an exact PuLP model; grouping.py turns applicants into this problem."""

# The model, in two stages
# ------------------------
# G, the number of groups, comes from ``plan_group_count``: the G that places the most members
# (G * size_min <= placed <= G * size_max, G * leaders_min <= leaders), then the one that uses
# the most leaders, then the fewest groups.
#
#
# Stage 1 (group_leaders.py) shares U = min(leaders, G * leaders_max) leaders out, floor(U / G) or
# ceil(U / G) per group, within mix caps, covering the most goals the members want. Stage 2
# (group_members.py) places P = min(members, G * size_max) members, size_min..size_max per group,
# within mix caps, for the most goal share with the group's leaders. Each module says how.
#
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

import time
from dataclasses import dataclass

import numpy as np

from mentormatch.group_leaders import LeaderPlan, assign_leaders
from mentormatch.group_members import BONUS_WEIGHT, MemberPlan, place_members
from mentormatch.group_problem import (
    GroupData,
    GroupProblem,
    counted,
    group_cover,
    plan_group_count,
    validate,
)
from mentormatch.solvers import LABELS, pick_solver


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


def solve_groups(
    problem: GroupProblem, *, solver: str = "auto", time_limit: float | None = None
) -> GroupSolution:
    """Form the groups for ``problem`` (see the module comment for the two stages and what is proven)."""
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
    data = validate(problem)
    n_groups = plan_group_count(
        data.n_members, data.n_leaders, data.size_min, data.size_max, data.leaders_min, data.leaders_max
    )
    name, note = pick_solver(solver)
    deadline = None if time_limit is None else start + time_limit
    stage1_deadline = None if time_limit is None else start + time_limit / 2
    leaders = assign_leaders(data, n_groups, name, stage1_deadline)
    cover = group_cover(data, leaders.group, n_groups)
    members = place_members(data, n_groups, cover, name, deadline)
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


def _goal_share(data: GroupData, member_group: np.ndarray, cover: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: mean share of its members' goals its leaders offer (members without goals left out)."""
    ticked = data.goals.sum(axis=1)
    counted = (member_group >= 0) & (ticked > 0)
    idx = np.flatnonzero(counted)
    share = (data.goals[idx] & cover[member_group[idx]]).sum(axis=1) / ticked[idx]
    total = np.bincount(member_group[idx], weights=share, minlength=n_groups)
    people = np.bincount(member_group[idx], minlength=n_groups)
    return np.where(people > 0, total / np.maximum(people, 1), np.nan)


def _objective_text(data: GroupData, n_groups: int, leaders: LeaderPlan, members: MemberPlan) -> str:
    """The objective in words."""
    low, high = leaders.sizes
    per_group = f"{low}" if low == high else f"{low}-{high}"
    bonus = (
        f", plus {BONUS_WEIGHT:g} of a full share times the programme-fit bonus for each member placed"
        if members.bonus_used
        else ""
    )
    return (
        f"{counted(n_groups, 'group')}. Leaders: {per_group} per group, at most {leaders.org_cap} of one "
        f"organisation and {leaders.prof_cap} of one profession in a group, covering the most goals "
        f"weighted by how many members want them (found by {leaders.method}). Members: {members.placed} "
        f"of {data.n_members} placed, {data.size_min}-{data.size_max} per group, at most "
        f"{members.org_cap} of one organisation and {members.prof_cap} of one profession in a group, "
        f"with the highest total share of each member's goals offered by their group's leaders{bonus}. "
        "Ties broken by a fixed key."
    )

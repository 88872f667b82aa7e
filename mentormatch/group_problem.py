"""Group mentoring's problem: members and leaders with their goals, organisations and professions,
checked; how many groups to form; and the counting both stages share (group_solve.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch.errors import InfeasibleError, SolverError
from mentormatch.flow import mix64
from mentormatch.solvers import TIME_LIMIT_HINT, Run


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
class GroupData:
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


def validate(problem: GroupProblem) -> GroupData:
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
    check_range("matching.groups.size", size_min, size_max)
    check_range("matching.groups.leaders", int(problem.leaders_min), int(problem.leaders_max))
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
    return GroupData(
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
        member_key=mix64(member_raw.astype(np.uint64)),
        leader_key=mix64(leader_raw.astype(np.uint64)),
        leader_rank=rank,
    )


def plan_group_count(
    n_members: int, n_leaders: int, size_min: int, size_max: int, leaders_min: int, leaders_max: int
) -> int:
    """The number of groups that places the most members, then uses the most leaders, then the fewest."""
    check_range("matching.groups.size", size_min, size_max)
    check_range("matching.groups.leaders", leaders_min, leaders_max)
    problems, hints = [], []
    if n_leaders < leaders_min:
        problems.append(
            f"{counted(n_leaders, 'leader')} cannot staff one group of {leaders_min}-{leaders_max} leaders"
        )
        hints.append("lower matching.groups.leaders.min in the rule file or recruit more leaders")
    if n_members < size_min:
        verb = "is" if n_members == 1 else "are"
        problems.append(f"{counted(n_members, 'member')} {verb} fewer than one group's minimum of {size_min}")
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


def check_range(setting: str, low: int, high: int) -> None:
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


def counted(n: int, noun: str) -> str:
    """'1 leader', '3 leaders'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def min_cap(codes: np.ndarray, chosen: int, n_groups: int, floor: int) -> int:
    """Smallest cap >= floor letting ``chosen`` people be picked with at most n_groups * cap per code."""
    unknown = int(np.count_nonzero(codes < 0))
    _, counts = np.unique(codes[codes >= 0], return_counts=True)
    cap = floor
    while unknown + int(np.minimum(counts, n_groups * cap).sum()) < chosen:
        cap += 1
    return cap


def capped_codes(codes: np.ndarray, cap: int) -> list[np.ndarray]:
    """Index arrays of the people sharing each known code held by more than ``cap`` people."""
    known = np.flatnonzero(codes >= 0)
    values, inverse, counts = np.unique(codes[known], return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    split = np.split(known[order], np.cumsum(counts)[:-1]) if values.size else []
    return [people for people in split if people.size > cap]


def relax_caps(org: np.ndarray, prof: np.ndarray, org_cap: int, prof_cap: int, who: str) -> tuple[int, int]:
    """The mix caps one step looser, after the solver found a stage infeasible with these: the
    profession cap first, while some profession is capped, then the organisation cap."""
    if capped_codes(prof, prof_cap):
        return org_cap, prof_cap + 1
    if capped_codes(org, org_cap):
        return org_cap + 1, prof_cap
    raise SolverError(f"The solver found no way to place {who} in groups, which should not happen.")


def group_cover(data: GroupData, leader_group: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, K) bool: goals some leader of the group offers."""
    cover = np.zeros((n_groups, data.offers.shape[1]), dtype=bool)
    used = leader_group >= 0
    np.logical_or.at(cover, leader_group[used], data.offers[used])
    return cover


def no_answer(run: Run, stage: str) -> SolverError:
    """The error for a solve that left no usable answer."""
    if run.timed_out:
        return SolverError(
            f"The solver found no way to assign {stage} within the time limit.", hint=TIME_LIMIT_HINT
        )
    return SolverError(f"The solver stopped without assigning {stage} ({run.detail}).", hint=TIME_LIMIT_HINT)

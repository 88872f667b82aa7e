"""Group mentoring: place eligible members in groups with several leaders, and explain each group."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.conditions import holds
from mentormatch.errors import RulesError
from mentormatch.explain import unplaced_in_groups
from mentormatch.group_problem import GroupProblem
from mentormatch.group_solve import GroupSolution, solve_groups
from mentormatch.normalise import key
from mentormatch.rulefile import Rules
from mentormatch.schema import GroupSpec
from mentormatch.scoring import answer_codes, stable_hash


@dataclass(frozen=True)
class Group:
    """One mentoring group: its leaders and members, and what they share."""

    number: int
    leaders: tuple[Applicant, ...]
    members: tuple[Applicant, ...]
    goal_share: float
    organisations: int
    professions: int


@dataclass(frozen=True)
class Grouping:
    """The groups formed, who could not be placed and why, and how the solve went."""

    groups: tuple[Group, ...]
    unplaced: tuple[tuple[Applicant, str, str], ...]  # (person, role, reason)
    flagged: frozenset[str]  # emails of members the soft preference flags for the coordinator
    solution: GroupSolution
    members: int
    leaders: int


def match_groups(
    rules: Rules,
    members: Sequence[Applicant],
    leaders: Sequence[Applicant],
    *,
    solver: str = "auto",
    time_limit: float | None = None,
) -> Grouping:
    """Form groups of the rule file's size from the eligible members and leaders."""
    spec = rules.spec.matching
    if spec is None or spec.groups is None:
        raise RulesError(f"{rules.path}: matching.groups is needed for group mentoring")
    g = spec.groups
    members = sorted(members, key=lambda a: (a.email or "", a.row))
    leaders = sorted(leaders, key=lambda a: (a.email or "", a.row))
    goals, offers = _goal_tables(members, leaders, g)
    orgs = _codes([*members, *leaders], g.organisation_field)
    profs = _codes([*members, *leaders], g.profession_field)
    preferred = np.array([g.prefer is not None and holds(g.prefer, m, rules) for m in members], dtype=bool)
    problem = GroupProblem(
        member_goals=goals,
        leader_offers=offers,
        member_org=orgs[: len(members)],
        leader_org=orgs[len(members) :],
        member_prof=profs[: len(members)],
        leader_prof=profs[len(members) :],
        member_bonus=preferred.astype(float),
        size_min=int(g.size.min or 1),
        size_max=int(g.size.max or 1),
        leaders_min=int(g.leaders.min or 1),
        leaders_max=int(g.leaders.max or 1),
        max_same_org=g.max_same_organisation,
        member_key=np.array([stable_hash(m.email or "") >> 1 for m in members], dtype=np.int64),
        leader_key=np.array([stable_hash(m.email or "") >> 1 for m in leaders], dtype=np.int64),
    )
    solution = solve_groups(problem, solver=solver, time_limit=time_limit)
    groups = []
    for n in range(solution.n_groups):
        in_group = [m for m, gi in zip(members, solution.member_group, strict=True) if gi == n]
        led_by = [lead for lead, gi in zip(leaders, solution.leader_group, strict=True) if gi == n]
        people = [*in_group, *led_by]
        groups.append(
            Group(
                number=n + 1,
                leaders=tuple(led_by),
                members=tuple(in_group),
                goal_share=_share_of(solution, n),
                organisations=len({_value_key(p, g.organisation_field) for p in people} - {""}),
                professions=len({_value_key(p, g.profession_field) for p in people} - {""}),
            )
        )
    unplaced = unplaced_in_groups(rules, members, leaders, solution)
    flagged = frozenset(m.email or "" for m, flag in zip(members, preferred, strict=True) if not flag)
    return Grouping(
        tuple(groups),
        unplaced,
        flagged if g.prefer is not None else frozenset(),
        solution,
        len(members),
        len(leaders),
    )


def _share_of(solution: GroupSolution, n: int) -> float:
    """A group's goal share; 0 when its members ticked no goals (the solver reports NaN)."""
    share = float(solution.group_goal_share[n])
    return share if math.isfinite(share) else 0.0


def _goal_tables(
    members: Sequence[Applicant], leaders: Sequence[Applicant], g: GroupSpec
) -> tuple[np.ndarray, np.ndarray]:
    index: dict[str, int] = {}
    rows_m = [[index.setdefault(key(x), len(index)) for x in m.value(g.goals_field) or ()] for m in members]
    offer = g.offer_field or g.goals_field
    rows_l = [[index.setdefault(key(x), len(index)) for x in lead.value(offer) or ()] for lead in leaders]
    goals = np.zeros((len(members), max(1, len(index))), dtype=bool)
    offers = np.zeros((len(leaders), max(1, len(index))), dtype=bool)
    for n, cols in enumerate(rows_m):
        goals[n, cols] = True
    for n, cols in enumerate(rows_l):
        offers[n, cols] = True
    return goals, offers


def _codes(people: Sequence[Applicant], field: str | None) -> np.ndarray:
    return answer_codes(people, field) if field is not None else np.full(len(people), -1, dtype=np.int64)


def _value_key(person: Applicant, field: str | None) -> str:
    if field is None:
        return ""
    value = person.value(field)
    return key(value) if value not in (None, ()) else ""

"""Tests for group formation: group counts, placement rules, mix caps, exactness and determinism."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from mentormatch.errors import InfeasibleError, SolverError
from mentormatch.group_problem import GroupProblem, plan_group_count
from mentormatch.group_solve import GroupSolution, solve_groups


def random_problem(
    rng: np.random.Generator,
    n_members: int,
    n_leaders: int,
    *,
    goals: int = 6,
    orgs: int = 8,
    profs: int = 4,
    **settings: int,
) -> GroupProblem:
    """A random programme: members tick 1-3 goals, leaders offer each goal with chance 0.35."""
    member_goals = np.zeros((n_members, goals), dtype=bool)
    for i in range(n_members):
        member_goals[i, rng.choice(goals, size=rng.integers(1, 4), replace=False)] = True
    return GroupProblem(
        member_goals=member_goals,
        leader_offers=rng.random((n_leaders, goals)) < 0.35,
        member_org=rng.integers(0, orgs, n_members),
        leader_org=rng.integers(0, orgs, n_leaders),
        member_prof=rng.integers(0, profs, n_members),
        leader_prof=rng.integers(0, profs, n_leaders),
        member_bonus=rng.integers(0, 2, n_members).astype(float),
        member_key=rng.integers(0, 2**62, n_members),
        leader_key=rng.integers(0, 2**62, n_leaders),
        **settings,
    )


def group_sizes(solution: GroupSolution) -> tuple[np.ndarray, np.ndarray]:
    """Members and leaders per group."""
    placed = solution.member_group[solution.member_group >= 0]
    used = solution.leader_group[solution.leader_group >= 0]
    return (
        np.bincount(placed, minlength=solution.n_groups),
        np.bincount(used, minlength=solution.n_groups),
    )


def most_of_one_code(codes: np.ndarray, group: np.ndarray) -> int:
    """The most people of one known code in any one group."""
    keep = (group >= 0) & (codes >= 0)
    pairs = {}
    for g, c in zip(group[keep].tolist(), codes[keep].tolist(), strict=True):
        pairs[g, c] = pairs.get((g, c), 0) + 1
    return max(pairs.values(), default=0)


def share(goals: np.ndarray, cover: np.ndarray) -> Fraction:
    """The exact share of a member's goals that a group's cover offers (0 without goals)."""
    ticked = int(goals.sum())
    return Fraction(int((goals & cover).sum()), ticked) if ticked else Fraction(0)


def covers(problem: GroupProblem, solution: GroupSolution) -> np.ndarray:
    """(groups, goals): what each group's leaders offer between them."""
    cover = np.zeros((solution.n_groups, problem.leader_offers.shape[1]), dtype=bool)
    for leader, g in enumerate(solution.leader_group.tolist()):
        if g >= 0:
            cover[g] |= problem.leader_offers[leader]
    return cover


# ---------------------------------------------------------------------------------------------
# plan_group_count


@pytest.mark.parametrize(
    ("members", "leaders", "expected"),
    [
        (30, 10, 5),  # 5 groups of 6 members place everyone; 2 leaders each
        (30, 40, 6),  # 5 or 6 groups place everyone; 6 groups use 24 leaders, 5 only 20
        (12, 4, 2),
        (8, 2, 1),  # 2 groups would need 10 members: one group places 7 of 8
        (5, 2, 1),
        (14, 4, 2),
        (15, 4, 2),  # 3 groups would need 6 leaders
        (2000, 500, 250),  # leader-bound: 1,750 placed
        (2000, 800, 286),  # the fewest groups that place all 2,000 and use all 800 leaders
    ],
)
def test_plan_group_count(members: int, leaders: int, expected: int) -> None:
    assert plan_group_count(members, leaders, 5, 7, 2, 4) == expected


def test_plan_group_count_places_the_most_members() -> None:
    for members in range(5, 60):
        for leaders in range(2, 20):
            g = plan_group_count(members, leaders, 5, 7, 2, 4)
            assert 5 * g <= members and 2 * g <= leaders
            best = max(min(members, 7 * h) for h in range(1, min(leaders // 2, members // 5) + 1))
            assert min(members, 7 * g) == best


def test_plan_group_count_too_few_leaders() -> None:
    with pytest.raises(InfeasibleError) as caught:
        plan_group_count(30, 1, 5, 7, 2, 4)
    assert (
        caught.value.message
        == "No mentoring group can be formed: 1 leader cannot staff one group of 2-4 leaders."
    )
    assert caught.value.hint is not None and "matching.groups.leaders.min" in caught.value.hint


def test_plan_group_count_too_few_members() -> None:
    with pytest.raises(InfeasibleError) as caught:
        plan_group_count(3, 10, 5, 7, 2, 4)
    assert (
        caught.value.message
        == "No mentoring group can be formed: 3 members are fewer than one group's minimum of 5."
    )
    assert caught.value.hint is not None and "matching.groups.size.min" in caught.value.hint


def test_plan_group_count_names_both_shortfalls() -> None:
    with pytest.raises(InfeasibleError, match=r"0 leaders cannot staff .*; 1 member is fewer than"):
        plan_group_count(1, 0, 5, 7, 2, 4)


def test_plan_group_count_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match=r"matching\.groups\.size"):
        plan_group_count(30, 10, 8, 7, 2, 4)
    with pytest.raises(ValueError, match=r"matching\.groups\.leaders"):
        plan_group_count(30, 10, 5, 7, 0, 4)


# ---------------------------------------------------------------------------------------------
# The rules every grouping keeps


@pytest.mark.parametrize(
    ("seed", "members", "leaders"), [(1, 60, 20), (2, 45, 30), (3, 28, 9), (4, 120, 100)]
)
def test_everyone_placed_within_the_rules(seed: int, members: int, leaders: int) -> None:
    problem = random_problem(np.random.default_rng(seed), members, leaders)
    solution = solve_groups(problem)
    assert solution.n_groups == plan_group_count(members, leaders, 5, 7, 2, 4)
    sizes, staff = group_sizes(solution)
    assert (solution.member_group >= 0).all()
    assert sizes.min() >= 5 and sizes.max() <= 7
    assert staff.min() >= 2 and staff.max() <= 4
    assert staff.max() - staff.min() <= 1  # leaders are shared out equally
    assert staff.sum() == min(leaders, 4 * solution.n_groups)
    assert most_of_one_code(problem.member_org, solution.member_group) <= 4
    assert most_of_one_code(problem.member_prof, solution.member_group) <= 4
    assert solution.optimal and solution.status == "optimal"
    assert solution.group_goal_share.shape == (solution.n_groups,)
    assert solution.seconds >= 0 and solution.solver == "HiGHS"


def test_places_as_many_as_fit_and_prefers_the_bonus() -> None:
    rng = np.random.default_rng(5)
    base = random_problem(rng, 30, 6)  # 3 groups of at most 7: 21 of 30 placed
    problem = GroupProblem(
        **{
            **base.__dict__,
            "member_goals": np.ones((30, 1), dtype=bool),
            "leader_offers": np.ones((6, 1), dtype=bool),
        }
    )
    solution = solve_groups(problem)
    placed = solution.member_group >= 0
    assert placed.sum() == 21 and solution.n_groups == 3
    assert group_sizes(solution)[0].tolist() == [7, 7, 7]
    bonus = problem.member_bonus > 0
    # every share is 1, so the bonus decides who is placed: all bonus members before any other
    assert placed[bonus].all() or not placed[~bonus].any()
    assert "21 of 30 placed" in solution.objective_text


def test_leader_mix_spread_over_groups() -> None:
    rng = np.random.default_rng(6)
    problem = random_problem(rng, 60, 20, orgs=10, profs=10)
    solution = solve_groups(problem)
    assert most_of_one_code(problem.leader_org, solution.leader_group) == 1
    assert most_of_one_code(problem.leader_prof, solution.leader_group) == 1


def test_unknown_codes_are_not_capped() -> None:
    rng = np.random.default_rng(7)
    base = random_problem(rng, 30, 10)
    problem = GroupProblem(**{**base.__dict__, "member_org": np.full(30, -1), "member_prof": np.full(30, -1)})
    solution = solve_groups(problem, solver="cbc")
    assert solution.optimal and "relaxed" not in solution.status


# ---------------------------------------------------------------------------------------------
# Organisation mix


def test_org_mix_cap_kept_when_possible() -> None:
    rng = np.random.default_rng(8)
    base = random_problem(rng, 35, 10)
    org = np.repeat(np.arange(5), 7)  # five organisations of 7 members; 5 groups of 7
    problem = GroupProblem(**{**base.__dict__, "member_org": rng.permutation(org), "max_same_org": 2})
    solution = solve_groups(problem)
    assert most_of_one_code(problem.member_org, solution.member_group) <= 2
    assert solution.status == "optimal"
    assert "at most 2 of one organisation" in solution.objective_text


def test_org_mix_relaxed_when_one_organisation_dominates() -> None:
    rng = np.random.default_rng(9)
    base = random_problem(rng, 30, 10)
    org = np.where(np.arange(30) < 24, 0, np.arange(30))  # 80% from organisation 0; 5 groups
    problem = GroupProblem(**{**base.__dict__, "member_org": org, "max_same_org": 3})
    solution = solve_groups(problem)
    assert (solution.member_group >= 0).all()
    assert solution.optimal
    assert solution.status == "optimal; organisation mix relaxed to at most 5 per group"
    assert most_of_one_code(problem.member_org, solution.member_group) == 5


# ---------------------------------------------------------------------------------------------
# Exactness: stage 2 against brute force


def brute_force_best(
    problem: GroupProblem, solution: GroupSolution, caps: tuple[int, int] | None = None
) -> tuple[int | None, int]:
    """The best and the found value over every placement of members into the found leader groups.

    Value: the sum over placed members of 2520 * (share of their goals the group's leaders offer),
    plus 630 * bonus each when not everyone fits (a quarter of a full share); exact in integers.
    ``caps`` (organisation, profession) default to the requested ones; the best is None if no
    placement keeps them.
    """
    n, groups = problem.member_goals.shape[0], solution.n_groups
    cover = covers(problem, solution)
    placed = min(n, groups * problem.size_max)
    org_cap, prof_cap = caps or (
        problem.max_same_org or math.ceil(problem.size_max / 2),
        math.ceil(problem.size_max / 2),
    )
    gain = np.zeros((n, groups + 1), dtype=np.int64)  # last column: not placed
    for i in range(n):
        bonus = round(630 * problem.member_bonus[i]) if placed < n else 0
        for g in range(groups):
            gain[i, g] = int(2520 * share(problem.member_goals[i], cover[g])) + bonus
    options = list(range(groups)) + ([-1] if placed < n else [])
    every = np.array(list(itertools.product(options, repeat=n)), dtype=np.int64)
    ok = (every >= 0).sum(axis=1) == placed
    for g in range(groups):
        inside = every == g
        ok &= (inside.sum(axis=1) >= problem.size_min) & (inside.sum(axis=1) <= problem.size_max)
        for codes, cap in ((problem.member_org, org_cap), (problem.member_prof, prof_cap)):
            for code in np.unique(codes[codes >= 0]).tolist():
                ok &= (inside & (codes == code)).sum(axis=1) <= cap
    values = gain[np.arange(n), every].sum(axis=1)  # -1 picks the "not placed" column
    return (int(values[ok].max()) if ok.any() else None), int(gain[np.arange(n), solution.member_group].sum())


@pytest.mark.parametrize(
    ("seed", "members", "leaders", "leaders_max"),
    [(11, 8, 3, 2), (12, 9, 4, 2), (13, 7, 2, 1), (14, 10, 2, 1), (17, 9, 2, 2), (16, 10, 4, 2)],
)
def test_stage_two_matches_brute_force(seed: int, members: int, leaders: int, leaders_max: int) -> None:
    rng = np.random.default_rng(seed)
    problem = random_problem(
        rng,
        members,
        leaders,
        goals=4,
        orgs=3,
        profs=3,
        size_min=3,
        size_max=4,
        leaders_min=1,
        leaders_max=leaders_max,
    )
    problem = GroupProblem(**{**problem.__dict__, "member_bonus": rng.choice([0.0, 0.5, 1.0], members)})
    solution = solve_groups(problem)
    assert solution.optimal and "relaxed" not in solution.status
    best, found = brute_force_best(problem, solution)
    assert found == best


def test_relaxed_caps_are_the_least_that_work() -> None:
    rng = np.random.default_rng(15)
    problem = random_problem(
        rng, 9, 2, goals=4, orgs=3, profs=3, size_min=3, size_max=4, leaders_min=1, leaders_max=2
    )
    problem = GroupProblem(**{**problem.__dict__, "member_bonus": rng.choice([0.0, 0.5, 1.0], 9)})
    solution = solve_groups(problem)
    assert solution.status == (
        "optimal; organisation mix relaxed to at most 3 per group; "
        "profession mix relaxed to at most 3 per group"
    )
    for caps in ((2, 2), (2, 3), (3, 2)):
        assert brute_force_best(problem, solution, caps)[0] is None
    best, found = brute_force_best(problem, solution, (3, 3))
    assert found == best


def partitions(people: list[int], size: int) -> list[list[tuple[int, ...]]]:
    """Every way to split ``people`` into teams of ``size`` (as unordered teams)."""
    if not people:
        return [[]]
    first, rest = people[0], people[1:]
    return [
        [(first, *mates), *others]
        for mates in itertools.combinations(rest, size - 1)
        for others in partitions([p for p in rest if p not in mates], size)
    ]


@pytest.mark.parametrize(
    ("seed", "leaders", "per_group", "goals"),
    [(100, 6, 2, 8), (102, 8, 2, 8), (123, 6, 3, 8), (104, 9, 3, 8), (100, 8, 4, 10), (100, 9, 3, 10)],
)
def test_leader_teams_match_brute_force(seed: int, leaders: int, per_group: int, goals: int) -> None:
    # instances where the local search cannot reach the simple bound: the exact team model decides
    rng = np.random.default_rng(seed)
    groups = leaders // per_group
    problem = random_problem(
        rng, 5 * groups, leaders, goals=goals, leaders_min=per_group, leaders_max=per_group
    )
    distinct = np.arange(leaders)  # no two leaders share an organisation or profession: caps never bind
    problem = GroupProblem(**{**problem.__dict__, "leader_org": distinct, "leader_prof": distinct})
    solution = solve_groups(problem)
    assert solution.optimal and solution.n_groups == groups
    assert "comparing all" in solution.objective_text
    # goal weights: each member with m goals gives 1/m to each; per mille of the members
    ticked = problem.member_goals.sum(axis=1)
    weights = np.rint(1000 * (problem.member_goals / ticked[:, None]).sum(axis=0) / len(ticked)).astype(int)

    def coverage(teams: list[tuple[int, ...]]) -> int:
        return sum(int(weights[problem.leader_offers[list(team)].any(axis=0)].sum()) for team in teams)

    best = max(coverage(teams) for teams in partitions(list(range(leaders)), per_group))
    found = [tuple(np.flatnonzero(solution.leader_group == g).tolist()) for g in range(groups)]
    assert coverage(found) == best


# ---------------------------------------------------------------------------------------------
# Determinism


def tied_problem(members: int, leaders: int) -> GroupProblem:
    """Everyone wants the one goal every leader offers: every grouping scores the same."""
    rng = np.random.default_rng(21)
    return GroupProblem(
        member_goals=np.ones((members, 1), dtype=bool),
        leader_offers=np.ones((leaders, 1), dtype=bool),
        member_org=rng.integers(0, 4, members),
        leader_org=rng.integers(0, 4, leaders),
        member_prof=rng.integers(0, 3, members),
        leader_prof=rng.integers(0, 3, leaders),
        member_bonus=np.zeros(members),
        member_key=rng.integers(0, 2**62, members),
        leader_key=rng.integers(0, 2**62, leaders),
    )


def test_same_input_same_groups() -> None:
    problem = random_problem(np.random.default_rng(22), 50, 16)
    first, second = solve_groups(problem), solve_groups(problem)
    assert np.array_equal(first.member_group, second.member_group)
    assert np.array_equal(first.leader_group, second.leader_group)


@pytest.mark.parametrize(("members", "leaders"), [(40, 14), (23, 6)])
def test_highs_and_cbc_agree_on_ties(members: int, leaders: int) -> None:
    problem = tied_problem(members, leaders)
    highs = solve_groups(problem, solver="highs")
    cbc = solve_groups(problem, solver="cbc")
    assert highs.solver == "HiGHS" and cbc.solver == "CBC"
    assert highs.optimal and cbc.optimal
    assert np.array_equal(highs.member_group, cbc.member_group)
    assert np.array_equal(highs.leader_group, cbc.leader_group)


def test_input_order_does_not_matter() -> None:
    problem = random_problem(np.random.default_rng(23), 36, 12)
    solution = solve_groups(problem)
    m_order = np.random.default_rng(1).permutation(36)
    l_order = np.random.default_rng(2).permutation(12)
    shuffled = GroupProblem(
        member_goals=problem.member_goals[m_order],
        leader_offers=problem.leader_offers[l_order],
        member_org=problem.member_org[m_order],
        leader_org=problem.leader_org[l_order],
        member_prof=problem.member_prof[m_order],
        leader_prof=problem.leader_prof[l_order],
        member_bonus=problem.member_bonus[m_order],
        member_key=None if problem.member_key is None else problem.member_key[m_order],
        leader_key=None if problem.leader_key is None else problem.leader_key[l_order],
    )
    again = solve_groups(shuffled)
    assert np.array_equal(again.member_group, solution.member_group[m_order])
    assert np.array_equal(again.leader_group, solution.leader_group[l_order])


# ---------------------------------------------------------------------------------------------
# Goal sharing


def test_members_join_the_leader_who_offers_their_goal() -> None:
    # goals: 0 Finance, 1 Strategy, 2 Workforce; one leader per group, each offering one goal
    member_goals = np.zeros((15, 3), dtype=bool)
    wanted = np.random.default_rng(31).permutation(np.repeat(np.arange(3), 5))
    member_goals[np.arange(15), wanted] = True
    problem = GroupProblem(
        member_goals=member_goals,
        leader_offers=np.eye(3, dtype=bool),
        member_org=np.arange(15),
        leader_org=np.arange(3),
        member_prof=np.zeros(15, dtype=np.int64) - 1,
        leader_prof=np.zeros(3, dtype=np.int64) - 1,
        member_bonus=np.zeros(15),
        size_min=5,
        size_max=5,
        leaders_min=1,
        leaders_max=1,
    )
    solution = solve_groups(problem, solver="cbc")
    leader_goal = {
        g: int(np.flatnonzero(problem.leader_offers[leader])[0])
        for leader, g in enumerate(solution.leader_group.tolist())
    }
    assert [leader_goal[g] for g in solution.member_group.tolist()] == wanted.tolist()
    assert solution.group_goal_share.tolist() == [1.0, 1.0, 1.0]


def test_leaders_are_paired_to_cover_the_goals() -> None:
    # two Finance leaders and two Strategy leaders: each pair should hold one of each
    problem = GroupProblem(
        member_goals=np.array([[1, 1]] * 10, dtype=bool),
        leader_offers=np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool),
        member_org=np.arange(10),
        leader_org=np.arange(4),
        member_prof=np.arange(10),
        leader_prof=np.arange(4),
        member_bonus=np.zeros(10),
        leaders_min=2,
        leaders_max=2,
    )
    solution = solve_groups(problem)
    assert solution.n_groups == 2 and solution.optimal
    assert covers(problem, solution).all()
    assert solution.group_goal_share.tolist() == [1.0, 1.0]


def test_goal_share_is_reported_per_group() -> None:
    problem = random_problem(np.random.default_rng(32), 40, 12)
    solution = solve_groups(problem)
    cover = covers(problem, solution)
    for g in range(solution.n_groups):
        people = np.flatnonzero(solution.member_group == g)
        expected = np.mean([float(share(problem.member_goals[i], cover[g])) for i in people])
        assert solution.group_goal_share[g] == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Larger programmes: the local-search path for leaders


def test_many_leaders_use_local_search_and_keep_the_rules() -> None:
    problem = random_problem(np.random.default_rng(41), 150, 90, orgs=30, profs=5)
    solution = solve_groups(problem)
    sizes, staff = group_sizes(solution)
    assert (solution.member_group >= 0).all()
    assert sizes.min() >= 5 and sizes.max() <= 7 and staff.min() >= 3 and staff.max() <= 4
    assert most_of_one_code(problem.leader_org, solution.leader_group) == 1
    assert "search" in solution.objective_text


# ---------------------------------------------------------------------------------------------
# Input checks


def test_rejects_mismatched_goal_columns() -> None:
    base = random_problem(np.random.default_rng(51), 10, 4)
    problem = GroupProblem(**{**base.__dict__, "leader_offers": np.ones((4, 2), dtype=bool)})
    with pytest.raises(ValueError, match="goal columns"):
        solve_groups(problem)


def test_time_limit_too_short_says_so() -> None:
    problem = random_problem(np.random.default_rng(53), 60, 20)
    with pytest.raises(SolverError, match="within the time limit") as caught:
        solve_groups(problem, time_limit=1e-9)
    assert caught.value.hint is not None and "--time-limit" in caught.value.hint


def test_rejects_bad_time_limit_and_solver() -> None:
    problem = random_problem(np.random.default_rng(52), 10, 4)
    with pytest.raises(ValueError, match="time_limit"):
        solve_groups(problem, time_limit=0)
    with pytest.raises(ValueError, match="solver"):
        solve_groups(problem, solver="gurobi")


def test_a_large_programme_states_its_proven_gap() -> None:
    """550 members, 180 leaders: too many leader teams to compare, so the leaders are grouped by
    local search and the status states how far from the upper bound it is proven to be."""
    import re

    problem = random_problem(np.random.default_rng(2), 550, 180, goals=8, orgs=12, profs=6)
    solution = solve_groups(problem)
    assert (solution.member_group >= 0).sum() == 550
    found = re.search(r"goal coverage ([\d,]+) of an upper bound of ([\d,]+), so proven within ([\d.]+)%",
                      solution.status)  # fmt: skip
    assert found is not None and not solution.optimal
    covered, bound = (int(found.group(n).replace(",", "")) for n in (1, 2))
    assert covered < bound and float(found.group(3)) == pytest.approx(
        100 * (bound - covered) / bound, abs=0.01
    )
    assert float(found.group(3)) <= 1.0

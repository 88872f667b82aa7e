"""Group mentoring's rarer routes, each forced and checked against the usual one.

Stage 2 (members to groups) usually ends with integral LPs over priced columns. Its other routes
(two MIPs over every column, pricing from a start too thin to be feasible, duals that do not
check out, pricing that runs out of rounds, a clock that runs out) must give the same groups,
or a valid grouping labelled not proven optimal. Stage 1's MIP over leader teams and the mix caps
raised after an infeasible solve are forced here the same way.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from mentormatch import group_leaders, group_members
from mentormatch.errors import RulesError, SolverError
from mentormatch.group_problem import GroupProblem, relax_caps
from mentormatch.group_solve import GroupSolution, solve_groups
from mentormatch.grouping import match_groups
from mentormatch.normalise import key
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import Rules, load_rules
from mentormatch.solvers import Run
from tests.test_groups import brute_force_best, group_sizes, most_of_one_code, random_problem

SEEDS = [(11, 8, 3, 2), (12, 9, 4, 2), (16, 10, 4, 2), (17, 9, 2, 2)]


def small(seed: int, members: int, leaders: int, leaders_max: int) -> GroupProblem:
    rng = np.random.default_rng(seed)
    problem = random_problem(
        rng, members, leaders, goals=4, orgs=3, profs=3, size_min=3, size_max=4, leaders_min=1,
        leaders_max=leaders_max,
    )  # fmt: skip
    return GroupProblem(**{**problem.__dict__, "member_bonus": rng.choice([0.0, 0.5, 1.0], members)})


def nobody_placed(data: Any, shape: Any, *caps: Any) -> np.ndarray:
    """A local search that places no leader: stage 1 then always runs its MIP over leader teams."""
    return np.full(data.n_leaders, -1, dtype=np.int64)


def assert_same(expected: GroupSolution, found: GroupSolution) -> None:
    assert found.optimal and found.status == expected.status
    assert np.array_equal(found.leader_group, expected.leader_group)
    assert np.array_equal(found.member_group, expected.member_group)


PHASE_TWO_MISSES = {  # what phase 2's LP is made to return
    "fractional": lambda priced: dataclasses.replace(priced, values=priced.values * 0.5),
    "infeasible": lambda priced: dataclasses.replace(priced, run=Run("infeasible", None)),
    "integral, short of the bound": lambda priced: dataclasses.replace(
        priced, values=np.zeros_like(priced.values), run=dataclasses.replace(priced.run, values=None)
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("miss", list(PHASE_TWO_MISSES))
def test_the_mips_over_every_column_give_the_same_groups(
    seed: tuple[int, int, int, int], solver: str, miss: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phase 2's LP answer made useless: the two MIPs decide, and pick the same grouping (the most
    points, then the same tie-break), which brute force confirms is the best."""
    problem = small(*seed)
    expected = solve_groups(problem, solver=solver)
    real = group_members._price
    calls: list[int] = []

    def second_phase_misses(*args: Any, **kwargs: Any) -> Any:
        priced = real(*args, **kwargs)
        calls.append(1)
        return PHASE_TWO_MISSES[miss](priced) if len(calls) == 2 else priced

    monkeypatch.setattr(group_members, "_price", second_phase_misses)
    mips: list[bool] = []
    real_solve = group_members._MemberLP.solve

    def spy(self: Any, solver: str, *, mip: bool, deadline: float | None) -> Run:
        mips.append(mip)
        return real_solve(self, solver, mip=mip, deadline=deadline)

    monkeypatch.setattr(group_members._MemberLP, "solve", spy)
    found = solve_groups(problem, solver=solver)
    assert mips.count(True) == 2  # the most points, then the tie-break at those points
    assert_same(expected, found)
    best, value = brute_force_best(problem, found)
    assert value == best


@pytest.mark.parametrize("seed", [*SEEDS, None])
def test_duals_that_do_not_check_out_fall_back_to_the_mips(
    seed: tuple[int, int, int, int] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without duals there is no pricing: every column joins, then the two MIPs decide."""
    problem = small(*seed) if seed else random_problem(np.random.default_rng(64), 40, 12, orgs=3, profs=3)
    expected = solve_groups(problem)
    monkeypatch.setattr(group_members._MemberLP, "duals", lambda self, weight: None)
    assert_same(expected, solve_groups(problem))


@pytest.mark.parametrize("seed", SEEDS)
def test_pricing_out_of_rounds_solves_over_every_column(
    seed: tuple[int, int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = small(*seed)
    expected = solve_groups(problem)
    monkeypatch.setattr(group_members, "MAX_PRICING_ROUNDS", 0)
    assert_same(expected, solve_groups(problem))


def test_a_start_that_cannot_be_feasible_takes_every_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """Phase 1 starts with every member in group 0 only: that LP is infeasible (group sizes), so
    pricing takes every column, and the groups are those of the usual start."""
    problem = random_problem(np.random.default_rng(61), 40, 12, orgs=3, profs=3)
    expected = solve_groups(problem)

    def group_zero_only(weight: np.ndarray, *args: Any) -> np.ndarray:
        mask = np.zeros(weight.shape, dtype=bool)
        mask[:, 0] = True
        return mask

    monkeypatch.setattr(group_members, "_best_columns", group_zero_only)
    monkeypatch.setattr(
        group_members, "_spread_columns", lambda key, g_count: np.zeros((key.size, g_count), bool)
    )
    states: list[str] = []
    real_solve = group_members._MemberLP.solve

    def spy(self: Any, solver: str, *, mip: bool, deadline: float | None) -> Run:
        run = real_solve(self, solver, mip=mip, deadline=deadline)
        states.append(run.state)
        return run

    monkeypatch.setattr(group_members._MemberLP, "solve", spy)
    assert_same(expected, solve_groups(problem))
    assert states[0] == "infeasible" and states[1] == "optimal"


@pytest.mark.parametrize("when", ["phase 2", "the first MIP", "the second MIP"])
def test_stage_two_stopped_by_the_clock_keeps_the_best_grouping_found(
    when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time limit strikes after phase 1 (phase 2 made fractional where the MIPs must run):
    the best grouping found so far comes back, valid, labelled time-limit (not proven optimal)."""
    problem = random_problem(np.random.default_rng(62), 30, 10)
    real_price, real_solve = group_members._price, group_members._MemberLP.solve
    priced: list[int] = []
    mips: list[int] = []

    def price(*args: Any, **kwargs: Any) -> Any:
        found = real_price(*args, **kwargs)
        priced.append(1)
        if len(priced) == 2 and when != "phase 2":
            return PHASE_TWO_MISSES["fractional"](found)
        return found

    def solve(self: Any, solver: str, *, mip: bool, deadline: float | None) -> Run:
        mips.extend([1] if mip else [])
        if (
            (when == "phase 2" and len(priced) == 1)
            or (when == "the first MIP" and mip)
            or (when == "the second MIP" and len(mips) == 2)
        ):
            return Run("stopped", None, timed_out=True, detail="Time limit reached")
        return real_solve(self, solver, mip=mip, deadline=deadline)

    monkeypatch.setattr(group_members, "_price", price)
    monkeypatch.setattr(group_members._MemberLP, "solve", solve)
    solution = solve_groups(problem, time_limit=600)
    assert not solution.optimal
    assert solution.status.startswith("time-limit (not proven optimal)")
    sizes, _ = group_sizes(solution)
    assert (solution.member_group >= 0).all() and sizes.min() >= 5 and sizes.max() <= 7
    assert most_of_one_code(problem.member_org, solution.member_group) <= 4


def test_duals_are_checked_against_the_solvers_own_reduced_costs() -> None:
    """A member LP's duals reproduce the reduced costs the solver reports for its own weights, and
    are refused (None) for weights the LP was not solved with."""
    from mentormatch.group_problem import validate

    data = validate(random_problem(np.random.default_rng(65), 30, 10))
    rng = np.random.default_rng(66)
    weight = rng.integers(0, 2520, size=(30, 5)).astype(float)
    model = group_members._MemberLP(data, 30, (4, 4), weight, np.ones((30, 5), dtype=bool), None)
    assert model.solve("highs", mip=False, deadline=None).state == "optimal"
    duals = model.duals(weight)
    assert duals is not None and duals.reduced.max() <= duals.noise  # optimal: nothing to price in
    assert model.duals(weight + rng.integers(1, 1000, size=weight.shape)) is None


def test_an_infeasible_stage_raises_the_profession_cap_first_then_the_organisation_cap() -> None:
    org = np.array([0, 0, 0, 1, -1])
    prof = np.array([2, 2, 1, -1, -1])
    assert relax_caps(org, prof, 2, 1, "the members") == (2, 2)  # two of profession 2, cap 1
    assert relax_caps(org, prof, 2, 2, "the members") == (3, 2)  # three of organisation 0, cap 2
    with pytest.raises(SolverError, match="no way to place the members in groups"):
        relax_caps(org, prof, 3, 2, "the members")


@pytest.mark.parametrize("stage", ["members", "leaders"])
def test_a_stage_the_solver_finds_infeasible_is_solved_again_with_a_looser_cap(
    stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first solve of the stage is reported infeasible: the cap goes up one and the status says so."""
    if stage == "leaders":  # one profession among the leaders, so a cap can be raised
        problem = small(11, 8, 3, 2)
        problem = GroupProblem(**{**problem.__dict__, "leader_prof": np.zeros(3, dtype=np.int64)})
    else:
        problem = random_problem(np.random.default_rng(63), 30, 10)
    module: ModuleType = group_members if stage == "members" else group_leaders
    name = "_member_model" if stage == "members" else "_team_model"
    if stage == "leaders":
        monkeypatch.setattr(group_leaders, "_search_teams", nobody_placed)
    real = getattr(module, name)
    caps_seen: list[Any] = []

    def infeasible_first(*args: Any, **kwargs: Any) -> Any:
        caps_seen.append(args[3] if stage == "members" else args[2])
        if len(caps_seen) == 1:
            run = Run("infeasible", None, detail="Infeasible")
            return run if stage == "members" else (run, None)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, infeasible_first)
    solution = solve_groups(problem)
    assert len(caps_seen) == 2
    if stage == "members":
        assert caps_seen[1] == (caps_seen[0][0], caps_seen[0][1] + 1)  # professions first
        assert f"profession mix relaxed to at most {caps_seen[1][1]} per group" in solution.status
    else:
        assert solution.optimal
        assert "leader mix relaxed" in solution.status


def test_a_failed_leader_mip_is_an_error_that_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = small(11, 8, 3, 2)
    monkeypatch.setattr(group_leaders, "_search_teams", nobody_placed)
    monkeypatch.setattr(
        group_leaders, "solve_pulp", lambda *args, **kwargs: Run("failed", None, detail="CBC error: crashed")
    )
    with pytest.raises(
        SolverError, match=r"stopped without assigning leaders to groups \(CBC error: crashed\)"
    ):
        solve_groups(problem)


def test_members_without_goals_are_still_placed() -> None:
    """No member ticked a goal: every goal weighs 0, leaders are shared out by the rules alone,
    every member is placed and no group reports a goal share."""
    problem = random_problem(np.random.default_rng(67), 20, 8)
    problem = GroupProblem(**{**problem.__dict__, "member_goals": np.zeros_like(problem.member_goals)})
    solution = solve_groups(problem)
    assert solution.optimal and (solution.member_group >= 0).all()
    assert np.isnan(solution.group_goal_share).all()


def test_spare_leaders_are_swapped_in_by_the_local_search() -> None:
    """Far more leaders than the groups can take and too many teams to compare: the local search
    swaps unused leaders in until every group's leaders cover every goal some leader offers (the
    upper bound, so proven), one organisation and one profession per group."""
    problem = random_problem(np.random.default_rng(68), 60, 200, orgs=30, profs=5)
    solution = solve_groups(problem)
    _, staff = group_sizes(solution)
    assert solution.n_groups == 12 and staff.tolist() == [4] * 12
    assert (solution.leader_group < 0).sum() == 200 - 48
    assert solution.optimal and "found by search, meeting the upper bound" in solution.objective_text
    assert most_of_one_code(problem.leader_org, solution.leader_group) == 1
    assert most_of_one_code(problem.leader_prof, solution.leader_group) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"member_bonus": np.full(10, 2.0)}, "member_bonus must be 10 numbers between 0 and 1"),
        ({"max_same_org": 0}, "max_same_org must be at least 1"),
        ({"member_goals": np.zeros(10, dtype=bool)}, "member_goals must be a 2-D boolean array"),
        ({"leader_org": np.zeros(3, dtype=np.int64)}, "leader_org must be 4 integers"),
        ({"member_prof": np.zeros(10)}, "member_prof must be 10 integers"),
    ],
)
def test_bad_group_problems_are_rejected(change: dict[str, Any], message: str) -> None:
    base = random_problem(np.random.default_rng(51), 10, 4)
    with pytest.raises(ValueError, match=message):
        solve_groups(GroupProblem(**{**base.__dict__, **change}))


def test_an_unavailable_solver_is_replaced_and_the_status_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from mentormatch import solvers

    problem = small(11, 8, 3, 2)
    expected = solve_groups(problem, solver="cbc")
    monkeypatch.setattr(solvers, "available_solvers", lambda: ["cbc"])
    solution = solve_groups(problem, solver="highs")
    assert solution.solver == "CBC" and solution.status == "optimal; HiGHS unavailable, used CBC"
    assert np.array_equal(solution.member_group, expected.member_group)


LMP = Path(__file__).parents[1] / "examples" / "bme-leadership-lmp-2022" / "applications.csv"
LMP_RULES = Path(__file__).parents[1] / "rules" / "bme-leadership-lmp-2022.yaml"


def with_groups(rules: Rules, **update: Any) -> Rules:
    """``rules`` with matching.groups changed (None: no groups section)."""
    spec = rules.spec.matching
    assert spec is not None and spec.groups is not None
    groups = None if update.get("groups", True) is None else spec.groups.model_copy(update=update)
    matching = spec.model_copy(update={"groups": groups})
    return dataclasses.replace(rules, spec=rules.spec.model_copy(update={"matching": matching}))


def test_a_group_programme_without_organisation_or_profession_fields() -> None:
    """Nobody's organisation or profession is read: no mix cap applies, and no group counts any."""
    rules = load_rules(LMP_RULES)
    spec = rules.spec.matching
    assert spec is not None
    checked = validate_exports([Source(LMP)], rules).checked
    members, leaders = checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver)
    usual = match_groups(rules, members, leaders)
    assert any(group.organisations > 1 for group in usual.groups)
    plain = match_groups(with_groups(rules, organisation_field=None, profession_field=None), members, leaders)
    assert plain.groups and all(g.organisations == 0 and g.professions == 0 for g in plain.groups)
    assert sum(len(g.members) for g in plain.groups) == sum(len(g.members) for g in usual.groups)
    with pytest.raises(RulesError, match=r"matching\.groups is needed for group mentoring"):
        match_groups(with_groups(rules, groups=None), members, leaders)


def test_a_member_without_an_organisation_is_never_capped() -> None:
    """A blank organisation answer is unknown: it counts towards no organisation's cap."""
    rules = load_rules(LMP_RULES)
    spec = rules.spec.matching
    assert spec is not None and spec.groups is not None and spec.groups.organisation_field
    checked = validate_exports([Source(LMP)], rules).checked
    members, leaders = checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver)
    field = spec.groups.organisation_field
    blank = [dataclasses.replace(m, values={**m.values, field: None}) for m in members]
    grouping = match_groups(rules, blank, leaders)
    assert sum(len(g.members) for g in grouping.groups) == sum(
        len(g.members) for g in match_groups(rules, members, leaders).groups
    )
    for group in grouping.groups:  # only the leaders' organisations are counted
        assert group.organisations == len({key(lead.value(field)) for lead in group.leaders})

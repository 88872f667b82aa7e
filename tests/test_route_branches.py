"""Branches of the default pairing route that a coordinator meets rarely: the rule file's
``matching.must`` pairs, a review's kept pairs that can no longer be made, OR-Tools ending without
an optimum, tampered certificates, the pair kernel's fallback, the child process's solve.

Each expected outcome is what the coordinator must see (the pair made on every route, the person
named in the error, a failure never reported as optimal), not a copy of the code's output.
"""

from __future__ import annotations

import dataclasses
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from mentormatch import flow as flow_module
from mentormatch import pairkernel
from mentormatch import pricing as pricing_module
from mentormatch.errors import InfeasibleError, RulesError, SolverError
from mentormatch.flow import CertificateError, ClassProblem, check_certificate, solve_classes, solve_network
from mentormatch.matching import match_pairs
from mentormatch.pipeline import Source, validate_exports
from mentormatch.pricing import certify, solve_streaming
from mentormatch.review import Adjustments
from mentormatch.rulefile import Rules, load_rules
from mentormatch.scoring import Scorer
from mentormatch.solvers import available_solvers
from tests.conftest import MIND_RULES, mind_export
from tests.test_flow import random_problem
from tests.test_pairkernel import everyone, same_points
from tests.test_pricing import as_dense, flow_by_pair, streamed

ROUTES = ["auto", *(s for s in ("highs", "cbc") if s in available_solvers())]

# Three mentees, each wanting one thing that exactly one mentor offers: the best pairs are
# a+x, b+y, c+z. A fourth mentee (d) is rejected: band 2 is outside the programme's bands.
PEOPLE: list[dict[str, object]] = [
    {"name": "Ann A", "email": "a@nhs.net", "role": "Mentee", "band": "Band 5", "goals": "Leadership;"},
    {"name": "Bea B", "email": "b@nhs.net", "role": "Mentee", "band": "Band 5", "goals": "Career;"},
    {"name": "Cat C", "email": "c@nhs.net", "role": "Mentee", "band": "Band 5", "goals": "Networking;"},
    {"name": "Dee D", "email": "d@nhs.net", "role": "Mentee", "band": "Band 2", "goals": "Career;"},
    {"name": "Xan X", "email": "x@nhs.net", "role": "Mentor", "band": "Band 8a", "offers": "Leadership;"},
    {"name": "Yul Y", "email": "y@nhs.net", "role": "Mentor", "band": "Band 8a", "offers": "Career;"},
    {"name": "Zed Z", "email": "z@nhs.net", "role": "Mentor", "band": "Band 8a", "offers": "Networking;"},
]


def rules_with(tmp_path: Path, **matching: Any) -> Rules:
    """The MIND rule file with some matching settings changed, written as a coordinator would."""
    data = yaml.safe_load(MIND_RULES.read_text(encoding="utf-8"))
    data["matching"].update(matching)
    path = tmp_path / "mind-changed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_rules(path)


def people(tmp_path: Path, rules: Rules, changes: dict[str, dict[str, object]] | None = None) -> tuple:
    rows = [{**p, **(changes or {}).get(str(p["email"]), {})} for p in PEOPLE]
    checked = validate_exports([Source(mind_export(tmp_path / "export.xlsx", rows))], rules).checked
    receivers, givers = checked.eligible_in("mentee"), checked.eligible_in("mentor")
    assert "d@nhs.net" not in {a.email for a in receivers}  # rejected by the band rule
    return receivers, givers


def named(matching: Any) -> set[tuple[str, str]]:
    return {(p.receiver.email, p.giver.email) for p in matching.pairs}


# --- the rule file's matching.must -----------------------------------------------------------


@pytest.mark.parametrize("solver", ROUTES)
def test_the_rule_files_must_pairs_are_made_on_every_route(tmp_path: Path, solver: str) -> None:
    plain = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, plain)
    assert named(match_pairs(plain, receivers, givers, solver=solver)) == {
        ("a@nhs.net", "x@nhs.net"), ("b@nhs.net", "y@nhs.net"), ("c@nhs.net", "z@nhs.net"),
    }  # fmt: skip
    # Typed by a coordinator: odd case and spaces, and one pair written mentor first.
    rules = rules_with(tmp_path, must=[[" A@NHS.net", "y@nhs.net "], ["x@nhs.net", "b@nhs.net"]])
    found = match_pairs(rules, receivers, givers, solver=solver)
    assert named(found) == {
        ("a@nhs.net", "y@nhs.net"), ("b@nhs.net", "x@nhs.net"), ("c@nhs.net", "z@nhs.net"),
    }  # fmt: skip
    assert found.solution.optimal


def test_a_must_pair_naming_someone_not_eligible_is_refused_by_name(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, must=[["a@nhs.net", "x@nhs.net"], ["d@nhs.net", "y@nhs.net"]])
    receivers, givers = people(tmp_path, rules)
    with pytest.raises(InfeasibleError, match=r"matching\.must\[1\]: d@nhs\.net is not an eligible"):
        match_pairs(rules, receivers, givers)
    rules = rules_with(tmp_path, must=[["a@nhs.net", "nobody@nhs.net"]])
    with pytest.raises(InfeasibleError, match=r"matching\.must\[0\]: nobody@nhs\.net is not an eligible"):
        match_pairs(rules, receivers, givers)


def test_a_must_pair_breaking_a_hard_rule_names_the_rule(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, must=[["a@nhs.net", "y@nhs.net"]])
    receivers, givers = people(tmp_path, rules, {"a@nhs.net": {"manager": "y@nhs.net"}})
    with pytest.raises(InfeasibleError, match=r"a@nhs\.net \+ y@nhs\.net breaks the hard rule 'reporting"):
        match_pairs(rules, receivers, givers)


def test_pairing_without_a_matching_section_is_a_rules_error(tmp_path: Path) -> None:
    rules = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, rules)
    bare = dataclasses.replace(rules, spec=rules.spec.model_copy(update={"matching": None}))
    with pytest.raises(RulesError, match="no 'matching' section"):
        match_pairs(bare, receivers, givers)


# --- a review's kept pairs that can no longer be made -----------------------------------------


def test_a_kept_pair_whose_person_was_later_rejected_is_named(tmp_path: Path) -> None:
    rules = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, rules)
    kept = frozenset({("a@nhs.net", "x@nhs.net"), ("d@nhs.net", "y@nhs.net")})
    with pytest.raises(InfeasibleError, match=r"no longer eligible: d@nhs\.net\s") as caught:
        match_pairs(rules, receivers, givers, adjust=Adjustments(must=kept))
    assert "mark those pairs 'reject'" in str(caught.value)
    assert "a@nhs.net" not in str(caught.value)  # only the person no longer eligible is named


def test_a_kept_pair_that_now_breaks_a_hard_rule_is_named(tmp_path: Path) -> None:
    rules = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, rules, {"b@nhs.net": {"manager": "y@nhs.net"}})
    kept = frozenset({("b@nhs.net", "y@nhs.net")})  # since the review, y became b's line manager
    with pytest.raises(InfeasibleError, match=r"kept pair b@nhs\.net \+ y@nhs\.net now breaks .*'reporting"):
        match_pairs(rules, receivers, givers, adjust=Adjustments(must=kept))


@pytest.mark.parametrize("solver", ROUTES)
@pytest.mark.parametrize("kind", ["favoured", "prefer"])
def test_favoured_or_kept_if_possible_outranks_score(tmp_path: Path, solver: str, kind: str) -> None:
    # One mentor, two mentees: Ann is the better match; Bea is favoured or her pair is to keep.
    rules = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, rules)
    only = [g for g in givers if g.email == "x@nhs.net"]
    two = [r for r in receivers if r.email in ("a@nhs.net", "b@nhs.net")]
    assert named(match_pairs(rules, two, only, solver=solver)) == {("a@nhs.net", "x@nhs.net")}
    adjust = (
        Adjustments(favoured=frozenset({"b@nhs.net"}))
        if kind == "favoured"
        else Adjustments(prefer=frozenset({("b@nhs.net", "x@nhs.net")}))
    )
    assert named(match_pairs(rules, two, only, solver=solver, adjust=adjust)) == {("b@nhs.net", "x@nhs.net")}


# --- OR-Tools ending without an optimum --------------------------------------------------------


def small_network(objective: str = "coverage-then-score") -> Any:
    rng = np.random.default_rng(3)
    problem = random_problem(rng, objective)
    weight = flow_module.weights(problem.arc_score, problem.arc_key, problem.max_pairs, 1)
    return flow_module.network(problem, weight)


def test_an_infeasible_network_is_a_failure_never_an_optimum() -> None:
    net = small_network("score")
    # More units at the source than the network can carry: OR-Tools answers INFEASIBLE.
    impossible = dataclasses.replace(net, supply=int(net.capacity.sum()) + 1)
    status, flows = flow_module._min_cost_flow(impossible, "score")
    assert status != 0 and flows.size == 0
    with pytest.raises(SolverError, match=r"ended without an optimum \(\d+\)"):
        solve_network(impossible, "score")


def test_costs_beyond_or_tools_range_are_a_failure_never_an_optimum() -> None:
    net = small_network()
    cost = net.cost.copy()
    cost[net.first_arc] = -(2**62)  # OR-Tools scales costs: it answers BAD_COST_RANGE
    with pytest.raises(SolverError, match="without an optimum"):
        solve_network(dataclasses.replace(net, cost=cost), "coverage-then-score")


def test_a_failed_solve_in_the_child_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    net = small_network()
    monkeypatch.setattr(flow_module, "FORK_ARCS", 1)
    monkeypatch.setattr(flow_module, "_min_cost_flow", lambda net, objective: (3, np.zeros(0, np.int64)))
    with pytest.raises(SolverError, match=r"without an optimum \(3\)"):
        solve_network(net, "coverage-then-score")


def test_the_childs_solve_sends_the_same_flows() -> None:
    """The forked child's side (flow._child), run here: coverage does not follow a forked child
    that the parent kills once it has the answer. It ignores Ctrl-C and sends (status, flows)."""
    import multiprocessing

    net = small_network()
    status, flows = flow_module._min_cost_flow(net, "coverage-then-score")
    assert status == 0
    receive, send = multiprocessing.Pipe(duplex=False)
    before = signal.getsignal(signal.SIGINT)
    try:
        work = lambda: flow_module._packed(*flow_module._min_cost_flow(net, "coverage-then-score"))  # noqa: E731
        flow_module._child(work, send)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
    answer = np.frombuffer(receive.recv_bytes(), dtype=np.int64)
    assert answer[0] == 0 and answer[1:].tolist() == flows.tolist()
    receive.close()
    send.close()


def test_an_unknown_objective_is_refused() -> None:
    problem = random_problem(np.random.default_rng(5), "score")
    with pytest.raises(ValueError, match="unknown objective 'most-pairs'"):
        solve_classes(dataclasses.replace(problem, objective="most-pairs"))


# --- certificates refusing tampered answers ----------------------------------------------------


def test_the_certificate_refuses_a_flow_or_potentials_of_the_wrong_shape() -> None:
    problem = random_problem(np.random.default_rng(11), "coverage-then-score")
    found = solve_classes(problem)
    check_certificate(problem, found.flow, found.potential, found.ranks)  # the honest answer
    with pytest.raises(CertificateError, match="wrong shape or a negative value"):
        check_certificate(problem, found.flow[:-1], found.potential, found.ranks)
    negative = found.flow.copy()
    negative[0] = -1
    with pytest.raises(CertificateError, match="wrong shape or a negative value"):
        check_certificate(problem, negative, found.potential, found.ranks)
    with pytest.raises(CertificateError, match="potentials have the wrong shape"):
        check_certificate(problem, found.flow, found.potential[:-1], found.ranks)


@pytest.mark.parametrize("objective", ["coverage-then-score", "score"])
def test_streaming_certificate_refuses_potentials_out_of_range(objective: str) -> None:
    rng = np.random.default_rng(21)
    stream = streamed(random_problem(rng, objective))
    found = solve_streaming(stream)
    certify(stream, found.problem, found.found)  # the honest answer
    # Shifted potentials price every arc the same (check_certificate alone accepts them), but
    # they are not shortest-path distances from the root: out of range, refused.
    shifted = dataclasses.replace(found.found, potential=found.found.potential + 7)
    check_certificate(found.problem, shifted.flow, shifted.potential, shifted.ranks)
    with pytest.raises(CertificateError, match="out of range"):
        certify(stream, found.problem, shifted)


def test_streaming_refuses_scores_too_large_to_add_up_exactly() -> None:
    stream = streamed(random_problem(np.random.default_rng(2), "coverage-then-score"))
    huge = dataclasses.replace(stream, points=lambda a, b: np.where(stream.points(a, b) >= 0, 2**60, -1))
    with pytest.raises(SolverError, match="too large to add up exactly"):
        solve_streaming(huge)


def test_streaming_block_by_block_gives_the_same_flow_and_reports_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _bigger(np.random.default_rng(40))  # 24 left classes: more than 16 blocks of one
    stream = streamed(problem)
    whole = solve_streaming(stream)
    monkeypatch.setattr(pricing_module, "BLOCK_CELLS", 1)  # one left class per block
    said: list[tuple[Any, ...]] = []
    found = solve_streaming(stream, say=lambda *a: said.append(a))
    assert flow_by_pair(found.problem, found.found.flow) == flow_by_pair(whole.problem, whole.found.flow)
    n_left = stream.left_size.size
    scoring = [a[1] for a in said if a[0] == "Scoring pairs"]
    assert scoring[-1] == n_left and len(scoring) < n_left  # every 16th block and the last
    dense = as_dense(stream)
    assert found.class_pairs == dense.arc_left.size


def _bigger(rng: np.random.Generator) -> ClassProblem:
    n_left, n_right = 24, 5
    mask = rng.random((n_left, n_right)) < 0.6
    left, right = np.nonzero(mask)
    return ClassProblem(
        left_size=rng.integers(1, 3, size=n_left),
        right_supply=rng.integers(0, 3, size=n_right),
        arc_left=left,
        arc_right=right,
        arc_score=rng.integers(0, 4, size=left.size),
        arc_key=rng.integers(0, 2**62, size=left.size).astype(np.uint64),
        objective="coverage-then-score",
        max_pairs=int(min(n_left * 2, 10)),
    )


# --- the pair kernel's fallback and rare rules -------------------------------------------------


def mind_scorer(tmp_path: Path, rules: Rules) -> Scorer:
    receivers, givers = people(tmp_path, rules, {"c@nhs.net": {"manager": "z@nhs.net"}})
    return Scorer(rules, receivers, givers, forbidden=[("a@nhs.net", "y@nhs.net")])


def test_a_rule_the_kernel_does_not_know_falls_back_to_the_scorer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = mind_scorer(tmp_path, load_rules(MIND_RULES))
    rows, columns = everyone(scorer)
    assert same_points(scorer, None, rows, columns)  # the table: every rule known
    unknown = tuple(code for code in pairkernel.KNOWN_RULES if code != "reporting-line")
    monkeypatch.setattr(pairkernel, "KNOWN_RULES", unknown)
    assert not same_points(scorer, None, rows, columns)  # the slow path, the same points
    points = pairkernel.PairKernel(scorer, rows, columns, None).block(0, rows.size)
    c = [a.email for a in scorer.receivers.people].index("c@nhs.net")
    z = [a.email for a in scorer.givers.people].index("z@nhs.net")
    a = [a.email for a in scorer.receivers.people].index("a@nhs.net")
    y = [a.email for a in scorer.givers.people].index("y@nhs.net")
    assert points[c, z] == -1 and points[a, y] == -1  # line manager; ruled out before


def test_the_kernel_with_a_band_gap_maximum_alone_and_a_same_part(tmp_path: Path) -> None:
    same = {"part": "same", "label": "same organisation", "field": "organisation", "weight": 10}
    base = load_rules(MIND_RULES)
    assert base.spec.matching is not None
    score = [p.model_dump(exclude_none=True, exclude_defaults=True) for p in base.spec.matching.score]
    rules = rules_with(tmp_path, band_gap={"max": 3}, score=[*score, same])
    scorer = mind_scorer(tmp_path, rules)
    rows, columns = everyone(scorer)
    assert same_points(scorer, None, rows, columns)
    assert same_points(scorer, 0.3 * scorer.max_score(), rows, columns)


def test_the_kernel_rules_out_the_same_person_on_both_sides(tmp_path: Path) -> None:
    # Through the library anyone may be given on both sides: never paired with themselves.
    rules = load_rules(MIND_RULES)
    receivers, givers = people(tmp_path, rules)
    ann = next(a for a in receivers if a.email == "a@nhs.net")
    also_ann = dataclasses.replace(next(g for g in givers if g.email == "x@nhs.net"), email=ann.email)
    scorer = Scorer(rules, receivers, [*givers, also_ann])
    rows, columns = everyone(scorer)
    assert same_points(scorer, None, rows, columns)
    points = pairkernel.PairKernel(scorer, rows, columns, None).block(0, rows.size)
    a = [p.email for p in scorer.receivers.people].index("a@nhs.net")
    same = [p.email for p in scorer.givers.people].index("a@nhs.net")
    x = [p.email for p in scorer.givers.people].index("x@nhs.net")
    assert points[a, same] == -1 and points[a, x] > 0  # the same offer: only the person differs


def test_the_kernel_counts_shared_goals_beyond_sixty_four_choices(tmp_path: Path) -> None:
    scorer = mind_scorer(tmp_path, load_rules(MIND_RULES))
    kernel = pairkernel.PairKernel(scorer, *everyone(scorer), None)
    rng = np.random.default_rng(64)
    want, give = rng.random((5, 150)) < 0.3, rng.random((7, 150)) < 0.3  # three 64-bit words
    found = kernel._overlap(pairkernel.goal_masks(want), pairkernel.goal_masks(give))(slice(1, 4))
    expected = (want[1:4, None, :] & give[None, :, :]).sum(axis=2)
    assert found.tolist() == expected.tolist()


# --- arcs added to reach an augmenting path (flow.py) --------------------------------------------


def path_problem(arcs: list[tuple[int, int]], right_supply: list[int]) -> ClassProblem:
    left, right = np.array(arcs, dtype=np.int64).T
    return ClassProblem(
        left_size=np.ones(2, dtype=np.int64),
        right_supply=np.array(right_supply, dtype=np.int64),
        arc_left=left,
        arc_right=right,
        arc_score=np.ones(left.size, dtype=np.int64),
        arc_key=np.arange(left.size, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=2,
    )


def test_arcs_on_an_augmenting_path_are_added_even_to_a_full_class() -> None:
    # Left 0 is unpaired and reaches right 0 (a spare place) by a held arc, and right 1 (full,
    # taken by left 1) by an arc not held: that arc is added, though it ends at a full class.
    problem = path_problem([(0, 0), (0, 1), (1, 1)], [1, 1])
    flow, held = np.array([0, 0, 1]), np.array([True, False, True])
    weight = np.ones(3, dtype=np.int64)
    assert flow_module._path_arcs(problem, weight, flow, held).tolist() == [False, True, False]
    # Every arc between the classes reached is held already: nothing to add.
    assert not flow_module._path_arcs(problem, weight, flow, np.ones(3, dtype=bool)).any()
    # No augmenting path (left 0 paired too): nothing to add.
    assert not flow_module._path_arcs(problem, weight, np.array([1, 0, 1]), held).any()


# --- a pricing pass shared with a second process (pricing.py) ----------------------------------


def test_the_second_processs_half_of_a_pass_packs_what_it_found() -> None:
    """The forked child's work (coverage does not follow the forked child), run here, and read
    back as the parent reads it: (wrong, leaving, how many arcs to add, the arcs' three rows,
    then the tied arcs' three rows)."""

    def scan(blocks: list[tuple[int, int]], report: Any) -> tuple[np.ndarray, np.ndarray, int, int]:
        arcs = np.array([[a for a, _b in blocks], [b for _a, b in blocks], [7] * len(blocks)], dtype=np.int64)
        ties = np.array([[9, 8], [1, 2], [4, 4]], dtype=np.int64)
        return arcs, ties, 3, 5

    blocks = [(0, 2), (2, 4), (4, 5)]
    data = pricing_module._packed_scan(scan, blocks)
    assert data.dtype == np.int64
    assert data[:3].tolist() == [3, 5, 3]
    assert data[3:12].reshape(3, -1).tolist() == scan(blocks, None)[0].tolist()
    assert data[12:].reshape(3, -1).tolist() == [[9, 8], [1, 2], [4, 4]]


def test_a_second_process_ending_without_an_answer_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    stream = streamed(_bigger(np.random.default_rng(41)))
    monkeypatch.setattr(pricing_module, "BLOCK_CELLS", 1)  # several blocks, shared between two
    monkeypatch.setattr(pricing_module, "PARALLEL_CELLS", 0)
    monkeypatch.setattr(pricing_module.os, "getloadavg", lambda: (0.0, 0.0, 0.0), raising=False)
    monkeypatch.setattr(pricing_module, "_packed_scan", lambda scan, blocks: os._exit(1))  # killed
    with pytest.raises(SolverError, match="stopped without an answer"):
        solve_streaming(stream)


# --- monitoring: a table withheld whole --------------------------------------------------------


def test_a_table_withheld_whole_tells_a_reader_nothing() -> None:
    from mentormatch.monitoring import WITHHELD, _Suppressor

    # 4 applicants, all "<5": the sums pin every count, so none is shown.
    suppressor = _Suppressor([[[2, 2, 1, 1], [2, 2, 1, 1]]])
    suppressor.protect()
    assert all(cell.display() == WITHHELD for cell in suppressor.cells)
    # Checked again afterwards: a withheld count could be anything from 0 up, nothing is exposed.
    assert set(suppressor.bounds().values()) == {(0.0, float("inf"))}
    assert suppressor.exposed() == [] and suppressor.exposed_exactly() == []


# --- group mentoring: a fractional LP answer inside the member stage's pricing -----------------


def test_a_fractional_lp_answer_while_pricing_members_still_gives_the_best_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The member stage's first LP answered with fractions (kept as no fallback grouping): the
    groups are still the best ones, as brute force confirms."""
    from mentormatch import group_members
    from mentormatch.group_solve import solve_groups
    from mentormatch.solvers import Run
    from tests.test_group_stages import assert_same, small
    from tests.test_groups import brute_force_best

    problem = small(12, 9, 4, 2)
    expected = solve_groups(problem, solver="highs")
    real_solve = group_members._MemberLP.solve
    lps: list[int] = []

    def halved_first(self: Any, solver: str, *, mip: bool, deadline: float | None) -> Run:
        run = real_solve(self, solver, mip=mip, deadline=deadline)
        if not mip:
            lps.append(1)
            if len(lps) == 1 and run.state == "optimal" and run.values is not None:
                return dataclasses.replace(run, values=run.values * 0.5)
        return run

    monkeypatch.setattr(group_members._MemberLP, "solve", halved_first)
    found = solve_groups(problem, solver="highs")
    assert lps  # the member stage ran its LPs
    assert_same(expected, found)
    best, value = brute_force_best(problem, found)
    assert value == best

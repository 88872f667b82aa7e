"""The streaming route (pricing.py): every class pair priced block by block, never held.

Against the dense route (flow.solve_classes over every arc) and brute force on random instances
with many ties, the certificate rejecting a flow that is optimal only over the arcs held, the
first pass keeping each class's best arcs, and Ctrl-C stopping a solve in its child process.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import numpy as np
import pytest

from mentormatch import flow as flow_module
from mentormatch.errors import SolverError
from mentormatch.flow import CertificateError, ClassProblem, network, solve_classes, solve_network, weights
from mentormatch.pricing import StreamProblem, certify, solve_streaming
from tests.test_flow import OBJECTIVES, brute_force, random_problem


def streamed(problem: ClassProblem, rows: int = 2) -> StreamProblem:
    """The problem's arcs as a dense matrix of points (-1: not an arc), given a few rows at a time."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    points = np.full((n_left, n_right), -1, dtype=np.int64)
    points[problem.arc_left, problem.arc_right] = problem.arc_score
    keys = np.zeros((n_left, n_right), dtype=np.uint64)
    keys[problem.arc_left, problem.arc_right] = problem.arc_key
    rng = np.random.default_rng(n_left * 7 + n_right)
    return StreamProblem(
        left_size=problem.left_size,
        right_supply=problem.right_supply,
        right_members=rng.integers(1, 3, size=n_right),
        left_key=rng.integers(0, 2**62, size=n_left).astype(np.uint64),
        right_key=rng.integers(0, 2**62, size=n_right).astype(np.uint64),
        objective=problem.objective,
        max_pairs=problem.max_pairs,
        points=lambda a, b: points[a:b].copy(),
    )


def as_dense(stream: StreamProblem) -> ClassProblem:
    """The same problem with every allowed class pair listed (the keys as pricing.py makes them)."""
    from mentormatch.scoring import pair_key

    points = stream.points(0, stream.left_size.size)
    left, right = np.nonzero(points >= 0)
    return ClassProblem(
        left_size=stream.left_size,
        right_supply=stream.right_supply,
        arc_left=left,
        arc_right=right,
        arc_score=points[left, right],
        arc_key=pair_key(stream.left_key[left], stream.right_key[right]).astype(np.uint64),
        objective=stream.objective,
        max_pairs=stream.max_pairs,
    )


def flow_by_pair(problem: ClassProblem, flow: np.ndarray) -> dict[tuple[int, int], int]:
    return {
        (int(i), int(j)): int(f)
        for i, j, f in zip(problem.arc_left, problem.arc_right, flow, strict=True)
        if f > 0
    }


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_streaming_equals_the_dense_route_and_brute_force(objective: str) -> None:
    rng = np.random.default_rng(1818)
    for _ in range(120):
        stream = streamed(random_problem(rng, objective, max_score=3))
        dense = as_dense(stream)
        whole = solve_classes(dense, np.ones(dense.arc_left.size, dtype=bool))
        found = solve_streaming(stream)
        assert flow_by_pair(found.problem, found.found.flow) == flow_by_pair(dense, whole.flow)
        assert found.class_pairs == dense.arc_left.size
        assert found.allowed == int(
            (dense.left_size[dense.arc_left] * stream.right_members[dense.arc_right]).sum()
        )
        expected = brute_force(dense)
        pairs, score = int(found.found.flow.sum()), int(found.problem.arc_score @ found.found.flow)
        assert (pairs, score) == expected if objective == "coverage-then-score" else score == expected[0]


def total_weight(problem: ClassProblem, flow: np.ndarray, ranks: int) -> int:
    return int(weights(problem.arc_score, problem.arc_key, problem.max_pairs, ranks) @ flow)


def test_larger_instances_need_pricing_and_still_equal_the_dense_route() -> None:
    """The same optimum (pairs, then total weight: score and tie-break); the same flow unless two
    flows tie exactly in total weight (then either is optimal)."""
    rng = np.random.default_rng(7)
    priced = same = 0
    for _ in range(12):
        n_left, n_right = int(rng.integers(20, 60)), int(rng.integers(20, 60))
        allowed = rng.random((n_left, n_right)) < 0.8
        left, right = np.nonzero(allowed)
        left_size, right_supply = rng.integers(1, 4, size=n_left), rng.integers(0, 3, size=n_right)
        problem = ClassProblem(
            left_size=left_size,
            right_supply=right_supply,
            arc_left=left,
            arc_right=right,
            arc_score=rng.integers(0, 40, size=left.size),
            arc_key=np.zeros(left.size, dtype=np.uint64),
            objective="coverage-then-score",
            max_pairs=int(min(left_size.sum(), right_supply.sum())),
        )
        stream = streamed(problem, rows=3)
        dense = as_dense(stream)
        whole = solve_classes(dense, np.ones(dense.arc_left.size, dtype=bool))
        found = solve_streaming(stream)
        assert found.found.ranks == whole.ranks
        assert int(found.found.flow.sum()) == int(whole.flow.sum())
        assert total_weight(found.problem, found.found.flow, whole.ranks) == total_weight(
            dense, whole.flow, whole.ranks
        )
        same += flow_by_pair(found.problem, found.found.flow) == flow_by_pair(dense, whole.flow)
        priced += found.passes > 2
    assert priced >= 6 and same >= 10


def test_the_certificate_rejects_a_flow_optimal_only_over_the_arcs_held() -> None:
    rejected = 0
    rng = np.random.default_rng(5)
    for _ in range(60):
        stream = streamed(random_problem(rng, "coverage-then-score", max_score=6))
        found = solve_streaming(stream)
        certify(stream, found.problem, found.found)  # the honest answer passes
        used = np.flatnonzero(found.found.flow > 0)
        if used.size == 0:
            continue
        # Hold every arc but one the optimum uses: the flow over the rest is optimal there only.
        dense = as_dense(stream)
        keep = ~(
            (dense.arc_left == found.problem.arc_left[used[0]])
            & (dense.arc_right == found.problem.arc_right[used[0]])
        )
        held = ClassProblem(
            **{**dense.__dict__, "arc_left": dense.arc_left[keep], "arc_right": dense.arc_right[keep],
               "arc_score": dense.arc_score[keep], "arc_key": dense.arc_key[keep]}
        )  # fmt: skip
        ranks = found.found.ranks
        partial = solve_classes(held, np.ones(held.arc_left.size, dtype=bool), ranks)
        best = (int(found.found.flow.sum()), total_weight(found.problem, found.found.flow, ranks))
        if (int(partial.flow.sum()), total_weight(held, partial.flow, ranks)) == best:
            continue  # another optimum without that arc
        with pytest.raises(CertificateError):
            certify(stream, held, partial)
        rejected += 1
    assert rejected >= 20


def test_a_tampered_flow_over_the_held_arcs_is_rejected() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(40):
        stream = streamed(random_problem(rng, "coverage-then-score"))
        found = solve_streaming(stream)
        used = np.flatnonzero(found.found.flow > 0)
        if used.size == 0:
            continue
        fewer = found.found.flow.copy()
        fewer[used[0]] -= 1
        tampered = flow_module.ClassFlow(fewer, *list(found.found.__dict__.values())[1:])
        with pytest.raises(CertificateError):
            certify(stream, found.problem, tampered)
        checked += 1
    assert checked >= 20


def test_the_first_pass_holds_each_class_s_best_arcs() -> None:
    rng = np.random.default_rng(3)
    points = rng.integers(-1, 50, size=(30, 20))
    stream = StreamProblem(
        left_size=np.ones(30, dtype=np.int64),
        right_supply=np.ones(20, dtype=np.int64),
        right_members=np.ones(20, dtype=np.int64),
        left_key=np.arange(30, dtype=np.uint64),
        right_key=np.arange(20, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=20,
        points=lambda a, b: points[a:b].copy(),
    )
    from mentormatch.pricing import _first_pass

    top, class_pairs, allowed, (left, right, score) = _first_pass(stream, lambda *args: None)
    assert top == points.max() and class_pairs == allowed == int((points >= 0).sum())
    assert np.array_equal(score, points[left, right])
    for i in range(30):  # each row's best is held
        assert points[i].max() in points[i, right[left == i]]
    for j in range(20):  # and each column's
        assert points[:, j].max() in points[left[right == j], j]


def test_ctrl_c_stops_a_solve_in_its_child_process_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """OR-Tools holds the GIL while it solves: a large network is solved in a forked child, so a
    signal interrupts the wait at once and the child is killed."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here: the solve runs in this process")

    def slow(net: Any, objective: str) -> Any:
        time.sleep(60)  # what a long solve looks like to the parent
        raise AssertionError("not reached")

    monkeypatch.setattr(flow_module, "_min_cost_flow", slow)
    monkeypatch.setattr(flow_module, "FORK_ARCS", 1)
    problem = random_problem(np.random.default_rng(1), "coverage-then-score")
    net = network(problem, weights(problem.arc_score, problem.arc_key, problem.max_pairs, 4))

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, stop)
    start = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            solve_network(net, "coverage-then-score")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < 1.5
    assert not multiprocessing.active_children()


def test_a_child_that_dies_is_a_solver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")

    def dies(net: Any, objective: str) -> Any:
        os._exit(9)  # as if killed for lack of memory

    monkeypatch.setattr(flow_module, "_min_cost_flow", dies)
    monkeypatch.setattr(flow_module, "FORK_ARCS", 1)
    problem = random_problem(np.random.default_rng(2), "score")
    net = network(problem, weights(problem.arc_score, problem.arc_key, problem.max_pairs, 4))
    with pytest.raises(SolverError, match="without an answer"):
        solve_network(net, "score")


def test_a_solve_in_a_child_gives_the_same_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    for objective in OBJECTIVES:
        problem = random_problem(rng, objective)
        here = solve_classes(problem)
        monkeypatch.setattr(flow_module, "FORK_ARCS", 1)
        there = solve_classes(problem)
        monkeypatch.setattr(flow_module, "FORK_ARCS", 10**9)
        assert here.flow.tolist() == there.flow.tolist()


def test_the_largest_weights_allowed_are_ones_or_tools_accepts() -> None:
    """A review's bonuses make scores huge: the weights are kept within what OR-Tools' cost
    scaling accepts (it answered BAD_COST_RANGE for a 10,000-applicant review round before)."""
    from mentormatch.flow import largest_weight

    rng = np.random.default_rng(8)
    n = 300
    left, right = np.nonzero(rng.random((n, n)) < 0.05)
    pairs = n
    top = largest_weight(pairs, 2 * n + 2) // (pairs + 2)  # R = 1: the weights reach the limit
    problem = ClassProblem(
        left_size=np.ones(n, dtype=np.int64),
        right_supply=np.ones(n, dtype=np.int64),
        arc_left=left,
        arc_right=right,
        arc_score=rng.integers(top // 2, top + 1, size=left.size),
        arc_key=np.zeros(left.size, dtype=np.uint64),
        objective="coverage-then-score",
        max_pairs=pairs,
    )
    found = solve_classes(problem)
    assert found.ranks == 1 and found.flow.sum() > 0


def test_passes_shared_with_a_second_process_give_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from mentormatch import pricing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here: every pass runs in this process")
    rng = np.random.default_rng(12)
    for objective in OBJECTIVES:
        for _ in range(3):
            n_left, n_right = int(rng.integers(30, 60)), int(rng.integers(30, 60))
            left, right = np.nonzero(rng.random((n_left, n_right)) < 0.7)
            left_size, right_supply = rng.integers(1, 3, size=n_left), rng.integers(0, 3, size=n_right)
            problem = ClassProblem(
                left_size=left_size,
                right_supply=right_supply,
                arc_left=left,
                arc_right=right,
                arc_score=rng.integers(0, 30, size=left.size),
                arc_key=np.zeros(left.size, dtype=np.uint64),
                objective=objective,
                max_pairs=int(min(left_size.sum(), right_supply.sum())),
            )
            stream = streamed(problem)
            monkeypatch.setattr(pricing, "BLOCK_CELLS", 3 * n_right)  # several blocks
            alone = solve_streaming(stream)
            monkeypatch.setattr(pricing, "PARALLEL_CELLS", 0)
            monkeypatch.setattr(pricing.os, "getloadavg", lambda: (0.0, 0.0, 0.0), raising=False)
            shared = solve_streaming(stream)
            monkeypatch.setattr(pricing, "PARALLEL_CELLS", 10**12)
            assert flow_by_pair(shared.problem, shared.found.flow) == flow_by_pair(
                alone.problem, alone.found.flow
            )
            assert (shared.passes, shared.class_pairs, shared.allowed) == (
                alone.passes,
                alone.class_pairs,
                alone.allowed,
            )
            certify(stream, shared.problem, shared.found)

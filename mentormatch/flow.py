"""Pairing as a min-cost flow over classes of interchangeable people, with a checked certificate.

Why it is exact
---------------
People whose answers are identical in everything the hard rules and the score read, and who
have no constraint of their own (a line manager or a coordinator's decision naming them, the same
person on both sides, a review bonus), are interchangeable: swapping two of them in a pairing
changes neither which pairs are allowed nor any score. So the pairing problem is a
transportation problem between *classes*: a source gives each left class (mentees) as many units
as it has members, each right class (mentors) takes at most the places its members offer, and
an arc joins a left and a right class whose pairs are allowed, with unlimited room. Every integer
flow is the class-level picture of a pairing, and every pairing gives such a flow, with the same
number of pairs and the same total weight; a flow is turned into named pairs by a fixed rule
(``distribute``), and among optimal flows that tie exactly canonical.py picks a fixed one. A
person with a constraint of their own is a class of one.

The objective, lexicographic, as whole numbers:

* "coverage-then-score": the most pairs, then the highest total of w = s * T + t, where s is
  the pair's score points, t = 1 + mix64(key) mod R its tie-break (key: the two classes' keys,
  each the smallest email hash among the class's members, so the same people give the same key
  however the export is ordered), R <= TIE_RANKS and T = P * R + 1 with P >= the pairs of any
  pairing. As T > P * R, w orders pairings by total score first, then by total tie-break.
  OR-Tools' ``solve_max_flow_with_min_cost`` finds the largest flow and the cheapest (cost -w)
  among those.
* "score": the highest total w; an extra source-to-sink arc lets units go unpaired.

The certificate, checked here without trusting the solver (``check_certificate``): the flow
respects every capacity and is conserved, no augmenting path from source to sink is left in the
residual graph ("coverage-then-score": the flow is a maximum flow), and node potentials give
every residual arc a reduced cost >= 0 (no negative cycle: no flow of the same value costs less).
The potentials are shortest-path distances in the residual graph (Bellman-Ford, vectorised),
computed by us, not read from the solver. Costs are int64 and every sum is checked to stay below
2**62, so there is no rounding anywhere.

Here every arc of the problem is listed. A cohort whose people nearly all differ has too many
class pairs to list: pricing.py then gives this module only the arcs it holds and checks every
other class pair itself, block by block. A large network is solved in a child process
(``solve_network``), so that Ctrl-C stops it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from mentormatch.errors import SolverError

T = TypeVar("T")
TIE_RANKS = 1 << 10  # tie-break values 1..R; the LP route uses the same when its numbers allow
INT_ROOM = 1 << 62  # every cost sum stays below this
COST_SCALING = 8  # OR-Tools multiplies costs by (nodes + 1) and 5 internally: room for that
FLOW_LABEL = "OR-Tools min-cost flow"
SEED_ARCS = 8  # each class's heaviest arcs held from the start
PRICE_PER_CLASS = 8  # arcs added per left class per pricing round


class CertificateError(SolverError):
    """A flow and its potentials do not prove optimality (or the flow is not feasible)."""


class ScoresTooLarge(SolverError):
    """The weights, tie-break included, would not add up exactly in int64 (largest_weight)."""

    def __init__(self) -> None:
        super().__init__("The scores are too large to add up exactly.", hint="Use smaller score points.")


@dataclass(frozen=True)
class ClassProblem:
    """Left classes (sizes), right classes (places), and the allowed class pairs with scores."""

    left_size: np.ndarray  # int64 members per left class
    right_supply: np.ndarray  # int64 places per right class
    arc_left: np.ndarray  # int64 left class of each arc
    arc_right: np.ndarray  # int64 right class of each arc
    arc_score: np.ndarray  # int64 score points (>= 0)
    arc_key: np.ndarray  # uint64 tie-break key of each arc (unmixed)
    objective: str  # "coverage-then-score" or "score"
    max_pairs: int  # P: >= the pairs of any pairing


@dataclass(frozen=True)
class ClassFlow:
    """The optimal flow on each arc, the potentials that certify it, and the weights used."""

    flow: np.ndarray  # int64 per arc of the problem
    potential: np.ndarray  # int64 per node: source, sink, left classes, right classes
    weight: np.ndarray  # int64 per arc: s * T + t
    ranks: int  # R: tie-break values 1..R
    seconds: float  # the solves (OR-Tools) alone
    check_seconds: float  # potentials, pricing and the certificate check
    rounds: int = 1  # OR-Tools solves (pricing rounds)
    held: int = 0  # arcs held in the last solve


def mix64(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: spreads any integer keys evenly over uint64 (order independent)."""
    z = np.asarray(keys).astype(np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def largest_weight(pairs: int, nodes: int) -> int:
    """The largest arc weight allowed: a sum of ``pairs`` weights, and every potential (a path over
    at most all ``nodes``), stays below INT_ROOM; and OR-Tools, which scales costs by the nodes
    + 1 and its own factor (5) in int64, accepts the range (else it answers BAD_COST_RANGE)."""
    return INT_ROOM // max(pairs, COST_SCALING * (nodes + 1))


def tie_ranks(top: int, max_pairs: int, largest: int) -> int:
    """The largest R <= TIE_RANKS whose biggest weight top * (P * R + 1) + R stays <= ``largest``
    (at least 1)."""
    pairs = max(int(max_pairs), 1)
    top = max(int(top), 1)
    ranks = (int(largest) - top) // (top * pairs + 1)
    return int(max(1, min(TIE_RANKS, ranks)))


def weights(score: np.ndarray, key: np.ndarray, max_pairs: int, ranks: int) -> np.ndarray:
    """w = s * T + t, t = 1 + mix64(key) mod R, T = P * R + 1 (module comment)."""
    scale = max(int(max_pairs), 1) * ranks + 1
    tie = (mix64(key) % np.uint64(ranks)).astype(np.int64) + 1
    return np.asarray(score, dtype=np.int64) * scale + tie


# --- the network ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """Nodes 0 = source, 1 = sink, 2.. left classes, then right classes; arcs in this order:
    source -> left, left -> right (the problem's arcs), right -> sink, [source -> sink]."""

    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray
    nodes: int
    first_arc: int  # index of the problem's first arc
    supply: int  # units at the source
    tight: np.ndarray  # the capacities OR-Tools gets: a pair arc's is min(left size, right places)


def network(problem: ClassProblem, weight: np.ndarray) -> Network:
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    total = int(problem.left_size.sum())
    big = max(total, 1)
    left_nodes = 2 + np.arange(n_left, dtype=np.int64)
    right_nodes = 2 + n_left + np.arange(n_right, dtype=np.int64)
    tail = [np.zeros(n_left, np.int64), left_nodes[problem.arc_left], right_nodes]
    head = [left_nodes, right_nodes[problem.arc_right], np.ones(n_right, np.int64)]
    capacity = [problem.left_size, np.full(problem.arc_left.size, big, np.int64), problem.right_supply]
    cost = [np.zeros(n_left, np.int64), -weight, np.zeros(n_right, np.int64)]
    if problem.objective == "score":
        tail.append(np.zeros(1, np.int64))
        head.append(np.ones(1, np.int64))
        capacity.append(np.array([big], np.int64))
        cost.append(np.zeros(1, np.int64))
    capacity_all = np.concatenate(capacity).astype(np.int64)
    tight = capacity_all.copy()  # no flow can exceed these: the same optimum, a faster solve
    pair_arcs = slice(n_left, n_left + problem.arc_left.size)
    tight[pair_arcs] = np.minimum(
        problem.left_size[problem.arc_left], problem.right_supply[problem.arc_right]
    )
    return Network(
        tail=np.concatenate(tail),
        head=np.concatenate(head),
        capacity=capacity_all,
        tight=tight,
        cost=np.concatenate(cost).astype(np.int64),
        nodes=2 + n_left + n_right,
        first_arc=n_left,
        supply=total,
    )


FORK_ARCS = 50_000  # networks at least this large are solved in a child process (Ctrl-C at once)


def solve_network(net: Network, objective: str) -> np.ndarray:
    """OR-Tools' optimal flow on every arc of ``net`` (raises SolverError without an optimum).

    OR-Tools holds Python's lock while it solves, so a signal handler (Ctrl-C) could not run
    until it returns. A large network is therefore solved in a forked child process while this
    process waits on a pipe, where a signal interrupts it at once: the child is then killed and
    the interruption raised here. Where fork is not available (Windows), or for small networks
    (solved in milliseconds), the solve runs in this process.
    """
    import multiprocessing

    if net.tail.size < FORK_ARCS or "fork" not in multiprocessing.get_all_start_methods():
        status, flows = _min_cost_flow(net, objective)
    else:
        _nothing, answer = forked(
            lambda: _packed(*_min_cost_flow(net, objective)),
            lambda: None,
            "OR-Tools' min-cost flow stopped without an answer (out of memory?).",
        )
        status, flows = int(answer[0]), answer[1:]
    if status != 0:
        raise SolverError(f"OR-Tools' min-cost flow ended without an optimum ({status}).")
    return flows


def _min_cost_flow(net: Network, objective: str) -> tuple[int, np.ndarray]:
    """(0 and the flows) when OR-Tools finds the optimum, else (its status, nothing)."""
    from ortools.graph.python import min_cost_flow  # imported here: only pairing needs it

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.tight, net.cost)
    solver.set_node_supply(0, net.supply)
    solver.set_node_supply(1, -net.supply)
    status = solver.solve() if objective == "score" else solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        return int(status) or -1, np.zeros(0, dtype=np.int64)
    return 0, np.asarray(solver.flows(np.arange(net.tail.size)), dtype=np.int64)


def _packed(status: int, flows: np.ndarray) -> np.ndarray:
    return np.concatenate([[status], flows]).astype(np.int64)


def forked(work: Callable[[], np.ndarray], meanwhile: Callable[[], T], failure: str) -> tuple[T, np.ndarray]:
    """Run ``work`` (whole numbers back) in a forked child process while this process runs
    ``meanwhile``; the child's answer comes back through a pipe, where a signal (Ctrl-C)
    interrupts the wait at once: the child is then killed and the interruption raised here.
    Raises SolverError(``failure``) if the child ends without answering (killed for memory)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, send), daemon=True)
    child.start()
    send.close()
    try:
        mine = meanwhile()
        answer = np.frombuffer(receive.recv_bytes(), dtype=np.int64)
    except EOFError:
        raise SolverError(failure) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()  # an interruption while waiting: stop the child at once
        child.join()
    return mine, answer


def _child(work: Callable[[], np.ndarray], send: object) -> None:
    """The child process: its answer as int64 bytes through the pipe."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it kills this process
    send.send_bytes(np.asarray(work(), dtype=np.int64).tobytes())  # type: ignore[attr-defined]


def solve_classes(
    problem: ClassProblem, held: np.ndarray | None = None, ranks: int | None = None
) -> ClassFlow:
    """The optimal class flow (module comment), certified; raises SolverError if OR-Tools fails
    or CertificateError if its answer does not check out.

    Column generation: OR-Tools solves the flow over a few arcs held (``held``, else each
    class's SEED_ARCS heaviest), our potentials price every arc of the problem, and arcs with
    a negative reduced cost (PRICE_PER_CLASS per left class, the most negative first) or on an
    augmenting path are added, until none is left. Then the flow is optimal over every arc
    (check_certificate). ``ranks`` (R) is worked out from the scores unless given (pricing.py
    gives the R of every class pair, so that a subset of them is weighed the same way).
    """
    if problem.objective not in ("coverage-then-score", "score"):
        raise ValueError(f"unknown objective {problem.objective!r}")
    top = int(problem.arc_score.max(initial=0))
    pairs = max(problem.max_pairs, 1)
    nodes = 2 + problem.left_size.size + problem.right_supply.size
    # Every sum of P weights, and every potential (a path of at most all nodes), stays in int64.
    largest = largest_weight(pairs, nodes)
    ranks = tie_ranks(top, pairs, largest) if ranks is None else ranks
    if top * (pairs * ranks + 1) + ranks > largest:
        raise ScoresTooLarge()
    weight = weights(problem.arc_score, problem.arc_key, problem.max_pairs, ranks)
    held = _seed(problem, weight) if held is None else np.asarray(held, dtype=bool).copy()
    solve_s = check_s = 0.0
    rounds = 0
    while True:
        rounds += 1
        start = time.perf_counter()
        arcs = np.flatnonzero(held)
        sub = ClassProblem(
            problem.left_size,
            problem.right_supply,
            problem.arc_left[arcs],
            problem.arc_right[arcs],
            problem.arc_score[arcs],
            problem.arc_key[arcs],
            problem.objective,
            problem.max_pairs,
        )
        net = network(sub, weight[arcs])
        flows = solve_network(net, problem.objective)
        solve_s += time.perf_counter() - start
        start = time.perf_counter()
        potential = potentials(net, flows)
        flow = np.zeros(problem.arc_left.size, dtype=np.int64)
        flow[arcs] = flows[net.first_arc : net.first_arc + arcs.size]
        new = _priced(problem, weight, potential, held)
        if problem.objective != "score":
            new |= _path_arcs(problem, weight, flow, held)
        check_s += time.perf_counter() - start
        if not new.any():
            break
        held |= new
    start = time.perf_counter()
    check_certificate(problem, flow, potential, ranks)
    check_s += time.perf_counter() - start
    return ClassFlow(flow, potential, weight, ranks, solve_s, check_s, rounds, int(held.sum()))


def _seed(problem: ClassProblem, weight: np.ndarray) -> np.ndarray:
    """Each left and each right class's SEED_ARCS heaviest arcs (ties by arc order)."""
    held = np.zeros(weight.size, dtype=bool)
    for side in (problem.arc_left, problem.arc_right):
        held[best_per_group(side, -weight, SEED_ARCS)] = True
    return held


def best_per_group(group: np.ndarray, value: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` smallest values in each group (ties by index): two stable sorts."""
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(value, kind="stable")
    order = order[np.argsort(group[order], kind="stable")]
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    sizes = np.diff(np.r_[starts, sorted_group.size])
    place = np.arange(order.size) - np.repeat(starts, sizes)
    return order[place < limit]


def _reduced(problem: ClassProblem, weight: np.ndarray, potential: np.ndarray) -> np.ndarray:
    """Each pair arc's reduced cost, cost - (potential of head - potential of tail)."""
    n_left = problem.left_size.size
    return -weight + potential[2 + problem.arc_left] - potential[2 + n_left + problem.arc_right]


def _priced(problem: ClassProblem, weight: np.ndarray, potential: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Arcs not held whose reduced cost is negative: up to PRICE_PER_CLASS per left class."""
    reduced = _reduced(problem, weight, potential)
    bad = np.flatnonzero((reduced < 0) & ~held)
    new = np.zeros(weight.size, dtype=bool)
    new[bad[best_per_group(problem.arc_left[bad], reduced[bad], PRICE_PER_CLASS)]] = True
    return new


def _path_arcs(problem: ClassProblem, weight: np.ndarray, flow: np.ndarray, held: np.ndarray) -> np.ndarray:
    """If an augmenting path search reaches the sink (a pairing with more pairs exists), arcs
    not held from the left classes it reaches to the right classes it reaches: each left
    class's PRICE_PER_CLASS heaviest, first those to a right class with places to spare. Else
    none. (Every augmenting path runs between reached classes, so repeated rounds find one.)"""
    reached_left, reached_right, sink = residual_reach(problem, flow)
    new = np.zeros(flow.size, dtype=bool)
    if not sink:
        return new
    used_right = np.bincount(problem.arc_right, weights=flow, minlength=problem.right_supply.size)
    spare = used_right < problem.right_supply
    candidates = np.flatnonzero(reached_left[problem.arc_left] & reached_right[problem.arc_right] & ~held)
    ending = spare[problem.arc_right[candidates]]
    for part in (candidates[ending], candidates[~ending]):
        if part.size:
            new[part[best_per_group(problem.arc_left[part], -weight[part], PRICE_PER_CLASS)]] = True
            break
    return new


def residual_reach(problem: ClassProblem, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Breadth-first search from the source in the residual graph of every arc: the left and
    right classes reached, and whether the sink is (an augmenting path is left)."""
    used_left = np.bincount(problem.arc_left, weights=flow, minlength=problem.left_size.size)
    used_right = np.bincount(problem.arc_right, weights=flow, minlength=problem.right_supply.size)
    reached_left = used_left < problem.left_size
    reached_right = np.zeros(problem.right_supply.size, dtype=bool)
    forward = flow < max(int(problem.left_size.sum()), 1)
    backward = flow > 0
    while True:
        step = forward & reached_left[problem.arc_left] & ~reached_right[problem.arc_right]
        if not step.any():
            return reached_left, reached_right, False
        reached_right[problem.arc_right[step]] = True
        if np.any(reached_right & (used_right < problem.right_supply)):
            return reached_left, reached_right, True
        back = backward & reached_right[problem.arc_right] & ~reached_left[problem.arc_left]
        reached_left[problem.arc_left[back]] = True


def _residual(net: Network, flows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tail, head, cost) of every residual arc: forward where flow < capacity, backward where
    flow > 0."""
    forward = flows < net.capacity
    backward = flows > 0
    tail = np.concatenate([net.tail[forward], net.head[backward]])
    head = np.concatenate([net.head[forward], net.tail[backward]])
    cost = np.concatenate([net.cost[forward], -net.cost[backward]])
    return tail, head, cost


def potentials(net: Network, flows: np.ndarray) -> np.ndarray:
    """Shortest-path distances in the residual graph from a virtual root joined to every node at
    cost 0 (Bellman-Ford, one vectorised pass over all residual arcs per round). Raises
    CertificateError if a negative cycle is found: the flow is then not of least cost."""
    tail, head, cost = _residual(net, flows)
    distance = np.zeros(net.nodes, dtype=np.int64)
    for _round in range(net.nodes + 1):
        reach = distance[tail] + cost
        better = np.full(net.nodes, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(better, head, reach)
        improved = better < distance
        if not improved.any():
            return distance
        distance = np.where(improved, better, distance)
    raise CertificateError("the flow leaves a negative cycle in the residual graph: it is not optimal")


def check_certificate(problem: ClassProblem, flow: np.ndarray, potential: np.ndarray, ranks: int) -> None:
    """Raise CertificateError unless ``flow`` is feasible and ``potential`` proves it optimal.

    Uses only the problem, the flow on its arcs and the potentials (source, sink, left classes,
    right classes); the weights are rebuilt here. Every arc of the network is checked: a residual
    arc (room left forward, or flow to send back) must have a reduced cost >= 0.
    """
    flow = np.asarray(flow, dtype=np.int64)
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    if flow.shape != problem.arc_left.shape or (flow.size and flow.min() < 0):
        raise CertificateError("the flow has the wrong shape or a negative value")
    if potential.shape != (2 + n_left + n_right,):
        raise CertificateError("the potentials have the wrong shape")
    used_left = np.bincount(problem.arc_left, weights=flow, minlength=n_left).astype(np.int64)
    used_right = np.bincount(problem.arc_right, weights=flow, minlength=n_right).astype(np.int64)
    if np.any(used_left > problem.left_size) or np.any(used_right > problem.right_supply):
        raise CertificateError("the flow gives a class more pairs than it has people or places")
    weight = weights(problem.arc_score, problem.arc_key, problem.max_pairs, ranks)
    source, sink = int(potential[0]), int(potential[1])
    left, right = potential[2 : 2 + n_left], potential[2 + n_left :]
    # (reduced cost of the arc forward, room forward, flow back) for every kind of arc
    checks = [
        (source - left, used_left < problem.left_size, used_left > 0),
        (right - sink, used_right < problem.right_supply, used_right > 0),
        (_reduced(problem, weight, potential), flow < max(int(problem.left_size.sum()), 1), flow > 0),
    ]
    if problem.objective == "score":
        bypass = int(problem.left_size.sum()) - int(flow.sum())
        checks.append((np.array([source - sink]), np.array([bypass < int(problem.left_size.sum())]),
                       np.array([bypass > 0])))  # fmt: skip
    for reduced, room, back in checks:
        if np.any(reduced[room] < 0) or np.any(reduced[back] > 0):
            raise CertificateError("a residual arc has a negative reduced cost: a better pairing exists")
    if problem.objective != "score" and residual_reach(problem, flow)[2]:
        raise CertificateError("an augmenting path is left: a pairing with more pairs exists")


# --- from classes back to people ----------------------------------------------------------------


def distribute(
    left_class: np.ndarray,
    right_class: np.ndarray,
    left_order: np.ndarray,
    right_order: np.ndarray,
    capacity: np.ndarray,
    arc_left: np.ndarray,
    arc_right: np.ndarray,
    flow: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Named pairs (left person, right person) from a class flow, by a fixed rule.

    ``left_class`` / ``right_class``: each person's class (-1: not in the problem);
    ``left_order`` / ``right_order``: each person's rank in the fixed order (smaller first);
    ``capacity``: each right person's places. In each left class, people in order go to the
    right classes in class order (as many to each as its arc's flow); in each right class, the
    people arriving (by left class, then order) take places round robin: each member in order
    takes one before anyone takes a second. Any flow given gives valid pairs.
    """
    left_class = np.asarray(left_class, dtype=np.int64)
    right_class = np.asarray(right_class, dtype=np.int64)
    keep = flow > 0
    arc_left, arc_right, flow = arc_left[keep], arc_right[keep], flow[keep]
    # Left side: members of each class in order, cut into runs, one per arc (arcs in right order).
    members = np.flatnonzero(left_class >= 0)
    members = members[np.lexsort((left_order[members], left_class[members]))]
    class_start = np.searchsorted(left_class[members], np.arange(int(left_class.max(initial=-1)) + 2))
    arcs = np.lexsort((arc_right, arc_left))
    arc_left, arc_right, flow = arc_left[arcs], arc_right[arcs], flow[arcs]
    before = np.cumsum(flow) - flow
    first_of_class = np.searchsorted(arc_left, arc_left)  # first arc of the same left class
    offset = before - before[first_of_class]
    run = np.repeat(np.arange(flow.size), flow)
    within = np.arange(run.size) - np.repeat(before, flow)
    left = members[class_start[arc_left[run]] + offset[run] + within]
    target = arc_right[run]
    # Right side: arrivals ordered by (right class, left class, left order), places round robin.
    order = np.lexsort((left_order[left], arc_left[run], target))
    left, target = left[order], target[order]
    givers = np.flatnonzero((right_class >= 0) & (capacity > 0))
    givers = givers[np.lexsort((right_order[givers], right_class[givers]))]
    places = capacity[givers]
    rounds = np.arange(int(places.max(initial=0)))
    slot_giver = np.repeat(givers, places)
    slot_round = np.concatenate([rounds[:p] for p in places.tolist()]) if places.size else np.zeros(0)
    slot_order = np.lexsort((right_order[slot_giver], slot_round, right_class[slot_giver]))
    slot_giver = slot_giver[slot_order]
    slot_class = right_class[slot_giver]
    slot_start = np.searchsorted(slot_class, np.arange(int(right_class.max(initial=-1)) + 2))
    arrive_start = np.searchsorted(target, target)
    right = slot_giver[slot_start[target] + np.arange(target.size) - arrive_start]
    pair_order = np.lexsort((right, left))
    return left[pair_order], right[pair_order]


@dataclass(frozen=True)
class Classes:
    """One side's people grouped into classes of interchangeable people."""

    of: np.ndarray  # int64 class of each person (-1: not in the problem)
    key: np.ndarray  # uint64 per class: the smallest hash among its members
    representative: np.ndarray  # int64 per class: its member with that hash
    size: np.ndarray  # int64 members per class


def group(profile: np.ndarray, single: np.ndarray, hashes: np.ndarray, active: np.ndarray) -> Classes:
    """Classes of the ``active`` people: equal ``profile`` rows, except that a ``single`` person
    is a class of their own. Classes are numbered by key, so the numbering does not depend on the
    order of the people."""
    n = profile.shape[0]
    people = np.flatnonzero(active)
    tag = np.where(single, np.arange(1, n + 1), 0)[:, None]
    rows = np.concatenate([profile, tag], axis=1)[people]
    of = np.full(n, -1, dtype=np.int64)
    if people.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Classes(of, np.zeros(0, dtype=np.uint64), empty, empty)
    _, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count = int(inverse.max()) + 1
    hashed = hashes[people].astype(np.uint64)
    by = np.lexsort((people, hashed, inverse))  # within each class, smallest hash first
    first = by[np.flatnonzero(np.r_[True, inverse[by][1:] != inverse[by][:-1]])]
    key = hashed[first]
    rank = np.empty(count, dtype=np.int64)
    order = np.lexsort((people[first], key))
    rank[order] = np.arange(count)
    of[people] = rank[inverse]
    return Classes(
        of=of,
        key=key[order],
        representative=people[first][order],
        size=np.bincount(rank[inverse], minlength=count).astype(np.int64),
    )


def person_order(hashes: np.ndarray) -> np.ndarray:
    """Each person's rank when ordered by hash (then position): the fixed order of ``distribute``."""
    order = np.lexsort((np.arange(hashes.size), np.asarray(hashes, dtype=np.uint64)))
    rank = np.empty(hashes.size, dtype=np.int64)
    rank[order] = np.arange(hashes.size)
    return rank

"""One optimal class flow out of all the optimal ones, the same whichever route found one.

Two pairings can tie exactly: the same pairs, total score and tie-break sum (flow.py). Which of
them a solver returns depends on the route and on the arcs it held. This module maps any optimal
class flow to one fixed member of the tie, the *canonical optimum*:

* Every optimal flow lies on the same face F. With any optimal node potentials (flow.potentials:
  each residual arc's reduced cost >= 0), complementary slackness says: a flow of the same value
  is optimal exactly when it is at capacity on every arc of negative reduced cost and empty on
  every arc of positive reduced cost; arcs of reduced cost exactly 0 (whole numbers: exact) are
  free. Two optimal flows differ by a circulation over residual arcs of reduced cost 0.
* The canonical optimum is the lexicographic maximum over F of the pair arcs' flows, arcs in
  (left class, right class) order. Classes are numbered by key (flow.group), never by the order of
  the export, so it depends on the input alone, not on the optimal flow we start from.
* It is reached from any optimal flow: in the *tight* residual graph (residual arcs of reduced
  cost 0, the source and sink arcs and the "score" bypass included, so who stays unpaired may
  change too), an arc whose flow differs between two optimal flows lies on a cycle. Arcs on no
  cycle are frozen: a one-way arc between two strongly connected components, or an arc with
  room both ways that is a bridge (a leaf-peeling pass and Tarjan's algorithms find them). Then,
  for each free pair arc in order, as much flow as possible is pushed onto it along cycles of
  free arcs (augmenting paths from its head back to its tail, the arcs already settled left
  out), and it is settled. Whole numbers throughout.

With the hash tie-break exact ties are rare and small (measured on the benchmark cohorts: 40,000
high-diversity applicants, 36,737 tight arcs of 692,782 held, 314 free, 0.18 s; 100,000
low-diversity, 257 free, 0.02 s). Where nothing breaks ties (R = 1 and flat scores) every arc
can be free: 200 x 200 classes of one that all tie take 1.7 s, 300 x 300 about 9 s.
``MAX_STEPS`` bounds the pushes (about 20 s); a face too large for it (``Canonical.complete``
False: 700 x 700 all tied) keeps the optimal flow the solver found, and the caller says so.

The LP route weighs with R = TIE_RANKS like the flow route unless its numbers have no room for
it (a review's bonuses on a cohort of more than a few dozen pairs); ``retie`` then moves its
optimum to the best tie-break sum for the flow route's R before the canonical step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mentormatch.flow import (
    CertificateError,
    ClassFlow,
    ClassProblem,
    check_certificate,
    network,
    potentials,
    weights,
)

PEEL_ROUNDS = 8  # vectorised peeling rounds before a queue takes over
MAX_STEPS = 20_000_000  # arcs looked at by the pushes at most (about 20 s of Python)


@dataclass(frozen=True)
class Canonical:
    """The canonical flow and what it took."""

    flow: np.ndarray  # int64 per pair arc
    tight: int  # arcs of reduced cost 0 with room in some direction
    free: int  # arcs that lie on a cycle of the tight residual graph (may change)
    moved: int  # pair arcs whose flow changed
    complete: bool  # False: the face was too large for MAX_STEPS; ``flow`` is the one given


def canonical(problem: ClassProblem, found: ClassFlow, max_steps: int | None = None) -> Canonical:
    """The canonical optimum (module comment) from ``found``, an optimal flow with potentials that
    certify it over every arc of ``problem``; re-checked with flow.check_certificate."""
    tail, head, cap, x, pair = _tight_arcs(problem, found)
    nodes = 2 + problem.left_size.size + problem.right_supply.size
    arcs = np.flatnonzero(_free_arcs(tail, head, x < cap, x > 0, nodes))
    if arcs.size == 0:
        return Canonical(found.flow, int(tail.size), 0, 0, True)
    pair_arcs = arcs[pair[arcs] >= 0]
    of = pair[pair_arcs]
    pair_arcs = pair_arcs[np.lexsort((problem.arc_right[of], problem.arc_left[of]))]
    steps = MAX_STEPS if max_steps is None else max_steps
    if not _push_in_order(tail, head, cap, x, arcs, pair_arcs, nodes, steps):
        return Canonical(found.flow, int(tail.size), int(arcs.size), 0, False)
    flow = found.flow.copy()
    flow[pair[pair >= 0]] = x[pair >= 0]
    check_certificate(problem, flow, found.potential, found.ranks)
    moved = int(np.count_nonzero(flow != found.flow))
    return Canonical(flow, int(tail.size), int(arcs.size), moved, True)


def _tight_arcs(
    problem: ClassProblem, found: ClassFlow
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The arcs of flow.network with reduced cost 0 and room in some direction: (tail, head,
    capacity, flow, pair arc or -1). Only these are built: most arcs are not tight."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    p, flow = found.potential, found.flow
    left, right = 2 + np.arange(n_left), 2 + n_left + np.arange(n_right)
    used_left = np.bincount(problem.arc_left, weights=flow, minlength=n_left).astype(np.int64)
    used_right = np.bincount(problem.arc_right, weights=flow, minlength=n_right).astype(np.int64)
    total = int(problem.left_size.sum())
    big = max(total, 1)
    pt = np.flatnonzero(-found.weight + p[left[problem.arc_left]] - p[right[problem.arc_right]] == 0)
    room_left = (used_left < problem.left_size) | (used_left > 0)
    st = np.flatnonzero((p[0] == p[left]) & room_left)
    kt = np.flatnonzero((p[right] == p[1]) & ((used_right < problem.right_supply) | (used_right > 0)))
    bypass = total - int(flow.sum())
    by = problem.objective == "score" and p[0] == p[1] and (bypass < big or bypass > 0)
    b = np.ones(int(by), dtype=np.int64)
    tail = np.concatenate([left[problem.arc_left[pt]], np.zeros(st.size, np.int64), right[kt], 0 * b])
    head = np.concatenate([right[problem.arc_right[pt]], left[st], np.ones(kt.size, np.int64), b])
    cap = np.concatenate([np.full(pt.size, big), problem.left_size[st], problem.right_supply[kt], big * b])
    x = np.concatenate([flow[pt], used_left[st], used_right[kt], bypass * b])
    pair = np.concatenate([pt, np.full(st.size + kt.size + b.size, -1)])
    return tail.astype(np.int64), head.astype(np.int64), cap.astype(np.int64), x.astype(np.int64), pair


def canonical_of(
    problem: ClassProblem, flow: np.ndarray, ranks: int, max_steps: int | None = None
) -> Canonical:
    """The canonical optimum from an optimal ``flow`` over every arc of ``problem`` found by
    another route (the LP): our own potentials (flow.potentials) certify it first, so a flow that
    is not optimal for these weights raises CertificateError."""
    flow = np.asarray(flow, dtype=np.int64)
    weight = weights(problem.arc_score, problem.arc_key, problem.max_pairs, ranks)
    net = network(problem, weight)
    potential = potentials(net, _full_flow(problem, net.tail.size, net.first_arc, flow))
    check_certificate(problem, flow, potential, ranks)
    return canonical(problem, ClassFlow(flow, potential, weight, ranks, 0.0, 0.0), max_steps)


def retie(problem: ClassProblem, flow: np.ndarray, ranks: int) -> np.ndarray:
    """An optimal flow for ``ranks`` (R) from ``flow``, optimal for the same scores but weighed
    with another R (the LP route when its numbers had no room for R = TIE_RANKS).

    ``flow`` has the most pairs and the best total score: with potentials for R = 1 (our own,
    flow.potentials; CertificateError if it has not), the flows that do too are those on the
    arcs of reduced cost 0 with the other arcs as they are. Among those, OR-Tools finds one with
    the highest tie-break sum for R: a min-cost flow over those arcs alone, each node keeping its
    balance, the pair arcs costing -t. canonical_of then certifies the result for R itself."""
    from ortools.graph.python import min_cost_flow  # imported here: only the LP route needs it

    flow = np.asarray(flow, dtype=np.int64)
    level = weights(problem.arc_score, problem.arc_key, problem.max_pairs, 1)
    net = network(problem, level)
    x = _full_flow(problem, net.tail.size, net.first_arc, flow)
    potential = potentials(net, x)
    check_certificate(problem, flow, potential, 1)
    tight = np.flatnonzero(net.cost + potential[net.tail] - potential[net.head] == 0)
    tie = weights(np.zeros_like(problem.arc_score), problem.arc_key, problem.max_pairs, ranks)
    cost = np.zeros(net.tail.size, dtype=np.int64)
    cost[net.first_arc : net.first_arc + flow.size] = -tie
    tail, head, cap = net.tail[tight], net.head[tight], np.minimum(net.capacity, net.tight)[tight]
    balance = np.bincount(tail, weights=x[tight], minlength=net.nodes) - np.bincount(
        head, weights=x[tight], minlength=net.nodes
    )
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost[tight])
    solver.set_nodes_supplies(np.arange(net.nodes), balance.astype(np.int64))
    if solver.solve() != solver.OPTIMAL:
        raise CertificateError("the pairings as good as the LP's could not be weighed again")
    x[tight] = np.asarray(solver.flows(np.arange(tight.size)), dtype=np.int64)
    return x[net.first_arc : net.first_arc + flow.size].copy()


def _full_flow(problem: ClassProblem, arcs: int, first: int, pair_flow: np.ndarray) -> np.ndarray:
    """The flow on every arc of flow.network from the pair arcs' flows."""
    n_left, n_right = problem.left_size.size, problem.right_supply.size
    x = np.zeros(arcs, dtype=np.int64)
    x[:n_left] = np.bincount(problem.arc_left, weights=pair_flow, minlength=n_left)
    x[first : first + pair_flow.size] = pair_flow
    end = first + pair_flow.size
    x[end : end + n_right] = np.bincount(problem.arc_right, weights=pair_flow, minlength=n_right)
    if problem.objective == "score":
        x[end + n_right] = int(problem.left_size.sum()) - int(pair_flow.sum())
    return x


def _free_arcs(
    tail: np.ndarray, head: np.ndarray, forward: np.ndarray, backward: np.ndarray, nodes: int
) -> np.ndarray:
    """Which of these residual arcs (room ``forward`` tail -> head, ``backward`` head -> tail) lie
    on a cycle: those left after peeling, inside one strongly connected component, and (for an
    arc with room both ways) not a bridge of that component."""
    keep = _peel(tail, head, forward, backward, nodes)
    free = np.zeros(tail.size, dtype=bool)
    if not keep.any():
        return free
    at = np.flatnonzero(keep)
    component = _components(tail[at], head[at], forward[at], backward[at], nodes)
    same = component[tail[at]] == component[head[at]]
    at = at[same]
    both = forward[at] & backward[at]
    bridge = _bridges(tail[at], head[at])
    free[at[~(both & bridge)]] = True
    return free


def _peel(
    tail: np.ndarray, head: np.ndarray, forward: np.ndarray, backward: np.ndarray, nodes: int
) -> np.ndarray:
    """Arcs that may lie on a cycle: repeatedly drop the arcs of a node with one neighbour, no arc
    in or no arc out (no cycle passes through such a node). A few vectorised rounds take most;
    a queue takes the rest (a long chain would need a round per link)."""
    keep = np.ones(tail.size, dtype=bool)
    for _round in range(PEEL_ROUNDS):
        t, h, f, b = tail[keep], head[keep], forward[keep], backward[keep]
        degree = np.bincount(t, minlength=nodes) + np.bincount(h, minlength=nodes)
        out = np.bincount(t, weights=f, minlength=nodes) + np.bincount(h, weights=b, minlength=nodes)
        into = np.bincount(h, weights=f, minlength=nodes) + np.bincount(t, weights=b, minlength=nodes)
        dead = (degree <= 1) | (out == 0) | (into == 0)
        drop = dead[t] | dead[h]
        if not drop.any():
            return keep
        keep[np.flatnonzero(keep)[drop]] = False
    arcs = np.flatnonzero(keep)
    t, h, f, b = tail[arcs], head[arcs], forward[arcs], backward[arcs]
    degree = (np.bincount(t, minlength=nodes) + np.bincount(h, minlength=nodes)).tolist()
    out = (np.bincount(t, weights=f, minlength=nodes) + np.bincount(h, weights=b, minlength=nodes)).tolist()
    into = (np.bincount(h, weights=f, minlength=nodes) + np.bincount(t, weights=b, minlength=nodes)).tolist()
    ends = list(zip(t.tolist(), h.tolist(), f.tolist(), b.tolist(), strict=True))
    incident: list[list[int]] = [[] for _ in range(nodes)]
    for arc, (u, v, _f, _b) in enumerate(ends):
        incident[u].append(arc)
        incident[v].append(arc)
    alive = [True] * len(ends)
    queue = [v for v in set(t.tolist()) | set(h.tolist()) if degree[v] <= 1 or not out[v] or not into[v]]
    gone = [False] * nodes
    while queue:
        node = queue.pop()
        if gone[node]:
            continue
        gone[node] = True
        for arc in incident[node]:
            if not alive[arc]:
                continue
            alive[arc] = False
            u, v, fw, bw = ends[arc]
            degree[u] -= 1
            degree[v] -= 1
            out[u] -= fw
            into[v] -= fw
            out[v] -= bw
            into[u] -= bw
            other = v if u == node else u
            if not gone[other] and (degree[other] <= 1 or not out[other] or not into[other]):
                queue.append(other)
    keep[arcs[~np.array(alive, dtype=bool)]] = False
    return keep


def _adjacency(tail: np.ndarray, head: np.ndarray, nodes: int) -> tuple[list[list[int]], list[int]]:
    """Each node's incident arcs (as indexes), undirected."""
    incident: list[list[int]] = [[] for _ in range(nodes)]
    for arc, (t, h) in enumerate(zip(tail.tolist(), head.tolist(), strict=True)):
        incident[t].append(arc)
        incident[h].append(arc)
    return incident, sorted(set(tail.tolist()) | set(head.tolist()))


def _components(
    tail: np.ndarray, head: np.ndarray, forward: np.ndarray, backward: np.ndarray, nodes: int
) -> np.ndarray:
    """Strongly connected component of each node over the residual arcs (iterative Tarjan);
    nodes outside these arcs get their own number."""
    out: list[list[int]] = [[] for _ in range(nodes)]
    for t, h, f, b in zip(tail.tolist(), head.tolist(), forward.tolist(), backward.tolist(), strict=True):
        if f:
            out[t].append(h)
        if b:
            out[h].append(t)
    index = [-1] * nodes
    low = [0] * nodes
    component = list(range(nodes, 2 * nodes))
    on_stack = [False] * nodes
    stack: list[int] = []
    counter = 0
    for root in sorted(set(tail.tolist()) | set(head.tolist())):
        if index[root] >= 0:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, at = work[-1]
            if at < len(out[node]):
                work[-1] = (node, at + 1)
                nxt = out[node][at]
                if index[nxt] < 0:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component[member] = node
                    if member == node:
                        break
    return np.array(component, dtype=np.int64)


def _bridges(tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Whether each arc is a bridge of the undirected graph of these arcs (iterative depth-first
    search with low points; a parent arc is skipped by index). Given the arcs inside strongly
    connected components, that is a bridge of its component."""
    nodes = int(max(tail.max(initial=-1), head.max(initial=-1))) + 1
    incident, touched = _adjacency(tail, head, nodes)
    ends = list(zip(tail.tolist(), head.tolist(), strict=True))
    bridge = np.zeros(tail.size, dtype=bool)
    index = [-1] * nodes
    low = [0] * nodes
    counter = 0
    for root in touched:
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        work = [(root, -1, 0)]
        while work:
            node, via, at = work[-1]
            if at < len(incident[node]):
                work[-1] = (node, via, at + 1)
                arc = incident[node][at]
                if arc == via:
                    continue
                t, h = ends[arc]
                nxt = h if t == node else t
                if index[nxt] < 0:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    work.append((nxt, arc, 0))
                else:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > index[parent]:
                    bridge[via] = True
    return bridge


def _push_in_order(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    x: np.ndarray,
    arcs: np.ndarray,
    pair_arcs: np.ndarray,
    nodes: int,
    max_steps: int,
) -> bool:
    """For each of ``pair_arcs`` in turn, push as much flow onto it as cycles of ``arcs`` allow
    (breadth-first augmenting paths from its head to its tail, settled arcs left out), then
    settle it. Changes ``x`` in place; False if ``max_steps`` ran out (``x`` is then undefined).

    Most arcs cannot take more flow: a search that finds nothing costs as much as the whole
    free graph. So, once per left class (and again after each push), one backward search from
    the class marks every node with the arcs into the class it reaches it by (two at most); an
    arc (class, right) can take more only if its right node reaches the class by an arc other
    than itself, which the marks answer at once."""
    graph = _Residual(tail, head, cap, x, arcs, nodes)
    steps = 0
    marks: dict[int, list[int]] = {}
    marked_for = -1
    for arc in pair_arcs.tolist():
        start, goal = graph.head[arc], graph.tail[arc]
        graph.settled.add(arc)  # left out of its own cycles (both ways), and of every later one
        for fresh in (False, True):
            if marked_for != goal or fresh:
                marks, cost = graph.marks_into(goal)
                steps += cost
                marked_for = goal
            others = [e for e in marks.get(start, []) if e not in graph.settled]
            if others or len(marks.get(start, [])) < 2:
                break  # a route other than the arc itself, or certainly none
        while others and graph.flow[arc] < graph.cap[arc]:
            path, cost = graph.path(start, goal)
            steps += cost
            if steps > max_steps:
                return False
            if path is None:
                break
            graph.push(arc, path)
            marked_for = -1  # the flows changed: mark again before the next look
        if steps > max_steps:
            return False
    for arc, value in graph.flow.items():
        x[arc] = value
    return True


class _Residual:
    """The free arcs' residual graph as flows change: room forward (flow < capacity, tail to
    head) and back (flow > 0, head to tail); settled arcs are left out."""

    def __init__(
        self, tail: np.ndarray, head: np.ndarray, cap: np.ndarray, x: np.ndarray, arcs: np.ndarray, nodes: int
    ) -> None:
        self.tail, self.head, self.cap = tail.tolist(), head.tolist(), cap.tolist()
        self.flow = {arc: int(x[arc]) for arc in arcs.tolist()}
        self.incident: list[list[int]] = [[] for _ in range(nodes)]
        for arc in arcs.tolist():
            self.incident[self.tail[arc]].append(arc)
            self.incident[self.head[arc]].append(arc)
        self.settled: set[int] = set()

    def steps_from(self, node: int) -> list[tuple[int, int, int]]:
        """(arc, +1 forward / -1 back, next node) for each residual arc leaving ``node``."""
        out = []
        for arc in self.incident[node]:
            if arc in self.settled:
                continue
            if self.tail[arc] == node and self.flow[arc] < self.cap[arc]:
                out.append((arc, 1, self.head[arc]))
            elif self.head[arc] == node and self.flow[arc] > 0:
                out.append((arc, -1, self.tail[arc]))
        return out

    def steps_into(self, node: int) -> list[tuple[int, int]]:
        """(arc, previous node) for each residual arc entering ``node``."""
        into = []
        for arc in self.incident[node]:
            if arc in self.settled:
                continue
            if self.head[arc] == node and self.flow[arc] < self.cap[arc]:
                into.append((arc, self.tail[arc]))
            elif self.tail[arc] == node and self.flow[arc] > 0:
                into.append((arc, self.head[arc]))
        return into

    def marks_into(self, goal: int) -> tuple[dict[int, list[int]], int]:
        """Each node that reaches ``goal`` (never through it), with up to two distinct arcs into
        ``goal`` it reaches it by; and the arcs looked at."""
        marks: dict[int, list[int]] = {}
        queue: list[int] = []
        cost = 0
        for arc, node in self.steps_into(goal):
            cost += 1
            found = marks.setdefault(node, [])
            if len(found) < 2 and arc not in found:
                found.append(arc)
                queue.append(node)
        while queue:
            node = queue.pop()
            for _arc, previous in self.steps_into(node):
                cost += 1
                if previous == goal:
                    continue
                found = marks.setdefault(previous, [])
                grew = False
                for label in marks[node]:
                    if len(found) < 2 and label not in found:
                        found.append(label)
                        grew = True
                if grew:
                    queue.append(previous)
        return marks, cost

    def path(self, start: int, goal: int) -> tuple[list[tuple[int, int]] | None, int]:
        """A shortest residual path start -> goal as (arc, +1 / -1) steps, or None; and the arcs
        looked at."""
        came: dict[int, tuple[int, int]] = {start: (-1, 0)}
        frontier = [start]
        cost = 0
        while frontier and goal not in came:
            ahead: list[int] = []
            for node in frontier:
                for arc, sign, nxt in self.steps_from(node):
                    cost += 1
                    if nxt not in came:
                        came[nxt] = (arc, sign)
                        ahead.append(nxt)
            frontier = ahead
        if goal not in came:
            return None, cost
        path: list[tuple[int, int]] = []
        node = goal
        while node != start:
            arc, sign = came[node]
            path.append((arc, sign))
            node = self.tail[arc] if sign > 0 else self.head[arc]
        return path, cost

    def push(self, arc: int, path: list[tuple[int, int]]) -> None:
        """As much flow as the cycle (``arc`` forward, then ``path`` back to its tail) takes."""
        room = self.cap[arc] - self.flow[arc]
        for edge, sign in path:
            room = min(room, self.cap[edge] - self.flow[edge] if sign > 0 else self.flow[edge])
        self.flow[arc] += room
        for edge, sign in path:
            self.flow[edge] += sign * room

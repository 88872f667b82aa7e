"""Group mentoring at scale: time and proven gap of `solve_groups` on random programmes.

    .venv/bin/python benchmarks/groups.py --members 550 --leaders 180 --seeds 1-8

Each programme: members tick 1-3 of ``--goals`` goals, leaders offer each goal with chance 0.35,
12 organisations and 6 professions on both sides (the shape of the BME Leadership Network LMP,
scaled up). Prints, per seed, the seconds taken, whether both stages were proven optimal, and
otherwise the proven gap of the leader step that the Summary states.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

import numpy as np

from mentormatch.group_problem import GroupProblem
from mentormatch.group_solve import solve_groups


def problem(seed: int, members: int, leaders: int, goals: int) -> GroupProblem:
    rng = np.random.default_rng(seed)
    member_goals = np.zeros((members, goals), dtype=bool)
    for i in range(members):
        member_goals[i, rng.choice(goals, size=rng.integers(1, 4), replace=False)] = True
    return GroupProblem(
        member_goals=member_goals,
        leader_offers=rng.random((leaders, goals)) < 0.35,
        member_org=rng.integers(0, 12, members),
        leader_org=rng.integers(0, 12, leaders),
        member_prof=rng.integers(0, 6, members),
        leader_prof=rng.integers(0, 6, leaders),
        member_bonus=rng.integers(0, 2, members).astype(float),
        member_key=rng.integers(0, 2**62, members),
        leader_key=rng.integers(0, 2**62, leaders),
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", type=int, default=550)
    p.add_argument("--leaders", type=int, default=180)
    p.add_argument("--goals", type=int, default=8)
    p.add_argument("--seeds", default="1-8", help="a range A-B or a comma list")
    args = p.parse_args(argv)
    if "-" in args.seeds:
        first, last = (int(x) for x in args.seeds.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = [int(x) for x in args.seeds.split(",")]
    print("| seed | members | leaders | seconds | proven optimal | proven gap (leader step) |")
    print("|---|---|---|---|---|---|")
    for seed in seeds:
        start = time.perf_counter()
        solution = solve_groups(problem(seed, args.members, args.leaders, args.goals))
        seconds = time.perf_counter() - start
        found = re.search(r"proven within ([\d.]+%)", solution.status)
        gap = "0 (optimal)" if solution.optimal else (found.group(1) if found else "not stated")
        print(f"| {seed} | {args.members} | {args.leaders} | {seconds:.1f} | "
              f"{'yes' if solution.optimal else 'no'} | {gap} |")  # fmt: skip
    print(f"\nload average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

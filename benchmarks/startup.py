"""Start-up and small jobs: bare Python, `--version`, `--help` and the MIND example, alternating.

    .venv/bin/python benchmarks/startup.py --runs 10

Each round runs, one after the other: ``python -c pass``, ``mentormatch --version``,
``mentormatch --help``, and ``mentormatch --quiet match`` on the bundled MIND example (152 rows,
writing pairs.xlsx). Whole processes, wall clock and CPU (user + system, from the kernel's
accounting of the child); prints best and median of the runs and each as a multiple of a bare
Python start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str]) -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=10)
    args = p.parse_args(argv)
    exe = str(Path(sys.executable).parent / "mentormatch")
    with tempfile.TemporaryDirectory(prefix="mentormatch-startup-") as temp:
        out = str(Path(temp) / "pairs.xlsx")
        example = str(ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "mentormatch --version": [exe, "--version"],
            "mentormatch --help": [exe, "--help"],
            "MIND example (match, 152 rows)": [exe, "--quiet", "match", example, "--rules",
                                               "kent-medway-mind-2022", "-o", out, "--force"],
        }  # fmt: skip
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        run(commands["MIND example (match, 152 rows)"])  # compiled bytecode and disk cache warm
        for _ in range(args.runs):
            for name, cmd in commands.items():
                wall, cpu = run(cmd)
                walls[name].append(wall)
                cpus[name].append(cpu)
    bare = statistics.median(walls["python -c pass"])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{args.runs} runs each, alternating; load average at the end {load}\n")
    print("| command | wall best s | wall median s | CPU median s | median / bare Python |")
    print("|---|---|---|---|---|")
    for name in commands:
        median = statistics.median(walls[name])
        print(f"| {name} | {min(walls[name]):.3f} | {median:.3f} | {statistics.median(cpus[name]):.3f} |"
              f" {median / bare:.1f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

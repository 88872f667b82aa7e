"""Start-up and small jobs: bare Python, `--version`, `--help` and the MIND example, alternating.

    .venv/bin/python benchmarks/startup.py --runs 10

Each round runs, one after the other: ``python -c pass``, ``mentormatch --version``,
``mentormatch --help``, ``mentormatch match --help``, ``mentormatch --quiet match`` on the
bundled MIND example (152 rows, writing pairs.xlsx) and on a synthetic cohort of 100 mentees and
100 mentors (benchmarks/cohort.py, as peer.py's 100-per-side row). Whole processes, wall clock and CPU (user +
system, from the kernel's accounting of the child); prints best and median of the runs and each as
a multiple of a bare Python start.

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed), as an installed
package has it (pip compiles on install): the first, untimed, run writes the cache. With
``--baseline BIN`` (the bin folder of another installation, e.g. an older checkout's venv) each
mentormatch command is also run with that installation's ``mentormatch``, alternating, and the
table shows both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import cohort  # noqa: E402

# bytecode is cached as in an installed package (pip compiles it), even where the caller's
# environment turns caching off: otherwise every run would compile the package again
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str]) -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def install_kind() -> str:
    """How mentormatch is installed beside this Python: an editable install (the README's `pip
    install -e .`) has every start of that Python, the bare one too, import its path finder."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    if any(purelib.glob("__editable__*mentormatch*.pth")):
        return "mentormatch installed editable (each start imports its finder, bare Python too)"
    return "mentormatch installed as a package"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--baseline", type=Path, help="bin folder of another installation to alternate with")
    args = p.parse_args(argv)
    exe = str(Path(sys.executable).parent / "mentormatch")
    others = {"": exe, **({" (baseline)": str(args.baseline / "mentormatch")} if args.baseline else {})}
    with tempfile.TemporaryDirectory(prefix="mentormatch-startup-") as temp:
        out = str(Path(temp) / "pairs.xlsx")
        example = str(ROOT / "examples" / "kent-medway-mind-2022" / "applications.xlsx")
        small = Path(temp) / "cohort-100.xlsx"
        cohort.write_xlsx(small, cohort.generate(200, cohort.SEED))
        commands: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
        for suffix, mm in others.items():
            commands |= {
                f"mentormatch --version{suffix}": [mm, "--version"],
                f"mentormatch --help{suffix}": [mm, "--help"],
                f"mentormatch match --help{suffix}": [mm, "match", "--help"],
                f"MIND example (match, 152 rows){suffix}": [mm, "--quiet", "match", example, "--rules",
                                                            "kent-medway-mind-2022", "-o", out, "--force"],
                f"match, 100 + 100 synthetic{suffix}": [mm, "--quiet", "match", str(small), "--rules",
                                                        "kent-medway-mind-2022", "-o", out, "--force"],
            }  # fmt: skip
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for name, cmd in commands.items():
            if name.startswith(("MIND", "match,")):
                run(cmd)  # compiled bytecode and disk cache warm
        for _ in range(args.runs):
            for name, cmd in commands.items():
                wall, cpu = run(cmd)
                walls[name].append(wall)
                cpus[name].append(cpu)
    bare = statistics.median(walls["python -c pass"])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{args.runs} runs each, alternating; load average at the end {load}")
    print(f"bare Python: {sys.executable}, {install_kind()}\n")
    print("| command | wall best s | wall median s | CPU median s | median / bare Python |")
    print("|---|---|---|---|---|")
    for name in commands:
        median = statistics.median(walls[name])
        print(f"| {name} | {min(walls[name]):.3f} | {median:.3f} | {statistics.median(cpus[name]):.3f} |"
              f" {median / bare:.1f}x |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

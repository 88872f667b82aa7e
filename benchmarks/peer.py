"""mentormatch against peer A (`mentor-match` 7.0.1 on PyPI), end to end, runs alternating.

    .venv/bin/python benchmarks/peer.py --per-side 100,300,850 --runs 3

Peer A is installed into its own virtual environment (``--peer-venv``, made on first use with
``pip install mentor-match==7.0.1``); it is never a dependency of mentormatch. For each size the
same synthetic MIND cohort (benchmarks/cohort.py: N mentees and N mentors, all eligible) is written
twice: as the Microsoft Forms export mentormatch reads, and as the ``mentees.csv`` /
``mentors.csv`` peer A reads (first name, last name, email, organisation, grade as a number,
profession, role). Then, alternately, ``--runs`` times each:

* ours: ``mentormatch --quiet match EXPORT --rules rules/kent-medway-mind-2022.yaml -o pairs.xlsx``
* peer A: a Python process that imports ``matching`` and runs its documented three rounds
  (``process.conduct_matching_from_file`` with three rule lists: grade at least one above, scored
  by grade gap, profession and an unmatched bonus, a mentor taking up to three mentees over the
  rounds), then writes its spreadsheets with ``process.create_mailing_list``.

With ``--floor`` two more processes are timed in the same rounds: the least any tool built on our
fixed stack can do with this export (``python -c`` that imports openpyxl, reads the export and
writes its rows back as a one-sheet workbook: no rules, no checks, no matching, no formatting) and
``import typer`` alone. They show how much of the gap at small sizes is the stack itself.

Both are timed as whole processes (Python start-up, imports, reading, matching, writing), wall
clock. The two do not solve the same problem (peer A has no eligibility checks, no line-manager
rule, and its rounds are greedy, not one optimum): the comparison is of what a coordinator waits
for. Reports best and median of the runs and the ratio peer / ours.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"
PEER = "mentor-match==7.0.1"

sys.path.insert(0, str(HERE))
import cohort  # noqa: E402

PEER_DRIVER = """
import operator, sys
from pathlib import Path
from matching import process
from matching.rules.rule import Generic, Grade, UnmatchedBonus

folder = Path(sys.argv[1])
rounds = [
    [
        Grade(1, operator.lt, {True: 0, False: 0}),
        Grade(2, operator.eq, {True: 6, False: 2}),
        Generic({True: 3, False: 0}, lambda m: m.mentee.profession == m.mentor.profession),
        UnmatchedBonus(4),
    ]
    for _ in range(3)
]
for rule_list in rounds:  # grade must be at least one above: disqualify the rest
    from matching.rules.rule import Disqualify
    rule_list.append(Disqualify(lambda m: m.mentor.grade - m.mentee.grade < 1))
mentors, mentees = process.conduct_matching_from_file(folder, rounds)
out = folder / "output"
process.create_mailing_list(mentors, out)
process.create_mailing_list(mentees, out)
"""

GRADES = {"4": 4, "5": 5, "6": 6, "7": 7, "8a": 8, "8b": 9, "8c": 10, "8d": 11, "9": 12}


def peer_python(venv_dir: Path) -> tuple[Path | None, str]:
    """The peer venv's python, made on first use; (None, why) if peer A cannot be installed."""
    python = venv_dir / "bin" / "python"
    if python.exists():
        return python, "reused"
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", PEER], capture_output=True, text=True, timeout=600
    )
    if install.returncode != 0:
        return None, install.stderr.strip()[-500:]
    return python, "installed"


def write_inputs(per_side: int, seed: int, folder: Path) -> Path:
    """The cohort as our export and as peer A's two CSV files; returns our export's path."""
    rows = cohort.generate(2 * per_side, seed)
    export = folder / "applications.xlsx"
    cohort.write_xlsx(export, rows)
    col = {h: n for n, h in enumerate(cohort.HEADER)}
    fields = ["first name", "last name", "email", "organisation", "grade", "profession", "role"]
    files = {"mentor": (folder / "mentors.csv").open("w", newline=""),
             "mentee": (folder / "mentees.csv").open("w", newline="")}  # fmt: skip
    writers = {role: csv.DictWriter(f, fieldnames=fields) for role, f in files.items()}
    for writer in writers.values():
        writer.writeheader()
    for row in rows:
        answer = str(row[col[cohort.H_ROLE]])
        role = "mentee" if answer in ("Mentee", "I would like a mentor") else "mentor"
        band = str(row[col[cohort.H_BAND]]).lower().replace("afc", "").replace("band", "")
        band = band.replace("- range", "").replace(" ", "").strip()
        first, _, last = str(row[col[cohort.H_NAME]]).partition(" ")
        writers[role].writerow(
            {
                "first name": first,
                "last name": last,
                "email": str(row[col[cohort.H_EMAIL]]).lower(),
                "organisation": row[col[cohort.H_ORG]],
                "grade": GRADES.get(band, 6),
                "profession": row[col[cohort.H_PROF]],
                "role": role,
            }
        )
    for f in files.values():
        f.close()
    return export


# Both run with bytecode caching on, as installed packages have it (pip compiles on install), even
# where the caller's environment turns it off; an untimed first run of each writes the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed: {done.stderr.strip()[-400:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-side", default="100,300,850", help="mentees (= mentors) per size (100,300,850)")
    p.add_argument("--runs", type=int, default=3, help="runs of each, alternating (3)")
    p.add_argument("--seed", type=int, default=cohort.SEED)
    p.add_argument("--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "mentormatch-peer-venv")
    p.add_argument("--floor", action="store_true", help="also time the stack's floor (see above)")
    args = p.parse_args(argv)
    python, how = peer_python(args.peer_venv)
    if python is None:
        print(f"peer A ({PEER}) could not be installed: {how}")
        return 1
    ours = Path(sys.executable).parent / "mentormatch"
    lines = []
    floor_lines: list[tuple[int, dict[str, list[float]]]] = []
    with tempfile.TemporaryDirectory(prefix="mentormatch-peer-") as temp:
        sizes = [int(x) for x in args.per_side.split(",") if x.strip()]
        for per_side in sizes:
            folder = Path(temp) / str(per_side)
            folder.mkdir()
            export = write_inputs(per_side, args.seed, folder)
            us_cmd = [str(ours), "--quiet", "match", str(export), "--rules", str(RULES),
                      "-o", str(folder / "pairs.xlsx"), "--force"]  # fmt: skip
            peer_cmd = [str(python), "-c", PEER_DRIVER, str(folder)]
            floors = floor_commands(export, folder / "floor.xlsx") if args.floor else {}
            us, them = [], []
            floor_runs: dict[str, list[float]] = {name: [] for name in floors}
            if per_side == sizes[0]:  # untimed: bytecode written, files in the disk cache
                timed(us_cmd, ROOT)
                timed(peer_cmd, folder)
                for cmd in floors.values():
                    timed(cmd, folder)
            for _ in range(args.runs):  # alternating, so both see the same machine load
                us.append(timed(us_cmd, ROOT))
                them.append(timed(peer_cmd, folder))
                for name, cmd in floors.items():
                    floor_runs[name].append(timed(cmd, folder))
            print(f"{per_side} per side: ours {us}, peer A {them}", file=sys.stderr)
            lines.append((per_side, us, them))
            floor_lines.append((per_side, floor_runs))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmentormatch vs peer A ({PEER}, {how}); {args.runs} runs each, alternating; wall clock,"
          f" whole processes; load average at the end {load}\n")  # fmt: skip
    print(
        "| per side | ours best s | ours median s | peer A best s | peer A median s | peer / ours (median) |"
    )
    print("|---|---|---|---|---|---|")
    for per_side, us, them in lines:
        ratio = statistics.median(them) / statistics.median(us)
        print(
            f"| {per_side:,} | {min(us):.2f} | {statistics.median(us):.2f} | {min(them):.2f} |"
            f" {statistics.median(them):.2f} | {ratio:.1f}x |"
        )
    if args.floor:
        print("\nThe stack's floor in the same rounds (median s): no tool on typer + openpyxl goes below\n")
        print("| per side | " + " | ".join(FLOOR_NAMES) + " | ours | peer A |")
        print("|---|" + "---|" * (len(FLOOR_NAMES) + 2))
        for (per_side, runs), (_, us, them) in zip(floor_lines, lines, strict=True):
            cells = " | ".join(f"{statistics.median(runs[name]):.3f}" for name in FLOOR_NAMES)
            print(f"| {per_side:,} | {cells} | {statistics.median(us):.3f} | {statistics.median(them):.3f} |")
    return 0


FLOOR_NAMES = ("python -c pass", "import typer", "openpyxl: read the export, write its rows")
OPENPYXL_FLOOR = """
import sys
import openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = list(book.worksheets[0].iter_rows(values_only=True))
out = openpyxl.Workbook(write_only=True)
sheet = out.create_sheet("Rows")
for row in rows:
    sheet.append(list(row))
out.save(sys.argv[2])
"""


def floor_commands(export: Path, out: Path) -> dict[str, list[str]]:
    return dict(
        zip(
            FLOOR_NAMES,
            (
                [sys.executable, "-c", "pass"],
                [sys.executable, "-c", "import typer"],
                [sys.executable, "-c", OPENPYXL_FLOOR, str(export), str(out)],
            ),
            strict=True,
        )
    )


if __name__ == "__main__":
    sys.exit(main())

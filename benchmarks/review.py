"""Review rounds at scale: reading a pairs workbook back, and a review round against a first round.

    .venv/bin/python benchmarks/review.py --sizes 1000,4000,10000

For each size: writes a synthetic cohort (benchmarks/cohort.py), runs ``mentormatch match`` (round
1), marks every tenth pair ``reject`` and every seventh ``keep`` in its Matches sheet, times
``pairsbook.read_book`` on that workbook in this process, then runs ``match --review`` (round 2)
as a whole process. Prints wall-clock seconds and the child's peak memory (max RSS) for each
round, and the seconds the reader took.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of the largest child so far."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def mark(source: Path, target: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(source)
    ws = wb["Matches"]
    header = [c.value for c in ws[1]]
    decision = header.index("Decision") + 1
    for n, row in enumerate(range(2, ws.max_row + 1)):
        if n % 10 == 0:
            ws.cell(row=row, column=decision).value = "reject"
        elif n % 7 == 0:
            ws.cell(row=row, column=decision).value = "keep"
    wb.save(target)
    return ws.max_row - 1


def main(argv: list[str] | None = None) -> int:
    import cohort

    from mentormatch.pairsbook import read_book
    from mentormatch.rulefile import load_rules

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,4000", help="applicants per cohort, comma separated")
    args = p.parse_args(argv)
    exe = str(Path(sys.executable).parent / "mentormatch")
    rules = load_rules(RULES)
    heads = ("applicants", "pairs", "round 1 s", "read_book s", "round 2 s", "peak MB")
    print(" ".join(f"{h:>12}" for h in heads))
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            export = cohort.write_cohort(work / "cohort.xlsx", size)
            first = [exe, "--quiet", "match", str(export), "--rules", str(RULES)]
            r1, _ = timed([*first, "-o", str(work / "r1.xlsx")])
            pairs = mark(work / "r1.xlsx", work / "reviewed.xlsx")
            start = time.perf_counter()
            read_book(work / "reviewed.xlsx", rules)
            reading = time.perf_counter() - start
            r2, peak = timed([*first, "-o", str(work / "r2.xlsx"), "--review", str(work / "reviewed.xlsx")])
        print(f"{size:>12} {pairs:>12} {r1:>12.1f} {reading:>12.2f} {r2:>12.1f} {peak:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

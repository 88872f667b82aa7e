"""How fast `mentormatch match` stops on Ctrl-C, at every stage of a large run.

    .venv/bin/python benchmarks/interrupt.py --size 40000 --kind low --at 1,3,6,10,15,20

Writes a cohort (benchmarks/cohort.py), then starts `mentormatch match` on it once per delay in
``--at`` and sends it SIGINT (what Ctrl-C sends) that many seconds after the start. Prints, for
each, the stage it was in (the last progress line on its stderr), how long it took to exit after
the signal, its exit code, and whether it left the output file (it must not).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"

sys.path.insert(0, str(HERE))
import cohort  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=40_000)
    p.add_argument("--kind", default="low", choices=cohort.KINDS)
    p.add_argument("--at", default="1,3,6,10,15,20", help="seconds after the start to send SIGINT")
    args = p.parse_args(argv)
    exe = Path(sys.executable).parent / "mentormatch"
    rows = []
    with tempfile.TemporaryDirectory(prefix="mentormatch-interrupt-") as temp:
        export = Path(temp) / f"cohort-{args.kind}-{args.size}.csv"
        cohort.write_cohort(export, args.size, kind=args.kind)
        for delay in [float(x) for x in args.at.split(",") if x.strip()]:
            out = Path(temp) / "pairs.xlsx"
            err = Path(temp) / "stderr.txt"
            env = {**os.environ, "COLUMNS": "120", "FORCE_COLOR": "1", "TTY_INTERACTIVE": "1"}
            with err.open("w") as handle:
                proc = subprocess.Popen(
                    [str(exe), "match", str(export), "--rules", str(RULES), "-o", str(out), "--force"],
                    stdout=subprocess.DEVNULL,
                    stderr=handle,
                    env=env,
                    # as a terminal's Ctrl-C finds it: a background job inherits SIGINT ignored
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                )
                time.sleep(delay)
                if proc.poll() is not None:
                    rows.append((delay, "finished before the signal", None, proc.returncode, out.exists()))
                    continue
                sent = time.perf_counter()
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=120)
                    took: float | None = time.perf_counter() - sent
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    took = None
            text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.read_text(errors="replace"))
            stages = re.findall(
                r"((?:Loading|Checking|Scoring|Solving|Explaining|Writing)[^\r\n]*?)\s+\d+:\d\d", text
            )
            stage = stages[-1] if stages else "(starting: imports)"
            rows.append((delay, stage.strip()[:70], took, proc.returncode, out.exists()))
            out.unlink(missing_ok=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nCtrl-C (SIGINT) during `mentormatch match` on {args.size:,} applicants ({args.kind}"
          f" diversity); load average at the end {load}\n")  # fmt: skip
    print("| sent after s | stage (last progress line) | exited after s | exit code | output left |")
    print("|---|---|---|---|---|")
    for delay, stage, took, code, left in rows:
        took_text = "-" if took is None else f"{took:.2f}"
        print(f"| {delay:g} | {stage} | {took_text} | {code} | {'YES' if left else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time mentormatch stage by stage on synthetic MIND cohorts, and check its optimum against SciPy.

    .venv/bin/python benchmarks/run.py --sizes 500,2000,10000,20000

For each size: writes a cohort (benchmarks/cohort.py) in the Microsoft Forms layout, then runs
the pipeline in a fresh subprocess (so peak memory is that size's own), with a timeout:

    load   load_table + resolve_columns + build_applicants (what validate_exports does per file)
    check  check_applicants
    match  match_pairs, split by its progress messages into score (Scorer + candidates; on the
           assignment path, every pair's points into the dense matrix, and SciPy's import),
           solve (Matching.solution.seconds) and the rest (explaining pairs and the unmatched)
    write  the sheets `mentormatch match` writes (Matches, Unmatched, Rejected, Summary) and
           write_workbook

then, where the dense matrix fits (--dense-limit-mb), the exact optimum of the same problem by
scipy.optimize.linear_sum_assignment. Finally it times the whole `mentormatch match` command on
the 500-applicant cohort (wall clock, best of --cli-runs). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RULES = ROOT / "rules" / "kent-medway-mind-2022.yaml"
MARK = "@@bench "  # prefix of the child's result lines on stdout

sys.path.insert(0, str(HERE))
import cohort  # noqa: E402

# ==================================================================================================
# The child: one size, one fresh process


def _peak_mb() -> dict[str, float]:
    """Peak resident set size so far (ru_maxrss is in KiB on Linux), this process and its children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mb": round(own, 1), "children_peak_mb": round(kids, 1)}


def _emit(**record: Any) -> None:
    print(MARK + json.dumps(record, default=str), flush=True)


def child(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        _pipeline(args, path)
    except MemoryError:
        _emit(error="out of memory (MemoryError)", **_peak_mb())
        return 3
    except Exception as exc:
        _emit(error=f"{type(exc).__name__}: {str(exc)[:300]}", **_peak_mb())
        traceback.print_exc()
        return 4
    return 0


def _pipeline(args: argparse.Namespace, path: Path) -> None:
    import hashlib

    import numpy as np

    from mentormatch.applicants import build_applicants
    from mentormatch.columns import resolve_columns
    from mentormatch.eligibility import check_applicants
    from mentormatch.load import load_table
    from mentormatch.matching import match_pairs
    from mentormatch.report import (
        match_counts,
        matches_sheet,
        provenance,
        rejected_sheet,
        score_lines,
        solve_lines,
        summary_sheet,
        unmatched_sheet,
    )
    from mentormatch.rulefile import load_rules
    from mentormatch.workbook import write_workbook

    _emit(running="load", **_peak_mb())
    t0 = time.perf_counter()
    rules = load_rules(RULES)
    table = load_table(path)
    columns = resolve_columns(table, rules)
    applicants = build_applicants(table, columns, rules)
    load_s = time.perf_counter() - t0
    del table
    _emit(load_s=load_s, rows=len(applicants), running="check", **_peak_mb())

    t0 = time.perf_counter()
    checked = check_applicants(applicants, rules, None)
    check_s = time.perf_counter() - t0
    spec = rules.spec.matching
    assert spec is not None
    receivers, givers = checked.eligible_in(spec.receiver), checked.eligible_in(spec.giver)
    _emit(
        check_s=check_s,
        receivers=len(receivers),
        givers=len(givers),
        rejected=len(checked.rejected),
        running="score",
        **_peak_mb(),
    )

    # match_pairs says "Scoring pairs", "Solving (N allowed pairs)", "Explaining the pairs":
    # the times between those messages split its wall time into stages.
    marks: dict[str, float] = {}

    # Time per kind of step (the message without its numbers: "Solving (pricing pass N over
    # every class pair)", "Solving (OR-Tools solve N ...)"): where a large run spends its time.
    steps: dict[str, float] = {}
    current: list[Any] = [None, time.perf_counter()]

    def progress(message: str, done: int | None = None, total: int | None = None) -> None:
        word = message.split()[0].lower() if message else ""
        marks.setdefault(word, time.perf_counter())
        kind = re.sub(r"[\d,]+", "N", message)
        if kind != current[0]:
            now = time.perf_counter()
            if current[0] is not None:
                steps[current[0]] = steps.get(current[0], 0.0) + now - current[1]
            current[:] = [kind, now]
            _emit(steps={k: round(v, 2) for k, v in steps.items()}, step=kind)
        if word == "solving" and "allowed pairs" in message:
            digits = "".join(c for c in message.split(" allowed pairs")[0] if c.isdigit())
            score_s = marks["solving"] - marks.get("scoring", t0)
            _emit(
                running="solve",
                score_s=score_s,
                candidate_pairs=int(digits) if digits else None,
                **_peak_mb(),
            )
        elif word == "explaining":
            _emit(running="explain", **_peak_mb())

    t0 = time.perf_counter()
    matching = match_pairs(
        rules, receivers, givers, solver=args.solver, time_limit=args.time_limit, progress=progress
    )
    t_end = time.perf_counter()
    match_s = t_end - t0
    if current[0] is not None:
        steps[current[0]] = steps.get(current[0], 0.0) + t_end - current[1]
    s = matching.solution
    score_s = marks["solving"] - marks.get("scoring", t0) if "solving" in marks else None
    solve_wall = marks["explaining"] - marks["solving"] if {"solving", "explaining"} <= marks.keys() else None
    explain_s = t_end - marks["explaining"] if "explaining" in marks else None
    _emit(
        steps={k: round(v, 2) for k, v in steps.items()},
        match_s=match_s,
        score_s=score_s,
        solve_s=s.seconds,
        solve_wall_s=solve_wall,
        explain_s=explain_s,
        candidate_pairs=matching.candidate_pairs,
        places=matching.places,
        pairs=len(matching.pairs),
        coverage=len(matching.pairs) / matching.receivers if matching.receivers else 0.0,
        optimal=s.optimal,
        status=s.status,
        solver=s.solver,
        method=s.method,
        total_score=int(s.total_score),
        running="write",
        **_peak_mb(),
    )

    # The sheets `mentormatch match` writes, built and written as cli.match does.
    t0 = time.perf_counter()
    counts = match_counts(checked, matching, rules)
    solved = [*solve_lines(matching), *score_lines(matching, rules)]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [
        *counts,
        *solved,
        *provenance(rules, [(path.name, digest)]),
        ("Input path (all roles)", str(path)),
    ]
    sheets = [
        matches_sheet(matching, rules),
        unmatched_sheet(matching, rules),
        rejected_sheet(checked, rules),
        summary_sheet(lines),
    ]
    out = Path(args.out)
    write_workbook(out, sheets, force=True, inputs=[path, RULES])
    write_s = time.perf_counter() - t0
    _emit(
        write_s=write_s,
        total_s=load_s + check_s + match_s + write_s,
        output_mb=out.stat().st_size / 2**20,
        pipeline_done=True,
        running="scipy",
        **_peak_mb(),
    )
    out.unlink()

    # ---- the exact optimum by SciPy on the same scores -------------------------------------------
    del matching, sheets, counts, solved, lines
    if args.no_scipy:
        _emit(scipy_note="skipped (--no-scipy)", running=None)
        return
    _exact(args, rules, receivers, givers, np)


def _exact(args: argparse.Namespace, rules: Any, receivers: list, givers: list, np: Any) -> None:
    """linear_sum_assignment on the dense receivers x giver-slots matrix, coverage first."""
    from scipy.optimize import linear_sum_assignment

    from mentormatch.scoring import SCORE_SCALE, Scorer

    def order(a: Any) -> tuple[str, int]:  # match_pairs' order (the optimum does not depend on it)
        return (a.email or "", a.row)

    t0 = time.perf_counter()
    scorer = Scorer(rules, sorted(receivers, key=order), sorted(givers, key=order))
    n, m = len(scorer.receivers.people), len(scorer.givers.people)
    slots = np.repeat(np.arange(m), scorer.givers.capacity)  # one column per place offered
    size_mb = n * slots.size * 8 / 2**20
    if size_mb > args.dense_limit_mb:
        _emit(
            scipy_note=f"skipped: dense {n:,} x {slots.size:,} float64 = {size_mb:,.0f} MB"
            f" > --dense-limit-mb {args.dense_limit_mb:g}",
            running=None,
        )
        return
    # Weights (maximised): allowed pair = BIG + score points, disallowed = -BIG. Every row (or
    # every column) is assigned, so the total is (#allowed pairs) * 2 BIG + score - const, and
    # BIG > n * max score makes one more allowed pair outweigh any score difference.
    # Stored negated as costs, so linear_sum_assignment need not copy it to maximise.
    max_points = round(scorer.max_score() * SCORE_SCALE)
    big = n * max_points + 1
    cost = np.empty((n, slots.size), dtype=np.float64)
    step = max(1, 2_000_000 // max(m, 1))
    j = np.arange(m)[None, :]
    for start in range(0, n, step):
        i = np.arange(start, min(n, start + step))[:, None]
        ok = scorer.allowed(i, j)
        points = np.rint(scorer.scores(i, j) * SCORE_SCALE)
        cost[start : start + i.shape[0]] = -np.where(ok, big + points, -big)[:, slots]
    build_s = time.perf_counter() - t0
    # (not peak_mb: the table's peak is the pipeline's, before this matrix)
    _emit(scipy_build_s=build_s, scipy_matrix=f"{n} x {slots.size}", running="scipy")
    t0 = time.perf_counter()
    rows, cols = linear_sum_assignment(cost)
    scipy_s = time.perf_counter() - t0
    weight = -cost[rows, cols]
    allowed = weight > 0
    _emit(
        scipy_s=scipy_s,
        scipy_pairs=int(allowed.sum()),
        scipy_total_score=int(np.rint(weight[allowed] - big).sum()),
        running=None,
        scipy_peak_mb=_peak_mb()["peak_mb"],
    )


# ==================================================================================================
# The parent: cohorts, subprocesses, the table


def _limit_memory(gb: float) -> Any:
    def apply() -> None:
        os.setsid()
        if gb > 0:
            limit = int(gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_size(args: argparse.Namespace, size: int, kind: str, fmt: str, work: Path) -> dict[str, Any]:
    path = work / f"cohort-{kind}-{size}.{fmt}"
    t0 = time.perf_counter()
    if not path.exists():
        cohort.write_cohort(path, size, seed=args.seed, kind=kind)
    result: dict[str, Any] = {
        "size": size,
        "kind": kind,
        "format": fmt,
        "file_mb": path.stat().st_size / 2**20,
        "generate_s": time.perf_counter() - t0,
    }
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child",
        "--file", str(path), "--out", str(work / f"pairs-{kind}-{size}.xlsx"),
        "--solver", args.solver, "--dense-limit-mb", str(args.dense_limit_mb),
    ]  # fmt: skip
    if args.time_limit is not None:
        cmd += ["--time-limit", str(args.time_limit)]
    if args.no_scipy:
        cmd.append("--no-scipy")
    out_file, err_file = work / f"child-{kind}-{size}.out", work / f"child-{kind}-{size}.err"
    _log(f"{kind} {size:,} ({fmt}, {result['file_mb']:.1f} MB): running, timeout {args.timeout:g} s")
    start = time.perf_counter()
    with out_file.open("w") as out, err_file.open("w") as err:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, cwd=ROOT, preexec_fn=_limit_memory(args.memory_limit_gb)
        )
        try:
            code: int | None = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the child and anything it started (CBC)
            proc.wait()
            code = None
    result["wall_s"] = time.perf_counter() - start
    for line in out_file.read_text(errors="replace").splitlines():
        if line.startswith(MARK):
            result.update(json.loads(line[len(MARK) :]))
    running = result.get("running")
    if code is None:
        result["outcome"] = f"timeout ({args.timeout:g} s) in {running}"
    elif code == -signal.SIGKILL:
        result["outcome"] = f"killed in {running} (SIGKILL: out of memory?)"
    elif code < 0:
        errors = err_file.read_text(errors="replace")
        oom = "bad_alloc" in errors or "MemoryError" in errors
        name = signal.Signals(-code).name
        result["outcome"] = f"{'out of memory' if oom else 'crashed'} in {running} ({name})"
    elif "error" in result:
        oom = any(w in result["error"] for w in ("Memory limit", "MemoryError", "out of memory", "bad_alloc"))
        result["outcome"] = f"{'out of memory: ' if oom else ''}{result['error']} (in {running})"
    elif code != 0:
        result["outcome"] = f"exit {code} in {running}"
    else:
        result["outcome"] = "ok"
    if result["outcome"] != "ok":
        result["stderr_tail"] = err_file.read_text(errors="replace").strip().splitlines()[-3:]
    _log(f"{kind} {size:,}: {result['outcome']} after {result['wall_s']:.1f} s")
    return result


def time_cli(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    size = args.cli_size
    path = work / f"cohort-{size}.xlsx"
    if not path.exists():
        cohort.write_cohort(path, size, seed=args.seed)
    exe = Path(sys.executable).parent / "mentormatch"
    cmd = [str(exe), "--quiet", "match", str(path), "--rules", str(RULES),
           "-o", str(work / "cli-pairs.xlsx"), "--force", "--solver", args.solver]  # fmt: skip
    if args.time_limit is not None:
        cmd += ["--time-limit", str(args.time_limit)]
    times: list[float] = []
    for _ in range(args.cli_runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _out, err = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"size": size, "error": f"timeout ({args.timeout:g} s)"}
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            return {"size": size, "error": f"exit {proc.returncode}: {err.decode()[-300:]}"}
    return {"size": size, "best_s": min(times), "runs_s": times, "command": " ".join(cmd)}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _f(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


COLUMNS = [
    "cohort", "size", "format", "classes", "load s", "check s", "score s", "solve s", "match s",
    "write s", "total s", "peak MB", "pairs", "coverage", "optimal", "certificate", "score",
    "scipy score", "exact?",
]  # fmt: skip


def _classes(status: str | None) -> str:
    """'A x B' from the flow route's status ('... over A x B classes ...'), else '-'."""
    found = re.search(r"over ([\d,]+) x ([\d,]+) classes", status or "")
    return f"{found.group(1)} x {found.group(2)}" if found else "-"


def table_row(r: dict[str, Any]) -> list[str]:
    done = r.get("pipeline_done", False)
    peak = r.get("peak_mb")
    peak_text = "-" if peak is None else (f"{peak:,.0f}" if done else f">= {peak:,.0f}")
    optimal = r.get("optimal")
    scipy_total, total = r.get("scipy_total_score"), r.get("total_score")
    if scipy_total is None or total is None:
        exact = "-"
    elif scipy_total == total and r.get("scipy_pairs") == r.get("pairs"):
        exact = "yes"
    else:
        exact = f"NO: pairs {r.get('pairs')} vs {r.get('scipy_pairs')}, score {total - scipy_total:+d}"
    status = r.get("status") or ""
    row = [
        r["kind"],
        f"{r['size']:,}",
        r["format"],
        _classes(status),
        _f(r.get("load_s")),
        _f(r.get("check_s")),
        _f(r.get("score_s")),
        _f(r.get("solve_s")),
        _f(r.get("match_s")),
        _f(r.get("write_s")),
        _f(r.get("total_s")) if done else r["outcome"],
        peak_text,
        f"{r['pairs']:,}" if "pairs" in r else "-",
        f"{r['coverage']:.1%}" if "coverage" in r else "-",
        "-" if optimal is None else ("yes" if optimal else "NO"),
        "checked" if "certified" in status else ("-" if not status else "none"),
        f"{total / 100:,.2f}" if total is not None else "-",
        f"{scipy_total / 100:,.2f}"
        if scipy_total is not None
        else ("skipped" if r.get("scipy_note") else "-"),
        exact,
    ]
    return row


def print_report(results: list[dict[str, Any]], cli: dict[str, Any] | None, args: argparse.Namespace) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nmentormatch benchmark: {RULES.name}, solver={args.solver}, time limit={args.time_limit},"
          f" seed={args.seed}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]},"
          f" load average at the end {load}\n")  # fmt: skip
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    for r in results:
        print("| " + " | ".join(table_row(r)) + " |")
    print()
    for r in results:
        bits = [f"generated in {r['generate_s']:.1f} s ({r['file_mb']:.1f} MB {r['format']})"]
        if "receivers" in r:
            bits.append(f"{r['receivers']:,} mentees x {r['givers']:,} mentors, {r['rejected']} rejected")
        if "candidate_pairs" in r and r["candidate_pairs"] is not None:
            places = f", {r['places']:,} places" if "places" in r else ""
            bits.append(f"{r['candidate_pairs']:,} allowed pairs{places}")
        if "solver" in r:
            bits.append(f"{r['solver']} {r['method']}: {r['status']}")
        if r.get("steps"):
            slowest = sorted(r["steps"].items(), key=lambda kv: -kv[1])[:4]
            bits.append("slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
        if r["outcome"] != "ok" and r.get("step"):
            bits.append(f"stopped during: {r['step']}")
        if r.get("solve_wall_s") is not None:
            bits.append(f"solve wall {r['solve_wall_s']:.2f} s, explain {_f(r.get('explain_s'))} s")
        if r.get("children_peak_mb"):
            bits.append(f"child processes peak {r['children_peak_mb']:,.0f} MB")
        if r.get("scipy_build_s") is not None:
            bits.append(
                f"scipy: {r['scipy_matrix']} matrix built in {r['scipy_build_s']:.1f} s,"
                f" peak with it {_f(r.get('scipy_peak_mb'), 0)} MB"
            )
        if r.get("scipy_note"):
            bits.append(f"scipy {r['scipy_note']}")
        if r["outcome"] != "ok":
            bits.append(f"OUTCOME: {r['outcome']}")
            bits += [f"stderr: {line}" for line in r.get("stderr_tail", [])]
        if r.get("scipy_s") is not None:
            bits.append(f"scipy linear_sum_assignment {r['scipy_s']:.2f} s")
        print(f"- {r['kind']} {r['size']:,}: " + "; ".join(bits))
    if cli is not None:
        print()
        if "error" in cli:
            print(f"`mentormatch match` at {cli['size']} applicants: FAILED: {cli['error']}")
        else:
            runs = ", ".join(f"{t:.2f}" for t in cli["runs_s"])
            print(
                f"`mentormatch match` at {cli['size']:,} applicants (xlsx, end to end incl. Python"
                f" start-up): best {cli['best_s']:.2f} s of {len(cli['runs_s'])} ({runs} s)"
            )
    print("\nPeak MB: ru_maxrss of the size's own subprocess at the end of the write stage (before the"
          " SciPy check), Python and native (HiGHS) memory together; CBC runs as a child process and is"
          " listed separately. Times are wall clock, one run each, on a shared machine: read them as"
          " sizes, not exact values.")  # fmt: skip


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="500,2000", help="applicant counts, comma separated (default 500,2000)")
    p.add_argument("--kinds", default="low,high",
                   help="cohort kinds, comma separated: low, high diversity (default both)")  # fmt: skip
    p.add_argument("--format", choices=["auto", "xlsx", "csv"], default="auto",
                   help="export format; auto: xlsx up to 2,000 applicants, csv above")  # fmt: skip
    p.add_argument("--solver", default="auto", choices=["auto", "highs", "cbc"])
    p.add_argument("--time-limit", type=float, default=None, help="passed to match_pairs and the CLI")
    p.add_argument("--timeout", type=float, default=600, help="seconds per size before it is killed (600)")
    p.add_argument("--memory-limit-gb", type=float, default=12,
                   help="address-space limit per size subprocess, 0 for none (12)")  # fmt: skip
    p.add_argument("--dense-limit-mb", type=float, default=1500,
                   help="largest dense SciPy matrix, in MB of float64 (1500)")  # fmt: skip
    p.add_argument("--no-scipy", action="store_true", help="skip the exact SciPy check")
    p.add_argument("--cli-size", type=int, default=500, help="cohort size for the CLI timing (500)")
    p.add_argument("--cli-runs", type=int, default=3, help="CLI runs, best taken; 0 skips (3)")
    p.add_argument("--seed", type=int, default=cohort.SEED)
    p.add_argument("--workdir", type=Path, default=None, help="keep cohorts and logs here (default: temp)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON")
    # internal: one size in a child process
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        return child(args)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="mentormatch-bench-")
        work = Path(temp.name)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        for kind in kinds:
            if kind not in cohort.KINDS:
                raise SystemExit(f"--kinds: {kind!r} is not one of {', '.join(cohort.KINDS)}")
        for kind in kinds:
            for size in sizes:
                fmt = args.format if args.format != "auto" else ("xlsx" if size <= 2000 else "csv")
                results.append(run_size(args, size, kind, fmt, work))
        cli = None
        if args.cli_runs > 0:
            _log(f"timing `mentormatch match` at {args.cli_size} applicants, best of {args.cli_runs}")
            cli = time_cli(args, work)
        print_report(results, cli, args)
        if args.json is not None:
            args.json.write_text(json.dumps({"results": results, "cli": cli}, indent=2, default=str))
    finally:
        if temp is not None:
            temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

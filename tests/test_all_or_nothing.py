"""All or nothing (issue 15, item 3): a run writes all its outputs or none, whatever stops it.

* SIGTERM or SIGINT (Ctrl-C) during a large write or during a HiGHS solve: the old output is
  intact, no temporary file is left beside it and no spool file anywhere (the subprocess gets a
  temp folder of its own, which must stay empty), and the run says it was interrupted.
* Temporaries of a run that was killed outright are removed by the next run; a live run's are not.
* An output path that appeared while the run was going is never replaced.
* No file the run reads is ever written over: --withdraw files, a template in the outbox.
* A failing --monitoring write leaves nothing new (not even the pairs workbook).

The signal tests run real processes and wait for them with generous but bounded timeouts, so
they hold on a loaded two-core machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import OutputError
from mentormatch.outputs import Outputs, sweep
from tests.conftest import MIND_EXPORT, MIND_RULES, ROOT

runner = CliRunner()
WAIT = 120  # seconds a step may take on a loaded machine before the test gives up
OLD = b"last week's pairs: the coordinator's own file"

WRITER = """
import sys
from pathlib import Path
from mentormatch.interrupt import install
from mentormatch import workbook

install()
mark = Path(sys.argv[2])
real_row = workbook._RowCounter.row

def row(self):
    real_row(self)
    if self.done == 2000:
        mark.touch()  # well into the write: the spool files exist

workbook._RowCounter.row = row
rows = [[n, f"Person {n}", f"person.{n}@nhs.net", "Band 5", "Leadership; Confidence"] for n in range(60_000)]
sheet = workbook.Sheet("Eligible", ["Row", "Name", "Email", "Band", "Goals"], rows)
try:
    workbook.write_workbook(Path(sys.argv[1]), [sheet], force=True)
except KeyboardInterrupt as exc:
    print("interrupted", file=sys.stderr)
    sys.exit(getattr(exc, "exit_code", 130))
sys.exit(0)
"""

SOLVER = """
import sys, time
from pathlib import Path
import mentormatch.solvers as solvers

mark = Path(sys.argv[1])
real = solvers.interruptible_run

def slow_run(highs):
    # A long HiGHS solve, made long here: no presolve, and a pause at each interrupt check.
    highs.setOptionValue("presolve", "off")
    highs.cbSimplexInterrupt += lambda event: time.sleep(0.05)
    mark.touch()
    real(highs)

solvers.interruptible_run = slow_run
from mentormatch.cli import main
sys.argv = ["mentormatch", *sys.argv[2:]]
main()
"""


def spawn(code: str, args: list[str], tmp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp), "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(mark: Path, process: subprocess.Popen[str]) -> None:
    until = time.monotonic() + WAIT
    while not mark.exists():
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(f"the run ended before the mark (exit {process.returncode}): {err[-2000:]}")
        if time.monotonic() > until:
            process.kill()
            pytest.fail("the run did not reach the mark in time")
        time.sleep(0.05)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[float, str]:
    """Send ``signum``; the seconds until the process ended, and its stderr."""
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        _out, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the run did not stop within {WAIT} s of the signal")
    return time.monotonic() - sent, err


def nothing_left(folder: Path, spool: Path, keep: set[str]) -> None:
    assert sorted(p.name for p in folder.iterdir() if p.name not in keep) == []
    assert list(spool.iterdir()) == [], "a spool or temporary file was left in the temp folder"


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_a_signal_during_a_large_write_keeps_the_old_file(signum: int, tmp_path: Path) -> None:
    folder, spool = tmp_path / "out", tmp_path / "tmp"
    folder.mkdir()
    spool.mkdir()
    target, mark = folder / "report.xlsx", tmp_path / "writing"
    target.write_bytes(OLD)
    process = spawn(WRITER, [str(target), str(mark)], spool)
    wait_for(mark, process)
    # the spool files are beside the output, in a private folder, not in the temp folder
    assert [p for p in folder.iterdir() if p.name.startswith(".spool.")]
    assert list(spool.iterdir()) == []
    _seconds, err = stop(process, signum)
    assert process.returncode == 128 + signum, err
    assert "interrupted" in err and "Traceback" not in err
    assert target.read_bytes() == OLD
    nothing_left(folder, spool, {"report.xlsx"})


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_solve_stops_it_at_once(signum: int, tmp_path: Path) -> None:
    folder, spool = tmp_path / "out", tmp_path / "tmp"
    folder.mkdir()
    spool.mkdir()
    target, watch, mark = folder / "pairs.xlsx", folder / "monitoring.xlsx", tmp_path / "solving"
    target.write_bytes(OLD)
    args = [str(mark), "match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "--solver", "highs"]
    args += ["-o", str(target), "--monitoring", str(watch), "--force"]
    process = spawn(SOLVER, args, spool)
    wait_for(mark, process)
    time.sleep(0.3)  # HiGHS is iterating
    seconds, err = stop(process, signum)
    assert process.returncode == 128 + signum, err
    name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    assert f"Interrupted ({name}) while solving" in err, err
    assert "no output was written" in err and "Traceback" not in err
    assert seconds < 10, f"took {seconds:.1f} s to stop"  # ~0.2 s alone; generous when loaded
    assert target.read_bytes() == OLD
    assert not watch.exists()
    nothing_left(folder, spool, {"pairs.xlsx"})


def test_a_killed_runs_temporaries_are_removed_by_the_next_run(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)  # that process has ended
    stale = tmp_path / f".report.xlsx.mentormatch-{pid}-abc123.tmp"
    stale.write_bytes(b"half a workbook with names in it")
    spool = tmp_path / f".spool.mentormatch-{pid}-x1y2.tmp"
    spool.mkdir()
    (spool / "openpyxl.x.xml").write_text("names")
    live = tmp_path / f".other.xlsx.mentormatch-{os.getpid()}-def456.tmp"  # a run still going
    live.write_bytes(b"in progress")
    out = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and not spool.exists()
    assert live.exists()
    assert sweep(tmp_path) == []  # nothing more to remove


def test_an_output_that_appeared_during_the_run_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "pairs.xlsx"
    outputs = Outputs()
    outputs.claim(target)  # the run starts: nothing there
    with outputs.open(target) as handle:
        handle.write(b"our pairs")
    target.write_bytes(b"another run's pairs")  # meanwhile
    with pytest.raises(OutputError, match="appeared while mentormatch was running"):
        outputs.commit()
    assert target.read_bytes() == b"another run's pairs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.xlsx"]


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_two_runs_to_one_new_path_cannot_both_succeed(
    force: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second run finds the first run's workbook at the path that was free when it started:
    it fails and leaves that workbook alone (with --force too: it was not there to replace)."""
    import mentormatch.api as api

    out = tmp_path / "pairs.xlsx"
    real = api._check  # the validate stage, early in the run

    def other_run_finishes_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        out.write_bytes(b"the other run's workbook")
        return found

    monkeypatch.setattr(api, "_check", other_run_finishes_meanwhile)
    args = ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(out)]
    result = runner.invoke(app, [*args, *(["--force"] if force else [])])
    assert result.exit_code == 1
    expected = "appeared while mentormatch was running" if force else "exists; use --force"
    assert expected in result.output
    assert out.read_bytes() == b"the other run's workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.xlsx"]


def test_a_withdraw_file_is_never_written_over(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.xlsx"
    base = ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES)]
    assert runner.invoke(app, [*base, "-o", str(pairs)]).exit_code == 0
    withdrawn = tmp_path / "dropped.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Email"])
    ws.append(["nobody@nhs.net"])
    wb.save(withdrawn)
    before = withdrawn.read_bytes()
    args = [*base, "--review", str(pairs), "--withdraw", str(withdrawn), "-o", str(withdrawn), "--force"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "would overwrite the input" in result.output
    assert withdrawn.read_bytes() == before


def test_a_template_in_the_outbox_is_never_written_over(tmp_path: Path) -> None:
    pairs, outbox = tmp_path / "pairs.xlsx", tmp_path / "outbox"
    assert (
        runner.invoke(
            app, ["match", str(MIND_EXPORT), "--rules", str(MIND_RULES), "-o", str(pairs)]
        ).exit_code
        == 0
    )
    outbox.mkdir()
    template = outbox / "mail-merge.csv"  # a template kept, by mistake, under the merge file's name
    template.write_text("Subject: Your pair {pair_id}\n\nDear {mentee_first_name},\n", encoding="utf-8")
    before = template.read_bytes()
    args = ["introduce", str(pairs), "--rules", str(MIND_RULES), "--template", str(template)]
    result = runner.invoke(app, [*args, "-o", str(outbox), "--coordinator", "sam.lee@nhs.net", "--force"])
    assert result.exit_code == 1
    assert "would overwrite the input" in result.output
    assert template.read_bytes() == before
    assert sorted(p.name for p in outbox.iterdir()) == ["mail-merge.csv"]  # no draft either


@pytest.mark.parametrize("where", ["sheets", "write"])
def test_a_failed_monitoring_write_leaves_nothing_new(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mentormatch.report_monitoring as monitoring

    if where == "sheets":

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("monitoring broke")

        monkeypatch.setattr(monitoring, "monitoring_sheets", broken)
    else:
        real = monitoring.write_workbook

        def disk_full(path: Path, *args: Any, **kwargs: Any) -> None:
            real(path, *args, **kwargs)  # staged...
            raise OSError(28, "No space left on device")  # ...then the disk fills up

        monkeypatch.setattr(monitoring, "write_workbook", disk_full)
    pairs, watch = tmp_path / "pairs.xlsx", tmp_path / "monitoring.xlsx"
    args = match_with_monitoring(pairs, watch)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert list(tmp_path.iterdir()) == []  # neither workbook, no temporary file


def test_a_failed_monitoring_write_keeps_both_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mentormatch.report_monitoring as monitoring

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OutputError("cannot write the monitoring workbook")

    monkeypatch.setattr(monitoring, "write_workbook", broken)
    pairs, watch = tmp_path / "pairs.xlsx", tmp_path / "monitoring.xlsx"
    pairs.write_bytes(OLD)
    watch.write_bytes(b"old monitoring")
    args = match_with_monitoring(pairs, watch)
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 1
    assert pairs.read_bytes() == OLD and watch.read_bytes() == b"old monitoring"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monitoring.xlsx", "pairs.xlsx"]


def match_with_monitoring(pairs: Path, watch: Path) -> list[str]:
    """`match` on the MIND example writing the pairs workbook and the monitoring workbook."""
    return [
        "match",
        str(MIND_EXPORT),
        "--rules",
        str(MIND_RULES),
        "-o",
        str(pairs),
        "--monitoring",
        str(watch),
    ]

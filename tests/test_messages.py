"""Messages a person can act on (issue 15, item 4).

* Usage errors found by a command's own checks exit 2 with the command's usage line, never
  "failed unexpectedly" (no export, --monitoring equal to -o, a malformed --file, ...).
* `--json | head`: a reader that goes away ends the run quietly (no traceback, no "Exception
  ignored" noise).
* File content echoed to the terminal shows control characters escaped, never raw.
* An interrupted stage is never shown as done on the progress bars.
* CSV cells starting with a formula character, its full-width form or an invisible character are
  guarded.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from mentormatch.cli import Bars, app, visible
from mentormatch.workbook import safe_text, write_csv
from tests.conftest import MIND_EXPORT, MIND_RULES, ROOT

runner = CliRunner()
RULES = ["--rules", str(MIND_RULES)]


def usage_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "failed unexpectedly" not in result.output and "Traceback" not in result.output
    assert "Usage:" in result.output, result.output
    return result.output


def test_no_export_is_a_usage_error(tmp_path: Path) -> None:
    for command in (["validate"], ["match", "-o", str(tmp_path / "p.xlsx")]):
        assert "export" in usage_error([*command, *RULES]).lower()


@pytest.mark.parametrize("given", ["mentor", "=x.xlsx", "mentor=", " = "])
def test_a_malformed_file_option_is_a_usage_error(given: str) -> None:
    assert "ROLE=PATH" in usage_error(["validate", *RULES, "--file", given])


def test_monitoring_equal_to_output_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    text = usage_error(["match", str(MIND_EXPORT), *RULES, "-o", str(out), "--monitoring", str(out)])
    assert "own name" in text
    same = tmp_path / "." / "pairs.xlsx"  # the same file, spelled differently
    usage_error(["match", str(MIND_EXPORT), *RULES, "-o", str(out), "--monitoring", str(same)])
    assert not out.exists()


def test_a_bad_solver_name_is_a_usage_error(tmp_path: Path) -> None:
    out = str(tmp_path / "p.xlsx")
    assert "gurobi" in usage_error(["match", str(MIND_EXPORT), *RULES, "-o", out, "--solver", "gurobi"])


def test_the_solver_choices_shown_are_the_librarys() -> None:
    from mentormatch.solvers import SOLVER_CHOICES

    shown = runner.invoke(app, ["match", "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert f"<{'|'.join(SOLVER_CHOICES)}>" in shown.output


def test_json_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`mentormatch validate ... --json | head -0`: the reader is gone before anything is printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from mentormatch.cli import main; sys.argv = ['mentormatch', *sys.argv[1:]]; main()"
    args = [sys.executable, "-c", code, "validate", str(MIND_EXPORT), *RULES, "--json"]
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head` that has already read what it wanted
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert err == "", err
    assert process.returncode == 1


def test_control_characters_in_a_header_are_shown_escaped(tmp_path: Path) -> None:
    """A header that would clear the screen and retitle the window is echoed with escapes."""
    export = tmp_path / "export.csv"
    nasty = "Name\x1b[2J\x1b]0;pwned\x07\r\u202eevil"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Timestamp", nasty, "Email"], ["2022-10-10 09:00", "Ann", "a@nhs.net"]])
    export.write_text(buffer.getvalue(), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(export), *RULES], env={"COLUMNS": "2000"})
    assert result.exit_code == 1, result.output
    assert "Headers found" in result.output or "column" in result.output
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in result.output
    assert "\\x1b[2J" in result.output and "\\x07" in result.output and "\\u202e" in result.output


def test_emoji_codes_in_a_file_name_are_shown_as_written(tmp_path: Path) -> None:
    """Rich turns :smile: into an emoji by default; a file's name prints as it was written."""
    report = tmp_path / "report :smile:.xlsx"
    args = ["validate", str(MIND_EXPORT), *RULES, "-o", str(report)]
    result = runner.invoke(app, args, env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    assert f"Wrote {report}" in result.stderr


def test_visible_keeps_text_and_escapes_controls() -> None:
    assert visible("Zoë Brontë\tline\nnext") == "Zoë Brontë\tline\nnext"
    assert visible("a\x1b[31mb\x9bc\x00") == "a\\x1b[31mb\\x9bc\\x00"
    assert visible("\u2066x\u2069\u200f") == "\\u2066x\\u2069\\u200f"


def test_an_interrupted_stage_is_not_shown_done() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    bars = Bars(console)
    bars("Loading applications.xlsx")
    bars("Solving (2,734 allowed pairs)")
    bars.stop(failed=True)
    text = screen.getvalue()
    loading = [line for line in text.splitlines() if "Loading" in line][-1]
    solving = [line for line in text.splitlines() if "Solving" in line][-1]
    assert "✓" in loading  # a finished stage is ticked
    assert "✓" not in solving and "100%" not in solving and "(stopped)" in solving


@pytest.mark.parametrize(
    "text",
    [
        "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1",
        "\uff1dHYPERLINK(\"http://x\")", "\uff0b1", "\uff0d1", "\uff20SUM(A1)",  # full-width = + - @
        "\u200b=1+1", "\ufeff=1", "\u200e=1", "\u202e=1", "\u2060=1", "\x00=1", "\u2028=1",  # invisible
    ],
)  # fmt: skip
def test_csv_guard_covers_full_width_and_invisible_starts(text: str, tmp_path: Path) -> None:
    assert safe_text(text) == "'" + text
    path = tmp_path / "out.csv"
    write_csv(path, ["Name"], [[text]])
    [[_header], [cell]] = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert cell.startswith("'")


@pytest.mark.parametrize("text", ["Ann", "Zoë", "O'Neill", "  spaced", "１２３", "", "1=1", "Ｏｋ"])
def test_csv_guard_leaves_ordinary_text(text: str) -> None:
    assert safe_text(text) == text

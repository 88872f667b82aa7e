"""CLI conventions: help shows every example as it must be typed, flags as flags, common options
anywhere on the line, and shell completion as Typer documents it."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mentormatch import cli
from mentormatch.cli import app
from tests.conftest import MIND_EXPORT, MIND_RULES

runner = CliRunner()
WIDE = {"COLUMNS": "250", "NO_COLOR": "1"}


def commands() -> Iterator[tuple[list[str], Any]]:
    """Every command of the app, found by walking it (a new command is checked without listing it)."""
    root: Any = typer.main.get_command(app)
    for name, command in root.commands.items():
        if hasattr(command, "commands"):  # a group (Typer carries its own click)
            for sub, leaf in command.commands.items():
                yield [name, sub], leaf
        else:
            yield [name], command


COMMANDS = list(commands())


def examples(command: Any) -> list[str]:
    """The example commands in a docstring: indented lines starting with mentormatch, joined
    across trailing backslashes."""
    found: list[str] = []
    pending = ""
    for line in (command.help or "").splitlines():
        text = line.strip()
        if pending or text.startswith("mentormatch "):
            pending += text.removesuffix("\\").strip() + " " if text.endswith("\\") else text
            if not text.endswith("\\"):
                found.append(pending)
                pending = ""
    return found


def example_lines(command: Any) -> list[str]:
    """The physical lines of the docstring's examples, as written."""
    lines, going = [], False
    for line in (command.help or "").splitlines():
        text = line.strip()
        if going or text.startswith("mentormatch "):
            lines.append(text)
        going = text.endswith("\\")
    return lines


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_shows_each_example_exactly_as_written(path: list[str], command: Any) -> None:
    shown = runner.invoke(app, [*path, "--help"], env=WIDE)
    assert shown.exit_code == 0
    written = example_lines(command)
    assert written, f"{path}: no example"
    rendered = [line.strip() for line in shown.output.splitlines()]
    for line in written:
        assert line in rendered, f"{path}: help does not show {line!r} as written"
    assert "<bool>" not in shown.output and "<list[" not in shown.output


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_each_example_is_shown_indented_like_a_command(path: list[str], command: Any) -> None:
    """Examples stand out from the prose the same way in every command's help (Typer dedents an
    example that is the only line after the first paragraph)."""
    shown = runner.invoke(app, [*path, "--help"], env=WIDE).output.splitlines()
    first = example_lines(command)[0]
    line = next(x for x in shown if x.strip() == first)
    assert len(line) - len(line.lstrip()) >= 4, line


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_each_example_parses_as_the_command_it_documents(path: list[str], command: Any) -> None:
    found = examples(command)
    assert found, f"{path}: no example"
    for example in found:
        words = shlex.split(example)
        assert words[: 1 + len(path)] == ["mentormatch", *path], example
        try:
            command.make_context(" ".join(path), words[1 + len(path) :])  # unknown options fail here
        finally:
            cli.State.quiet = cli.State.debug = cli.State.json = False


def test_option_help_keeps_angle_brackets() -> None:
    shown = runner.invoke(app, ["introduce", "--help"], env=WIDE)
    assert "'Name <email>'" in shown.output
    assert "mentormatch introduce pairs.xlsx --rules kent-medway-mind-2022 \\" in shown.output
    assert '-o outbox/ --coordinator "Sam Lee <sam.lee@nhs.net>"' in shown.output


def test_flags_show_no_value() -> None:
    shown = runner.invoke(app, ["match", "--help"], env=WIDE)
    force = next(line for line in shown.output.splitlines() if "--force" in line)
    assert re.search(r"--force\s+Replace", force), force


def test_common_options_work_after_the_command_too(tmp_path: Path) -> None:
    args = [str(MIND_EXPORT), "--rules", str(MIND_RULES)]
    before = runner.invoke(app, ["--json", "validate", *args])
    after = runner.invoke(app, ["validate", *args, "--json"])
    assert before.exit_code == after.exit_code == 0
    first, second = json.loads(before.stdout), json.loads(after.stdout)
    assert first.pop("run_at") <= second.pop("run_at")  # each run records when it was made
    assert first == second

    report = tmp_path / "report.xlsx"
    loud = runner.invoke(app, ["validate", *args, "-o", str(report)])
    assert "Wrote" in loud.stderr
    for quiet in (["-q", "validate", *args, "-o", str(report), "--force"],
                  ["validate", *args, "-o", str(report), "--force", "--quiet"]):  # fmt: skip
        result = runner.invoke(app, quiet)
        assert result.exit_code == 0 and "Wrote" not in result.stderr, quiet

    broken = tmp_path / "broken.yaml"
    broken.write_text("programme: [\n", encoding="utf-8")
    plain = runner.invoke(app, ["rules", "check", str(broken)])
    assert plain.exit_code == 1 and isinstance(plain.exception, SystemExit)
    for debug in (["--debug", "rules", "check", str(broken)], ["rules", "check", str(broken), "--debug"]):
        result = runner.invoke(app, debug)
        assert type(result.exception).__name__ == "RulesError", debug  # the traceback is shown
    assert not runner.invoke(app, ["rules", "check", str(MIND_RULES)]).exception  # reset per run


def test_every_command_takes_quiet_and_debug() -> None:
    for path, command in COMMANDS:
        names = {opt for param in command.params for opt in param.opts}
        assert {"--quiet", "-q", "--debug"} <= names, path


def test_shell_completion_as_typer_documents_it() -> None:
    shown = runner.invoke(app, ["--show-completion", "bash"], prog_name="mentormatch")
    assert shown.exit_code == 0 and "_MENTORMATCH_COMPLETE=complete_bash" in shown.output
    assert "--install-completion" in runner.invoke(app, ["--help"], env=WIDE).output


def test_completion_offers_commands_and_bundled_programmes(tmp_path: Path) -> None:
    script = shutil.which("mentormatch", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the mentormatch script is not installed beside this Python")

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        env = {**os.environ, "_MENTORMATCH_COMPLETE": "complete_bash", "COMP_WORDS": line,
               "COMP_CWORD": str(len(words) - 1)}  # fmt: skip
        done = subprocess.run([script], env=env, capture_output=True, text=True, cwd=tmp_path)
        return done.stdout.split()

    assert complete("mentormatch rules ") == ["check", "list", "show"]
    assert complete("mentormatch match x.xlsx --rules kent-medway-m") == ["kent-medway-mind-2022"]


NARROW = {"COLUMNS": "80", "NO_COLOR": "1"}


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_examples_fit_an_80_column_terminal_as_written(path: list[str], command: Any) -> None:
    """On a classic 80-column terminal no example wraps (a wrapped line strands its backslash)."""
    shown = runner.invoke(app, [*path, "--help"], env=NARROW)
    rendered = [line.strip() for line in shown.output.splitlines()]
    for line in example_lines(command):
        assert "  " not in line, f"{path}: {line!r} (a lone backslash in the docstring joined two lines)"
        assert line in rendered, f"{path}: at 80 columns help does not show {line!r} as written"


def example_blocks(command: Any) -> list[list[str]]:
    """The docstring's indented paragraphs (the examples), line by line as written."""
    blocks = []
    for paragraph in (command.help or "").split("\n\n"):
        lines = [line for line in paragraph.splitlines() if line.strip() != "\b"]
        if any(line.startswith(" ") for line in lines):
            blocks.append(lines)
    return blocks


def help_at(columns: int, *path: str) -> str:
    """`mentormatch PATH --help` as a terminal COLUMNS wide shows it (a real process: Typer's test
    runner fixes help at 80 columns whatever COLUMNS says)."""
    code = "import sys; from mentormatch.cli import main; sys.argv[0] = 'mentormatch'; main()"
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code, *path, "--help"], env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_examples_keep_their_lines_and_indents(path: list[str], command: Any) -> None:
    """At 80 and at 120 columns help shows each example block line for line, a continuation
    indented under its command as in the docstring (Click rewraps a paragraph it is not told to
    keep: it once ran `--withdraw a.b@nhs.net \\ --withdraw c.d@nhs.net` into one line)."""
    blocks = example_blocks(command)
    assert blocks, path
    for columns in (80, 120):
        rendered = help_at(columns, *path).splitlines()
        assert max(len(line) for line in rendered) <= columns, (path, columns)
        shown = {textwrap.dedent("\n".join(rendered[i : i + n])) for n in {len(b) for b in blocks}
                 for i in range(len(rendered))}  # fmt: skip
        for block in blocks:
            assert textwrap.dedent("\n".join(block)) in shown, (path, columns, block)


@pytest.mark.parametrize("group", [[], ["rules"]])
def test_the_command_list_shows_each_summary_whole(group: list[str]) -> None:
    """`mentormatch --help` lists every command with its docstring's whole first paragraph,
    wrapped at 80 columns, never cut short with '...'."""
    shown = " ".join(re.sub(r"-\n\s+", "-", help_at(80, *group)).split())
    listed = [(p, c) for p, c in COMMANDS if p[:-1] == group]
    assert listed
    for path, command in listed:
        summary = " ".join((command.help or "").split("\n\n")[0].split())
        assert f"{path[-1]} {summary}" in shown, path


def test_help_says_what_each_exit_code_means() -> None:
    shown = " ".join(runner.invoke(app, ["--help"]).output.split())
    assert "Exit codes: 0 it ran; 1 the export, rule file or programme could not be processed;" in shown
    assert "2 a usage error (unknown option, missing argument)." in shown


def test_usage_errors_are_plain_lines_exit_2() -> None:
    """A usage mistake says what is wrong on an 'Error:' line after the usage and where to find
    help, with no box drawn around it, and exits 2."""
    result = runner.invoke(app, ["match", "x.xlsx", "-o", "p.xlsx"], env=NARROW)
    assert result.exit_code == 2
    assert "Usage: mentormatch match [OPTIONS]" in result.output
    assert "Try 'mentormatch match --help' for help." in result.output
    assert "Error: Missing option '--rules' / '-r'." in result.output
    assert not set("╭│╰") & set(result.output)
    typo = runner.invoke(app, ["mach"], env=NARROW)
    assert typo.exit_code == 2 and "Error: No such command 'mach'. Did you mean 'match'?" in typo.output


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_prose_flows_to_the_terminal_width(path: list[str], command: Any) -> None:
    """Each prose paragraph is one line for Typer to wrap (it keeps a docstring's line breaks,
    which at 80 columns broke every line twice); only the indented examples keep theirs."""
    for paragraph in (command.help or "").split("\n\n"):
        lines = paragraph.splitlines()
        assert len(lines) == 1 or any(line.startswith(" ") for line in lines), paragraph

"""mentormatch as a library: what a notebook does gives what the command line writes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import mentormatch
from mentormatch.cli import app
from tests.conftest import EXAMPLES, MIND_EXPORT, ROOT

VARYING = {"Solve time (s)", "Review history", "Run"}  # differ between any two runs
HPMA = EXAMPLES / "hpma-west-midlands"


def cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def same(frame: pd.DataFrame, sheet: pd.DataFrame) -> None:
    """A DataFrame from the library equals a sheet read back from a workbook, cell by cell
    (numbers compared as numbers, blanks as blanks)."""
    assert list(frame.columns) == list(sheet.columns)
    assert len(frame) == len(sheet)

    def cell(value: Any) -> Any:
        if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
            return None  # a workbook cell cannot hold empty text
        try:
            return float(value)  # the workbook stores number-like text as numbers
        except (TypeError, ValueError):
            return str(value)

    def cells(table: pd.DataFrame) -> list[list[Any]]:
        return [[cell(v) for v in row] for row in table.itertuples(index=False, name=None)]

    assert cells(frame) == cells(sheet)


def summary(table: pd.DataFrame) -> dict[str, str]:
    def text(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)  # 85.0 as the cell shows it: 85

    return {str(k): text(v) for k, v in zip(table["Item"], table["Value"], strict=True) if k not in VARYING}


def test_a_notebook_gets_what_the_cli_writes(tmp_path: Path) -> None:
    result = mentormatch.match(str(MIND_EXPORT), rules="kent-medway-mind-2022")
    written = tmp_path / "cli.xlsx"
    cli("match", str(MIND_EXPORT), "--rules", "kent-medway-mind-2022", "-o", str(written))
    book = pd.read_excel(written, sheet_name=None)
    assert result.optimal and len(result.pairs) == 58
    for frame, name in [
        (result.pairs, "Matches"),
        (result.unmatched, "Unmatched"),
        (result.rejected, "Rejected"),
    ]:
        assert isinstance(frame, pd.DataFrame)
        same(frame, book[name])
    assert summary(result.summary) == summary(book["Summary"])
    # and the result writes the same workbook itself
    mine = result.to_excel(tmp_path / "library.xlsx")
    again = pd.read_excel(mine, sheet_name=None)
    assert list(again) == list(book)
    for name in book:
        if name != "Summary":
            same(timeless(again[name]), timeless(book[name]))
    assert summary(again["Summary"]) == summary(book["Summary"])


def timeless(sheet: pd.DataFrame) -> pd.DataFrame:
    """A sheet without the Overview's "Run on <date> at <time>" line: two runs a minute apart
    (the CLI's and the library's) differ there and nowhere else."""
    keep = ~sheet[sheet.columns[0]].astype(str).str.startswith("Run on ")
    return sheet[keep].reset_index(drop=True)


def test_validate_gives_the_report_the_cli_writes(tmp_path: Path) -> None:
    report = mentormatch.validate(MIND_EXPORT, rules=ROOT / "rules" / "kent-medway-mind-2022.yaml")
    written = tmp_path / "report.xlsx"
    cli("validate", str(MIND_EXPORT), "--rules", "kent-medway-mind-2022", "-o", str(written))
    book = pd.read_excel(written, sheet_name=None)
    same(report.rejected, book["Rejected"])
    same(report.eligible, book["Eligible"])
    assert summary(report.summary) == summary(book["Summary"])


def test_already_loaded_tables_and_one_file_per_role(tmp_path: Path) -> None:
    from_file = mentormatch.match(MIND_EXPORT, rules="kent-medway-mind-2022")
    from_frame = mentormatch.match(
        pd.read_excel(MIND_EXPORT), rules=mentormatch.load_rules(from_file.rules.path)
    )
    emails = ["Mentee email", "Mentor email"]
    assert from_frame.pairs[emails].equals(from_file.pairs[emails])
    assert sorted(from_frame.rejected["Email"].dropna()) == sorted(from_file.rejected["Email"].dropna())

    by_role = {"mentor": HPMA / "mentors.xlsx", "mentee": pd.read_excel(HPMA / "mentees.xlsx")}
    hpma = mentormatch.match(by_role, rules="hpma-west-midlands")
    written = tmp_path / "hpma.xlsx"
    cli("match", "--mentors", str(HPMA / "mentors.xlsx"), "--mentees", str(HPMA / "mentees.xlsx"),
        "--rules", "hpma-west-midlands", "-o", str(written))  # fmt: skip
    assert hpma.pairs[emails].equals(pd.read_excel(written, sheet_name="Matches")[emails])
    with pytest.raises(mentormatch.OutputError):
        hpma.to_excel(HPMA / "mentors.xlsx", force=True)  # never over an input


def test_group_programmes_return_their_groups() -> None:
    folder = EXAMPLES / "bme-leadership-lmp-2022"
    result = mentormatch.match(folder / "applications.csv", rules="bme-leadership-lmp-2022",
                               members=folder / "members.csv")  # fmt: skip
    assert {"Group", "Role", "Email"} <= set(result.pairs.columns)
    assert len(result.pairs) == 55 + 18  # every eligible member and leader is in a group


def test_the_public_api_is_listed_and_light_to_import() -> None:
    for name in mentormatch.__all__:
        assert getattr(mentormatch, name) is not None, name
    assert {"match", "validate", "MatchResult", "ValidationReport"} <= set(mentormatch.__all__)
    with pytest.raises(AttributeError):
        _ = mentormatch.not_a_name  # type: ignore[attr-defined]
    code = "import sys, mentormatch; print(sorted({'pandas', 'numpy', 'openpyxl'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_every_command_body_is_short() -> None:
    """The CLI parses options and calls the library: no command body over about 40 lines. Every
    module of the mentormatch.cli package is read; every command of the app must be found there."""
    found: dict[str, int] = {}
    for module in sorted((ROOT / "mentormatch" / "cli").glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            decorators = node.decorator_list if isinstance(node, ast.FunctionDef) else []
            if any(isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command" for d in decorators):
                first = (
                    node.body[1] if isinstance(node.body[0], ast.Expr) else node.body[0]
                )  # after the docstring
                found[node.name] = (node.body[-1].end_lineno or 0) - first.lineno + 1
    commands = [c.callback.__name__ for group in (app, *(g.typer_instance for g in app.registered_groups))
                for c in group.registered_commands if c.callback is not None]  # fmt: skip
    assert len(commands) >= 8 and set(commands) <= set(found), set(commands) - set(found)
    for name, length in found.items():
        assert length <= 40, f"{name}: {length} lines"


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("## Use from Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    for name in ("examples", "rules"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["result"].pairs) == 58
    assert (tmp_path / "pairs.xlsx").is_file()


def test_to_review_is_an_empty_table_when_nobody_is_held() -> None:
    # HPMA's example holds nobody for review: the table is there, with its columns, and empty.
    report = mentormatch.validate([HPMA / "mentees.xlsx", HPMA / "mentors.xlsx"], rules="hpma-west-midlands")
    review = report.to_review
    assert isinstance(review, pd.DataFrame) and review.empty
    assert {"Name", "Email", "Question", "To decide"} <= set(review.columns)
    held = mentormatch.validate(MIND_EXPORT, rules="kent-medway-mind-2022").to_review
    assert not held.empty  # MIND's example holds some ("Registrar", "Not sure" as a role)


def test_refusals_name_the_argument_for_the_library_and_the_command_line() -> None:
    # a notebook user has no --review flag to look for: the message names review= as well
    from mentormatch.errors import MentormatchError

    lmp = EXAMPLES / "bme-leadership-lmp-2022"
    with pytest.raises(MentormatchError) as caught:
        mentormatch.match(
            lmp / "applications.csv",
            rules="bme-leadership-lmp-2022",
            members=lmp / "members.csv",
            review=[MIND_EXPORT],
        )
    said = f"{caught.value.message} {caught.value.hint}"
    assert "review= / --review reads a pairs workbook" in said and "run without review=" in said, said
    with pytest.raises(MentormatchError) as caught:
        mentormatch.match(
            lmp / "applications.csv",
            rules="bme-leadership-lmp-2022",
            members=lmp / "members.csv",
            withdraw=["a@nhs.net"],
        )
    said = f"{caught.value.message} {caught.value.hint}"
    assert "withdraw= / --withdraw re-pairs the partners of people who dropped out" in said, said
    assert "take their row out of the export" in said and "reads a pairs workbook" not in said, said
    with pytest.raises(MentormatchError) as caught:
        mentormatch.match(MIND_EXPORT, rules="kent-medway-mind-2022", withdraw=["a@nhs.net"])
    assert "withdraw= / --withdraw needs the current pairs: add review= / --review" in caught.value.message
    with pytest.raises(MentormatchError) as caught:
        mentormatch.match(MIND_EXPORT, rules="kent-medway-mind-2022", accept_late=["nobody@nhs.net"])
    assert caught.value.message.startswith("accept_late= / --accept-late nobody@nhs.net: no application")

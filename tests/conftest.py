"""Shared fixtures: paths to the bundled rule files and examples, and the helpers the example
tests share (generators, expected.csv, sheets, the README's commands run once a session)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import Rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
MIND_RULES = RULES / "kent-medway-mind-2022.yaml"
MIND_EXPORT = EXAMPLES / "kent-medway-mind-2022" / "applications.xlsx"


@pytest.fixture
def root() -> Path:
    return ROOT


MIND_HEADERS = {
    "name": "Full name",
    "email": "Work email address",
    "org": "Which organisation do you work for?",
    "role": "Are you applying to be a mentor or a mentee?",
    "band": "What is your current Agenda for Change band or grade?",
    "years": "How long have you been in your current role?",
    "before": "Have you been part of a mentoring programme before?",
    "ethnicity": "What is your ethnic group?",
    "gender": "What is your gender?",
    "goals": "Mentees: what would you like support with?",
    "offers": "Mentors: which of these could you support a mentee with?",
    "capacity": "Mentors: how many mentees could you support?",
    "manager": "Your line manager's email address",
}


def mind_export(path: Path, people: list[dict[str, object]]) -> Path:
    """A small Microsoft Forms export in the MIND layout; unspecified answers get defaults."""
    import datetime

    import openpyxl

    defaults: dict[str, object] = {
        "org": "EKHUFT", "years": "6 years", "before": "No", "ethnicity": "Black or Black British - African",
        "gender": "Woman", "goals": "Leadership;Confidence;", "offers": "Leadership;Confidence;",
        "capacity": "1", "manager": "",
    }  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", *MIND_HEADERS.values()])
    when = datetime.datetime(2022, 10, 10, 9, 0)
    for n, person in enumerate(people, start=1):
        answers = {**defaults, **person}
        ws.append([n, when, when, "anonymous", "", *(answers.get(k, "") for k in MIND_HEADERS)])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def mind() -> tuple[Rules, list[Any], list[Any]]:
    """The MIND example's rules and its eligible mentees and mentors."""
    rules = load_rules(MIND_RULES)
    validation = validate_exports([Source(MIND_EXPORT)], rules)
    spec = rules.spec.matching
    assert spec is not None
    return rules, validation.checked.eligible_in(spec.receiver), validation.checked.eligible_in(spec.giver)


# --- the bundled examples: tests/test_examples.py and the programme-specific test_example_*.py ------


def load_generator(folder: Path) -> ModuleType:
    """An example's generate.py as a module (examples/ is not a package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(f"{folder.name}_generate", folder / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def expected_csv(folder: Path) -> list[dict[str, str]]:
    """An example's expected.csv (written by its generator, never by running mentormatch)."""
    with (folder / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_by_row(folder: Path) -> dict[int, dict[str, str]]:
    """expected.csv by spreadsheet row, for a programme with one export."""
    return {int(row["row"]): row for row in expected_csv(folder)}


def google_export_rows(path: Path) -> dict[int, dict[str, str]]:
    """A Google Forms CSV's records by spreadsheet row (header = row 1), read with the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return dict(enumerate(csv.DictReader(handle), start=2))


def sheet_table(path: Path, name: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A sheet's header and its non-blank rows, each as header -> value."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(cell) if cell is not None else "" for cell in rows[0]]
    body = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(c is not None for c in row)]
    return header, body


def sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    return sheet_table(path, name)[1]


def summary(path: Path) -> dict[str, Any]:
    """The Summary sheet: item -> value."""
    return {row["Item"]: row["Value"] for row in sheet_rows(path, "Summary")}


def readme_command(name: str) -> list[str]:
    """The README's 'run it' command for a programme, from the table of the five programmes."""
    import re
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
    command = re.findall(r"`(mentormatch [^`]+)`", row)
    assert len(command) == 1, f"README: the {name} row should give one command to run"
    return shlex.split(command[0])


def run_cli(args: list[str]) -> None:
    from typer.testing import CliRunner

    from mentormatch.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (args, result.output, result.exception)


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Path]]:
    """For a bundled programme: the README's command run once a session (paths from the
    repository's top folder) and `validate` on the same inputs; name -> {"pairs": the match
    workbook, "report": the validate workbook}."""
    done: dict[str, dict[str, Path]] = {}

    def run(name: str) -> dict[str, Path]:
        if name not in done:
            scratch = tmp_path_factory.mktemp(name)
            words = readme_command(name)
            assert words[:2] == ["mentormatch", "match"]
            args = [str(ROOT / w) if (ROOT / w).exists() and "/" in w else w for w in words[1:]]
            out = args.index("-o") + 1
            args[out] = str(scratch / "pairs.xlsx")
            run_cli(args)
            run_cli(["validate", *args[1 : out - 1], *args[out + 1 :], "-o", str(scratch / "report.xlsx")])
            done[name] = {"pairs": scratch / "pairs.xlsx", "report": scratch / "report.xlsx"}
            assert all(path.exists() for path in done[name].values())
        return done[name]

    return run

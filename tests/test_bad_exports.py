"""Every hostile export in tests/corpus, through the command line: one clear message naming the
file (exit 1), or every row accounted for as eligible or rejected with a rule code (exit 0);
never a traceback, never a row lost, never a formula written. Then `match` on the same file:
every row matched, unmatched or rejected, exactly once."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from mentormatch.cli import app
from mentormatch.problems import REVIEW
from tests.conftest import MIND_RULES
from tests.corpus.make_corpus import CASES, EXPORTS, Case, build, main

runner = CliRunner()


def invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    # CliRunner keeps an escaped exception in result.exception instead of printing it.
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, f"{type(result.exception).__name__}: {result.exception}"
    assert "Traceback" not in result.output
    assert "failed unexpectedly" not in result.output, result.output
    return result


def sheets(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every sheet as rows keyed by header; refuses any formula cell (read-only cells keep
    data_type "f" for formulas)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    found = {}
    for ws in wb.worksheets:
        rows = [list(row) for row in ws.iter_rows()]
        formulas = [c.coordinate for row in rows for c in row if c.data_type == "f"]
        assert formulas == [], f"{path.name}!{ws.title}: formula cells {formulas[:5]}"
        values = [[c.value for c in row] for row in rows]
        found[ws.title] = [dict(zip(values[0], row, strict=False)) for row in values[1:]] if values else []
    wb.close()
    return found


def fingerprint(path: Path) -> tuple[str, int] | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def check_error(case: Case, path: Path, result: Result, out: Path) -> None:
    assert result.exit_code == 1, result.output
    assert case.message in result.output
    assert path.name in result.output  # the message names the file
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Error: ") and len(lines) <= 2  # one message, at most one hint
    assert len(lines) == 1 or lines[1].startswith("  Hint: ")
    assert not out.exists()


def first_code(rule: str) -> str:
    return rule.split(",")[0].strip()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("built")


SMALL = [
    pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [])
    for c in CASES
    if c.name != "hundred-thousand"
]


@pytest.mark.parametrize("case", SMALL)
def test_bad_export(case: Case, folder: Path, tmp_path: Path) -> None:
    path = build(case, folder) if case.at_test_time else EXPORTS / case.file
    before = fingerprint(path)
    report = tmp_path / "report.xlsx"
    result = invoke("validate", str(path), "--rules", str(MIND_RULES), "-o", str(report), *case.args)
    pairs = tmp_path / "pairs.xlsx"
    matched = invoke("match", str(path), "--rules", str(MIND_RULES), "-o", str(pairs), *case.args)
    assert fingerprint(path) == before  # the export is never touched
    if case.exit == 1:
        check_error(case, path, result, report)
        check_error(case, path, matched, pairs)
        return
    assert result.exit_code == 0 == matched.exit_code, result.output + matched.output

    # validate: every row read is eligible or rejected, once; rejections carry the expected code
    written = sheets(report)  # (and no sheet of either workbook holds a formula)
    summary = {r["Item"]: r["Value"] for r in written["Summary"]}
    assert summary["Rows read"] == case.rows
    # held for review (no rule failed) on the To review sheet, the rest on Rejected; each row once
    held = {r["Row"]: first_code(r["Code"]) for r in written.get("To review", [])}
    rejected = {r["Row"]: first_code(r["Rule"]) for r in written["Rejected"]}
    assert not set(held) & set(rejected)
    assert rejected | held == case.rejected
    assert all(code in REVIEW for code in held.values())
    assert not any(code in REVIEW for code in rejected.values())
    assert all(r["Reason"] for r in written["Rejected"])
    assert all(r["To decide"] for r in written.get("To review", []))
    eligible = [r["Row"] for r in written["Eligible"]]
    rows = sorted([*eligible, *rejected, *held])
    assert len(rows) == len(set(rows)) == case.rows

    # match: every row matched, unmatched or rejected, exactly once
    written = sheets(pairs)
    places = [r["Mentee row"] for r in written["Matches"]]
    places += sorted({r["Mentor row"] for r in written["Matches"]})
    places += [r["Row"] for r in written["Unmatched"]]
    places += [r["Row"] for r in written["Rejected"]]
    places += [r["Row"] for r in written.get("To review", [])]
    assert sorted(places) == rows
    matched_held = {r["Row"]: first_code(r["Code"]) for r in written.get("To review", [])}
    assert {r["Row"]: first_code(r["Rule"]) for r in written["Rejected"]} | matched_held == case.rejected


def test_hundred_thousand_rows(tmp_path: Path) -> None:
    """100,000 rows (CSV; built here, not committed): counts only, no workbook, to stay fast."""
    case = next(c for c in CASES if c.name == "hundred-thousand")
    path = build(case, tmp_path)
    result = invoke("validate", str(path), "--rules", str(MIND_RULES), "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["rows_read"] == case.rows == 100_000
    expected = Counter(case.rejected.values())
    assert counts["rejected"] == len(case.rejected)
    assert {r["rule"]: r["count"] for r in counts["rejected_by_rule"]} == expected
    eligible = {r["role"]: r["eligible"] for r in counts["roles"]}
    assert eligible["mentee"] + eligible["mentor"] + counts["rejected"] == 100_000


def test_corpus_is_big_enough_and_varied() -> None:
    assert len(CASES) >= 40
    outcomes = Counter(c.exit for c in CASES)
    assert outcomes[0] >= 15 and outcomes[1] >= 15
    assert len({c.name for c in CASES}) == len(CASES)


def test_committed_corpus_is_what_the_script_builds(tmp_path: Path) -> None:
    """The committed files are exactly the generator's output (so the script is the source)."""
    main(["make_corpus.py", str(tmp_path)])
    built = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in EXPORTS.iterdir()}
    assert built.keys() == committed.keys()
    differ = sorted(name for name in built if built[name] != committed[name])
    assert differ == []

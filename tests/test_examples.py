"""The five bundled programmes end to end, one parametrised test per check.

For each programme: its generator (examples/*/generate.py, which records each row's expected
outcome from how it built the row, never by running mentormatch) writes exactly the committed
files; the README's own command for it runs; every rejected row is rejected by the rule the
generator recorded, with a reason; the Eligible sheet lists exactly the eligible rows; and every
input row lands in exactly one place of the workbook, the people named there being the ones
expected. What is particular to one programme is tested in its tests/test_example_*.py.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shlex
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.problems import REVIEW
from mentormatch.rulefile import load_rules
from tests.conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Example:
    name: str
    writes: tuple[str, ...]  # what generate.py writes, all committed
    tally: dict[str, int] = field(default_factory=dict)  # figures its main() returns
    file_of_role: dict[str, str] = field(default_factory=dict)  # one form per role: role label -> file

    @property
    def folder(self) -> Path:
        return EXAMPLES / self.name


EXAMPLE_LIST = [
    Example("kent-medway-mind-2022", ("applications.xlsx", "expected.csv")),
    Example("kent-medway-nma-2023", ("applications.csv", "expected.csv"), {"(most pairs possible)": 35}),
    Example("mentoring-for-inclusion-2018", ("applications.xlsx", "expected.csv")),
    Example(
        "bme-leadership-lmp-2022",
        ("applications.csv", "members.csv", "expected.csv"),
        {"eligible member": 55, "eligible leader": 18, "(members that can be placed)": 55},
    ),
    Example(
        "hpma-west-midlands",
        ("mentors.xlsx", "mentees.xlsx", "expected.csv"),
        file_of_role={"Mentor": "mentors.xlsx", "Mentee": "mentees.xlsx"},
    ),
]
IDS = [e.name for e in EXAMPLE_LIST]
Key = tuple[str, int]  # (file, spreadsheet row); file is "" for a programme with one export


def readme_command(name: str) -> list[str]:
    """The README's 'run it' command for a programme, from the table of the five programmes."""
    row = next(line for line in README.splitlines() if line.startswith(f"| `{name}` |"))
    command = re.findall(r"`(mentormatch [^`]+)`", row)
    assert len(command) == 1, f"README: the {name} row should give one command to run"
    return shlex.split(command[0])


def load_generator(example: Example) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{example.name}_generate", example.folder / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def expected_rows(example: Example) -> dict[Key, dict[str, str]]:
    with (example.folder / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return {(row.get("file", ""), int(row["row"])): row for row in csv.DictReader(handle)}


def sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    wb = load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(cell) if cell is not None else "" for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(c is not None for c in row)]


def key(example: Example, row: dict[str, Any], number: object, role: object = None) -> Key:
    file = row.get("File") or (example.file_of_role.get(str(role), "") if role is not None else "")
    return (str(file or ""), int(str(number)))


def run(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (args, result.output, result.exception)


@pytest.fixture(scope="module", params=EXAMPLE_LIST, ids=IDS)
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The README's command run for one programme (paths from the repository's top folder), and
    `validate` on the same inputs; both workbooks written to a scratch folder."""
    example: Example = request.param
    scratch = tmp_path_factory.mktemp(example.name)
    words = readme_command(example.name)
    assert words[:2] == ["mentormatch", "match"]
    args = [str(ROOT / w) if (ROOT / w).exists() and "/" in w else w for w in words[1:]]
    out = args.index("-o") + 1
    args[out] = str(scratch / "pairs.xlsx")
    run(args)
    checked = ["validate", *args[1 : out - 1], *args[out + 1 :], "-o", str(scratch / "report.xlsx")]
    run(checked)
    return {"example": example, "pairs": scratch / "pairs.xlsx", "report": scratch / "report.xlsx"}


@pytest.mark.parametrize("example", EXAMPLE_LIST, ids=IDS)
def test_the_generator_writes_the_committed_files(example: Example, tmp_path: Path) -> None:
    generate = load_generator(example)
    tally = generate.main(tmp_path / "a")
    generate.main(tmp_path / "b")
    for name in example.writes:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), f"{name}: two runs differ"
        assert first == (example.folder / name).read_bytes(), f"{name} is not what generate.py writes"
    for label, count in example.tally.items():
        assert tally[label] == count, label


def test_rejected_rows_and_first_rules_equal_expected(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    expected = {
        k: e
        for k, e in expected_rows(example).items()
        if e["outcome"] == "rejected" and e["rule"] not in REVIEW
    }
    for book in (outcome["pairs"], outcome["report"]):
        rows = sheet_rows(book, "Rejected")
        by_key = {key(example, r, r["Row"], r["Role"]): r for r in rows}
        assert len(by_key) == len(rows), "a row is listed twice on the Rejected sheet"
        missing, extra = sorted(set(expected) - set(by_key)), sorted(set(by_key) - set(expected))
        assert not missing and not extra, (
            f"should be rejected but are not: {missing}; rejected but should be eligible: "
            f"{[(k, by_key[k]['Rule'], by_key[k]['Value seen']) for k in extra]}"
        )
        wrong = [
            (k, e["email"], f"expected {e['rule']}", f"got {by_key[k]['Rule']}", by_key[k]["Value seen"])
            for k, e in sorted(expected.items())
            if str(by_key[k]["Rule"] or "").split(",")[0].strip() != e["rule"]
        ]
        assert not wrong, "first rule differs:\n" + "\n".join(map(str, wrong))
        assert all(isinstance(r["Reason"], str) and r["Reason"].strip() for r in rows), (
            "a rejection without reason"
        )


def sheet_names(path: Path) -> list[str]:
    book = load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def review_rows(path: Path) -> list[dict[str, Any]]:
    """The To review sheet's rows (the sheet is written only when someone is held for review)."""
    return sheet_rows(path, "To review") if "To review" in sheet_names(path) else []


def test_held_rows_are_on_the_to_review_sheet_with_their_question(outcome: dict[str, Any]) -> None:
    """Applications held for review (no rule failed) are on their own sheet, not with the rejected,
    each with the question, the answer and what the coordinator must decide."""
    example: Example = outcome["example"]
    expected = {k: e for k, e in expected_rows(example).items() if e["rule"] in REVIEW}
    for book in (outcome["pairs"], outcome["report"]):
        rows = review_rows(book)
        by_key = {key(example, r, r["Row"], r["Role"]): r for r in rows}
        assert len(by_key) == len(rows), "a row is listed twice on the To review sheet"
        assert set(by_key) == set(expected)
        for k, e in expected.items():
            assert str(by_key[k]["Code"]).split(",")[0].strip() == e["rule"], (k, by_key[k])
            assert str(by_key[k]["Email"]).strip().lower() == e["email"]
            assert str(by_key[k]["Question"]).strip() and str(by_key[k]["To decide"]).strip()
        summary = {r["Item"]: r["Value"] for r in sheet_rows(book, "Summary")}
        assert summary["To review"] == len(expected)
        rejected = sum(1 for e in expected_rows(example).values() if e["outcome"] == "rejected")
        assert summary["Rejected"] == rejected - len(expected)


def test_eligible_sheet_lists_the_eligible_rows(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    rules = load_rules(ROOT / "rules" / f"{example.name}.yaml")
    label = {name: (role.label or name) for name, role in rules.spec.roles.items()}
    expected = Counter(
        (k[1], e["email"], label[e["role"]])
        for k, e in expected_rows(example).items()
        if e["outcome"] == "eligible"
    )
    rows = sheet_rows(outcome["report"], "Eligible")
    shown = Counter((int(r["Row"]), str(r["Email"] or "").strip().lower(), str(r["Role"])) for r in rows)
    assert shown == expected


def test_every_input_row_lands_in_exactly_one_place(outcome: dict[str, Any]) -> None:
    example: Example = outcome["example"]
    expected = expected_rows(example)
    book = load_workbook(outcome["pairs"], read_only=True)
    sheets = book.sheetnames
    book.close()
    named: list[tuple[Key, str]] = []  # (where, the email the sheet gives there)
    if "Matches" in sheets:
        matches = sheet_rows(outcome["pairs"], "Matches")
        first, *others = (
            [h.removesuffix(" row") for h in matches[0] if h.endswith(" row")] if matches else [""]
        )
        for m in matches:  # a receiver is in one pair; a giver may be in several
            named.append((key(example, {}, m[f"{first} row"], first), str(m[f"{first} email"])))
        named += sorted(
            {(key(example, {}, m[f"{o} row"], o), str(m[f"{o} email"])) for m in matches for o in others}
        )
    if "Groups" in sheets:
        named += [
            (key(example, g, g["Row"], g["Role"]), str(g["Email"]))
            for g in sheet_rows(outcome["pairs"], "Groups")
        ]
    named += [
        (key(example, u, u["Row"], u["Role"]), str(u["Email"]))
        for u in sheet_rows(outcome["pairs"], "Unmatched")
    ]
    rejected = [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(outcome["pairs"], "Rejected")]
    held = [key(example, r, r["Row"], r["Role"]) for r in review_rows(outcome["pairs"])]
    places = [where for where, _email in named] + rejected + held
    assert len(places) == len(set(places)), [k for k, n in Counter(places).items() if n > 1]
    assert set(places) == set(expected)
    assert len(named) > 0
    for where, email in named:
        assert expected[where]["email"] == email, (where, email)
        assert expected[where]["outcome"] == "eligible", where


def test_every_input_row_is_in_exactly_one_sheet_of_the_validate_report(outcome: dict[str, Any]) -> None:
    """Eligible, Rejected and To review together hold every row read, each once."""
    example: Example = outcome["example"]
    report = outcome["report"]
    places = [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(report, "Eligible")]
    places += [key(example, r, r["Row"], r["Role"]) for r in sheet_rows(report, "Rejected")]
    places += [key(example, r, r["Row"], r["Role"]) for r in review_rows(report)]
    assert len(places) == len(set(places)), [k for k, n in Counter(places).items() if n > 1]
    assert set(places) == set(expected_rows(example))

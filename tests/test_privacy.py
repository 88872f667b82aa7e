"""No inference from forwardable outputs (issue 15, item 1).

The property: for the same pairs (fixed by a review that keeps every pair), changing only
applicants' special category answers changes no cell of the validate report, of the pairs
workbook (Matches/Groups, Unmatched, Rejected, Summary, ...), of the mail-merge CSV, nor any email
draft. Checked with hypothesis over random answers for all five bundled programmes. Programmes whose
rule file declares no special category field get one (an equality-monitoring question, as forms
usually ask) so that every programme is exercised.

Answers that would change someone's eligibility or what Rejected says about them (MIND's mentees
must be in its groups) are put back: who may join is the programme's published rule, and the
Rejected sheet says which rule (never the answer). What changes between any two runs whatever
the answers (when it ran, the inputs' SHA-256, the solve time, the review history's id) is left
out of the comparison.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import shutil
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.columns import resolve_columns
from mentormatch.explain import explain_pair
from mentormatch.introduce import known_placeholders
from mentormatch.load import load_table
from mentormatch.pipeline import Source, load_members, validate_exports
from mentormatch.rulefile import Rules, load_rules
from mentormatch.schema import Condition
from mentormatch.scoring import Scorer, special_parts
from tests.test_safe_output import EXAMPLE_LIST, Example, read_all, source_args

runner = CliRunner()
COORDINATOR = "Sam Lee <sam.lee@nhs.net>"
VOLATILE = ("Input ", "Solve time", "Run on ")  # Summary/Overview lines that differ between runs
ADDED_FIELD = "monitoring_ethnicity"
ADDED_HEADER = "Equality monitoring: what is your ethnic group?"
ADDED_ANSWERS = ["White - British", "Asian or Asian British - Indian", "Black or Black British - African"]


def ok(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


@dataclass(repr=False)
class Programme:
    example: Example
    folder: Path
    rules_path: Path
    rules: Rules
    files: list[tuple[str | None, Path]]  # the working copies of the exports
    originals: dict[Path, bytes]
    fields: list[str]  # special category fields
    pools: dict[str, list[str]]  # answers to draw from, per field
    codes: dict[tuple[str, int], tuple[str, ...]]  # (file, row) -> rejection codes, as given
    review: Path | None
    baseline: dict[str, Any]

    @property
    def pairs(self) -> bool:
        return self.rules.spec.matching is not None and self.rules.spec.matching.mode == "pairs"

    def members(self) -> frozenset[str] | None:
        return load_members(Path(self.example.extra[1])) if self.example.extra else None

    def __repr__(self) -> str:
        return f"Programme({self.example.name})"

    def rejection_codes(self) -> dict[tuple[str, int], tuple[str, ...]]:
        sources = [Source(path, role) for role, path in self.files]
        checked = validate_exports(sources, self.rules, members=self.members()).checked
        codes = {(a.source, a.row): () for a in checked.applicants}
        for r in checked.rejected:
            # the rule and what Rejected says: a rule reading a special category field may name
            # the group the answer falls in ("ethnic minority"), as eligibility needs it to
            said = (f"{p.rule}: {p.value}: {p.message}" for p in r.problems)
            codes[(r.applicant.source, r.applicant.row)] = tuple(sorted(said))
        return codes


def with_special_field(example: Example, folder: Path) -> Path:
    """The rule file, plus an equality-monitoring field when it declares no special one."""
    text = example.rules.read_text(encoding="utf-8")
    if not any(f.special_category for f in example.loaded.spec.fields.values()):
        added = (
            f'  {ADDED_FIELD}:\n    headers: ["{ADDED_HEADER}"]\n    type: choice\n'
            "    optional: true\n    special_category: true\n"
        )
        assert "\nfields:\n" in text
        text = text.replace("\nfields:\n", "\nfields:\n" + added, 1)
    path = folder / example.rules.name
    path.write_text(text, encoding="utf-8")
    return path


def condition_values(cond: Condition | None, field: str) -> set[str]:
    if cond is None:
        return set()
    found = set(cond.in_ or ()) if cond.field == field else set()
    for child in (*(cond.all_of or ()), *(cond.any_of or ()), *([cond.not_] if cond.not_ else [])):
        found |= condition_values(child, field)
    return found


def answer_pool(rules: Rules, field: str, seen: set[str]) -> list[str]:
    """Answers seen in the export, values the rule file names for the field, and some others."""
    named: set[str] = set(rules.spec.fields[field].values)
    for role in rules.spec.roles.values():
        named |= condition_values(role.eligibility, field)
    if rules.spec.matching is not None:
        for part in rules.spec.matching.score:
            named |= condition_values(part.when, field)
    others = {"", "Prefer not to say", "Woman", "Man", "Non-binary", *ADDED_ANSWERS}
    return sorted(seen | named | others)


# --- the exports' special category cells -------------------------------------------------------------


def special_cells(programme: Programme, path: Path) -> dict[int, dict[str, int]]:
    """row number -> field -> 0-based column of each special category answer in one export."""
    table = load_table(path)
    columns = resolve_columns(table, programme.rules).columns
    return {row.number: {f: columns[f][0] for f in programme.fields if f in columns} for row in table.rows}


def write_answers(path: Path, original: bytes, answers: dict[tuple[int, int], str]) -> None:
    """Write ``original`` back with the (row number, 0-based column) cells set to new answers."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(original))
        ws = wb.worksheets[0] if len(wb.worksheets) == 1 else wb.active
        assert ws is not None
        for (row, col), value in answers.items():
            cell = ws.cell(row=row, column=col + 1)
            cell.value = value or None
            if value:
                cell.data_type = "s"
        wb.save(path)
        return
    text = original.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    for (row, col), value in answers.items():
        record = records[row - 1]
        record.extend([""] * (col + 1 - len(record)))
        record[col] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    bom = "\ufeff" if original.startswith(b"\xef\xbb\xbf") else ""
    path.write_text(bom + buffer.getvalue(), encoding="utf-8", newline="")


def add_column(path: Path, answers: list[str]) -> None:
    """Append the equality-monitoring question as a last column, answered row by row."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        col = ws.max_column + 1
        ws.cell(row=1, column=col).value = ADDED_HEADER
        for n in range(2, ws.max_row + 1):
            if any(c.value not in (None, "") for c in ws[n]):  # blank rows stay blank
                ws.cell(row=n, column=col).value = answers[n % len(answers)]
        wb.save(path)
        return
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    for n, record in enumerate(records):
        if any(cell.strip() for cell in record):
            record.append(ADDED_HEADER if n == 0 else answers[n % len(answers)])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    path.write_text(bom + buffer.getvalue(), encoding="utf-8", newline="")


# --- running and reading the outputs -------------------------------------------------------------------


def template(folder: Path, rules: Rules) -> Path:
    path = folder / "template.txt"
    names = known_placeholders(rules)
    body = "\n".join(f"{name}: {{{name}}}" for name in names)
    path.write_text(
        f"Subject: {{pair_id}} {{receiver_name}} and {{giver_name}}\n\n{body}\n", encoding="utf-8"
    )
    return path


def run_all(programme: Programme, tag: str) -> dict[str, Any]:
    """validate -o, match (with the review) -o, introduce: everything a coordinator forwards."""
    out = programme.folder / tag
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    sources = source_args(programme.files)
    rules = ["--rules", str(programme.rules_path), *programme.example.extra]
    ok(["validate", *sources, *rules, "-o", str(out / "report.xlsx")])
    review = ["--review", str(programme.review)] if programme.review else []
    ok(["match", *sources, *rules, *review, "-o", str(out / "pairs.xlsx")])
    found: dict[str, Any] = {
        "report": comparable(read_all(out / "report.xlsx")),
        "pairs": comparable(read_all(out / "pairs.xlsx")),
    }
    if programme.pairs:
        outbox = out / "outbox"
        ok([
            "introduce", str(out / "pairs.xlsx"), "--rules", str(programme.rules_path),
            "--template", str(template(out, programme.rules)), "-o", str(outbox),
            "--coordinator", COORDINATOR,
        ])  # fmt: skip
        found["mail-merge"] = (outbox / "mail-merge.csv").read_bytes()
        found["drafts"] = {p.name: draft(p) for p in sorted(outbox.glob("*.eml"))}
    return found


def comparable(sheets: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """The sheets without what differs between any two runs: when it ran, the inputs' digests,
    the solve time, the review history's id."""
    for name in ("Summary", "Overview"):
        if name in sheets:
            sheets[name] = [row for row in sheets[name] if not volatile(row)]
    return sheets


def volatile(row: list[Any]) -> bool:
    first = row[0] if row else None
    return isinstance(first, str) and (first.startswith(VOLATILE) or first in {"Run", "Review history"})


def draft(path: Path) -> tuple[list[tuple[str, str]], str]:
    """A draft's headers (without Date and Message-ID, which differ on every run) and body."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    headers = [(k, str(v)) for k, v in message.items() if k not in {"Date", "Message-ID"}]
    body = message.get_body()
    assert body is not None
    return headers, body.get_content()


def keep_every_pair(pairs: Path, review: Path) -> None:
    wb = openpyxl.load_workbook(pairs)
    ws = wb["Matches"]
    header = [c.value for c in ws[1]]
    column = header.index("Decision") + 1
    for n in range(2, ws.max_row + 1):
        ws.cell(row=n, column=column).value = "keep"
    wb.save(review)


@pytest.fixture(scope="module", params=EXAMPLE_LIST, ids=lambda e: e.name)
def programme(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Programme:
    example: Example = request.param
    folder = tmp_path_factory.mktemp(f"privacy-{example.name}")
    rules_path = with_special_field(example, folder)
    rules = load_rules(rules_path)
    files = []
    for role, path in example.files:
        copy = folder / path.name
        shutil.copyfile(path, copy)
        if ADDED_FIELD in rules.spec.fields:
            add_column(copy, ADDED_ANSWERS)
        files.append((role, copy))
    fields = [n for n, f in rules.spec.fields.items() if f.special_category]
    programme = Programme(
        example, folder, rules_path, rules, files, {p: p.read_bytes() for _, p in files}, fields,
        {}, {}, None, {},
    )  # fmt: skip
    sources = [Source(path, role) for role, path in files]
    checked = validate_exports(sources, rules, members=programme.members()).checked
    for field in fields:
        seen = {a.raw.get(field) or "" for a in checked.applicants}
        programme.pools[field] = answer_pool(rules, field, seen)
    programme.codes = programme.rejection_codes()
    if programme.pairs:
        first = folder / "first.xlsx"
        ok(["match", *source_args(files), "--rules", str(rules_path), *example.extra, "-o", str(first)])
        programme.review = folder / "review.xlsx"
        keep_every_pair(first, programme.review)
    programme.baseline = run_all(programme, "baseline")
    return programme


def change_answers(programme: Programme, choose: Any) -> int:
    """Give everyone new special category answers (``choose(field)`` draws one), put back those
    that would change someone's eligibility; returns how many cells were changed."""
    cells = {path: special_cells(programme, path) for _, path in programme.files}
    answers = {
        path: {(row, col): choose(field) for row, cols in rows.items() for field, col in cols.items()}
        for path, rows in cells.items()
    }
    for _ in range(5):
        for path, new in answers.items():
            write_answers(path, programme.originals[path], new)
        codes = programme.rejection_codes()
        keys = codes.keys() | programme.codes.keys()
        moved = {key for key in keys if programme.codes.get(key) != codes.get(key)}
        if not moved:
            break
        for path, new in answers.items():
            for row, _col in list(new):
                if (path.name, row) in moved or (str(path), row) in moved:
                    del new[(row, _col)]
    else:  # pragma: no cover - eligibility did not settle: give the originals back
        pytest.fail("changing special category answers kept changing eligibility")
    return sum(len(new) for new in answers.values())


# Each example runs validate, match and introduce: a few examples per programme, and no shrinking
# (a failure names the programme and the sheet; shrinking hundreds of draws takes minutes).
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
def test_special_category_answers_change_no_forwardable_cell(programme: Programme, data: Any) -> None:
    def choose(field: str) -> str:
        pool = programme.pools[field]
        typed = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=12)
        return data.draw(st.one_of(st.sampled_from(pool), typed))

    changed = change_answers(programme, choose)
    assert changed > 0, "no special category answer was changed"
    try:
        found = run_all(programme, "changed")
    finally:
        for path, original in programme.originals.items():
            path.write_bytes(original)
    assert found.keys() == programme.baseline.keys()
    for name, value in programme.baseline.items():
        if isinstance(value, dict) and name in {"report", "pairs"}:
            assert found[name].keys() == value.keys(), name
            for sheet, rows in value.items():
                assert found[name][sheet] == rows, (name, sheet)
        else:
            assert found[name] == value, name


def test_the_property_is_not_vacuous_for_mind(mind: tuple[Rules, list[Any], list[Any]]) -> None:
    """MIND's priority-mentor part reads ethnicity and gender: it is special, it earns points in
    some pairs, and the shown score and Why leave it out."""
    rules, mentees, mentors = mind
    assert special_parts(rules) == {2}
    scorer = Scorer(rules, mentees, mentors)
    everyone = ((i, j) for i in range(len(mentees)) for j in range(len(mentors)))
    pairs = (explain_pair(scorer, i, j) for i, j in everyone)
    earned = list(islice((p for p in pairs if p.parts[2].points > 0), 20))
    assert earned
    for pair in earned:
        assert pair.parts[2].special and pair.parts[2].label == "priority mentor"
        assert pair.score == pytest.approx(pair.shown_score + 20)
        assert "priority" not in pair.why


def test_the_coordinator_sees_the_special_parts_only_in_the_monitoring_workbook(tmp_path: Path) -> None:
    mind = EXAMPLE_LIST[0]
    pairs, watch = tmp_path / "pairs.xlsx", tmp_path / "monitoring.xlsx"
    ok(
        [
            "match",
            *source_args(mind.files),
            "--rules",
            str(mind.rules),
            "-o",
            str(pairs),
            "--monitoring",
            str(watch),
        ]
    )
    private = {row[0]: row[1] for row in read_all(watch)["Special category scores"][1:]}
    optimised = float(private["Total score optimised (all parts)"])
    shown = float(private["Total score shown in the pairs workbook"])
    assert optimised > shown
    assert private["Score part 'priority mentor' (weight 20)"] == f"{optimised - shown:g} points"
    forwarded = read_all(pairs)
    summary = {row[0]: row[1] for row in forwarded["Summary"][1:]}
    assert float(summary["Total score"]) == shown
    assert not any("priority" in str(v) for sheet in forwarded.values() for row in sheet for v in row)

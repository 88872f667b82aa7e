"""The one reader of pairs workbooks: every tampering case refused with its cell, or honoured."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mentormatch.cli import app
from mentormatch.errors import ExportError
from mentormatch.introduce import read_pairs
from mentormatch.load import column_letter
from mentormatch.pairsbook import decision_word, read_book, row_check
from mentormatch.rulefile import Rules, load_rules
from tests.conftest import EXAMPLES, MIND_EXPORT, MIND_RULES

runner = CliRunner()
TEMPLATE = EXAMPLES / "introduction-template.txt"


def run(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(MIND_RULES)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book") / "pairs.xlsx"
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def round2(workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str]]:
    """A round-2 workbook whose Decisions sheet records one veto from round 1."""
    folder = tmp_path_factory.mktemp("round2")
    reviewed = folder / "reviewed.xlsx"
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Matches"]
    col = columns(ws)
    ws.cell(row=2, column=col["Decision"], value="reject")
    vetoed = (
        ws.cell(row=2, column=col["Mentee email"]).value,
        ws.cell(row=2, column=col["Mentor email"]).value,
    )
    wb.save(reviewed)
    out = folder / "r2.xlsx"
    result = run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--review", reviewed)
    assert result.exit_code == 0, result.output
    return out, vetoed


def columns(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def edited(workbook: Path, tmp_path: Path, change: Any, sheet: str = "Matches") -> Path:
    """A copy of ``workbook`` after ``change(ws, columns)``, saved as a coordinator would."""
    path = tmp_path / "edited.xlsx"
    shutil.copyfile(workbook, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    change(ws, columns(ws))
    wb.save(path)
    return path


def review(path: Path, tmp_path: Path) -> Any:
    return run("match", MIND_EXPORT, "--rules", MIND_RULES, "-o", tmp_path / "next.xlsx", "--review", path)


def introduce(path: Path, tmp_path: Path) -> Any:
    return run(
        "introduce", path, "--rules", MIND_RULES, "--template", TEMPLATE, "-o", tmp_path / "outbox",
        "--coordinator", "sam.lee@nhs.net",
    )  # fmt: skip


# --- one-column sort -------------------------------------------------------------------------------


def sort_one_column(name: str) -> Any:
    def change(ws: Any, col: dict[str, int]) -> None:
        values = [ws.cell(row=r, column=col[name]).value for r in range(2, ws.max_row + 1)]
        for r, value in enumerate(sorted(values, key=str, reverse=True), start=2):  # Z to A
            ws.cell(row=r, column=col[name], value=value)

    return change


@pytest.mark.parametrize("column", ["Mentor email", "Mentee name", "Pair", "Check"])
def test_a_one_column_sort_is_refused_with_its_row(
    workbook: Path, rules: Rules, tmp_path: Path, column: str
) -> None:
    path = edited(workbook, tmp_path, sort_one_column(column))
    with pytest.raises(
        ExportError, match=r"row \d+: the pair id, names and emails in this row no longer belong"
    ):
        read_book(path, rules)
    for result in (review(path, tmp_path), introduce(path, tmp_path)):
        assert result.exit_code == 1 and "no longer belong together" in result.output
    assert not (tmp_path / "next.xlsx").exists() and not list((tmp_path / "outbox").glob("*.eml"))


def test_sorting_whole_rows_and_moving_columns_is_fine(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    def change(ws: Any, col: dict[str, int]) -> None:
        table = [list(r) for r in ws.iter_rows(values_only=True)]
        header, body = table[0], sorted(table[1:], key=lambda r: str(r[col["Mentee name"] - 1]))
        order = list(reversed(range(len(header))))
        for r, values in enumerate([header, *body], start=1):
            for c, index in enumerate(order, start=1):
                ws.cell(row=r, column=c).value = values[index]

    before = read_book(workbook, rules)
    after = read_book(edited(workbook, tmp_path, change), rules)
    assert {r.pair_id: r.pair for r in after.rows} == {r.pair_id: r.pair for r in before.rows}


# --- edited email in a vetoed row -------------------------------------------------------------------


def test_an_edited_email_in_a_rejected_row_is_refused(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    def change(ws: Any, col: dict[str, int]) -> None:
        ws.cell(row=3, column=col["Decision"], value="reject")
        ws.cell(row=3, column=col["Mentor email"], value="a.different.mentor@nhs.net")

    path = edited(workbook, tmp_path, change)
    with pytest.raises(ExportError, match=r"row 3: the pair id, names and emails"):
        read_book(path, rules)
    result = review(path, tmp_path)
    assert result.exit_code == 1 and "row 3" in result.output


def test_a_recorded_veto_cannot_be_edited_or_deleted(
    round2: tuple[Path, tuple[str, str]], tmp_path: Path
) -> None:
    path, vetoed = round2

    def other_email(ws: Any, col: dict[str, int]) -> None:
        ws.cell(row=2, column=col["Mentor email"], value="someone.else@nhs.net")

    def deleted(ws: Any, col: dict[str, int]) -> None:
        ws.delete_rows(2)

    def overwritten(ws: Any, col: dict[str, int]) -> None:
        ws.cell(row=2, column=col["Decision"], value="keep")

    expected = {
        other_email: r"row 2: this recorded decision was changed",
        deleted: r"records 1 decisions but the 'Decisions' sheet is missing or empty",
        overwritten: r"row 2: this recorded decision was changed",
    }
    for change, message in expected.items():
        bad = edited(path, tmp_path, change, sheet="Decisions")
        result = review(bad, tmp_path)
        assert result.exit_code == 1, change
        assert ExportError.__name__ not in result.output
        with pytest.raises(ExportError, match=message):
            read_book(bad, load_rules(MIND_RULES))
    untouched = read_book(path, load_rules(MIND_RULES))
    assert [(r.subject, r.decision, r.round) for r in untouched.records] == [(vetoed, "reject", 1)]


# --- the Decision vocabulary ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [
        ("✗", "reject"), ("❌", "reject"), ("✘", "reject"), ("✕", "reject"), ("x", "reject"),
        ("No", "reject"), ("VETO", "reject"), (" Rejected ", "reject"),
        ("✓", "keep"), ("✔", "keep"), ("✔️", "keep"), ("✅", "keep"), ("Yes", "keep"), ("ok", "keep"),
        (None, ""), ("  ", ""),
    ],
)  # fmt: skip
def test_decision_words_and_symbols(typed: str | None, meaning: str) -> None:
    assert decision_word(typed) == meaning


@pytest.mark.parametrize("typed", ["maybe", "?", "rejct", "keep?!x", "✓✗", "0"])
def test_any_other_decision_is_an_error_naming_the_cell(
    workbook: Path, rules: Rules, tmp_path: Path, typed: str
) -> None:
    letter: list[str] = []

    def change(ws: Any, col: dict[str, int]) -> None:
        ws.cell(row=5, column=col["Decision"], value=typed)
        letter.append(column_letter(col["Decision"] - 1))

    path = edited(workbook, tmp_path, change)
    with pytest.raises(
        ExportError, match=rf"row 5, cell {letter[0]}5 \('Decision'\): '.*' is neither keep nor reject"
    ):
        read_book(path, rules)
    assert review(path, tmp_path).exit_code == 1 and introduce(path, tmp_path).exit_code == 1


def test_crossed_out_pairs_are_neither_introduced_nor_remade(
    workbook: Path, rules: Rules, tmp_path: Path
) -> None:
    crosses = {2: "✗", 3: "❌", 4: "✘"}

    def change(ws: Any, col: dict[str, int]) -> None:
        for row, mark in crosses.items():
            ws.cell(row=row, column=col["Decision"], value=mark)
        ws.cell(row=5, column=col["Decision"], value="✓")

    path = edited(workbook, tmp_path, change)
    book = read_book(path, rules)
    crossed = {r.pair_id for r in book.rows if r.row in crosses}
    assert {r.pair_id for r in book.rows if r.decision == "reject"} == crossed
    assert not crossed & {p.pair_id for p in read_pairs(path, rules)}
    result = review(path, tmp_path)
    assert result.exit_code == 0, result.output
    remade = read_book(tmp_path / "next.xlsx", rules)
    assert not {r.pair for r in book.rows if r.row in crosses} & remade.pairs
    [ticked] = [r for r in book.rows if r.row == 5]
    assert {r.pair_id: r.decision for r in remade.rows}[ticked.pair_id] == "keep"


# --- two Decision columns ---------------------------------------------------------------------------


def test_a_second_decision_column_is_refused(workbook: Path, rules: Rules, tmp_path: Path) -> None:
    def change(ws: Any, col: dict[str, int]) -> None:
        extra = ws.max_column + 1
        ws.cell(row=1, column=extra, value="Decision")
        ws.cell(row=6, column=extra, value="reject")

    path = edited(workbook, tmp_path, change)
    with pytest.raises(ExportError, match=r"columns [A-Z]+ and [A-Z]+ are both headed 'Decision'"):
        read_book(path, rules)
    for result in (review(path, tmp_path), introduce(path, tmp_path)):
        assert result.exit_code == 1 and "both headed 'Decision'" in result.output


# --- property: any mix-up of one column's cells is caught --------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_shuffle_of_one_bound_column_is_caught(
    workbook: Path, rules: Rules, tmp_path: Path, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(["Pair", "Mentee name", "Mentee email", "Mentor name", "Mentor email"]))
    book = read_book(workbook, rules)
    n = len(book.rows)
    order = data.draw(st.permutations(range(n)))

    def change(ws: Any, col: dict[str, int]) -> None:
        values = [ws.cell(row=r, column=col[name]).value for r in range(2, n + 2)]
        for r, k in enumerate(order, start=2):
            ws.cell(row=r, column=col[name], value=values[k])

    path = edited(workbook, tmp_path, change)
    values = [getattr(r, _field(name)) for r in book.rows]
    moved = any(values[k] != values[i] for i, k in enumerate(order))
    if moved:
        with pytest.raises(ExportError, match="no longer belong together"):
            read_book(path, rules)
    else:
        assert read_book(path, rules).pairs == book.pairs


def _field(header: str) -> str:
    return {
        "Pair": "pair_id",
        "Mentee name": "receiver_name",
        "Mentee email": "receiver_email",
        "Mentor name": "giver_name",
        "Mentor email": "giver_email",
    }[header]


@given(st.text(max_size=12))
def test_decision_word_never_crashes_and_knows_only_its_words(text: str) -> None:
    assert decision_word(text) in {"keep", "reject", "", None}


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_check_binds_both_emails_in_order(a: str, b: str) -> None:
    if a.strip().lower() != b.strip().lower():
        assert row_check("P001", (a, b), ("N", "M")) != row_check("P001", (b, a), ("N", "M"))


# --- a workbook with history whose Decisions or Summary sheet is gone ---------------------------------


def without_sheets(source: Path, tmp_path: Path, *sheets: str) -> Path:
    path = tmp_path / "cut.xlsx"
    wb = openpyxl.load_workbook(source)
    for name in sheets:
        del wb[name]
    wb.save(path)
    return path


def matches_alone(source: Path, tmp_path: Path) -> Path:
    """The Matches sheet copied (values) into a new workbook, as a coordinator might share it."""
    path = tmp_path / "alone.xlsx"
    rows = list(openpyxl.load_workbook(source, read_only=True)["Matches"].iter_rows(values_only=True))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Matches"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "cut", [("Decisions",), ("Summary",), ("Decisions", "Summary"), ("Unmatched", "Decisions", "Summary")]
)
def test_a_reviewed_workbook_missing_its_history_sheets_is_refused(
    round2: tuple[Path, tuple[str, str]], rules: Rules, tmp_path: Path, cut: tuple[str, ...]
) -> None:
    out, _vetoed = round2
    path = without_sheets(out, tmp_path, *cut)
    missing = [s for s in ("Decisions", "Summary") if s in cut]
    with pytest.raises(ExportError) as caught:
        read_book(path, rules)
    for sheet in missing:
        assert f"'{sheet}'" in caught.value.message
    assert "all its sheets" in (caught.value.hint or "")
    result = review(path, tmp_path)
    assert result.exit_code == 1 and f"'{missing[0]}'" in result.output and "missing" in result.output
    assert not (tmp_path / "next.xlsx").exists()


def test_the_matches_sheet_copied_alone_is_refused_not_read_without_history(
    round2: tuple[Path, tuple[str, str]], tmp_path: Path
) -> None:
    out, _vetoed = round2
    path = matches_alone(out, tmp_path)
    result = review(path, tmp_path)
    assert result.exit_code == 1
    assert "'Decisions' and 'Summary' sheets are missing" in " ".join(result.output.split())
    assert not (tmp_path / "next.xlsx").exists()  # so the round-1 veto of `vetoed` cannot be remade


def test_deleting_the_history_lines_of_summary_is_refused(
    round2: tuple[Path, tuple[str, str]], rules: Rules, tmp_path: Path
) -> None:
    out, _vetoed = round2

    def change(ws: Any, col: dict[str, int]) -> None:
        for row in range(ws.max_row, 1, -1):
            if ws.cell(row=row, column=col["Item"]).value in {"Last pair id", "Decisions recorded"}:
                ws.delete_rows(row)

    path = edited(out, tmp_path, change, sheet="Summary")
    with pytest.raises(ExportError, match=r"'Summary' sheet is missing.*'Last pair id'"):
        read_book(path, rules)


# --- a workbook from before the Check column ----------------------------------------------------------


def old_style(source: Path, tmp_path: Path, change: Any = None) -> Path:
    """``source`` as an older mentormatch wrote it: no Check column, no Decisions, no Summary."""
    path = without_sheets(source, tmp_path, "Decisions", "Summary")
    wb = openpyxl.load_workbook(path)
    ws = wb["Matches"]
    ws.delete_cols(columns(ws)["Check"])
    if change is not None:
        change(ws, columns(ws))
    wb.save(path)
    return path


def test_an_unverifiable_old_workbook_is_refused_unless_accepted(
    workbook: Path, rules: Rules, tmp_path: Path
) -> None:
    path = old_style(workbook, tmp_path, sort_one_column("Mentor email"))  # the accident it cannot see
    with pytest.raises(ExportError, match="no 'Check' column") as caught:
        read_book(path, rules)
    assert "--accept-unverified" in (caught.value.hint or "")
    assert "accept_unverified=" in (caught.value.hint or "")  # named for a library user too
    for result in (review(path, tmp_path), introduce(path, tmp_path)):
        assert result.exit_code == 1 and "--accept-unverified" in result.output, result.output
    assert not (tmp_path / "next.xlsx").exists() and not list((tmp_path / "outbox").glob("*.eml"))


def test_an_old_workbook_is_used_when_the_coordinator_accepts_unverified_rows(
    workbook: Path, rules: Rules, tmp_path: Path
) -> None:
    path = old_style(workbook, tmp_path)
    assert read_book(path, rules, unverified=True).pairs == read_book(workbook, rules).pairs
    result = run(
        "introduce", path, "--rules", MIND_RULES, "--template", TEMPLATE, "-o", tmp_path / "outbox",
        "--coordinator", "sam.lee@nhs.net", "--accept-unverified",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(read_book(workbook, rules).rows)
    out = tmp_path / "next.xlsx"
    result = run(
        "match", MIND_EXPORT, "--rules", MIND_RULES, "-o", out, "--review", path, "--accept-unverified"
    )
    assert result.exit_code == 0, result.output
    assert read_book(out, rules).pairs == read_book(workbook, rules).pairs


def test_deleting_the_check_column_does_not_make_a_reviewed_workbook_old(
    round2: tuple[Path, tuple[str, str]], rules: Rules, tmp_path: Path
) -> None:
    out, _vetoed = round2
    path = without_sheets(out, tmp_path, "Summary")
    wb = openpyxl.load_workbook(path)
    wb["Matches"].delete_cols(columns(wb["Matches"])["Check"])
    wb.save(path)
    for unverified in (False, True):  # its Decisions sheet says it has a history: never read as old
        with pytest.raises(ExportError, match="'Summary' sheet is missing"):
            read_book(path, rules, unverified=unverified)

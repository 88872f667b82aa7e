"""Tests for mentormatch.workbook: formula safety, atomic writes, layout, CSV output."""

from __future__ import annotations

import csv
import math
import os
import shutil
import stat
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from mentormatch import paper, workbook
from mentormatch.errors import OutputError
from mentormatch.workbook import (
    Sheet,
    check_output_path,
    safe_text,
    write_csv,
    write_workbook,
)

DANGEROUS = [
    "=1+1",
    "+44 7700",
    "-2",
    "@SUM(A1)",
    "\tx",
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "#N/A",  # openpyxl would otherwise store this as an error value
    "=",
    " leading and trailing spaces ",
]


def _one_sheet(rows: list[list[Any]], **kwargs: Any) -> list[Sheet]:
    columns = kwargs.pop("columns", ["Text"])
    return [Sheet("Data", columns, rows, **kwargs)]


def _folder_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(params=["normal", "write-only"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once with the normal writer and once with openpyxl's write-only mode."""
    if request.param == "write-only":
        monkeypatch.setattr(workbook, "WRITE_ONLY_THRESHOLD", 0)
    return str(request.param)


# --------------------------------------------------------------------------- formula safety


def test_formula_looking_text_round_trips_as_text(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([[text] for text in DANGEROUS], columns=["=Header"]))

    ws = load_workbook(out, data_only=False).active
    values = [row[0] for row in ws.iter_rows()]
    assert [cell.value for cell in values] == ["=Header", *DANGEROUS]
    for cell in values:
        assert cell.data_type == "s", (cell.value, cell.data_type)
    assert out.read_bytes().find(b"<f>") == -1  # no formula element anywhere


def test_formula_looking_text_in_every_column_and_sheet(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows = [DANGEROUS[i : i + 3] for i in range(0, 9, 3)]
    sheets = [
        Sheet("One", ["A", "B", "C"], rows, wrap=frozenset({"B"})),
        Sheet("Two", ["A", "B", "C"], rows, dropdowns={"C": ["keep", "reject"]}),
    ]
    write_workbook(out, sheets)

    for ws in load_workbook(out).worksheets:
        for row, expected in zip(ws.iter_rows(min_row=2), rows, strict=True):
            assert [c.value for c in row] == expected
            assert all(c.data_type == "s" for c in row)


def test_carriage_returns_are_stored_as_line_feeds(tmp_path: Path, mode: str) -> None:
    # XML readers turn a raw CR into LF, so the writer normalises: still text, never a formula.
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([["\rx"], ["a\r\nb"], ["=1\r+1"]]))

    ws = load_workbook(out).active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["\nx", "a\nb", "=1\n+1"]
    assert all(c.data_type == "s" for c in cells)


def test_numbers_dates_and_booleans_keep_their_types(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    row = [-2, 1.5, True, date(2024, 3, 1), datetime(2024, 3, 1, 9, 30), np.int64(7), "text"]
    write_workbook(out, _one_sheet([row], columns=list("ABCDEFG")))

    cells = next(load_workbook(out).active.iter_rows(min_row=2))
    assert [c.value for c in cells] == [
        -2,
        1.5,
        True,
        datetime(2024, 3, 1),
        datetime(2024, 3, 1, 9, 30),
        7,
        "text",
    ]
    assert [c.data_type for c in cells] == ["n", "n", "b", "d", "d", "n", "s"]
    assert cells[3].number_format == "yyyy-mm-dd"


def test_tz_aware_datetimes_are_written_as_london_local_time(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows: list[list[Any]] = [
        [datetime(2024, 7, 1, 12, 0, tzinfo=UTC)],  # BST: 13:00 in London
        [datetime(2024, 1, 15, 12, 0, tzinfo=UTC)],  # GMT: 12:00 in London
        [pd.Timestamp("2024-07-01 08:00", tz="America/New_York")],
        [datetime(2024, 7, 1, 12, 0)],  # naive: left alone
    ]
    write_workbook(out, _one_sheet(rows, columns=["When"]))

    values = [row[0].value for row in load_workbook(out).active.iter_rows(min_row=2)]
    assert values == [
        datetime(2024, 7, 1, 13, 0),
        datetime(2024, 1, 15, 12, 0),
        datetime(2024, 7, 1, 13, 0),
        datetime(2024, 7, 1, 12, 0),
    ]


def test_missing_values_are_empty_cells(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    row = [None, math.nan, np.nan, pd.NA, pd.NaT, np.datetime64("NaT"), "end"]
    write_workbook(out, _one_sheet([row], columns=list("ABCDEFG")))

    cells = next(load_workbook(out).active.iter_rows(min_row=2))
    assert [c.value for c in cells] == [None] * 6 + ["end"]


def test_unwritable_characters_are_dropped(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows = [["a\x00b\x07c\x1fd\x0be"], ["lone \ud800 surrogate \uffff"], ["tab\tand\nnewline"]]
    write_workbook(out, _one_sheet(rows))

    values = [row[0].value for row in load_workbook(out).active.iter_rows(min_row=2)]
    assert values == ["abcde", "lone  surrogate ", "tab\tand\nnewline"]


def test_cell_text_is_capped_at_excel_limit(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    emoji = "😀" * 20_000  # 40,000 UTF-16 code units: Excel counts these, not code points
    write_workbook(out, _one_sheet([["=" + "x" * 40_000], [emoji], ["short"]]))

    values = [row[0].value for row in load_workbook(out).active.iter_rows(min_row=2)]
    assert values[0] == "=" + "x" * 32_766
    assert len(values[0]) == workbook.EXCEL_CELL_LIMIT == 32_767
    assert values[1] == "😀" * (32_767 // 2)
    assert values[2] == "short"


def test_other_objects_are_written_as_their_text(tmp_path: Path, mode: str) -> None:
    class Weird:
        def __str__(self) -> str:
            return "=EVIL()"

    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([[Weird()], [Path("a/b")], [math.inf]]))

    cells = [row[0] for row in load_workbook(out).active.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=EVIL()", str(Path("a/b")), "inf"]
    assert all(c.data_type == "s" for c in cells)


# --------------------------------------------------------------------------- presentation


def test_layout_header_freeze_filter_widths_and_print_setup(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows = [["Ann", "x" * 200, 3], ["Bob", "short", 4]]
    write_workbook(out, _one_sheet(rows, columns=["Name", "Why", "A much longer heading"]))

    ws = load_workbook(out).active
    header = ws["A1"]
    assert header.value == "Name"
    assert header.font.b is True
    assert header.fill.fill_type == "solid"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"
    assert ws.print_title_rows == "$1:$1"
    # Printed at full size (never shrunk to fit: that made text 3 points high): these three
    # columns (93 characters) fit across a landscape A4 page, not a portrait one.
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.scale == 100
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.right.text == "Page &P of &N"
    widths = {key: dim.width for key, dim in ws.column_dimensions.items()}
    assert widths["A"] == paper.MIN_WIDTH  # short names: the minimum
    assert widths["B"] == paper.MAX_WIDTH  # very long text: the maximum
    assert widths["C"] == len("A much longer heading") + 4  # the heading plus filter button


def _paper_width(ws: Any) -> float:
    pixels = sum(paper.column_pixels(d.width) for d in ws.column_dimensions.values())
    return pixels * ws.page_setup.scale / 100


def test_wide_sheet_prints_landscape_at_a_legible_scale_with_every_column_on_the_page(
    tmp_path: Path, mode: str
) -> None:
    out = tmp_path / "out.xlsx"
    columns = ["Pair", "Mentee name", "Mentor name", "Decision", "Score", "Why"]
    columns += [f"Detail {n}" for n in range(8)] + ["Mentee row"]
    rows = [["P001", "Ann Other", "Bob Smith", "", 90, "because " * 30, *["x" * 40] * 8, 12]]
    write_workbook(out, [Sheet("Pairs", columns, rows, wrap=frozenset({"Why"}), freeze="Mentor name")])

    ws = load_workbook(out).active
    assert ws.page_setup.orientation == "landscape"
    assert paper.PRINT_SCALE <= ws.page_setup.scale <= 100  # 11-point text >= 8.25 points
    assert _paper_width(ws) <= paper.printable_pixels(landscape=True)
    assert ws.freeze_panes == "D2"  # header row and Pair + both names stay in view
    assert ws.print_title_rows == "$1:$1"
    # narrowed text columns wrap; the number column keeps its values whole
    assert ws["G2"].alignment.wrap_text is True
    assert ws.column_dimensions["F"].width >= paper.WRAP_MIN  # Why stays readable
    assert ws.column_dimensions["O"].width >= len("12") + 2
    assert not ws["O2"].alignment.wrap_text


def test_pages_are_headed_with_the_programme_and_run_and_numbered(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    run = datetime(2026, 3, 2, 14, 5)
    write_workbook(out, _one_sheet([["x"]]), title="Kent & Medway MIND", run_at=run)

    ws = load_workbook(out).active
    assert ws.oddHeader.left.text == "Kent && Medway MIND"  # a single & would start a code
    assert ws.oddHeader.right.text == "Run 02 Mar 2026 14:05"
    assert ws.oddFooter.left.text == "&A"
    assert ws.oddFooter.right.text == "Page &P of &N"
    assert ws.page_setup.scale == 100 and ws.page_setup.orientation == "portrait"


def test_formatted_numbers_keep_their_value_and_format(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([[workbook.Formatted(0.84, "0%")], [3]], columns=["Value"]))

    ws = load_workbook(out).active
    assert ws["A2"].value == 0.84 and ws["A2"].number_format == "0%"
    assert ws["A3"].value == 3


def test_wrap_columns_wrap_and_align_top(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows = [["Ann", "reason " * 30, date(2024, 1, 2)]]
    write_workbook(out, _one_sheet(rows, columns=["Name", "Why", "Date"], wrap=frozenset({"Why"})))

    ws = load_workbook(out).active
    assert ws["B2"].alignment.wrap_text is True
    assert ws["B2"].alignment.vertical == "top"
    assert not ws["A2"].alignment.wrap_text
    assert ws["A2"].alignment.vertical == "top"  # the whole row reads from the top
    assert ws["C2"].number_format == "yyyy-mm-dd"  # the style did not cost the date format
    assert ws.column_dimensions["B"].width == paper.MAX_WIDTH


def test_dropdowns_cover_the_data_rows(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows: list[list[Any]] = [["Ann", "keep"], ["Bob", None], ["Cy", "reject"]]
    sheets = _one_sheet(rows, columns=["Name", "Decision"], dropdowns={"Decision": ["keep", "reject"]})
    write_workbook(out, sheets)

    ws = load_workbook(out).active
    [validation] = ws.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"keep,reject"'
    assert str(validation.sqref) == "B2:B4"
    assert validation.allow_blank is True


def test_long_or_comma_dropdown_lists_go_to_a_hidden_sheet(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    choices = ["keep", "reject, not eligible", *[f"option {i}" for i in range(40)]]
    sheets = _one_sheet([["a"]], columns=["Decision"], dropdowns={"Decision": choices})
    write_workbook(out, sheets)

    wb = load_workbook(out)
    assert wb.sheetnames == ["Data", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    assert [row[0].value for row in wb["Lists"].iter_rows()] == choices
    [validation] = wb["Data"].data_validations.dataValidation
    assert validation.formula1 == f"'Lists'!$A$1:$A${len(choices)}"


def test_empty_sheet_still_has_its_header(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    sheets = [Sheet("Nothing", ["Name", "Decision"], [], dropdowns={"Decision": ["keep"]})]
    write_workbook(out, sheets)

    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["Name", "Decision"]
    assert ws.max_row == 1
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B1"


def test_sheet_names_are_sanitised_and_unique(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    names = ["a/b:c*?[d]\\e", "x" * 40, "X" * 40, "History", "''", "Lists"]
    write_workbook(out, [Sheet(name, ["A"], [["v"]], dropdowns={"A": ["a,b"]}) for name in names])

    titles = load_workbook(out).sheetnames
    assert titles[:5] == ["a_b_c___d__e", "x" * 31, "X" * 27 + " (2)", "History_", "Sheet"]
    assert titles[5] == "Lists"
    assert titles[6] == "Lists (2)"  # the hidden drop-down list sheet
    assert all(len(t) <= 31 for t in titles)


def test_group_by_outlines_runs_under_their_first_row(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    rows: list[list[Any]] = [["m1", "a"], ["m1", "b"], ["m1", "c"], ["m2", "d"], [None, "e"]]
    rows.append([None, "f"])
    write_workbook(out, _one_sheet(rows, columns=["Mentor", "Mentee"], group_by="Mentor"))

    ws = load_workbook(out).active
    levels = {r: ws.row_dimensions[r].outlineLevel for r in range(2, 8)}
    assert levels == {2: 0, 3: 1, 4: 1, 5: 0, 6: 0, 7: 0}
    assert ws.sheet_properties.outlinePr.summaryBelow is False


def test_workbook_properties_name_only_the_tool(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([["x"]]))

    props = load_workbook(out).properties
    assert props.creator == "mentormatch"
    assert props.lastModifiedBy is None
    assert props.title is None


def test_bad_sheet_definitions_are_programming_errors(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="Nope"):
        write_workbook(out, [Sheet("S", ["A"], [], dropdowns={"Nope": ["x"]})])
    with pytest.raises(ValueError, match="row 1"):
        write_workbook(out, [Sheet("S", ["A"], [["1", "2"]])])
    with pytest.raises(ValueError, match="at least one sheet"):
        write_workbook(out, [])
    assert _folder_names(tmp_path) == []


def test_short_rows_are_padded(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([["a"], ["b", "c"]], columns=["A", "B"]))

    ws = load_workbook(out).active
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [["a", None], ["b", "c"]]


# --------------------------------------------------------------------------- output paths


def test_check_output_path_refuses_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(OutputError, match="exists; use --force to replace it"):
        check_output_path(out, force=False)
    check_output_path(out, force=True)
    check_output_path(tmp_path / "new.xlsx", force=False)


def test_check_output_path_refuses_the_input_even_with_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "export.xlsx"
    source.write_bytes(b"applications")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    same_files = [source, Path("export.xlsx"), Path("sub/../export.xlsx")]
    link = tmp_path / "link.xlsx"
    try:
        link.symlink_to(source)
        os.link(source, tmp_path / "hard.xlsx")
    except OSError:  # pragma: no cover - e.g. Windows without the symlink privilege
        pass
    else:
        same_files += [link, tmp_path / "hard.xlsx"]
        with pytest.raises(OutputError, match="would overwrite the input"):
            check_output_path(source, force=True, inputs=[link])

    for same in same_files:
        with pytest.raises(OutputError, match="would overwrite the input"):
            check_output_path(same, force=True, inputs=[source])
    check_output_path(tmp_path / "other.xlsx", force=True, inputs=[source])


def test_write_workbook_never_replaces_its_input(tmp_path: Path) -> None:
    source = tmp_path / "export.xlsx"
    source.write_bytes(b"applications")
    with pytest.raises(OutputError, match="would overwrite the input"):
        write_workbook(source, _one_sheet([["x"]]), force=True, inputs=[source])
    assert source.read_bytes() == b"applications"
    with pytest.raises(OutputError, match="would overwrite the input"):
        write_csv(tmp_path / "in.csv", ["A"], [], force=True, inputs=[tmp_path / "in.csv"])


def test_check_output_path_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist") as info:
        check_output_path(tmp_path / "missing" / "out.xlsx", force=True)
    assert info.value.hint


def test_check_output_path_refuses_a_folder_and_a_wrong_suffix(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        check_output_path(folder, force=True)
    with pytest.raises(OutputError, match=r"should end in \.xlsx"):
        write_workbook(tmp_path / "out.csv", _one_sheet([["x"]]))
    with pytest.raises(OutputError, match=r"should end in \.csv"):
        write_csv(tmp_path / "out.xlsx", ["A"], [])
    write_workbook(tmp_path / "UPPER.XLSX", _one_sheet([["x"]]))


def test_write_workbook_replaces_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook(out, _one_sheet([["first"]]))
    with pytest.raises(OutputError, match="exists"):
        write_workbook(out, _one_sheet([["second"]]))
    assert load_workbook(out).active["A2"].value == "first"
    write_workbook(out, _one_sheet([["second"]]), force=True)
    assert load_workbook(out).active["A2"].value == "second"
    assert _folder_names(tmp_path) == ["out.xlsx"]


# --------------------------------------------------------------------------- atomic writes


def test_failed_save_leaves_no_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    def broken_save(self: Workbook, target: Any) -> None:
        target.write(b"PK half a workbook")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Workbook, "save", broken_save)
    new = tmp_path / "new.xlsx"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_workbook(new, _one_sheet([["x"]]))
    assert _folder_names(tmp_path) == []

    old = tmp_path / "old.xlsx"
    old.write_bytes(b"the previous run")
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_workbook(old, _one_sheet([["x"]]), force=True)
    assert old.read_bytes() == b"the previous run"
    assert _folder_names(tmp_path) == ["old.xlsx"]


def test_os_errors_while_saving_become_output_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self: Workbook, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full_disk)
    with pytest.raises(OutputError, match="No space left"):
        write_workbook(tmp_path / "out.xlsx", _one_sheet([["x"]]))
    assert _folder_names(tmp_path) == []


def test_a_locked_output_file_is_an_output_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On Windows, os.replace fails while Excel has the old output open.
    def locked(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    out = tmp_path / "out.xlsx"
    out.write_bytes(b"open in Excel")
    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputError, match="cannot replace") as info:
        write_workbook(out, _one_sheet([["x"]]), force=True)
    assert "Excel" in (info.value.hint or "")
    assert out.read_bytes() == b"open in Excel"
    assert _folder_names(tmp_path) == ["out.xlsx"]


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("cannot show this value")


def test_a_bad_value_leaves_no_workbook(tmp_path: Path, mode: str) -> None:
    old = tmp_path / "out.xlsx"
    old.write_bytes(b"the previous run")
    rows: list[list[Any]] = [["fine"]] * 5 + [[_Unprintable()]]
    with pytest.raises(RuntimeError, match="cannot show"):
        write_workbook(old, _one_sheet(rows), force=True)
    assert old.read_bytes() == b"the previous run"
    assert _folder_names(tmp_path) == ["out.xlsx"]


def test_write_only_failure_removes_openpyxl_spool_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Write-only sheets are spooled (applicant data) to the system temp folder meanwhile.
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    monkeypatch.setattr(workbook, "WRITE_ONLY_THRESHOLD", 0)
    out = tmp_path / "out" / "pairs.xlsx"
    out.parent.mkdir()
    sheets = [Sheet("A", ["X"], [["fine"]]), Sheet("B", ["X"], [["fine"], [_Unprintable()]])]
    with pytest.raises(RuntimeError, match="cannot show"):
        write_workbook(out, sheets)
    assert _folder_names(spool) == []
    assert _folder_names(out.parent) == []

    write_workbook(out, sheets[:1])
    assert _folder_names(spool) == []
    assert _folder_names(out.parent) == ["pairs.xlsx"]


def test_a_bad_value_mid_csv_leaves_no_file(tmp_path: Path) -> None:
    old = tmp_path / "out.csv"
    old.write_bytes(b"the previous run")
    rows: list[list[Any]] = [["fine"]] * 50 + [[_Unprintable()]]
    with pytest.raises(RuntimeError, match="cannot show"):
        write_csv(old, ["A"], rows, force=True)
    assert old.read_bytes() == b"the previous run"
    assert _folder_names(tmp_path) == ["out.csv"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        out = tmp_path / "out.xlsx"
        write_workbook(out, _one_sheet([["x"]]))
        assert stat.S_IMODE(out.stat().st_mode) == 0o644  # not the temp file's 0600
        out.chmod(0o640)
        write_workbook(out, _one_sheet([["y"]]), force=True)
        assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the replaced file's mode is kept
    finally:
        os.umask(umask)


# --------------------------------------------------------------------------- CSV


def test_safe_text() -> None:
    for text in ["=1+1", "+44", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_text(text) == "'" + text
    for text in ["Ann", "", "1-2", " =x", "'quoted"]:
        assert safe_text(text) == text


def test_csv_has_bom_guards_formulas_and_keeps_accents(tmp_path: Path) -> None:
    out = tmp_path / "problems.csv"
    rows: list[list[Any]] = [
        ["=cmd|' /C calc'!A0", "Zoë Ó Súilleabháin", -2],
        ["+44 7700", None, math.nan],
        ["line one\nline two", datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("UTC")), True],
        ["bad \udc80 byte", date(2024, 7, 1), 1.5],
    ]
    write_csv(out, ["Value", "=Name", "Number"], rows)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert read == [
        ["Value", "'=Name", "Number"],
        ["'=cmd|' /C calc'!A0", "Zoë Ó Súilleabháin", "-2"],  # numbers are not text
        ["'+44 7700", "", ""],
        ["line one\nline two", "2024-07-01 13:00:00", "True"],
        ["bad ? byte", "2024-07-01", "1.5"],
    ]
    assert _folder_names(tmp_path) == ["problems.csv"]


def test_csv_refuses_existing_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    write_csv(out, ["A"], [["1"]])
    with pytest.raises(OutputError, match="exists"):
        write_csv(out, ["A"], [["2"]])
    write_csv(out, ["A"], [["2"]], force=True)
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["A", "2"]


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "pairs.xlsx"
    sheets = [
        Sheet(
            "Pairs",
            ["Mentor", "Mentee", "Why", "Decision", "When"],
            [
                ["=1+1", "+44 7700", "reason " * 40, "keep", datetime(2024, 7, 1, 9)],
                ["=1+1", "@SUM(A1)", "-2", None, None],
            ],
            wrap=frozenset({"Why"}),
            dropdowns={"Decision": ["keep", "reject"]},
            group_by="Mentor",
        ),
        Sheet("Empty", ["A"], []),
    ]
    write_workbook(out, sheets)
    soffice = shutil.which("soffice")
    assert soffice is not None
    profile = (tmp_path / "profile").as_uri()  # never touch the user's own LibreOffice profile
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(out),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "pdf" / "pairs.pdf"
    assert pdf.exists(), result.stderr.decode(errors="replace")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_page_of_charts_in_either_writer(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out.xlsx"
    figures = [
        workbook.Figure("By organisation", ["Organisation", "Paired", "Unmatched"],
                        [["A", 3, 1], ["B", 2, 0]], stacked=True),
        workbook.Figure("By reason", ["Reason", "Rejected"], []),
        workbook.Figure("Scores", ["Score", "Pairs"], [["0–10", 1], ["10–20", 4]], kind="column"),
    ]  # fmt: skip
    page = workbook.Page("Overview", "=Programme", ["+3 pairs made.", "Second line."], figures)
    write_workbook(out, [page, Sheet("Data", ["A"], [["x"]])], title="Programme")

    wb = load_workbook(out)
    assert wb.sheetnames == ["Overview", "Data"]
    ws = wb["Overview"]
    assert ws["A1"].value == "=Programme" and ws["A1"].data_type == "s"  # text, never a formula
    assert [ws["A2"].value, ws["A3"].value] == ["+3 pairs made.", "Second line."]
    assert len(ws._charts) == 3
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    values = [row[:3] for row in ws.iter_rows(values_only=True) if row[0] in {"A", "B", "(none)", "0–10"}]
    assert values == [("A", 3, 1), ("B", 2, 0), ("(none)", 0, None), ("0–10", 1, None)]  # (none) drawn

"""Tests for mentormatch.load: reading forms exports into tables with exact row numbers."""

from __future__ import annotations

import ast
import csv
import time as time_module
import zipfile
from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mentormatch import load, tables
from mentormatch.errors import ExportError
from mentormatch.load import Table, TableRow, column_letter, load_table

MS_HEADERS = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "What is your current\nAgenda for Change band?",
    "Which\u00a0organisation do you work for?  ",
]
T1 = datetime(2024, 3, 4, 9, 15, 30)
T2 = datetime(2024, 3, 4, 9, 21, 2)


# ---- helpers --------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", **kw: Any) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, **kw).writerows(rows)
    return path


def rewrite_member(path: Path, member: str, old: bytes, new: bytes) -> None:
    """Replace bytes inside one part of a zip (to craft workbooks openpyxl cannot write)."""
    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            if info.filename == member:
                assert old in data, data[-400:]
                data = data.replace(old, new)
            zout.writestr(info.filename, data)


def load_error(path: Path, sheet: str | None = None) -> ExportError:
    """Load a bad file; the error must name it and carry a fix hint."""
    with pytest.raises(ExportError) as info:
        load_table(path, sheet)
    err = info.value
    assert path.name in err.message
    assert err.hint
    assert "Hint:" in str(err)
    return err


def values(table: Table) -> list[tuple[object, ...]]:
    return [row.cells for row in table.rows]


# ---- column_letter --------------------------------------------------------------------------


def test_column_letter() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        column_letter(-1)


# ---- Microsoft Forms .xlsx ------------------------------------------------------------------


def test_microsoft_forms_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "Mentoring applications(1-3).xlsx",
        {
            "Sheet1": [
                MS_HEADERS,
                [1, T1, T2, "ann.smith@nhs.net", "Ann Smith", "Band 6", "  Leeds Teaching  "],
                [2, T1, T2, "bo@nhs.net", "Bo Li", 7, None],
                [None, None, "   ", None],  # blank row: skipped, number not reused
                [3, T1, T2, "cy@nhs.net", "Cy", 7.5, True],
            ]
        },
    )
    table = load_table(path)
    assert table.source == path
    assert table.sheet == "Sheet1"
    assert table.header_row == 1
    assert table.encoding is None
    assert table.headers == (
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "What is your current Agenda for Change band?",
        "Which organisation do you work for?",
    )
    assert [row.number for row in table.rows] == [2, 3, 5]
    assert table.rows[0] == TableRow(
        2, (1, T1, T2, "ann.smith@nhs.net", "Ann Smith", "Band 6", "  Leeds Teaching  ")
    )
    assert table.rows[1].cells == (2, T1, T2, "bo@nhs.net", "Bo Li", 7, None)
    assert table.rows[2].cells[5:] == (7.5, True)
    assert isinstance(table.rows[0].cells[1], datetime)
    assert all(len(row.cells) == len(table.headers) for row in table.rows)


def test_xlsm_suffix(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "macro.xlsm", {"Form1": [["ID", "Name"], [1, "Ann"]]})
    assert load_table(path).rows == (TableRow(2, (1, "Ann")),)


def test_xlsx_wrong_dimension_still_reads_every_cell(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "dim.xlsx", {"Sheet1": [["A", "B", "C"], [1, 2, 3], [4, 5, 6]]})
    rewrite_member(path, "xl/worksheets/sheet1.xml", b'ref="A1:C3"', b'ref="A1"')
    assert values(load_table(path)) == [(1, 2, 3), (4, 5, 6)]


def test_title_rows_above_header_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "titled.xlsx",
        {
            "Sheet1": [
                ["Mentoring programme 2024: applications"],
                ["ID", "Email", "Name", "Band"],
                [1, "a@nhs.net", "Ann", "6"],
                [2, "b@nhs.net", None, None],
            ]
        },
    )
    table = load_table(path)
    assert table.header_row == 2
    assert table.headers == ("ID", "Email", "Name", "Band")
    assert [row.number for row in table.rows] == [3, 4]


def test_title_and_blank_rows_above_header_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "titled.csv",
        [["Applications"], [], ["Exported 2024-03-04", ""], ["Timestamp", "Email", "Name"],
         ["04/03/2024 09:00:00", "a@nhs.net", "Ann"]],
    )  # fmt: skip
    table = load_table(path)
    assert table.header_row == 4
    assert table.rows == (TableRow(5, ("04/03/2024 09:00:00", "a@nhs.net", "Ann")),)


def test_merged_header_cells_give_empty_headers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Contact details", None, "Band"])
    ws.append([None, "Email", "Phone", None])
    ws.append(["Ann", "a@nhs.net", "0113 000", "6"])
    ws.merge_cells("B1:C1")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    table = load_table(path)
    assert table.header_row == 1
    assert table.headers == ("Name", "Contact details", "", "Band")
    assert table.rows[0] == TableRow(2, (None, "Email", "Phone", None))
    assert table.rows[1] == TableRow(3, ("Ann", "a@nhs.net", "0113 000", "6"))


def test_answers_right_of_last_header_are_kept(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "wide.xlsx",
        {"Sheet1": [["ID", "Name"], [1, "Ann", None, "note"], [2, "Bo"]]},
    )
    table = load_table(path)
    assert table.headers == ("ID", "Name", "", "")
    assert values(table) == [(1, "Ann", None, "note"), (2, "Bo", None, None)]


def test_formula_cells_give_cached_value_or_none(tmp_path: Path) -> None:
    # Excel stores each formula's last result; openpyxl writes none, so such a cell reads None.
    path = write_xlsx(
        tmp_path / "formula.xlsx",
        {"Sheet1": [["A", "B", "Sum", "Label"], [1, 2, "=A2+B2", '=IF(A2>0,"yes","no")']]},
    )
    assert load_table(path).rows[0].cells == (1, 2, None, None)
    rewrite_member(path, "xl/worksheets/sheet1.xml", b"<f>A2+B2</f><v />", b"<f>A2+B2</f><v>3</v>")
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        b'<c r="D2"><f>IF(A2&gt;0,"yes","no")</f><v />',
        b'<c r="D2" t="str"><f>IF(A2&gt;0,"yes","no")</f><v>yes</v>',
    )
    assert load_table(path).rows[0].cells == (1, 2, 3, "yes")


def test_excel_error_values_stay_strings(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "errors.xlsx", {"Sheet1": [["Name", "Band"], ["Ann", "#N/A"]]})
    with zipfile.ZipFile(path) as zf:  # really an error cell, not a string
        assert b't="e"><v>#N/A</v>' in zf.read("xl/worksheets/sheet1.xml")
    assert load_table(path).rows[0].cells == ("Ann", "#N/A")


def test_longest_excel_cell_and_unicode_round_trip_xlsx(tmp_path: Path) -> None:
    long_text = ("Mentoring 😀 " * 3000)[:32767]
    texts = ["Zoë Ó'Brien-Müller", "مرحبا بالعالم", "שלום", "👩🏽‍⚕️ nurse", "Łódź ñ ß"]
    path = write_xlsx(tmp_path / "unicode.xlsx", {"Sheet1": [["Long", *["T"] * 5], [long_text, *texts]]})
    cells = load_table(path).rows[0].cells
    assert len(cells[0]) == 32767
    assert cells == (long_text, *texts)


# ---- sheet choice ---------------------------------------------------------------------------


def test_sheet_chosen_by_most_rows_among_visible_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Programme", "Cohort"])
    notes.append(["Mentoring", "2024"])
    form = wb.create_sheet("Form1")
    form.append(["ID", "Name"])
    for i in range(1, 4):
        form.append([i, f"Person {i}"])
    hidden = wb.create_sheet("Lookup")
    hidden.sheet_state = "hidden"
    for i in range(10):
        hidden.append([i, i * 2])
    path = tmp_path / "workbook.xlsx"
    wb.save(path)
    table = load_table(path)
    assert table.sheet == "Form1"
    assert len(table.rows) == 3


def test_sheet_tie_goes_to_first_sheet(tmp_path: Path) -> None:
    rows: list[list[object]] = [["ID", "Name"], [1, "Ann"]]
    path = write_xlsx(tmp_path / "tie.xlsx", {"Sheet1": rows, "Sheet2": rows})
    assert load_table(path).sheet == "Sheet1"


def test_sheet_by_name_ignores_case(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "named.xlsx",
        {"Sheet1": [["A", "B"], [1, 2], [3, 4]], "Form1": [["ID", "Name"], [7, "Ann"]]},
    )
    table = load_table(path, sheet="form1")
    assert table.sheet == "Form1"
    assert table.rows == (TableRow(2, (7, "Ann")),)
    assert load_table(path, sheet=" SHEET1 ").sheet == "Sheet1"


def test_unknown_sheet_lists_sheet_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Form1"
    wb.active.append(["ID", "Name"])
    wb.create_sheet("Old").sheet_state = "hidden"
    path = tmp_path / "sheets.xlsx"
    wb.save(path)
    err = load_error(path, sheet="Responses")
    assert "'Responses'" in err.message
    assert "'Form1'" in err.message
    assert "'Old' (hidden)" in err.message


def test_empty_sheet_has_no_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "blank.xlsx", {"Sheet1": []})
    err = load_error(path)
    assert "no header row found" in err.message
    assert "Sheet1" in err.message


def test_header_only_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "header.xlsx", {"Sheet1": [MS_HEADERS]})
    err = load_error(path)
    assert "has a header row" in err.message
    assert "but no answers" in err.message


def test_header_only_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "header.csv", [["Timestamp", "Email address", "Name"]])
    assert "has a header row (row 1) but no answers" in load_error(path).message


# ---- Google Forms / CSV ---------------------------------------------------------------------


def test_google_forms_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "Mentoring (Responses) - Form responses 1.csv",
        [
            ["Timestamp", "Email address", "Full name", "Band", "Years in role"],
            ["2024/03/04 9:15:30 am GMT", "ann@nhs.net", "Ann Smith", "Band 6", "3"],
            ["2024/03/04 9:21:02 am GMT", "bo@nhs.net", " Bo ", "", "  "],
        ],
        quoting=csv.QUOTE_ALL,
    )
    table = load_table(path)
    assert table.sheet is None
    assert table.encoding == "utf-8"
    assert table.header_row == 1
    assert table.headers[0] == "Timestamp"
    assert table.rows == (
        TableRow(2, ("2024/03/04 9:15:30 am GMT", "ann@nhs.net", "Ann Smith", "Band 6", "3")),
        TableRow(3, ("2024/03/04 9:21:02 am GMT", "bo@nhs.net", " Bo ", None, None)),
    )


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [["Timestamp", "Name"], ["x", "Zoë"]], "utf-8-sig")
    table = load_table(path)
    assert table.encoding == "utf-8-sig"
    assert table.headers == ("Timestamp", "Name")
    assert table.rows[0].cells == ("x", "Zoë")


def test_csv_cp1252(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "excel.csv", [["Name", "Expenses"], ["René", "£25 café"]], "cp1252")
    table = load_table(path)
    assert table.encoding == "cp1252"
    assert table.rows[0].cells == ("René", "£25 café")


def test_csv_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Name,Band\nAnn\x81\x8d,6\n")  # bytes undefined in UTF-8 and cp1252
    err = load_error(path)
    assert "UTF-8" in err.message
    assert "CSV UTF-8" in (err.hint or "")


def test_csv_semicolon_delimited(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "semi.csv",
        [["Timestamp", "Name", "Why mentoring?"], ["04/03/2024", "Ann", "Growth, support, fun"],
         ["05/03/2024", "Bo", "Yes"]],
        delimiter=";",
    )  # fmt: skip
    table = load_table(path)
    assert table.headers == ("Timestamp", "Name", "Why mentoring?")
    assert table.rows[0].cells == ("04/03/2024", "Ann", "Growth, support, fun")


def test_csv_semicolon_with_title_row_containing_comma(tmp_path: Path) -> None:
    path = tmp_path / "semi-title.csv"
    path.write_text("Applications, 2024\nA;B;C\n1;2;3\n4;5;6\n", encoding="utf-8")
    table = load_table(path)
    assert table.headers == ("A", "B", "C")
    assert table.header_row == 2
    assert values(table) == [("1", "2", "3"), ("4", "5", "6")]


def test_csv_semicolon_with_quoted_phrase_in_answer(tmp_path: Path) -> None:
    # csv.Sniffer would pick "," here from the `, "hello",` pattern.
    path = tmp_path / "phrase.csv"
    path.write_text('Name;Comment\nAnn;He said, "hello", twice\nBo;ok\n', encoding="utf-8")
    table = load_table(path)
    assert table.headers == ("Name", "Comment")
    assert table.rows[0].cells == ("Ann", 'He said, "hello", twice')


def test_unbalanced_quotes_do_not_slow_delimiter_detection(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text("Name,Note\n" + ',"a' * 30_000 + "\n", encoding="utf-8")
    started = time_module.perf_counter()
    with pytest.raises(ExportError):  # the one 30,001-field record outweighs the header
        load_table(path)
    assert time_module.perf_counter() - started < 5  # csv.Sniffer takes ~25 s on this


def test_tab_delimited_txt(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.txt", [["Name", "Notes"], ["Ann", "a, b; c"]], delimiter="\t")
    assert load_table(path).rows[0].cells == ("Ann", "a, b; c")


def test_utf16_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("Name\tTeam\r\nZoë\tשלום\r\n".encode("utf-16"))
    table = load_table(path)
    assert table.encoding == "utf-16"
    assert table.rows == (TableRow(2, ("Zoë", "שלום")),)


def test_csv_multiline_quoted_cell_counts_records(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "multi.csv",
        [["Name", "Goals"], ["Ann", "Line one\nLine two\r\nLine three"], ["Bo", "Short"]],
    )
    table = load_table(path)
    assert table.rows == (
        TableRow(2, ("Ann", "Line one\nLine two\r\nLine three")),
        TableRow(3, ("Bo", "Short")),
    )


def test_csv_ragged_rows_are_padded_and_extra_cells_kept(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("A,B,C\n1\n2,3,4,5,6\n\n7,8,9\n", encoding="utf-8")
    table = load_table(path)
    assert table.headers == ("A", "B", "C", "", "")
    assert table.rows == (
        TableRow(2, ("1", None, None, None, None)),
        TableRow(3, ("2", "3", "4", "5", "6")),
        TableRow(5, ("7", "8", "9", None, None)),
    )


def test_csv_long_cell_and_unicode_round_trip(tmp_path: Path) -> None:
    long_text = "x" * 32767
    texts = ["Zoë", "مرحبا", "שלום", "👩🏽‍⚕️", 'quote " and, comma']
    path = write_csv(tmp_path / "u.csv", [["L", "1", "2", "3", "4", "5"], [long_text, *texts]])
    assert load_table(path).rows[0].cells == (long_text, *texts)


def test_csv_cells_are_never_converted(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "types.csv", [["N", "D", "B"], ["007", "2024-03-04", "TRUE"]])
    assert load_table(path).rows[0].cells == ("007", "2024-03-04", "TRUE")


def test_csv_unclosed_quote(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('Name,Goals\nAnn,"never closed ' + "x" * 200_000 + "\n", encoding="utf-8")
    err = load_error(path)
    assert "line" in err.message
    assert "quote" in (err.hint or "")


def test_csv_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Name,Band\nAnn\x00,6\n")
    assert "binary" in load_error(path).message


def test_csv_renamed_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "responses.xlsx", [["Timestamp", "Name"], ["t", "Ann"]])
    table = load_table(path)
    assert table.sheet is None
    assert table.encoding == "utf-8"
    assert table.rows == (TableRow(2, ("t", "Ann")),)


def test_xlsx_renamed_csv_is_read_as_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "responses.csv", {"Form1": [["ID", "Name"], [1, "Ann"]]})
    table = load_table(path)
    assert table.sheet == "Form1"
    assert table.rows == (TableRow(2, (1, "Ann")),)


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "report.xls"
    path.write_text("<html><body><table><tr><td>Name</td></tr></table></body></html>")
    assert "web page" in load_error(path).message


# ---- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv", "empty.ods"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    err = load_error(path)
    assert "is empty" in err.message
    assert "Export the responses again" in (err.hint or "")


@pytest.mark.parametrize("name", ["old.xls", "protected.xlsx"])
def test_ole2_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(load.OLE2_MAGIC + bytes(4096))
    err = load_error(path)
    assert "is an old-style .xls file or a password-protected workbook" in err.message
    assert "save it as .xlsx without a password" in (err.hint or "")


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    assert "damaged" in load_error(path).message


def test_truncated_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cut.xlsx", {"Sheet1": [["A", "B"], [1, 2]]})
    path.write_bytes(path.read_bytes()[:-200])
    assert "damaged" in load_error(path).message


def test_zip_with_broken_sheet_xml(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "badxml.xlsx", {"Sheet1": [["A", "B"], [1, 2]]})
    rewrite_member(path, "xl/worksheets/sheet1.xml", b"</sheetData>", b"</sheetDat>")
    assert "damaged" in load_error(path).message


def test_binary_file_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(b"\x01\x02\x00\x03" * 100)
    assert "neither a workbook nor a text" in load_error(path).message


def test_control_characters_named_xlsx_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "blob.xlsx"
    path.write_bytes(b"\x01\x02\x03abc,def\n" * 100)  # valid UTF-8, but not text
    assert "neither a workbook nor a text" in load_error(path).message


def test_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "download.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Form responses 1.csv", "Name\nAnn\n")
    err = load_error(path)
    assert "Form responses 1.csv" in err.message
    assert "Unzip" in (err.hint or "")


def test_word_document_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w/>")
    assert "Word document" in load_error(path).message


def test_zip_bomb_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "bomb.xlsx", {"Sheet1": [["A", "B"], [1, 2]]})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", bytes(2_000_000))
    monkeypatch.setattr(load, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    assert "too large" in load_error(path).message


def test_zip_bomb_compression_ratio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "ratio.xlsx", {"Sheet1": [["A", "B"], [1, 2]]})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet2.xml", bytes(2_000_000))
    assert load_table(path).rows[0].cells == (1, 2)  # below the size the ratio is checked at
    monkeypatch.setattr(load, "RATIO_CHECK_MIN_BYTES", 1_000_000)
    err = load_error(path)
    assert "zip bomb" in err.message
    assert "sheet2.xml" in err.message


def test_too_many_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "big.csv", [["A", "B"]] + [["1", "2"]] * 50)
    monkeypatch.setattr(tables, "MAX_CELLS", 60)
    assert "too large" in load_error(path).message


def test_missing_file(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nowhere.xlsx")
    assert "does not exist" in err.message


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "exports.xlsx"
    folder.mkdir()
    assert "is a folder" in load_error(folder).message


@pytest.mark.parametrize("name", ["responses.pdf", "responses.json", "responses"])
def test_unknown_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Name,Band\nAnn,6\n")
    err = load_error(path)
    assert ".xlsx" in err.message
    assert ".csv" in err.message


def test_zip_suffix(tmp_path: Path) -> None:
    path = tmp_path / "responses.csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("responses.csv", "Name\nAnn\n")
    assert "Unzip" in (load_error(path).hint or "")


# ---- .ods -----------------------------------------------------------------------------------


def test_ods_written_by_pandas(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("odf")
    frame = pd.DataFrame(
        {
            "Timestamp": [T1, T2],
            "Name": ["Zoë", "  "],
            "Band": [6, 7],
            "Score": [1.5, 2.0],
            "Mentor?": [True, False],
        }
    )
    path = tmp_path / "responses.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name="Form responses 1", index=False)
    table = load_table(path)
    assert table.sheet == "Form responses 1"
    assert table.headers == ("Timestamp", "Name", "Band", "Score", "Mentor?")
    assert table.rows == (
        TableRow(2, (T1, "Zoë", 6, 1.5, True)),
        TableRow(3, (T2, None, 7, 2.0, False)),
    )


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
<office:automatic-styles>
 <style:style style:name="ta1" style:family="table">
  <style:table-properties table:display="true"/></style:style>
 <style:style style:name="ta2" style:family="table">
  <style:table-properties table:display="false"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
 <table:table table:name="Hidden" table:style-name="ta2">
  <table:table-row table:number-rows-repeated="50">
   <table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>
   <table:table-cell office:value-type="float" office:value="2"/>
  </table:table-row>
 </table:table>
 <table:table table:name="Answers" table:style-name="ta1">
  <table:table-row>
   <table:table-cell table:number-columns-spanned="2" office:value-type="string">
    <text:p>Applications</text:p></table:table-cell>
   <table:covered-table-cell/>
  </table:table-row>
  <table:table-header-rows><table:table-row>
   <table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell>
   <table:table-cell table:number-columns-spanned="2" office:value-type="string">
    <text:p>Contact</text:p></table:table-cell>
   <table:covered-table-cell/>
   <table:table-cell office:value-type="string"><text:p>Start</text:p></table:table-cell>
   <table:table-cell office:value-type="string"><text:p>Time</text:p></table:table-cell>
   <table:table-cell office:value-type="string"><text:p>Fee</text:p></table:table-cell>
  </table:table-row></table:table-header-rows>
  <table:table-row>
   <table:table-cell office:value-type="string"
    ><text:p>Ann<text:s text:c="2"/>Smith<text:line-break/>Leeds</text:p
    ><text:p>2nd</text:p
    ><office:annotation><text:p>a comment</text:p></office:annotation></table:table-cell>
   <table:table-cell table:number-columns-repeated="2"/>
   <table:table-cell office:value-type="date" office:date-value="2024-03-04T09:15:30">
    <text:p>04/03/24</text:p></table:table-cell>
   <table:table-cell office:value-type="time" office:time-value="PT09H30M00S">
    <text:p>09:30</text:p></table:table-cell>
   <table:table-cell office:value-type="currency" office:currency="GBP" office:value="25.5">
    <text:p>£25.50</text:p></table:table-cell>
   <table:table-cell table:number-columns-repeated="16000"/>
  </table:table-row>
  <table:table-row table:number-rows-repeated="3">
   <table:table-cell table:number-columns-repeated="1024"/></table:table-row>
  <table:table-row>
   <table:table-cell office:value-type="string"><text:p>#N/A</text:p></table:table-cell>
   <table:table-cell office:value-type="date" office:date-value="2024-03-05"/>
  </table:table-row>
  <table:table-row table:number-rows-repeated="1048570">
   <table:table-cell table:number-columns-repeated="1024"/></table:table-row>
 </table:table>
</office:spreadsheet></office:body></office:document-content>
"""


def write_ods(path: Path, content: str = ODS_CONTENT, manifest: str = "<manifest/>") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return path


def test_ods_repeats_merges_text_and_hidden_sheets(tmp_path: Path) -> None:
    table = load_table(write_ods(tmp_path / "libre.ods"))
    assert table.sheet == "Answers"  # the hidden sheet has more rows but is passed over
    assert table.header_row == 2
    assert table.headers == ("Name", "Contact", "", "Start", "Time", "Fee")
    assert table.rows == (
        TableRow(3, ("Ann  Smith\nLeeds\n2nd", None, None, T1, time(9, 30), 25.5)),
        TableRow(7, ("#N/A", datetime(2024, 3, 5), None, None, None, None)),
    )
    hidden = load_table(tmp_path / "libre.ods", sheet="hidden")
    assert hidden.sheet == "Hidden"
    assert [row.number for row in hidden.rows] == list(range(2, 51))


def test_ods_password_protected(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "locked.ods", manifest="<m><manifest:encryption-data/></m>")
    assert "password" in load_error(path).message


def test_ods_broken_xml(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "broken.ods", content="<office:document-content>")
    assert "damaged" in load_error(path).message


def test_ods_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
    )
    path = write_ods(tmp_path / "laughs.ods", content=bomb)
    assert "XML declarations" in load_error(path).message


def test_xlsx_entity_declaration_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "entity.xlsx", {"Sheet1": [["A", "B"], [1, 2]]})
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        b"<worksheet",
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><worksheet',
    )
    assert "XML declarations" in load_error(path).message


# ---- safety ---------------------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("name", ["load", "tables", "ods", "textfile"])
def test_module_does_not_import_cli_libraries(name: str) -> None:
    tree = ast.parse((Path(load.__file__).parent / f"{name}.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"typer", "rich", "click"}

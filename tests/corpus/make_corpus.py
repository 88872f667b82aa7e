"""Build the corpus of hostile forms exports and say what mentormatch must make of each.

    python tests/corpus/make_corpus.py [FOLDER]    # default: tests/corpus/exports

Each entry of ``CASES`` names a file, the function that builds it, and the outcome
``mentormatch validate FILE --rules rules/kent-medway-mind-2022.yaml`` must reach:

* ``exit=1``: one clear message naming the file, containing ``message``; or
* ``exit=0``: ``rows`` rows read, and exactly the rows in ``rejected`` (row number -> the first
  rule code of that row) in the Rejected sheet; every other row is eligible.

Never a traceback. ``tests/test_bad_exports.py`` runs every case through the command line.
Cases marked ``at_test_time`` are built by the test into a temporary folder, not committed: the
100,000-row export, the zip bomb (small, but not worth keeping), and paths that are not regular
files (a folder, a named pipe, a missing file).

Every person is invented. The output is deterministic (fixed timestamps inside workbooks and zip
entries), so rerunning the script rewrites byte-identical files; a test checks that.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXPORTS = HERE / "exports"
STAMP = (2022, 10, 17, 9, 0, 0)  # zip entry times and workbook dates

# --- the MIND export layout -------------------------------------------------------------------

FORMS = {
    "id": "ID",
    "start": "Start time",
    "completed": "Completion time",
    "forms_email": "Email",
    "forms_name": "Name",
}
QUESTIONS = {
    "name": "Full name",
    "email": "Work email address",
    "org": "Which organisation do you work for?",
    "job": "Job title",
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
COLUMNS = {**FORMS, **QUESTIONS}
HEADER = list(COLUMNS.values())
IN_TIME = datetime(2022, 10, 10, 9, 0)

DEFAULTS: dict[str, Any] = {
    "start": IN_TIME,
    "completed": IN_TIME,
    "forms_email": "anonymous",
    "forms_name": "",
    "org": "EKHUFT",
    "job": "Staff Nurse",
    "years": "6 years",
    "before": "No",
    "ethnicity": "Black or Black British - African",
    "gender": "Woman",
    "goals": "Leadership;Confidence;",
    "offers": "Leadership;Confidence;",
    "capacity": "1",
    "manager": "",
}


def mentee(name: str, email: str, **answers: Any) -> dict[str, Any]:
    return {"name": name, "email": email, "role": "Mentee", "band": "Band 5", **answers}


def mentor(name: str, email: str, **answers: Any) -> dict[str, Any]:
    return {"name": name, "email": email, "role": "Mentor", "band": "Band 8a", "job": "Matron", **answers}


ANN = mentee("Ann Example", "ann.example@nhs.net")
BOB = mentor("Bob Example", "bob.example@nhs.net")
PAIR = [ANN, BOB]


def rows_of(people: Sequence[dict[str, Any]], header: Sequence[str] = HEADER) -> list[list[Any]]:
    """The header and one row per person, unspecified answers taken from DEFAULTS."""
    names = {text: name for name, text in COLUMNS.items()}
    out: list[list[Any]] = [list(header)]
    for n, person in enumerate(people, start=1):
        answers = {**DEFAULTS, "id": n, **person}
        out.append([answers.get(names.get(h, ""), "") for h in header])
    return out


def as_text(value: Any) -> str:
    """A cell as Google Forms writes it in a CSV."""
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M:%S")
    return "" if value is None else str(value)


# --- writers ------------------------------------------------------------------------------------


def fixed_zip(data: bytes, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """The zip ``data`` rewritten with fixed entry times (and any member edits), for equal bytes."""
    stamp = datetime(*STAMP).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            if edits and info.filename in edits:
                content = edits[info.filename](content)
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


def workbook(sheets: dict[str, list[list[Any]]], hidden: Sequence[str] = ()) -> Any:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.properties.created = datetime(*STAMP)
    return wb


def save(wb: Any, path: Path, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> None:
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(fixed_zip(buffer.getvalue(), edits))


def xlsx(path: Path, rows: list[list[Any]], **kw: Any) -> None:
    save(workbook({"Sheet1": rows}), path, **kw)


def csv_text(rows: list[list[Any]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [[as_text(v) for v in row] for row in rows]
    )
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes | str]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            entry = zipfile.ZipInfo(name, date_time=STAMP)
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zf.writestr(entry, content)


def ole2(streams: dict[str, bytes]) -> bytes:
    """A small but well-formed OLE2 compound file (what Excel writes for a password-protected
    workbook, or an old .xls). Every stream is padded to 4096 bytes so no mini stream is needed."""
    sector, end, free, fat_sector, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    padded = {name: data.ljust(4096, b"\0") for name, data in streams.items()}
    fat = [fat_sector, end]  # sector 0 holds the FAT, sector 1 the directory
    starts = []
    for data in padded.values():
        count = len(data) // sector
        starts.append(len(fat))
        fat += [len(fat) + k + 1 for k in range(count - 1)] + [end]
    assert len(fat) <= 128 and len(padded) <= 3
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\0" * 36  # CLSID, state bits, creation and modification times
            + struct.pack("<IQ", start, size)
        )

    names = list(padded)
    directory = entry("Root Entry", 5, 1, nostream, end, 0)
    for n, name in enumerate(names):
        right = n + 2 if n + 1 < len(names) else nostream
        directory += entry(name, 2, nostream, right, starts[n], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    body = struct.pack("<128I", *fat) + directory + b"".join(padded.values())
    return header + body


# --- builders -----------------------------------------------------------------------------------

Builder = Callable[[Path], None]


def b_empty(path: Path) -> None:
    path.write_bytes(b"")


def b_blank_lines(path: Path) -> None:
    path.write_bytes(b"\r\n   \r\n,,,\r\n\t\r\n")


def b_header_only_xlsx(path: Path) -> None:
    xlsx(path, [HEADER])


def b_header_only_csv(path: Path) -> None:
    path.write_text(csv_text([HEADER]), encoding="utf-8", newline="")


def b_csv_renamed_xlsx(path: Path) -> None:
    path.write_text(csv_text(rows_of(PAIR)), encoding="utf-8", newline="")


def b_xls_renamed(path: Path) -> None:
    path.write_bytes(ole2({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"BIFF8 workbook stream"}))


def b_password(path: Path) -> None:
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"  # agile encryption header
    path.write_bytes(
        ole2({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 9000) + b"\x8f" * 64})
    )


def b_truncated_xlsx(path: Path) -> None:
    buffer = io.BytesIO()
    workbook({"Sheet1": rows_of(PAIR)}).save(buffer)
    data = fixed_zip(buffer.getvalue())
    path.write_bytes(data[: len(data) // 2])


def b_zip_garbage(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)


def b_broken_sheet_xml(path: Path) -> None:
    xlsx(path, rows_of(PAIR), edits={"xl/worksheets/sheet1.xml": lambda data: data[: len(data) // 2]})


def b_duplicate_header(path: Path) -> None:
    rows = rows_of(PAIR)
    rows[0][HEADER.index("Job title")] = "Full name"  # two columns headed "Full name"
    xlsx(path, rows)


def b_duplicate_unmapped_header(path: Path) -> None:
    rows = rows_of(PAIR)
    for n, row in enumerate(rows):
        row += ["Notes", "Notes"] if n == 0 else ["ok", "checked"]
    xlsx(path, rows)


def b_missing_column(path: Path) -> None:
    header = [h for h in HEADER if h != QUESTIONS["band"]]
    xlsx(path, rows_of(PAIR, header))


def b_pdf(path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")


def b_html_xls(path: Path) -> None:
    path.write_text(
        "<html><body><table><tr><td>Full name</td><td>Work email address</td></tr>"
        "<tr><td>Ann Example</td><td>ann.example@nhs.net</td></tr></table></body></html>\n",
        encoding="utf-8",
    )


def b_word(path: Path) -> None:
    write_zip(path, {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def b_xlsb(path: Path) -> None:
    write_zip(path, {"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})


def b_google_zip(path: Path) -> None:
    write_zip(path, {"Applications.csv": csv_text(rows_of(PAIR))})


def b_csv_in_zip_xlsx(path: Path) -> None:
    write_zip(path, {"Applications (Responses).csv": csv_text(rows_of(PAIR))})


def b_odt(path: Path) -> None:
    write_zip(path, {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})


def b_plain_csv(path: Path) -> None:
    path.write_text(csv_text(rows_of(PAIR)), encoding="utf-8", newline="")


def b_unclosed_quote(path: Path) -> None:
    """A stray quote opens Ann's name and is never closed: every row after hers would vanish
    into that one answer."""
    plain = {"goals": "Leadership", "offers": "Leadership"}  # no ';' to make the file look ';'-separated
    people = [{**ANN, **plain}, {**BOB, **plain}, mentee("Cat Example", "cat.example@nhs.net", **plain)]
    text = csv_text(rows_of(people))
    path.write_text(text.replace("Ann Example", '"Ann Example', 1), encoding="utf-8", newline="")


def b_quote_closed_late(path: Path) -> None:
    """A stray quote in Ann's goals, closed by the quote that opens Bob's goals a row later:
    Bob's row would merge into Ann's."""
    people = [
        mentee("Ann Example", "ann.example@nhs.net", goals='"Leadership'),
        mentor("Bob Example", "bob.example@nhs.net", offers="Leadership, Confidence"),
        mentee("Cat Example", "cat.example@nhs.net"),
    ]
    text = csv_text(rows_of(people)).replace('"""Leadership"', '"Leadership', 1)
    path.write_text(text, encoding="utf-8", newline="")


def b_unclosed_quote_last(path: Path) -> None:
    """A stray quote on the last row: it runs to the end of the file, swallowing no other row."""
    text = csv_text(rows_of([*PAIR, mentee("Cat Example", "cat.example@nhs.net")]))
    path.write_text(text.replace("Cat Example", '"Cat Example', 1), encoding="utf-8", newline="")


def b_quoted_line_breaks(path: Path) -> None:
    """Answers with line breaks and commas inside quotes (valid CSV): not a stray quote."""
    goals = "Leadership, confidence, influencing, networking, budgets, people, change, data,\n" * 3
    people = [
        mentee(
            "Ann Example",
            "ann.example@nhs.net",
            goals=goals + "a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t",
        ),
        BOB,
    ]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


def b_nul_csv(path: Path) -> None:
    path.write_bytes(csv_text(rows_of(PAIR)).encode("utf-16-le"))  # UTF-16 without its BOM: NULs


def b_not_cp1252(path: Path) -> None:
    text = csv_text(rows_of([mentee("Ann \x00Example", "ann.example@nhs.net"), BOB]))
    path.write_bytes(text.encode("utf-8").replace(b"\x00", b"\x81\x8d\xc3"))


def b_xxe(path: Path) -> None:
    def add_entity(data: bytes) -> bytes:
        return data.replace(
            b"<worksheet",
            b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><worksheet',
            1,
        )

    xlsx(path, rows_of(PAIR), edits={"xl/worksheets/sheet1.xml": add_entity})


def b_hidden_answers(path: Path) -> None:
    notes = [["Notes"], ["Remember to email the mentors"], ["Deadline 14 October"]]
    save(workbook({"Notes": notes, "Form1": rows_of(PAIR)}, hidden=["Form1"]), path)


def b_hidden_lookup(path: Path) -> None:
    lookup = [["Band", "Rank"]] + [[f"Band {n % 9 + 1}", n] for n in range(300)]
    save(workbook({"Sheet1": rows_of(PAIR), "Lookup": lookup}, hidden=["Lookup"]), path)


def b_ods(path: Path, encrypted: bool = False) -> None:
    def cell(value: Any) -> str:
        if isinstance(value, datetime):
            return (
                f'<table:table-cell office:value-type="date" office:date-value="{value:%Y-%m-%dT%H:%M:%S}">'
                f"<text:p>{value:%d/%m/%Y %H:%M}</text:p></table:table-cell>"
            )
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        text = str(value).replace("&", "&amp;").replace("<", "&lt;")
        if not text:
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows_of(PAIR)
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="Form responses 1">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        "<manifest:manifest>" + ("<manifest:encryption-data/>" if encrypted else "") + "</manifest:manifest>"
    )
    write_zip(
        path,
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": content,
            "META-INF/manifest.xml": manifest,
        },
    )


def b_encrypted_ods(path: Path) -> None:
    b_ods(path, encrypted=True)


def b_strict_ooxml(path: Path) -> None:
    def strict(data: bytes) -> bytes:
        data = data.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        )
        return data.replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        )

    buffer = io.BytesIO()
    workbook({"Sheet1": rows_of(PAIR)}).save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zf:
        names = [n for n in zf.namelist() if n.endswith((".xml", ".rels"))]
    xlsx(path, rows_of(PAIR), edits=dict.fromkeys(names, strict))


def b_title_row(path: Path) -> None:
    rows = [["Kent & Medway MIND applications (exported 17/10/2022)"], [], *rows_of(PAIR)]
    xlsx(path, rows)


def b_merged_group_header(path: Path) -> None:
    wb = workbook(
        {
            "Sheet1": [
                ["Form details", *[None] * 4, "About you", *[None] * (len(QUESTIONS) - 1)],
                *rows_of(PAIR),
            ]
        }
    )
    ws = wb["Sheet1"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    ws.merge_cells(start_row=1, start_column=6, end_row=1, end_column=len(HEADER))
    save(wb, path)


def b_merged_email_header(path: Path) -> None:
    """ "Full name" merged across the name and email question columns: the email question loses its
    header, so the email is read from Forms' own Email column, which says "anonymous"."""
    wb = workbook({"Sheet1": rows_of(PAIR)})
    ws = wb["Sheet1"]
    name = HEADER.index(QUESTIONS["name"]) + 1
    assert HEADER.index(QUESTIONS["email"]) + 1 == name + 1
    ws.merge_cells(start_row=1, start_column=name, end_row=1, end_column=name + 1)
    save(wb, path)


def b_excel_errors(path: Path) -> None:
    people = [
        mentee("Err Email", "#N/A"),  # 2 email-missing
        mentee("Err Band", "err.band@nhs.net", band="#N/A"),  # 3 grade-needs-review
        mentee("Err Time", "err.time@nhs.net", start="#VALUE!", completed="#VALUE!"),  # 4
        # an error value is an answer nobody foresaw: review (answer-not-recognised), not rejection
        mentee("Err Role", "err.role@nhs.net", role="#REF!"),  # 5 names no role: the same
        mentee("Err Org", "err.org@nhs.net", org="#DIV/0!"),  # 6 answer-not-recognised
        mentee("Err Groups", "err.groups@nhs.net", ethnicity="#NAME?", gender="#NULL!"),  # 7 the same
        mentee("Err Goals", "err.goals@nhs.net", goals="#N/A", years="#NUM!"),  # 8 eligible
        mentor("Err Capacity", "err.capacity@nhs.net", capacity="#N/A", offers="#N/A"),  # 9 eligible
        BOB,  # 10
    ]
    xlsx(path, rows_of(people))


def b_formulas(path: Path) -> None:
    """Formula cells: one never calculated (no cached value, as openpyxl writes them), others
    with the cached value Excel stores beside the formula."""
    people = [
        mentee("No Cache", '=LOWER("no.cache@nhs.net")'),  # 2 email-missing (no value)
        mentee("Cached Email", '=LOWER("CACHED.EMAIL@NHS.NET")'),  # 3 eligible
        mentee("Cached Band", "cached.band@nhs.net", band='="Band "&6'),  # 4 eligible
        mentor('=HYPERLINK("http://example.com","Dr Link")', "dr.link@nhs.net", capacity="=1+1"),  # 5
        BOB,  # 6
    ]
    cached = {
        'LOWER("CACHED.EMAIL@NHS.NET")': "cached.email@nhs.net",
        '"Band "&amp;6': "Band 6",
        "HYPERLINK(&quot;http://example.com&quot;,&quot;Dr Link&quot;)": "Dr Link",
        'HYPERLINK("http://example.com","Dr Link")': "Dr Link",
        "1+1": "2",
    }

    def add_cached(data: bytes) -> bytes:
        text = data.decode()
        for formula, value in cached.items():
            kind = "n" if value.isdigit() else "str"
            text = re.sub(
                r'<c r="([A-Z]+\d+)"( s="\d+")?( t="\w+")?><f>' + re.escape(formula) + r"</f><v\s*/?>(</v>)?",
                lambda m, formula=formula, value=value, kind=kind: (
                    f'<c r="{m.group(1)}"{m.group(2) or ""} t="{kind}"><f>{formula}</f><v>{value}</v>'
                ),
                text,
            )
        return text.encode()

    xlsx(path, rows_of(people), edits={"xl/worksheets/sheet1.xml": add_cached})


def b_serial_dates(path: Path) -> None:
    people = [
        mentee("Serial In", "serial.in@nhs.net", start=44848.5, completed=44848.5),  # 2 14/10 12:00
        mentee("Serial Late", "serial.late@nhs.net", start=44849.25, completed=44849.25),  # 3 after
        mentee("Serial Int", "serial.int@nhs.net", start=44844, completed=44844),  # 4 10/10
        mentee("Serial Zero", "serial.zero@nhs.net", start=0, completed=0),  # 5 unreadable
        mentee("Serial Huge", "serial.huge@nhs.net", start=10**12, completed=10**12),  # 6 unreadable
        BOB,  # 7
    ]
    xlsx(path, rows_of(people))


def b_serial_dates_csv(path: Path) -> None:
    people = [
        mentee("Serial In", "serial.in@nhs.net", start="44848.5", completed="44848.5"),  # 2
        mentee("Serial Late", "serial.late@nhs.net", start="44849.25", completed="44849.25"),  # 3
        BOB,  # 4
    ]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


TEXT_DATES = [
    ("14/10/2022 17:29:59", None),  # 2 one second inside the deadline
    ("14/10/2022 17:31", "after-deadline"),  # 3
    ("2022-10-10 09:00", None),  # 4 ISO
    ("10/11/2022 09:00", "after-deadline"),  # 5 ambiguous: day first is 10 November, not 11 October
    ("03/04/2023", "after-deadline"),  # 6 ambiguous, read day first: 3 April 2023
    ("2022/10/14 5:31:00 PM GMT+1", "after-deadline"),  # 7 Google Forms, 17:31 BST
    ("2022/10/14 4:29:00 PM GMT", None),  # 8 16:29 GMT is 17:29 BST
    ("14 Oct 2022", "submission-time-unreadable"),  # 9 month in words
    ("31/02/2022 10:00", "submission-time-unreadable"),  # 10 no such day
    ("yesterday", "submission-time-unreadable"),  # 11
    ("1/1/0001 00:00", None),  # 12 year 1: in time, however absurd
    ("31/12/9999 23:59", "after-deadline"),  # 13
]


def b_text_dates(path: Path) -> None:
    people = [
        mentee(f"Date {n}", f"date.{n}@nhs.net", start=text, completed=text)
        for n, (text, _code) in enumerate(TEXT_DATES, start=2)
    ]
    xlsx(path, rows_of([*people, BOB]))


LONG = 32_767


def b_long_cell_xlsx(path: Path) -> None:
    goals = ("Leadership;" + "x" * LONG)[:LONG]
    people = [
        mentee("Ann " + "Long" * 8000, "ann.example@nhs.net", goals=goals),
        mentor("B" * LONG, "bob.example@nhs.net"),
    ]
    xlsx(path, rows_of(people))


def b_long_cell_csv(path: Path) -> None:
    people = [mentee("Ann " + "é" * 33_000, "ann.example@nhs.net", goals="Leadership;" + "y" * 33_000), BOB]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


NAMES = [
    "Zoë Ó Briain-Müller",  # accents
    "محمد عبد الله",  # Arabic, right to left
    "שרה כהן",  # Hebrew, right to left
    "Ayşe Kaya 👩🏽\u200d⚕️",  # emoji with skin tone and zero-width joiner
    "\u202eevil\u202c Name",  # right-to-left override
    "Jose\u0301 Combining",  # combining accent (NFD)
    "李小龍",  # CJK
    "O’Neill-Smith, Siobhán",  # curly apostrophe and a comma
]


def b_unicode_names(path: Path) -> None:
    people = [mentee(name, f"person.{n}@nhs.net") for n, name in enumerate(NAMES)]
    people.append(mentor("Ngozi 🧑🏿\u200d🏫 Okafor", "ngozi.okafor@nhs.net", capacity="3"))
    people.append(mentor("Ærøskøbing Ŵŷñ", "aero.wyn@nhs.net", capacity="3"))
    people.append(mentor("فاطمة", "fatima@nhs.net", capacity="3"))
    xlsx(path, rows_of(people))


def b_same_email_case(path: Path) -> None:
    people = [
        mentee("Ann Example", "Ann.Example@NHS.net", completed=datetime(2022, 10, 10, 9, 0)),  # 2 dup
        mentee("Ann Example", "  ann.example@nhs.net ", completed=datetime(2022, 10, 11, 9, 0)),  # 3
        mentee("Ann Example", "mailto:ANN.EXAMPLE@nhs.net", completed=datetime(2022, 10, 12, 9, 0)),  # 4
        BOB,  # 5
    ]
    xlsx(path, rows_of(people))


def b_roles(path: Path) -> None:
    people = [
        mentee("Role Blank", "role.blank@nhs.net", role=""),  # 2
        mentee("Role Both", "role.both@nhs.net", role="Both"),  # 3
        mentee("Role Unsure", "role.unsure@nhs.net", role="Not sure"),  # 4
        mentee("Role Space", "role.space@nhs.net", role="   "),  # 5
        mentee("Role Number", "role.number@nhs.net", role=1),  # 6
        mentee("Role Case", "role.case@nhs.net", role="  MENTEE "),  # 7 eligible
        BOB,  # 8
    ]
    xlsx(path, rows_of(people))


def b_years(path: Path) -> None:
    band7 = {"band": "Band 7", "before": "No"}
    people = [
        mentor("Years Minus", "years.minus@nhs.net", years="-2", **band7),  # 2
        mentor("Years Absurd", "years.absurd@nhs.net", years="400", **band7),  # 3
        mentor("Years Minus Number", "years.minusn@nhs.net", years=-2, **band7),  # 4
        mentor("Years Absurd Number", "years.absurdn@nhs.net", years=400, **band7),  # 5
        mentor("Years Words", "years.words@nhs.net", years="a long time", **band7),  # 6
        mentor("Years Five", "years.five@nhs.net", years="5 years", **band7),  # 7 eligible
        mentee("Years Mentee", "years.mentee@nhs.net", years="400"),  # 8 eligible: not read
    ]
    xlsx(path, rows_of(people))


def b_bands(path: Path) -> None:
    people = [
        mentee("Band NA", "band.na@nhs.net", band="N/A"),  # 2
        mentee("Band 8e", "band.8e@nhs.net", band="Band 8e"),  # 3
        mentee("Band Zero", "band.zero@nhs.net", band="Band 0"),  # 4
        mentee("Band Float", "band.float@nhs.net", band=7.5),  # 5
        mentee("Band Bool", "band.bool@nhs.net", band=True),  # 6
        mentee("Band Date", "band.date@nhs.net", band=datetime(2022, 6, 1)),  # 7
        mentee("Band Blank", "band.blank@nhs.net", band=""),  # 8
        mentee("Band Number", "band.number@nhs.net", band=6),  # 9 eligible
        mentee("Band Spaced", "band.spaced@nhs.net", band="  band   6 "),  # 10 eligible
        BOB,  # 11
    ]
    xlsx(path, rows_of(people))


def b_cp1252(path: Path) -> None:
    people = [
        mentee("Renée O’Brien", "renee.obrien@nhs.net", goals="Budgets over £10k;Confidence"),
        mentor(
            "José Müller",
            "jose.muller@nhs.net",
            offers="Budgets over £10k;Leadership",
            job="Café lead – Band 8a",
        ),
    ]
    path.write_bytes(csv_text(rows_of(people)).encode("cp1252"))


def b_bom(path: Path) -> None:
    path.write_bytes(codecs.BOM_UTF8 + csv_text(rows_of(PAIR)).encode("utf-8"))


def b_semicolon(path: Path) -> None:
    path.write_text(csv_text(rows_of(PAIR), delimiter=";"), encoding="utf-8", newline="")


def b_tab(path: Path) -> None:
    path.write_text(csv_text(rows_of(PAIR), delimiter="\t"), encoding="utf-8", newline="")


def b_utf16(path: Path) -> None:
    path.write_bytes(csv_text(rows_of(PAIR), delimiter="\t").encode("utf-16"))


def b_old_mac(path: Path) -> None:
    path.write_bytes(csv_text(rows_of(PAIR)).replace("\r\n", "\r").encode("utf-8"))


def b_trailing_blank_rows(path: Path) -> None:
    rows = rows_of(PAIR) + [[None] * len(HEADER)] * 3 + [["  "] * len(HEADER)] * 3 + [[None, "\t"]]
    xlsx(path, rows)


def b_trailing_blank_csv(path: Path) -> None:
    path.write_text(
        csv_text(rows_of(PAIR)) + ("," * 20 + "\r\n") * 5 + "\r\n" * 5, encoding="utf-8", newline=""
    )


def b_whitespace_cells(path: Path) -> None:
    people = [
        mentee("Blank Email", "   "),  # 2 email-missing
        mentee("Blank Role", "blank.role@nhs.net", role="\t"),  # 3 role-unknown
        mentee("\u00a0 ", "blank.name@nhs.net"),  # 4 eligible, no name
        mentee("Blank Org", "blank.org@nhs.net", org="\u00a0"),  # 5 organisation-not-in-programme
        BOB,  # 6
    ]
    xlsx(path, rows_of(people))


def b_wide(path: Path) -> None:
    wb = workbook({"Sheet1": rows_of(PAIR)})
    wb["Sheet1"].cell(row=3, column=16_384).value = "stray value in column XFD"
    save(wb, path)


def b_wide_csv(path: Path) -> None:
    rows = rows_of(PAIR)
    rows[0] += [f"Q{n}" for n in range(5000)]
    for row in rows[1:]:
        row += ["x"] * 5000
    path.write_text(csv_text(rows), encoding="utf-8", newline="")


def b_extra_cells(path: Path) -> None:
    rows = rows_of(PAIR)
    rows[1] += ["answer past the last header", "and another"]
    rows[2] = rows[2][:8]  # a short row: the rest of its answers missing
    path.write_text(csv_text(rows), encoding="utf-8", newline="")


def b_emails(path: Path) -> None:
    people = [
        mentee("Angle Email", "Ann Example <ann.example@nhs.net>"),  # 2 eligible
        mentor("Mailto Email", "mailto:bob.example@nhs.net"),  # 3 eligible
        mentee("Emoji Email", "ann📧@nhs.net"),  # 4 eligible (unusual but an address)
        mentee("Two Emails", "a@nhs.net; b@nhs.net"),  # 5 email-missing
        mentee("No At", "ann.example.nhs.net"),  # 6 email-missing
        mentee("Anonymous", "anonymous"),  # 7 email-missing
    ]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


def b_odd_types(path: Path) -> None:
    people = [
        mentee(12345, "number.name@nhs.net"),  # 2 eligible, name "12345"
        mentee("Date Email", datetime(2022, 10, 1)),  # 3 email-missing
        mentee("Bool Email", True),  # 4 email-missing
        mentor("Text Capacity", "text.capacity@nhs.net", capacity="lots"),  # 5 eligible, 1 place
        mentor("Float Capacity", "float.capacity@nhs.net", capacity=2.5),  # 6 eligible
        mentor("Huge Capacity", "huge.capacity@nhs.net", capacity=10**9),  # 7 eligible, capped
        mentor("Negative Capacity", "negative.capacity@nhs.net", capacity=-3),  # 8 eligible
    ]
    xlsx(path, rows_of(people))


def b_messy_headers(path: Path) -> None:
    header = [f"  {h.upper()}  " if n % 2 else h.replace(" ", "  ").lower() for n, h in enumerate(HEADER)]
    rows = rows_of(PAIR)
    rows[0] = header
    xlsx(path, rows)


def b_multiline(path: Path) -> None:
    people = [mentee("Ann\nExample", "ann.example@nhs.net", goals="Leadership;\r\nConfidence;"), BOB]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


def b_capacity(path: Path) -> None:
    people = [
        *(mentee(f"Mentee {n}", f"mentee.{n}@nhs.net") for n in range(6)),  # 2-7
        mentor("Capacity Million", "capacity.million@nhs.net", capacity="1000000"),  # 8
        mentor("Capacity Minus", "capacity.minus@nhs.net", capacity="-1"),  # 9
        mentor("Capacity Zero", "capacity.zero@nhs.net", capacity="0"),  # 10
    ]
    xlsx(path, rows_of(people))


def b_two_roles(path: Path) -> None:
    people = [
        mentor("Ann Example", "ann.example@nhs.net", completed=datetime(2022, 10, 9, 9, 0)),  # 2 dup
        mentee("Ann Example", "ann.example@nhs.net", band="Band 7", years="5"),  # 3
        BOB,  # 4
    ]
    xlsx(path, rows_of(people))


def b_pasted_twice(path: Path) -> None:
    """Two exports pasted one under the other: the second header row reads as an applicant."""
    rows = rows_of(PAIR) + rows_of([mentee("Cat Example", "cat.example@nhs.net")])
    xlsx(path, rows)


def b_injection_csv(path: Path) -> None:
    people = [
        mentee("=cmd|' /C calc'!A0", "ann.example@nhs.net", job="+SUM(1,2)", goals="@Leadership;-Confidence"),
        mentor("-Bob", "bob.example@nhs.net", job='=HYPERLINK("http://evil.example","click")'),
    ]
    path.write_text(csv_text(rows_of(people)), encoding="utf-8", newline="")


def b_markup_header(path: Path) -> None:
    """Headers that look like console markup ([/...] closes a style), and no band column, so the
    error message lists them."""
    header = [h for h in HEADER if h != QUESTIONS["band"]] + ["Comments [/optional]", "[bold]Notes"]
    xlsx(path, rows_of(PAIR, header))


def b_xlsm(path: Path) -> None:
    xlsx(path, rows_of(PAIR))


def b_control_chars(path: Path) -> None:
    people = [mentee("Ann\x07Bell\x1bEscape", "ann.example@nhs.net", goals="Leader\x00ship"), BOB]
    path.write_text(csv_text(rows_of(people)).replace("\x00", "\x0b"), encoding="utf-8", newline="")


def b_lone_surrogate(path: Path) -> None:
    """UTF-8 bytes for a lone surrogate (invalid): decoded as Windows-1252 instead."""
    text = csv_text(rows_of([mentee("Ann SURROGATE", "ann.example@nhs.net"), BOB]))
    path.write_bytes(text.encode().replace(b"SURROGATE", b"\xed\xa0\x80"))


# --- built by the test: too big to commit, or not a regular file ----------------------------------


def b_hundred_thousand(path: Path, count: int = 100_000) -> None:
    """100,000 applications; every 10th is late, every 7th (not late) a repeat of the row before."""
    header = ",".join(HEADER) + "\r\n"
    deadline_late = "2022/10/15 09:00:00"
    chunks = [header]
    for n in range(count):
        late = n % 10 == 9
        repeat = n % 7 == 6 and not late and (n - 1) % 10 != 9
        who = n - 1 if repeat else n
        mentor_row = who % 3 == 0
        when = deadline_late if late else f"2022/10/{1 + n % 9:02d} {n % 24:02d}:{n % 60:02d}:00"
        if repeat:
            when = "2022/10/10 23:59:59"
        chunks.append(
            f"{n + 1},{when},{when},anonymous,,Person {who},person.{who}@nhs.net,EKHUFT,"
            f"{'Matron' if mentor_row else 'Staff Nurse'},{'Mentor' if mentor_row else 'Mentee'},"
            f"{'Band 8a' if mentor_row else 'Band 5'},6 years,No,Black or Black British - African,Woman,"
            f"Leadership;Confidence;,Leadership;,1,\r\n"
        )
    path.write_text("".join(chunks), encoding="utf-8", newline="")


def hundred_thousand_expected(count: int = 100_000) -> dict[int, str]:
    """Row -> code for b_hundred_thousand, worked out from how the rows were built."""
    out: dict[int, str] = {}
    for n in range(count):
        late = n % 10 == 9
        if late:
            out[n + 2] = "after-deadline"
    for n in range(count):
        repeat = n % 7 == 6 and n % 10 != 9 and (n - 1) % 10 != 9
        if repeat:
            # the repeat (23:59:59 on the 10th) is later than the original unless the original was
            # already on the 10th at a later time: originals are 2022/10/(1 + n % 9) <= the 9th
            out[n + 1] = "duplicate-submission"  # the row before (n - 1) is at row n + 1
    return out


def b_zip_bomb(path: Path) -> None:
    """A workbook whose sheet part would expand from ~20 kB to 20 MB of zeros."""
    buffer = io.BytesIO()
    workbook({"Sheet1": rows_of(PAIR)}).save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data + b" " * (20 * 1024 * 1024)
            dst.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def b_directory(path: Path) -> None:
    path.mkdir()
    (path / "applications.xlsx").write_bytes(b"")


def b_fifo(path: Path) -> None:
    os.mkfifo(path)


def b_missing(path: Path) -> None:
    """Nothing: the file does not exist."""


# --- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile export and the outcome validate must reach."""

    name: str
    file: str
    build: Builder
    about: str
    exit: int = 0
    message: str = ""  # exit 1: a fragment of the message
    rows: int = 0  # exit 0: rows read
    rejected: dict[int, str] = field(default_factory=dict)  # exit 0: row -> first rule code
    args: tuple[str, ...] = ()  # extra command-line options
    at_test_time: bool = False
    bug: str = ""  # a known bug outside the loader that still breaks this case (the test xfails)


def fail(name: str, file: str, build: Builder, about: str, message: str, **kw: Any) -> Case:
    return Case(name, file, build, about, exit=1, message=message, **kw)


def ok(
    name: str,
    file: str,
    build: Builder,
    about: str,
    rows: int,
    rejected: dict[int, str] | None = None,
    **kw: Any,
) -> Case:
    return Case(name, file, build, about, exit=0, rows=rows, rejected=rejected or {}, **kw)


DAMAGED = "is damaged or is not a complete spreadsheet"
OLE2 = "is an old-style .xls file or a password-protected workbook"

CASES: list[Case] = [
    # --- the file cannot be read: one message, exit 1
    fail("empty-xlsx", "empty.xlsx", b_empty, "0 bytes named .xlsx", "is empty (0 bytes)"),
    fail("empty-csv", "empty.csv", b_empty, "0 bytes named .csv", "is empty (0 bytes)"),
    fail(
        "blank-lines-csv",
        "blank-lines.csv",
        b_blank_lines,
        "only blank lines and commas",
        "is empty: no header row",
    ),
    fail(
        "header-only-xlsx",
        "header-only.xlsx",
        b_header_only_xlsx,
        "header, no answers",
        "but no answers below it",
    ),
    fail(
        "header-only-csv",
        "header-only.csv",
        b_header_only_csv,
        "header, no answers",
        "but no answers below it",
    ),
    fail("xls-renamed-xlsx", "old-excel.xlsx", b_xls_renamed, "an OLE2 .xls renamed .xlsx", OLE2),
    fail("password-protected", "password.xlsx", b_password, "an encrypted workbook (OLE2)", OLE2),
    fail("truncated-xlsx", "truncated.xlsx", b_truncated_xlsx, "half an .xlsx (download cut off)", DAMAGED),
    fail("zip-garbage", "garbage.xlsx", b_zip_garbage, "a zip signature then garbage", DAMAGED),
    fail("broken-sheet-xml", "broken-sheet.xlsx", b_broken_sheet_xml, "sheet XML cut in half", DAMAGED),
    fail(
        "duplicate-header",
        "duplicate-header.xlsx",
        b_duplicate_header,
        "two columns headed 'Full name'",
        "columns F and I are both headed 'Full name'",
    ),
    fail("missing-column", "missing-band.xlsx", b_missing_column, "no band column", "no column for 'band'"),
    fail("pdf-renamed", "applications-pdf.xlsx", b_pdf, "a PDF named .xlsx", "is a PDF document"),
    fail("html-as-xls", "web-page.xls", b_html_xls, "an HTML table saved as .xls", "is a web page"),
    fail("word-renamed", "word.xlsx", b_word, "a Word document named .xlsx", "is a Word document"),
    fail("xlsb-renamed", "binary.xlsx", b_xlsb, "an .xlsb named .xlsx", "Excel binary workbook (.xlsb)"),
    fail("google-zip", "responses.zip", b_google_zip, "Google Forms' zip download", "is a zip archive"),
    fail(
        "csv-zip-as-xlsx",
        "zipped-csv.xlsx",
        b_csv_in_zip_xlsx,
        "a zip holding a CSV, named .xlsx",
        "is a zip archive holding Applications (Responses).csv",
    ),
    fail(
        "odt-as-ods", "letter.ods", b_odt, "a text document named .ods", "OpenDocument file of another kind"
    ),
    fail(
        "unknown-suffix",
        "applications.numbers",
        b_plain_csv,
        "an Apple Numbers suffix",
        "has the suffix '.numbers'",
    ),
    fail("no-suffix", "applications", b_plain_csv, "no suffix at all", "has no suffix"),
    fail(
        "unclosed-quote",
        "unclosed-quote.csv",
        b_unclosed_quote,
        "a quote never closed: later rows swallowed",
        'a quote mark (") in the row starting on line 2 is not closed',
    ),
    fail(
        "quote-closed-late",
        "quote-closed-late.csv",
        b_quote_closed_late,
        "a stray quote closed a row later",
        'a quote mark (") in the row starting on line 2 is not closed',
    ),
    fail("utf16-no-bom", "nul-bytes.csv", b_nul_csv, "UTF-16 without a BOM (NUL bytes)", "holds binary data"),
    fail(
        "not-cp1252",
        "undecodable.csv",
        b_not_cp1252,
        "bytes neither UTF-8 nor cp1252",
        "neither UTF-8 nor Windows-1252",
    ),
    fail("xxe-entity", "entity.xlsx", b_xxe, "a DTD with an external entity", "holds XML declarations"),
    fail(
        "hidden-answers",
        "hidden-answers.xlsx",
        b_hidden_answers,
        "answers on a hidden sheet, notes visible",
        "(sheet 'Notes'): no column for 'email'",
    ),
    fail(
        "wrong-sheet",
        "applications-sheet.xlsx",
        b_xlsm,
        "--sheet naming no sheet",
        "has no sheet called 'Responses'. Its sheets are: 'Sheet1'",
        args=("--sheet", "Responses"),
    ),
    fail(
        "encrypted-ods",
        "locked.ods",
        b_encrypted_ods,
        "a password-protected .ods",
        "is a password-protected spreadsheet",
    ),
    fail(
        "strict-ooxml",
        "strict.xlsx",
        b_strict_ooxml,
        "Strict Open XML (Excel's other .xlsx)",
        "has no worksheets",
    ),
    fail(
        "zip-bomb",
        "bomb.xlsx",
        b_zip_bomb,
        "a sheet part compressed 1000:1",
        "(a 'zip bomb')",
        at_test_time=True,
    ),
    fail(
        "directory",
        "folder.xlsx",
        b_directory,
        "a folder named .xlsx",
        "is a folder, not a file",
        at_test_time=True,
    ),
    fail(
        "fifo",
        "pipe.csv",
        b_fifo,
        "a named pipe (would block a reader)",
        "is not a regular file",
        at_test_time=True,
    ),
    fail(
        "markup-in-header",
        "markup-header.xlsx",
        b_markup_header,
        "headers like 'Comments [/optional]' listed in the message",
        "'Comments [/optional]', '[bold]Notes'",
    ),
    fail(
        "brackets-in-missing-name",
        "applications [final].xlsx",
        b_missing,
        "a missing file whose name has [brackets]",
        "applications [final].xlsx does not exist",
        at_test_time=True,
    ),
    fail("missing-file", "missing.xlsx", b_missing, "no such file", "does not exist", at_test_time=True),
    # --- the file is read: every row eligible or rejected with a code, exit 0
    ok("csv-renamed-xlsx", "google-renamed.xlsx", b_csv_renamed_xlsx, "a CSV renamed .xlsx", 2),
    ok("csv-renamed-xls", "google-renamed.xls", b_csv_renamed_xlsx, "a CSV renamed .xls", 2),
    ok("title-row", "title-row.xlsx", b_title_row, "a title and a blank row above the header", 2),
    ok(
        "merged-group-header",
        "merged-groups.xlsx",
        b_merged_group_header,
        "merged group titles above the header",
        2,
    ),
    ok(
        "merged-email-header",
        "merged-email.xlsx",
        b_merged_email_header,
        "'Full name' merged over the email question: Forms' Email says anonymous",
        2,
        {2: "email-missing", 3: "email-missing"},
    ),
    ok(
        "duplicate-unmapped-header",
        "duplicate-notes.xlsx",
        b_duplicate_unmapped_header,
        "two columns headed 'Notes' that no rule reads",
        2,
    ),
    ok(
        "excel-errors",
        "excel-errors.xlsx",
        b_excel_errors,
        "#N/A, #VALUE!, #REF! ... in answers",
        9,
        {
            2: "email-missing",
            3: "grade-needs-review",
            4: "submission-time-unreadable",
            5: "answer-not-recognised",
            6: "answer-not-recognised",
            7: "answer-not-recognised",
        },
    ),
    ok(
        "formulas",
        "formulas.xlsx",
        b_formulas,
        "formula cells with and without cached values",
        5,
        {2: "email-missing"},
    ),
    ok(
        "serial-dates",
        "serial-dates.xlsx",
        b_serial_dates,
        "completion times as Excel serial numbers",
        6,
        {3: "after-deadline", 5: "submission-time-unreadable", 6: "submission-time-unreadable"},
    ),
    ok(
        "serial-dates-csv",
        "serial-dates.csv",
        b_serial_dates_csv,
        "serial numbers as CSV text",
        3,
        {3: "after-deadline"},
    ),
    ok(
        "text-dates",
        "text-dates.xlsx",
        b_text_dates,
        "dates as text, ambiguous and impossible",
        len(TEXT_DATES) + 1,
        {row: code for row, (_t, code) in enumerate(TEXT_DATES, start=2) if code},
    ),
    ok("long-cell-xlsx", "long-cell.xlsx", b_long_cell_xlsx, "32,767-character cells", 2),
    ok("long-cell-csv", "long-cell.csv", b_long_cell_csv, "cells longer than Excel allows", 2),
    ok(
        "unicode-names",
        "unicode-names.xlsx",
        b_unicode_names,
        "accents, RTL, emoji, bidi override",
        len(NAMES) + 3,
    ),
    ok(
        "same-email-case",
        "same-email.xlsx",
        b_same_email_case,
        "one email in three spellings",
        4,
        {2: "duplicate-submission", 3: "duplicate-submission"},
    ),
    ok(
        "roles",
        "roles.xlsx",
        b_roles,
        "empty, unknown and odd roles",
        7,
        # a blank answer says no role (role-unknown); one that names no single role goes to review
        {2: "role-unknown", 3: "answer-not-recognised", 4: "answer-not-recognised", 5: "role-unknown",
         6: "answer-not-recognised"},
    ),
    ok(
        "years",
        "years.xlsx",
        b_years,
        "years in role -2, 400, words",
        7,
        # given but not readable as years: held for the coordinator's review, never rejected
        {n: "value-unreadable" for n in range(2, 7)},
    ),
    ok(
        "bands",
        "bands.xlsx",
        b_bands,
        "N/A, 8e, 0, 7.5, TRUE, a date and blank as bands",
        10,
        {
            2: "grade-needs-review",
            3: "grade-needs-review",
            4: "grade-needs-review",
            5: "grade-needs-review",
            6: "grade-needs-review",
            7: "grade-needs-review",
            8: "band-out-of-range",
        },
    ),
    ok("cp1252-csv", "windows-1252.csv", b_cp1252, "Excel's 'CSV (Comma delimited)' with £, é and ’", 2),
    ok("bom-csv", "bom.csv", b_bom, "UTF-8 with a byte-order mark", 2),
    ok("semicolon-csv", "semicolon.csv", b_semicolon, "semicolon-separated (European Excel)", 2),
    ok("tab-tsv", "tabs.tsv", b_tab, "tab-separated", 2),
    ok("utf16-txt", "unicode-text.txt", b_utf16, "Excel's 'Unicode Text' (UTF-16, tabs)", 2),
    ok("old-mac-csv", "old-mac.csv", b_old_mac, "CR-only line endings", 2),
    ok(
        "trailing-blank-rows",
        "trailing-blank.xlsx",
        b_trailing_blank_rows,
        "blank and whitespace rows at the end",
        2,
    ),
    ok(
        "trailing-blank-csv",
        "trailing-blank.csv",
        b_trailing_blank_csv,
        "rows of commas and blank lines at the end",
        2,
    ),
    ok(
        "whitespace-cells",
        "whitespace.xlsx",
        b_whitespace_cells,
        "whitespace-only answers",
        5,
        {2: "email-missing", 3: "role-unknown", 5: "organisation-not-in-programme"},
    ),
    ok("stray-xfd", "stray-xfd.xlsx", b_wide, "a stray value in column XFD (16,384 columns)", 2),
    ok("wide-csv", "wide.csv", b_wide_csv, "5,000 extra questions", 2),
    ok(
        "extra-cells",
        "extra-cells.csv",
        b_extra_cells,
        "answers past the last header; a short row",
        2,
        {3: "role-unknown"},
    ),
    ok(
        "unclosed-quote-last-row",
        "unclosed-quote-last.csv",
        b_unclosed_quote_last,
        "a quote never closed on the last row (no other row swallowed)",
        3,
        {4: "email-missing"},
    ),
    ok(
        "quoted-line-breaks",
        "line-breaks.csv",
        b_quoted_line_breaks,
        "long answers with line breaks and commas inside quotes",
        2,
    ),
    ok("hidden-lookup", "hidden-lookup.xlsx", b_hidden_lookup, "a hidden lookup sheet with more rows", 2),
    ok(
        "hidden-answers-sheet",
        "hidden-answers.xlsx",
        b_hidden_answers,
        "--sheet picks the hidden answers",
        2,
        args=("--sheet", "form1"),
    ),
    ok("ods", "libreoffice.ods", b_ods, "a LibreOffice .ods export", 2),
    ok(
        "emails",
        "emails.csv",
        b_emails,
        "emails in angle brackets, mailto:, two at once, none",
        6,
        {5: "email-missing", 6: "email-missing", 7: "email-missing"},
    ),
    ok(
        "odd-types",
        "odd-types.xlsx",
        b_odd_types,
        "numbers, dates and booleans where text belongs",
        7,
        {3: "email-missing", 4: "email-missing"},
    ),
    ok("messy-headers", "messy-headers.xlsx", b_messy_headers, "headers in odd case and spacing", 2),
    ok("multiline-cells", "multiline.csv", b_multiline, "answers with line breaks inside quotes", 2),
    ok("capacity", "capacity.xlsx", b_capacity, "capacity 1000000, -1 and 0", 9),
    ok(
        "two-roles",
        "two-roles.xlsx",
        b_two_roles,
        "one person applies as mentor, then as mentee",
        3,
        {2: "duplicate-submission"},
    ),
    ok(
        "pasted-twice",
        "pasted-twice.xlsx",
        b_pasted_twice,
        "two exports pasted together (a second header)",
        4,
        {4: "email-missing"},
    ),
    ok("formula-text-csv", "injection.csv", b_injection_csv, "answers that look like formulas", 2),
    ok("xlsm", "macro.xlsm", b_xlsm, "an .xlsm", 2),
    ok("brackets-in-file-name", "applications [final].csv", b_plain_csv, "a file name with [brackets]", 2),
    ok("control-chars", "control-chars.csv", b_control_chars, "BEL, ESC and VT inside answers", 2),
    ok("invalid-utf8", "invalid-utf8.csv", b_lone_surrogate, "an encoded surrogate: not UTF-8, so cp1252", 2),
    ok(
        "hundred-thousand",
        "hundred-thousand.csv",
        b_hundred_thousand,
        "100,000 rows",
        100_000,
        hundred_thousand_expected(),
        at_test_time=True,
    ),
]


def build(case: Case, folder: Path) -> Path:
    path = folder / case.file
    if not path.exists() and not path.is_symlink():
        case.build(path)
    return path


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else EXPORTS
    folder.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    files: dict[str, Builder] = {}
    for case in CASES:
        if case.at_test_time:
            continue
        if files.setdefault(case.file, case.build) is not case.build:
            raise SystemExit(f"{case.file} is built two ways")
        path = folder / case.file
        path.unlink(missing_ok=True)
        case.build(path)
    print(f"{len(files)} files for {len(CASES)} cases in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

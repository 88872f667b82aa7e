"""The pairs workbook as its readers meet it: printed on A4, on screen, at a glance, and as JSON.

The MIND and HPMA examples are matched once each. The print settings are checked with openpyxl
everywhere; where LibreOffice is installed, both workbooks are also printed to PDF (one
conversion for all of them) and every page is measured: text height and every column on the page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from mentormatch import paper
from mentormatch.cells import FONT
from mentormatch.cli import app
from tests.conftest import EXAMPLES, MIND_EXPORT, MIND_RULES, RULES

runner = CliRunner()

HPMA = EXAMPLES / "hpma-west-midlands"
RUNS = {
    "mind": [str(MIND_EXPORT), "--rules", str(MIND_RULES)],
    "hpma": [
        "--mentors", str(HPMA / "mentors.xlsx"), "--mentees", str(HPMA / "mentees.xlsx"),
        "--rules", str(RULES / "hpma-west-midlands.yaml"),
    ],
}  # fmt: skip
TABLE_SHEETS = ("Matches", "Unmatched", "Rejected", "Summary")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for name, args in RUNS.items():
        path = folder / f"{name}.xlsx"
        result = runner.invoke(app, ["match", *args, "-o", str(path)])
        assert result.exit_code == 0, result.output
        out[name] = path
    return out


@pytest.fixture(scope="module")
def json_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("json")
    found = {}
    for name, args in RUNS.items():
        result = runner.invoke(app, ["match", *args, "-o", str(folder / f"{name}.xlsx"), "--json"])
        assert result.exit_code == 0, result.output
        found[name] = json.loads(result.stdout)
    return found


def summary_of(path: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("Item", "Value")
    return {row[0]: row[1] for row in rows[1:]}


def headers(ws: Worksheet) -> list[str]:
    return [str(c.value) for c in ws[1] if c.value is not None]


# --- print settings, checked with openpyxl -------------------------------------------------------


@pytest.mark.parametrize("name", list(RUNS))
def test_every_sheet_prints_on_a4_legibly_with_header_and_footer(books: dict[str, Path], name: str) -> None:
    wb = openpyxl.load_workbook(books[name])
    assert wb.sheetnames[0] == "Overview" and set(TABLE_SHEETS) <= set(wb.sheetnames)
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden":  # the drop-down lists
            continue
        setup = ws.page_setup
        assert int(setup.paperSize) == 9, ws.title  # A4
        assert ws.oddHeader.left.text.startswith(("Kent && Medway MIND", "HPMA West Midlands"))
        assert re.fullmatch(r"Run \d\d \w{3} \d{4} \d\d:\d\d", ws.oddHeader.right.text)
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Page &P of &N"
        if ws.title == "Overview":
            assert setup.orientation == "landscape"
            assert ws.sheet_properties.pageSetUpPr.fitToPage is True
            assert (setup.fitToWidth, setup.fitToHeight) == (1, 1)  # one page
            continue
        # Tables: never shrunk below 75 % (11-point text stays at least 8.25 points), every
        # column across one page at that scale, the header row on every page.
        assert paper.PRINT_SCALE <= setup.scale <= 100, ws.title
        fit = ws.sheet_properties.pageSetUpPr
        assert fit is None or not fit.fitToPage, ws.title
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        across = sum(paper.column_pixels(w) for w in widths) * setup.scale / 100
        assert across <= paper.printable_pixels(setup.orientation == "landscape"), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")


@pytest.mark.parametrize("name", list(RUNS))
def test_partners_side_by_side_with_decision_and_identifying_columns_frozen(
    books: dict[str, Path], name: str
) -> None:
    wb = openpyxl.load_workbook(books[name])
    matches = wb["Matches"]
    assert headers(matches)[:6] == ["Pair", "Mentee name", "Mentor name", "Decision", "Score", "Why"]
    assert matches.freeze_panes == "D2"  # Pair and both names stay in view; Decision beside them
    assert matches.page_setup.orientation == "landscape"
    for title in ("Unmatched", "Rejected"):
        ws = wb[title]
        name_column = headers(ws).index("Name") + 1
        assert ws.freeze_panes == f"{openpyxl.utils.get_column_letter(name_column + 1)}2"
    # the long text wraps, and its row is tall enough for it
    why = headers(matches).index("Why") + 1
    assert matches.cell(row=2, column=why).alignment.wrap_text is True
    assert (matches.row_dimensions[2].height or 15) > 15


def test_names_are_tidied_in_every_sheet_as_in_the_emails(books: dict[str, Path]) -> None:
    from mentormatch.names import tidy_name

    wb = openpyxl.load_workbook(books["hpma"])
    names = [row[0] for row in wb["Rejected"].iter_rows(min_row=2, values_only=True, min_col=3, max_col=3)]
    assert "Agnieszka Nowak" in names  # typed "agnieszka nowak"
    for title, columns in (("Matches", ("Mentee name", "Mentor name")), ("Unmatched", ("Name",))):
        ws = wb[title]
        for column in columns:
            index = headers(ws).index(column)
            for row in ws.iter_rows(min_row=2, values_only=True):
                assert row[index] == tidy_name(str(row[index]))


# --- Summary --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(RUNS))
def test_summary_numbers_run_date_files_and_score_out_of(books: dict[str, Path], name: str) -> None:
    wb = openpyxl.load_workbook(books[name])
    rows = {row[0].value: row for row in wb["Summary"].iter_rows(min_row=2)}
    assert isinstance(rows["Run"][1].value, datetime)
    assert rows["Run"][1].number_format == "yyyy-mm-dd hh:mm"
    for label in ("Rows read", "Pairs", "Rejected", "Eligible mentees", "Allowed pairs considered"):
        assert isinstance(rows[label][1].value, int), label
    coverage = next(row for label, row in rows.items() if str(label).startswith("Coverage ("))
    assert isinstance(coverage[1].value, float) and coverage[1].number_format == "0%"
    assert isinstance(rows["Solve time (s)"][1].value, int | float)  # 0.0 reads back as 0
    assert isinstance(rows["Total score"][1].value, int | float)
    maximum = rows["Score maximum"][1].value
    parts = [row[1].value for label, row in rows.items() if str(label).startswith("Score part: ")]
    assert parts and sum(parts) == maximum
    for label in ("Lowest pair score", "Median pair score", "Highest pair score"):
        assert rows[label][2].value == f"out of {maximum:g}"
        assert 0 <= rows[label][1].value <= maximum
    # files by name and SHA-256, never a local path
    files = {label: row[1].value for label, row in rows.items() if str(label).startswith("Input ")}
    assert files and not any(str(label).startswith("Input path") for label in files)
    for label, value in files.items():
        if "SHA-256" in label:
            assert re.fullmatch(r"[0-9a-f]{64}", value)
        else:
            assert value in {"applications.xlsx", "mentors.xlsx", "mentees.xlsx"}
    text = " ".join(str(c.value) for row in rows.values() for c in row if c.value is not None)
    assert str(EXAMPLES) not in text and "examples/" not in text and "/" not in str(files)


# --- Overview -------------------------------------------------------------------------------------


def chart_data(ws: Worksheet) -> dict[str, tuple[list[str], list[list[float]]]]:
    """Each chart's categories and series values, read from the cells its references name."""
    found = {}
    for chart in ws._charts:
        title = "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))
        series = []
        categories: list[str] = []
        for s in chart.series:
            values_ref = s.val.numRef.f
            categories_ref = s.cat.numRef.f if s.cat.numRef is not None else s.cat.strRef.f
            series.append([float(v or 0) for v in cells(ws, values_ref)])
            categories = [str(c) for c in cells(ws, categories_ref)]
        found[title] = (categories, series)
    return found


def cells(ws: Worksheet, ref: str) -> list[Any]:
    sheet, area = ref.rsplit("!", 1)
    assert sheet.strip("'") == ws.title
    return [row[0].value for row in ws[area.replace("$", "")]]


@pytest.mark.parametrize("name", list(RUNS))
def test_overview_charts_are_fed_from_the_summary_counts(books: dict[str, Path], name: str) -> None:
    wb = openpyxl.load_workbook(books[name])
    summary = summary_of(books[name])
    overview = wb["Overview"]
    charts = chart_data(overview)
    assert len(charts) == 3
    by_org = next(v for k, v in charts.items() if k.startswith("Eligible applicants paired and unmatched"))
    reasons = charts["Applications rejected, by reason"]
    scores = charts[f"Pair scores (out of {summary['Score maximum']:g})"]

    paired, unmatched = by_org[1]
    assert sum(paired) == summary["Pairs"] + summary["Matched mentors"]  # every mentee paired once
    assert sum(unmatched) == summary["Unmatched mentees"] + summary["Unmatched mentors"]
    rules = {
        label.removeprefix("Rejected: "): count
        for label, count in summary.items()
        if label.startswith("Rejected: ")
    }
    assert dict(zip(reasons[0], reasons[1][0], strict=True)) == rules
    assert sum(scores[1][0]) == summary["Pairs"]

    words = " ".join(
        str(row[0]) for row in overview.iter_rows(min_row=1, max_row=8, values_only=True) if row[0]
    )
    coverage = next(v for k, v in summary.items() if k.startswith("Coverage ("))
    assert f"{summary['Pairs']} pairs made" in words and f"({coverage:.0%})" in words
    assert f"{summary['Rejected']} rejected" in words and f"{summary['Rows read']} applications read" in words
    assert f"out of {summary['Score maximum']:g}" in words


# --- --json ---------------------------------------------------------------------------------------

TOP_KEYS = {
    "schema", "command", "programme", "run_at", "mentormatch_version", "rule_file", "inputs",
    "rows_read", "eligible", "rejected", "held_for_review", "rejected_by_rule", "roles", "matching",
}  # fmt: skip
ROLE_KEYS = {"role", "label", "eligible", "paired", "unmatched", "places"}
MATCHING_KEYS = {
    "mode", "receiver_role", "giver_role", "pairs", "groups", "coverage", "optimal", "solver_status",
    "solver", "method", "solve_seconds", "objective", "allowed_pairs", "score", "by_organisation",
}  # fmt: skip
SCORE_KEYS = {"maximum", "total", "lowest", "median", "highest", "parts"}


def test_json_schema_is_pinned(json_runs: dict[str, dict[str, Any]], books: dict[str, Path]) -> None:
    for name, data in json_runs.items():
        assert set(data) == TOP_KEYS, name
        assert data["schema"] == 1 and data["command"] == "match"
        datetime.fromisoformat(data["run_at"])
        assert set(data["rule_file"]) == {"file", "sha256"}
        assert all(set(f) == {"file", "role", "sha256"} for f in data["inputs"])
        assert [r["role"] for r in data["roles"]] == ["mentee", "mentor"]  # role names as values
        assert all(set(r) == ROLE_KEYS for r in data["roles"])
        assert all(
            set(r) == {"rule", "count"} and isinstance(r["count"], int) for r in data["rejected_by_rule"]
        )
        m = data["matching"]
        assert set(m) == MATCHING_KEYS and set(m["score"]) == SCORE_KEYS
        assert m["optimal"] is True and isinstance(m["coverage"], float) and 0 < m["coverage"] <= 1
        assert isinstance(m["solve_seconds"], float) and isinstance(m["pairs"], int)
        assert all(set(p) == {"part", "label", "weight"} for p in m["score"]["parts"])
        assert all(set(o) == {"organisation", "paired", "unmatched"} for o in m["by_organisation"])
        # the same counts as the workbook's Summary
        summary = summary_of(books[name])
        assert data["rows_read"] == summary["Rows read"] and m["pairs"] == summary["Pairs"]
        assert data["rejected"] == summary["Rejected"] and m["score"]["maximum"] == summary["Score maximum"]


def test_json_keys_do_not_follow_the_rule_files_labels(tmp_path: Path) -> None:
    text = MIND_RULES.read_text(encoding="utf-8").replace("label: Mentee", "label: Early career partner")
    assert "Early career partner" in text
    rules = tmp_path / "renamed.yaml"
    rules.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(MIND_EXPORT), "--rules", str(rules), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == TOP_KEYS and data["matching"] is None
    assert {r["role"]: r["label"] for r in data["roles"]}["mentee"] == "Early career partner"


def test_readme_documents_every_json_key() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    for key in TOP_KEYS | ROLE_KEYS | MATCHING_KEYS | SCORE_KEYS:
        assert f"`{key}`" in section, key


# --- LibreOffice: the printed pages ---------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")


def prints_calibri_widths() -> bool:
    """True when LibreOffice prints Calibri with its metrics (Carlito installed), as Excel does;
    with a wider stand-in font the column widths differ, so only text height is then checked."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return False
    found = subprocess.run([fc_match, "Calibri"], capture_output=True, text=True, check=False)
    return "carlito" in found.stdout.lower()


def ruler(path: Path) -> None:
    """A workbook with one line of 8-point text printed at 100 %: the smallest legible height."""
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Ruler eight point"
    ws["A1"].font = Font(name=FONT, size=8)
    ws.page_setup.scale = 100
    wb.save(path)


Word = tuple[str, float, float, float, float]  # text, x min, x max, y min, height (points)


def pdf_pages(pdf: Path) -> list[tuple[float, list[Word]]]:
    """Per page: its width and its words, in points."""
    assert PDFTOTEXT is not None
    html = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = []
    for block in html.stdout.split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', block).group(1))  # type: ignore[union-attr]
        found = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', block
        )
        words = [(t, float(x0), float(x1), float(y0), float(y1) - float(y0)) for x0, y0, x1, y1, t in found]
        pages.append((width, words))
    return pages


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None, reason="LibreOffice or poppler-utils not installed")
def test_printed_pages_are_legible_and_hold_every_column(books: dict[str, Path], tmp_path: Path) -> None:
    assert SOFFICE is not None
    ruler(tmp_path / "ruler.xlsx")
    profile = (tmp_path / "profile").as_uri()  # never the user's own LibreOffice profile
    files = [str(books[name]) for name in RUNS] + [str(tmp_path / "ruler.xlsx")]
    command = [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    subprocess.run(
        [*command, "--outdir", str(tmp_path), *files], capture_output=True, timeout=240, check=False
    )
    [(_, ruler_words)] = pdf_pages(tmp_path / "ruler.pdf")
    eight_points = min(w[4] for w in ruler_words)
    calibri = prints_calibri_widths()

    for name in RUNS:
        pages = pdf_pages(tmp_path / f"{name}.pdf")
        wb = openpyxl.load_workbook(books[name])
        seen: dict[str, int] = {}
        for number, (width, words) in enumerate(pages, start=1):
            # the footer names the sheet: the lowest word at the left that is a sheet's name
            # (a sheet named in two words, "To review", is found by its first word)
            first = {n.split()[0]: n for n in wb.sheetnames}
            sheet = first[
                max((w for w in words if w[0] in first and w[1] < width / 3), key=lambda w: w[3])[0]
            ]
            seen[sheet] = seen.get(sheet, 0) + 1
            small = [w[0] for w in words if w[4] < eight_points - 0.05]
            assert not small, (name, number, sheet, small[:10])
            assert all(w[2] <= width for w in words)
            if sheet != "Overview" and calibri:  # header row repeated: every column's heading
                on_page = {w[0] for w in words}
                for heading in headers(wb[sheet]):
                    missing = [part for part in heading.split() if part not in on_page]
                    assert not missing, (name, number, sheet, heading)
        assert seen["Overview"] == 1, (name, seen)  # the Overview is one printed page
        assert set(TABLE_SHEETS) <= set(seen), (name, seen)


@pytest.mark.parametrize("name", list(RUNS))
def test_overview_accounts_for_every_application_read(books: dict[str, Path], name: str) -> None:
    """The Overview's 'N applications read' sentence adds up: eligible, rejected and held for review."""
    summary = summary_of(books[name])
    overview = openpyxl.load_workbook(books[name])["Overview"]
    text = " ".join(c for row in overview.iter_rows(values_only=True) for c in row if isinstance(c, str))
    found = re.search(r"([\d,]+) applications? read: ([\d,]+) eligible, ([\d,]+) rejected", text)
    assert found is not None, text
    read, eligible, rejected = (int(g.replace(",", "")) for g in found.groups())
    held = summary["To review"]
    assert read == summary["Rows read"]
    assert rejected == summary["Rejected"]
    assert eligible + rejected + held == read
    if held:
        assert f"{held} held for review" in text
    common = re.search(r"most often: ([^)]*)\)", text)
    for code in ("answer-not-recognised", "question-for-coordinator", "value-unreadable"):
        assert common is None or code not in common.group(1)

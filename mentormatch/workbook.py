"""Safe, atomic Excel and CSV output: applicant text is never written as a formula."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import Outline, PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from mentormatch.errors import OutputError
from mentormatch.outputs import Outputs, same_file
from mentormatch.progress import Progress, silent

__all__ = [
    "EXCEL_CELL_LIMIT",
    "WRITE_ONLY_THRESHOLD",
    "Figure",
    "Formatted",
    "Page",
    "Sheet",
    "check_output_path",
    "safe_text",
    "write_csv",
    "write_workbook",
]

# Above this many data rows (all sheets together) the workbook is streamed with openpyxl's
# write-only mode. What that costs: column widths are estimated from the first
# WIDTH_SAMPLE_ROWS rows instead of all of them; every other feature (formula safety, header
# style, frozen header, auto-filter, drop-downs, wrapping, outline groups, print setup) is kept.
# openpyxl also spools each sheet to a temporary file in the system temp folder while writing.
WRITE_ONLY_THRESHOLD = 20_000
WIDTH_SAMPLE_ROWS = 200

EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) in one cell
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
SHEET_NAME_LIMIT = 31
MIN_WIDTH = 8
MAX_WIDTH = 60
_LIST_FORMULA_LIMIT = 255  # Excel rejects an inline drop-down list longer than this

CREATOR = "mentormatch"
LONDON = ZoneInfo("Europe/London")

FONT = "Calibri"  # Excel's default; LibreOffice prints it with the metric-compatible Carlito
_HEADER_FONT = Font(name=FONT, bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_WRAP = Alignment(wrap_text=True, vertical="top")

# Characters an .xlsx cannot hold: openpyxl's control characters, plus lone surrogates and
# U+FFFE/U+FFFF, which are not valid XML and would make the file unreadable.
_UNWRITABLE_RE = re.compile(ILLEGAL_CHARACTERS_RE.pattern + r"|[\ud800-\udfff\ufffe\uffff]")
# = + - @ and their full-width forms (Excel and LibreOffice read ＝ as =), tab, CR, LF.
_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format characters (ZWSP, BOM, ...)
_SHEET_NAME_BAD_RE = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")


@dataclass
class Sheet:
    """One worksheet: a header row from ``columns``, then one row per item of ``rows``.

    ``wrap`` names columns whose long text wraps; ``dropdowns`` maps a column to the values
    offered in a drop-down list; ``group_by`` outline-groups consecutive rows that share that
    column's value under the first of them.
    """

    name: str
    columns: list[str]
    rows: Sequence[Sequence[Any]]
    wrap: frozenset[str] = frozenset()
    dropdowns: dict[str, list[str]] = field(default_factory=dict)
    group_by: str | None = None
    # On screen the header row and the columns up to this one stay in view; on paper they are
    # repeated on every page.
    freeze: str | None = None
    # None: portrait if the columns fit the width of A4, else landscape.
    landscape: bool | None = None
    # Columns read as text whatever they hold (a Value column of numbers and words): left-aligned.
    left: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Formatted:
    """A number or date written with an Excel number format, e.g. 0.84 shown as 84% ("0%")."""

    value: Any
    number_format: str


@dataclass(frozen=True)
class Figure:
    """A small table drawn as a native Excel chart: the first column names the categories, each
    other column is a series. ``kind`` "bar" draws horizontal bars, "column" vertical ones."""

    title: str
    columns: list[str]
    rows: Sequence[Sequence[Any]]
    kind: str = "bar"
    stacked: bool = False
    axis_title: str | None = None


@dataclass(frozen=True)
class Page:
    """A one-page sheet for reading at a glance: a heading, sentences, then up to three charts
    (the first tall on the left, two stacked on the right) printed on one landscape A4 page.
    The figures behind the charts are listed under the printed area."""

    name: str
    heading: str
    lines: Sequence[str]
    figures: Sequence[Figure]

    @property
    def rows(self) -> Sequence[Any]:  # counted by write_workbook as a sheet's rows
        return ()


# --------------------------------------------------------------------------- output paths


def check_output_path(
    path: Path, *, force: bool, inputs: Sequence[Path] = (), suffix: str | None = None
) -> None:
    """Raise OutputError unless ``path`` can be written without harm.

    Refuses a path that is one of ``inputs`` (even with ``force``), a path whose folder does
    not exist, a path with the wrong ``suffix`` (e.g. ``".xlsx"``; not checked when None), a
    folder, and an existing file unless ``force``.
    """
    path = Path(path)
    for source in inputs:
        if same_file(path, Path(source)):
            raise OutputError(
                f"{path} would overwrite the input {source}",
                hint="choose a different name for the output file",
            )
    if suffix is not None and path.suffix.lower() != suffix.lower():
        raise OutputError(
            f"{path} should end in {suffix}",
            hint=f"name the output file something like {path.stem or 'output'}{suffix}",
        )
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(
            f"the folder {folder} does not exist",
            hint="create the folder first, or choose an output path in an existing folder",
        )
    if path.is_dir():
        raise OutputError(f"{path} is a folder", hint="give a file name for the output")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputError(f"{path} exists; use --force to replace it")


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside ``path``; move it into place only if the block succeeds."""
    with Outputs() as run, run.open(path) as handle:
        yield handle


# --------------------------------------------------------------------------- values


def safe_text(value: str) -> str:
    """Return ``value`` for a CSV cell: text that a spreadsheet would run as a formula gets "'".

    That is text starting with = + - @ (or their full-width forms), a tab or a CR, and text
    starting with an invisible character (zero-width space, BOM, direction marks, any control or
    format character): a spreadsheet may drop it and then meet a formula.
    """
    if not value:
        return value
    first = value[0]
    if first in _FORMULA_START or unicodedata.category(first) in _INVISIBLE:
        return "'" + value
    return value


def _clean_text(text: str) -> str:
    """Drop characters an .xlsx cannot hold, use LF line breaks, cap at Excel's cell limit."""
    text = _UNWRITABLE_RE.sub("", text)
    if "\r" in text:
        # XML readers (Excel, LibreOffice, openpyxl) turn a raw CR into LF on reading, and the
        # standard-library XML writer openpyxl falls back on cannot escape it: normalise here
        # so every reader sees the same text.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > EXCEL_CELL_LIMIT // 2:  # Excel counts UTF-16 code units
        encoded = text.encode("utf-16-le")
        if len(encoded) > 2 * EXCEL_CELL_LIMIT:
            text = encoded[: 2 * EXCEL_CELL_LIMIT].decode("utf-16-le", "ignore")
    return text


def _pandas() -> Any:
    """pandas if something already imported it (only then can a value be a pandas object).

    Importing it here would add most of a second to every command's start-up.
    """
    return sys.modules.get("pandas")


def _is_missing(value: Any) -> bool:
    pd = _pandas()
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    if isinstance(value, Decimal):
        return value.is_nan()
    return False


def _naive_london(value: datetime) -> datetime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(LONDON).replace(tzinfo=None)
    elif value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    return value


def _plain_value(value: Any) -> Any:
    """Turn ``value`` into None, str, bool, int, float, Decimal, date, datetime, time or timedelta.

    Missing values become None, tz-aware datetimes become London local time without tzinfo,
    and anything unknown becomes its text (so it can never be taken for a formula).
    """
    if isinstance(value, Formatted):
        value = value.value
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, str | bool):
        return value
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        if isinstance(value, np.datetime64):
            return _naive_london(value.astype("datetime64[us]").item())
        if isinstance(value, np.timedelta64):
            return value.astype("timedelta64[us]").item()
        value = value.item()
        if isinstance(value, bytes | str):
            return _plain_value(value)
    if isinstance(value, datetime):
        return _naive_london(value)
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, date | timedelta | int | Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # Excel has no infinity
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _xlsx_value(value: Any) -> Any:
    value = _plain_value(value)
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    return value


def _csv_value(value: Any) -> Any:
    value = _plain_value(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return value


# --------------------------------------------------------------------------- CSV


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    force: bool = False,
    inputs: Sequence[Path] = (),
    outputs: Outputs | None = None,
) -> None:
    """Write a UTF-8 (with BOM, for Excel) CSV atomically; text is guarded by ``safe_text``.

    With ``outputs`` the file is only staged there: it appears when the run's outputs commit.
    """
    path = Path(path)
    check_output_path(path, force=force, inputs=inputs, suffix=".csv")
    with _staged(path, outputs, inputs) as handle:
        # errors="replace": a lone surrogate (undecodable input) becomes "?" instead of a crash
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        writer = csv.writer(text)
        writer.writerow([_csv_value(name) for name in columns])
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
        text.flush()
        text.detach()  # leave the binary handle open for atomic_file to sync and close


# --------------------------------------------------------------------------- workbook


def write_workbook(
    path: Path,
    sheets: Sequence[Sheet | Page],
    *,
    force: bool = False,
    inputs: Sequence[Path] = (),
    progress: Progress | None = None,
    title: str | None = None,
    run_at: datetime | None = None,
    outputs: Outputs | None = None,
) -> None:
    """Write ``sheets`` to an .xlsx file atomically, formatted for reading and printing.

    With ``outputs`` the file is only staged there: it appears when the run's outputs commit.
    A large workbook's spool files go to a private folder beside it, removed whatever happens.

    ``progress`` hears "Writing <name>" with the rows written so far of all sheets. Every
    printed page is headed with ``title`` (the programme) and ``run_at`` (when the run was made)
    and footed with the sheet's name and "Page X of Y".
    """
    path = Path(path)
    if not sheets:
        raise ValueError("write_workbook needs at least one sheet")
    for sheet in sheets:
        _validate(sheet)
    check_output_path(path, force=force, inputs=inputs, suffix=".xlsx")

    write_only = sum(len(sheet.rows) for sheet in sheets) > WRITE_ONLY_THRESHOLD
    run = outputs if outputs is not None else Outputs(inputs)
    run.claim(path)
    with ExitStack() as stack:
        if write_only:  # openpyxl spools every sheet to tempfile's folder: make that ours
            stack.enter_context(run.spool(path.parent))
        _build_and_save(path, sheets, run, write_only, progress, title, run_at)
    if outputs is None:
        run.commit()


@contextmanager
def _staged(path: Path, outputs: Outputs | None, inputs: Sequence[Path]) -> Iterator[IO[bytes]]:
    """A file to write ``path`` into: staged in ``outputs``, else moved into place at once."""
    if outputs is not None:
        with outputs.open(path) as handle:
            yield handle
        return
    with Outputs(inputs) as run, run.open(path) as handle:
        yield handle


def _build_and_save(
    path: Path,
    sheets: Sequence[Sheet | Page],
    run: Outputs,
    write_only: bool,
    progress: Progress | None,
    title: str | None,
    run_at: datetime | None,
) -> None:
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = None

    used: set[str] = set()
    titles = [_unique_sheet_name(sheet.name, used) for sheet in sheets]
    lists = _ListSheet(_unique_sheet_name("Lists", used))
    try:
        total = sum(len(sheet.rows) for sheet in sheets)
        tell = _RowCounter(f"Writing {path.name}", total, progress or silent)
        page = _PageText(title, run_at)
        for sheet, name in zip(sheets, titles, strict=True):
            if isinstance(sheet, Page):
                _write_page(workbook, sheet, name, write_only=write_only, page_text=page)
                continue
            _write_sheet(workbook, sheet, name, write_only=write_only, lists=lists, tell=tell, page=page)
        lists.write(workbook, write_only=write_only)
        with run.open(path) as handle:
            workbook.save(handle)
    except BaseException:
        run.discard()
        if write_only:
            _discard_write_only(workbook)
        raise


def _discard_write_only(workbook: Workbook) -> None:
    """Best effort: close an abandoned write-only workbook and delete its spool files now.

    openpyxl spools each write-only sheet (applicant data) to the system temp folder and would
    only delete those files when Python exits; a save that succeeded has already removed them.
    """
    for ws in workbook.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:  # nothing written yet (closing would create a spool file)
            continue
        with suppress(Exception):
            ws.close()
        with suppress(Exception):
            os.remove(writer.out)


def _validate(sheet: Sheet | Page) -> None:
    if isinstance(sheet, Page):
        return
    known = set(sheet.columns)
    named = set(sheet.wrap) | set(sheet.dropdowns)
    if sheet.group_by is not None:
        named.add(sheet.group_by)
    unknown = sorted(named - known)
    if unknown:
        raise ValueError(f"sheet {sheet.name!r} has no column(s) {', '.join(unknown)}")
    for column, allowed in sheet.dropdowns.items():
        if not allowed:
            raise ValueError(f"sheet {sheet.name!r}: drop-down for {column!r} has no values")
    if len(sheet.columns) > EXCEL_MAX_COLUMNS:
        raise OutputError(
            f"sheet {sheet.name!r} has {len(sheet.columns)} columns; Excel allows {EXCEL_MAX_COLUMNS}"
        )
    if len(sheet.rows) + 1 > EXCEL_MAX_ROWS:
        raise OutputError(
            f"sheet {sheet.name!r} has {len(sheet.rows)} rows; "
            f"Excel allows {EXCEL_MAX_ROWS - 1} below the header",
            hint="split the output into several files",
        )
    for number, row in enumerate(sheet.rows, start=1):
        if len(row) > len(sheet.columns):
            raise ValueError(
                f"sheet {sheet.name!r}: row {number} has {len(row)} values for {len(sheet.columns)} columns"
            )


def _unique_sheet_name(name: str, used: set[str]) -> str:
    """Make ``name`` a legal Excel sheet name not in ``used`` (compared ignoring case)."""
    clean = _SHEET_NAME_BAD_RE.sub("_", _UNWRITABLE_RE.sub("", name)).strip().strip("'").strip()
    clean = clean[:SHEET_NAME_LIMIT].rstrip().rstrip("'") or "Sheet"
    if clean.casefold() == "history":  # reserved by Excel
        clean = "History_"
    candidate, number = clean, 1
    while candidate.casefold() in used:
        number += 1
        tail = f" ({number})"
        candidate = clean[: SHEET_NAME_LIMIT - len(tail)].rstrip() + tail
    used.add(candidate.casefold())
    return candidate


class _ListSheet:
    """A hidden sheet holding drop-down lists too long (or with commas) to go inline."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lists: list[list[str]] = []

    def formula(self, allowed: Sequence[str]) -> str:
        values = [_clean_text(str(value)) for value in allowed]
        inline = '"' + ",".join(value.replace('"', '""') for value in values) + '"'
        if len(inline) <= _LIST_FORMULA_LIMIT and not any("," in value for value in values):
            return inline
        if values in self.lists:
            index = self.lists.index(values)
        else:
            self.lists.append(values)
            index = len(self.lists) - 1
        letter = get_column_letter(index + 1)
        return f"{quote_sheetname(self.title)}!${letter}$1:${letter}${len(values)}"

    def write(self, workbook: Workbook, *, write_only: bool) -> None:
        if not self.lists:
            return
        ws = workbook.create_sheet(self.title)
        ws.sheet_state = "hidden"
        for row in range(max(len(values) for values in self.lists)):
            cells = [values[row] if row < len(values) else None for values in self.lists]
            _emit_row(ws, row + 1, cells, (), write_only=write_only)


class _RowCounter:
    """Rows written across the sheets, passed on to a Progress every few hundred rows."""

    def __init__(self, message: str, total: int, progress: Progress) -> None:
        self.message, self.total, self.progress, self.done = message, total, progress, 0
        progress(message, 0, total)

    def row(self) -> None:
        self.done += 1
        if self.done % 500 == 0 or self.done == self.total:
            self.progress(self.message, self.done, self.total)


def _write_sheet(
    workbook: Workbook,
    sheet: Sheet,
    title: str,
    *,
    write_only: bool,
    lists: _ListSheet,
    tell: _RowCounter,
    page: _PageText,
) -> None:
    ws = workbook.create_sheet(title)
    columns = [_clean_text(str(name)) for name in sheet.columns]
    n_rows, n_cols = len(sheet.rows), len(columns)
    sample = sheet.rows if not write_only else list(islice(sheet.rows, WIDTH_SAMPLE_ROWS))
    paper = _paper_layout(sheet, _column_widths(columns, sample), sample)
    widths = paper.widths
    frozen = sheet.columns.index(sheet.freeze) + 1 if sheet.freeze is not None else 0

    # Everything above the cell data must be set before the first row in write-only mode.
    if n_cols:
        ws.freeze_panes = f"{get_column_letter(frozen + 1)}2"
        last = get_column_letter(n_cols)
        ws.auto_filter.ref = f"A1:{last}{n_rows + 1}"
        ws.print_title_rows = "1:1"
        if paper.across and frozen:
            ws.print_title_cols = f"A:{get_column_letter(frozen)}"
    _print_setup(ws, paper, page)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width

    for column, allowed in sheet.dropdowns.items():
        if n_rows == 0:
            break
        validation = DataValidation(
            type="list",
            formula1=lists.formula(allowed),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not in the list",
            error="Choose a value from the drop-down list.",
        )
        for index, name in enumerate(sheet.columns, start=1):
            if name == column:
                letter = get_column_letter(index)
                validation.add(f"{letter}2:{letter}{n_rows + 1}")
        ws.data_validations.append(validation)  # write-only sheets lack add_data_validation

    grouped = _grouped_rows(sheet)
    if grouped:
        ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=True)
        ws.sheet_format.outlineLevelRow = 1

    header = _style_template(ws, header=True)
    if not write_only and n_cols:
        lines = max(_wrapped_lines(name, width - 3) for name, width in zip(columns, widths, strict=True))
        if lines > 1:  # room for the filter button beside a heading that wraps
            ws.row_dimensions[1].height = LINE_HEIGHT * lines
    _emit_row(ws, 1, columns, [header] * n_cols, write_only=write_only)

    # When some text wraps, rows get tall: align every cell to the top so a row reads across.
    styles: list[Any | None] = [None] * n_cols
    wrapped = sorted(paper.wrap)
    left = [i for i, name in enumerate(sheet.columns) if name in sheet.left]
    if wrapped or left:
        templates = {
            (wraps, at_left): _style_template(
                ws,
                alignment=Alignment(wrap_text=wraps, vertical="top", horizontal="left" if at_left else None),
            )
            for wraps in (False, True)
            for at_left in (False, True)
        }
        styles = [templates[(i in paper.wrap, i in left)] for i in range(n_cols)]
    for number, row in enumerate(sheet.rows, start=2):
        if number in grouped:
            ws.row_dimensions[number].outlineLevel = 1
        if wrapped and not write_only:
            # Excel and LibreOffice do not always grow a wrapped row on open: set its height.
            lines = max(_wrapped_lines(row[i] if i < len(row) else None, widths[i]) for i in wrapped)
            if lines > 1:
                ws.row_dimensions[number].height = LINE_HEIGHT * lines
        values = [_xlsx_value(value) for value in row]
        values.extend([None] * (n_cols - len(values)))
        formats = [v.number_format if isinstance(v, Formatted) else None for v in row]
        _emit_row(ws, number, values, styles, write_only=write_only, formats=formats)
        tell.row()


def _style_template(
    ws: Any, *, header: bool = False, alignment: Alignment | None = None, font: Font | None = None
) -> Any:
    """A style registered once with the workbook, to be copied onto many cells."""
    cell = WriteOnlyCell(ws)
    if font is not None:
        cell.font = font
    if header:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
    elif alignment is not None:
        cell.alignment = alignment
    return cell._style


def _emit_row(
    ws: Any,
    number: int,
    values: Sequence[Any],
    styles: Sequence[Any | None],
    *,
    write_only: bool,
    formats: Sequence[str | None] = (),
) -> None:
    """Write one row of converted values; every str is stored as text, never as a formula.

    ``styles[i]`` is a template from ``_style_template`` (or None) for column i. Copying the
    template (openpyxl's own idiom) is far faster than assigning Alignment objects per cell;
    it is applied before the value so a date keeps the number format the value brings.
    """
    cells: list[Any] = []
    for index, value in enumerate(values):
        style = styles[index] if index < len(styles) else None
        number_format = formats[index] if index < len(formats) else None
        if value is None or (style is None and number_format is None and not isinstance(value, str)):
            if write_only:
                cells.append(value)
            elif value is not None:
                ws.cell(row=number, column=index + 1).value = value
            continue
        cell = WriteOnlyCell(ws) if write_only else ws.cell(row=number, column=index + 1)
        if style is not None:
            cell._style = copy(style)
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format
        if isinstance(value, str):
            cell.data_type = "s"  # else "=..." would be a formula and "#N/A" an error value
        if write_only:
            cells.append(cell)
    if write_only:
        ws.append(cells)


def _grouped_rows(sheet: Sheet) -> set[int]:
    """Worksheet row numbers to outline-group: every row of a run after the run's first."""
    if sheet.group_by is None:
        return set()
    index = sheet.columns.index(sheet.group_by)
    grouped: set[int] = set()
    previous: Any = None
    for number, row in enumerate(sheet.rows, start=2):
        value = _plain_value(row[index]) if index < len(row) else None
        if value is not None and value == previous:
            grouped.add(number)
        previous = value
    return grouped


LINE_HEIGHT = 15.0  # points per line of 11-point text


def _wrapped_lines(value: Any, width: float) -> int:
    """How many lines a wrapped cell needs at a column width (in characters)."""
    text = _plain_value(value)
    if not isinstance(text, str) or not text:
        return 1
    per_line = max(1, int(width * 1.2) - 2)  # a character is narrower than the digit of the unit
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _column_widths(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    # Header: bold text plus the auto-filter button needs a few characters more.
    longest = [len(name) + 4 for name in columns]
    for row in rows:
        for index, value in enumerate(row[: len(columns)]):
            size = _display_width(value) + 2
            if size > longest[index]:
                longest[index] = size
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, size))) for size in longest]


def _display_width(value: Any) -> int:
    value = _plain_value(value)
    if value is None:
        return 0
    if isinstance(value, str):
        if len(value) > 4 * MAX_WIDTH and "\n" not in value[: 4 * MAX_WIDTH]:
            return MAX_WIDTH
        return max((len(line) for line in value.split("\n")), default=0)
    if isinstance(value, bool):
        return 5
    if isinstance(value, datetime):
        return 19  # yyyy-mm-dd h:mm:ss
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.10g}")
    return len(str(value))


# --------------------------------------------------------------------------- paper

# A4 with these margins (inches); Excel's column width unit is about 7.45 pixels at 96 per inch
# on paper for the default 11-point font. A page is printed at PRINT_SCALE % or more, so body
# text is at least 11 * 0.75 = 8.25 points high on paper; columns are narrowed (their text
# wrapped) rather than shrunk further.
A4_INCHES = (8.27, 11.69)
MARGIN = 0.4
PIXELS_PER_INCH = 96
PRINT_SCALE = 75
NARROW_MIN = 10  # characters: text columns are never narrowed below this for paper
WRAP_MIN = 28  # ... nor a column of long text that wraps (Why, Reason) below this


def column_pixels(width: float) -> float:
    """Pixels a column of ``width`` characters takes on paper at 100 % (as LibreOffice prints it:
    one character is the width of a digit of 11-point Calibri, 7.45 pixels at 96 per inch)."""
    return width * 7.45


def printable_pixels(landscape: bool) -> float:
    """Pixels across the printable width of an A4 page at 100 %, less a little for the grid
    lines and rounding that LibreOffice and printers add (5 %)."""
    inches = (A4_INCHES[1] if landscape else A4_INCHES[0]) - 2 * MARGIN
    return inches * PIXELS_PER_INCH * 0.95


@dataclass(frozen=True)
class _PageText:
    """What heads and foots every printed page: the programme and when the run was made."""

    title: str | None
    run_at: datetime | None


@dataclass(frozen=True)
class _Paper:
    """How a sheet prints: orientation, scale, column widths, wrapped columns, pages across."""

    landscape: bool
    scale: int
    widths: list[float]
    wrap: frozenset[int]
    across: bool


def _paper_layout(sheet: Sheet, widths: list[float], sample: Sequence[Sequence[Any]]) -> _Paper:
    """Widths and orientation so that every column fits across an A4 page at PRINT_SCALE % or more.

    Portrait if the columns fit; else landscape, shrunk to no less than PRINT_SCALE %; else the
    widest text columns are narrowed (and wrapped) until they fit. Only when even that cannot
    fit do columns run onto a second page across (the frozen columns are then repeated).
    """
    wrap = {i for i, name in enumerate(sheet.columns) if name in sheet.wrap}
    total = sum(column_pixels(w) for w in widths)
    if sheet.landscape is not True and (sheet.landscape is False or total <= printable_pixels(False)):
        landscape = False
    else:
        landscape = True
    room = printable_pixels(landscape)
    if total <= room:
        return _Paper(landscape, 100, widths, frozenset(wrap), False)
    if total * PRINT_SCALE <= room * 100:
        return _Paper(landscape, _scale(total, room), widths, frozenset(wrap), False)
    budget = room * 100 / PRINT_SCALE
    text = {i for i in range(len(widths)) if _is_text_column(i, sample)}
    # A heading wraps at its spaces (leaving room for the filter button); numbers and dates
    # keep their full width, text wraps within at least NARROW_MIN characters.
    floor = {
        i: float(max(_longest_word(name) + 3, NARROW_MIN if i in text else _value_width(i, sample)))
        for i, name in enumerate(sheet.columns)
    }
    for i in wrap & text:  # the long text a sheet exists for stays readable
        floor[i] = max(floor[i], WRAP_MIN)
    narrow = [i for i in range(len(widths)) if widths[i] > floor[i]]
    fixed = sum(column_pixels(w) for i, w in enumerate(widths) if i not in narrow)

    def used(cap: float) -> float:
        return fixed + sum(column_pixels(max(floor[i], min(widths[i], cap))) for i in narrow)

    low, high = 0.0, max((widths[i] for i in narrow), default=0.0)
    if not narrow or used(low) > budget:
        cap = low  # even the narrowest text columns do not fit: pages across
    else:
        for _ in range(40):  # the widest cap that fits (water-filling)
            middle = (low + high) / 2
            low, high = (middle, high) if used(middle) <= budget else (low, middle)
        cap = low
    new = list(widths)
    for i in narrow:
        narrowed = float(int(max(floor[i], min(widths[i], cap))))
        if narrowed < widths[i]:
            new[i] = narrowed
            if i in text:
                wrap.add(i)
    total = sum(column_pixels(w) for w in new)
    across = total * PRINT_SCALE > room * 100
    return _Paper(landscape, PRINT_SCALE if across else _scale(total, room), new, frozenset(wrap), across)


def _scale(total: float, room: float) -> int:
    return max(PRINT_SCALE, min(100, int(room * 100 / max(1.0, total))))


def _value_width(index: int, rows: Sequence[Sequence[Any]]) -> int:
    return max((_display_width(row[index]) + 2 for row in rows if index < len(row)), default=MIN_WIDTH)


def _is_text_column(index: int, rows: Sequence[Sequence[Any]]) -> bool:
    """True when the column holds text (so it may wrap), not only numbers and dates."""
    return any(index < len(row) and isinstance(_plain_value(row[index]), str) for row in rows)


def _longest_word(text: str) -> int:
    return max((len(word) for word in str(text).split()), default=0)


def _print_setup(ws: Any, paper: _Paper, page: _PageText) -> None:
    ws.page_setup.orientation = "landscape" if paper.landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.scale = paper.scale
    ws.page_margins = PageMargins(left=MARGIN, right=MARGIN, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    ws.print_options.gridLines = True
    _page_header(ws, page)


def _page_header(ws: Any, page: _PageText) -> None:
    """Programme and run date at the top of every printed page; sheet and "Page X of Y" below."""
    if page.title:
        ws.oddHeader.left.text = _header_text(page.title)
    if page.run_at is not None:
        ws.oddHeader.right.text = f"Run {page.run_at:%d %b %Y %H:%M}"
    ws.oddFooter.left.text = "&A"  # the sheet's name
    ws.oddFooter.right.text = "Page &P of &N"


def _header_text(text: str, limit: int = 120) -> str:
    """Text for a page header: "&" doubled (it starts a code there), within Excel's length."""
    text = " ".join(_clean_text(text).split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text.replace("&", "&&")


# --------------------------------------------------------------------------- a page of charts

_PAGE_WIDTHS = [44.0] + [11.0] * 8  # A: labels; B to I: counts (25.7 cm across)
_ROW_CM = 15 * 2.54 / 72  # a row of the default height (15 points) in centimetres
_CHART_CM = ((14.6, 13.0), (10.8, 6.5), (10.8, 6.5))  # width, height: one tall at A, two at E
_HEADING = Font(name=FONT, bold=True, size=14)
_BOLD = Font(name=FONT, bold=True)


def _write_page(
    workbook: Workbook, page: Page, title: str, *, write_only: bool, page_text: _PageText
) -> None:
    """One landscape page: heading, sentences and charts printed; the figures listed below."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.chart.text import RichText
    from openpyxl.chart.text import Text as ChartText
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    def text_size(points: int, bold: bool = False) -> CharacterProperties:
        return CharacterProperties(sz=points * 100, b=bold)

    def rich(points: int) -> RichText:
        size = text_size(points)
        return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=size), endParaRPr=size)])

    ws = workbook.create_sheet(title)
    for index, width in enumerate(_PAGE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(_PAGE_WIDTHS))
    _print_setup(ws, _Paper(True, 100, list(_PAGE_WIDTHS), frozenset(), False), page_text)
    ws.print_options.gridLines = False
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1  # one page, whatever the printer's margins
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    # Where everything goes, worked out first: write-only sheets are written row by row.
    lines = [_clean_text(str(line)) for line in page.lines]
    first_chart = 2 + len(lines) + 1
    lower = first_chart + math.ceil(_CHART_CM[1][1] / _ROW_CM)
    end = first_chart + math.ceil(_CHART_CM[0][1] / _ROW_CM)
    ws.print_area = f"A1:{last}{end}"
    anchors = [f"A{first_chart}", f"E{first_chart}", f"E{lower}"]
    sizes = list(_CHART_CM)

    heading = _style_template(ws, font=_HEADING, alignment=_WRAP)
    wrap = _style_template(ws, alignment=_WRAP)
    bold = _style_template(ws, font=_BOLD)
    header = _style_template(ws, header=True)
    number = end + 2
    rows: list[tuple[int, list[Any], list[Any]]] = [(1, [_clean_text(page.heading)], [heading])]
    for offset, line in enumerate(lines):
        rows.append((2 + offset, [line], [wrap]))
    rows.append((number, ["Figures behind the charts"], [bold]))
    tables: list[tuple[Figure, int, int]] = []
    for figure in page.figures[: len(anchors)]:
        body = [list(row) for row in figure.rows] or [["(none)", *([0] * (len(figure.columns) - 1))]]
        top = number + 2
        rows.append((top, [figure.title], [bold]))
        rows.append((top + 1, [_clean_text(str(c)) for c in figure.columns], [header] * len(figure.columns)))
        for offset, row in enumerate(body):
            rows.append((top + 2 + offset, [_xlsx_value(v) for v in row], []))
        tables.append((figure, top + 1, top + 1 + len(body)))
        number = top + 1 + len(body)

    for row_number, values, styles in _with_blank_rows(rows):
        _emit_row(ws, row_number, values, styles, write_only=write_only)
    if not write_only:
        span = sum(_PAGE_WIDTHS)
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = 22 * _wrapped_lines(page.heading, span / 1.4)
        for offset, line in enumerate(lines):
            ws.merge_cells(f"A{2 + offset}:{last}{2 + offset}")
            ws.row_dimensions[2 + offset].height = LINE_HEIGHT * _wrapped_lines(line, span)

    for (figure, header_row, last_row), anchor, (width, height) in zip(tables, anchors, sizes, strict=False):
        chart = BarChart()
        chart.type = "bar" if figure.kind == "bar" else "col"
        title = Paragraph(
            pPr=ParagraphProperties(defRPr=text_size(11, True)),
            r=[RegularTextRun(rPr=text_size(11, True), t=_clean_text(figure.title))],
        )
        chart.title = Title(tx=ChartText(rich=RichText(p=[title])), overlay=False)
        series = len(figure.columns) - 1
        data = Reference(ws, min_col=2, max_col=1 + series, min_row=header_row, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
        if figure.stacked:
            chart.grouping = "stacked"
            chart.overlap = 100
        if figure.kind == "bar":
            chart.x_axis.scaling.orientation = "maxMin"  # categories top to bottom, as listed
        chart.x_axis.delete = False  # recent Excel hides axes that do not say so
        chart.y_axis.delete = False
        chart.y_axis.title = figure.axis_title
        chart.y_axis.majorGridlines = None
        top_value = max((_number(v) for row in figure.rows for v in list(row)[1:]), default=0.0)
        if figure.stacked:
            top_value = max((sum(_number(v) for v in list(row)[1:]) for row in figure.rows), default=0.0)
        chart.y_axis.majorUnit = _nice_step(top_value)
        chart.y_axis.scaling.min = 0
        chart.dataLabels = DataLabelList(
            numFmt="0;-0;;@",  # a zero is not labelled
            showVal=True,
            showCatName=False,
            showSerName=False,
            showLegendKey=False,
            showPercent=False,
            txPr=rich(9),
        )
        chart.x_axis.txPr = rich(9)  # 9-point labels, every one of them shown
        chart.x_axis.tickLblSkip = 1
        chart.y_axis.txPr = rich(9)
        if series == 1:
            chart.legend = None
        else:
            chart.legend.position = "b"
        chart.width, chart.height = width, height
        ws.add_chart(chart, anchor)


_Row = tuple[int, list[Any], list[Any]]  # row number, values, style templates


def _with_blank_rows(rows: list[_Row]) -> Iterator[_Row]:
    """The rows in order, with empty rows between them (a write-only sheet cannot skip rows)."""
    expected = 1
    for number, values, styles in sorted(rows, key=lambda r: r[0]):
        while expected < number:
            yield expected, [], []
            expected += 1
        yield number, values, styles
        expected = number + 1


def _number(value: Any) -> float:
    value = _plain_value(value)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _nice_step(top: float) -> float | None:
    """A whole-number tick step for a count axis (no ticks at 0.5 of a person)."""
    for limit, step in ((8, 1.0), (20, 2.0), (50, 5.0), (100, 10.0), (200, 20.0), (500, 50.0)):
        if top <= limit:
            return step
    return None

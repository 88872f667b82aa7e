"""Safe, atomic Excel and CSV output: applicant text is never written as a formula."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import Outline

from mentormatch.cells import (
    EXCEL_CELL_LIMIT,
    UNWRITABLE_RE,
    Formatted,
    clean_text,
    csv_value,
    emit_row,
    plain_value,
    safe_text,
    style_template,
    xlsx_value,
)
from mentormatch.chartpage import Figure, Page, write_page
from mentormatch.errors import OutputError
from mentormatch.outputs import Outputs, same_file
from mentormatch.paper import LINE_HEIGHT, PageText, column_widths, paper_layout, print_setup, wrapped_lines
from mentormatch.progress import Progress, silent

# Figure, Formatted and Page are what write_workbook takes besides Sheet; safe_text guards CSV.
__all__ = [
    "EXCEL_CELL_LIMIT",
    "WRITE_ONLY_THRESHOLD",
    "Figure",
    "Formatted",
    "Page",
    "Sheet",
    "atomic_file",
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

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
SHEET_NAME_LIMIT = 31
_LIST_FORMULA_LIMIT = 255  # Excel rejects an inline drop-down list longer than this

CREATOR = "mentormatch"

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
        writer.writerow([csv_value(name) for name in columns])
        for row in rows:
            writer.writerow([csv_value(value) for value in row])
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
        page = PageText(title, run_at)
        for sheet, name in zip(sheets, titles, strict=True):
            if isinstance(sheet, Page):
                write_page(workbook, sheet, name, write_only=write_only, page_text=page)
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
    clean = _SHEET_NAME_BAD_RE.sub("_", UNWRITABLE_RE.sub("", name)).strip().strip("'").strip()
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
        values = [clean_text(str(value)) for value in allowed]
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
            emit_row(ws, row + 1, cells, (), write_only=write_only)


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
    page: PageText,
) -> None:
    ws = workbook.create_sheet(title)
    columns = [clean_text(str(name)) for name in sheet.columns]
    n_rows, n_cols = len(sheet.rows), len(columns)
    sample = sheet.rows if not write_only else list(islice(sheet.rows, WIDTH_SAMPLE_ROWS))
    paper = paper_layout(sheet.columns, sheet.wrap, sheet.landscape, column_widths(columns, sample), sample)
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
    print_setup(ws, paper, page)
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

    header = style_template(ws, header=True)
    if not write_only and n_cols:
        lines = max(wrapped_lines(name, width - 3) for name, width in zip(columns, widths, strict=True))
        if lines > 1:  # room for the filter button beside a heading that wraps
            ws.row_dimensions[1].height = LINE_HEIGHT * lines
    emit_row(ws, 1, columns, [header] * n_cols, write_only=write_only)

    # When some text wraps, rows get tall: align every cell to the top so a row reads across.
    styles: list[Any | None] = [None] * n_cols
    wrapped = sorted(paper.wrap)
    left = [i for i, name in enumerate(sheet.columns) if name in sheet.left]
    if wrapped or left:
        templates = {
            (wraps, at_left): style_template(
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
            lines = max(wrapped_lines(row[i] if i < len(row) else None, widths[i]) for i in wrapped)
            if lines > 1:
                ws.row_dimensions[number].height = LINE_HEIGHT * lines
        values = [xlsx_value(value) for value in row]
        values.extend([None] * (n_cols - len(values)))
        formats = [v.number_format if isinstance(v, Formatted) else None for v in row]
        emit_row(ws, number, values, styles, write_only=write_only, formats=formats)
        tell.row()


def _grouped_rows(sheet: Sheet) -> set[int]:
    """Worksheet row numbers to outline-group: every row of a run after the run's first."""
    if sheet.group_by is None:
        return set()
    index = sheet.columns.index(sheet.group_by)
    grouped: set[int] = set()
    previous: Any = None
    for number, row in enumerate(sheet.rows, start=2):
        value = plain_value(row[index]) if index < len(row) else None
        if value is not None and value == previous:
            grouped.add(number)
        previous = value
    return grouped

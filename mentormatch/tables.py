"""The table an export is read into: rows numbered as the spreadsheet numbers them, below its header."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentormatch.errors import ExportError

__all__ = [
    "EXPORT_AGAIN",
    "HEADER_SEARCH_ROWS",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "SAVE_AS_XLSX",
    "CellCounter",
    "NumberedRows",
    "SheetSource",
    "Table",
    "TableRow",
    "build_table",
    "choose_sheet",
    "clean_row",
    "clean_text_row",
    "collect",
    "column_letter",
    "place",
]

# --------------------------------------------------------------------------------------------
# Public data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableRow:
    """One answer row.

    ``number`` is the spreadsheet's own row number (header of a normal export = 1, first answer
    = 2); for a CSV it is the record number counting the header record as 1, which is the row
    number Excel shows when it opens the file. ``cells`` has one value per header: ``None`` for
    an empty (or whitespace-only) cell, the raw ``str`` otherwise, ``datetime`` for Excel date
    cells, ``int``/``float``/``bool`` for numbers and booleans.
    """

    number: int
    cells: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """The answers found in one sheet (or CSV file), below the detected header row.

    ``headers`` are the header texts with runs of whitespace collapsed to one space; an empty
    header cell (or a cell of a merged header other than its first) is ``""``, and so are the
    headers of columns that hold answers to the right of the last header. Blank rows are left
    out, so row numbers may skip. ``encoding`` is set for text files only.
    """

    source: Path
    sheet: str | None
    header_row: int
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    encoding: str | None = None


# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------

#: Refuse a table with more cells than this (rows x columns after padding): no forms export
#: comes near it, but a stray cell in column XFD or a repeated-row trick could exhaust memory.
MAX_CELLS = 20_000_000
#: The header row is looked for among this many non-blank rows at the top of the sheet.
HEADER_SEARCH_ROWS = 20
#: The widest sheet Excel and LibreOffice allow (column XFD).
MAX_COLUMNS = 16_384

# Hints that end the messages of a file that cannot be read.
SAVE_AS_XLSX = "Open it in Excel and save it as an Excel Workbook (.xlsx), then try again."
EXPORT_AGAIN = (
    "Export the responses again (Microsoft Forms: 'Open results in Excel'; Google Forms: "
    "'Download responses (.csv)')."
)


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based column index: 0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index < 0:
        raise ValueError(f"column index must be 0 or more, not {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def place(path: Path, sheet: str | None) -> str:
    """Where a message points: the file, or the sheet of the file."""
    return f"sheet '{sheet}' of {path}" if sheet is not None else str(path)


# --------------------------------------------------------------------------------------------
# Rows: cleaning, header detection, table building (shared by every format)
# --------------------------------------------------------------------------------------------

NumberedRows = list[tuple[int, tuple[Any, ...]]]


def clean_row(raw: Sequence[Any]) -> tuple[Any, ...] | None:
    """Whitespace-only strings become None, trailing Nones are cut; None for a blank row."""
    return _trimmed(
        [
            None if v.__class__ is str and (not v or v.isspace()) else v
            for v in raw  # `v.__class__ is str` is faster than isinstance here
        ]
    )


def clean_text_row(raw: Sequence[str]) -> tuple[str | None, ...] | None:
    """Like clean_row for rows that hold only strings (CSV records), a little faster."""
    return _trimmed([v if v and not v.isspace() else None for v in raw])


def _trimmed(cells: list[Any]) -> tuple[Any, ...] | None:
    """``cells`` without its trailing Nones; None when nothing is left (a blank row)."""
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    if not end:
        return None
    del cells[end:]
    return tuple(cells)


class CellCounter:
    """Stop a sheet that would hold more than MAX_CELLS values before memory runs out."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n
        if self.total > MAX_CELLS:
            raise too_large(self.where)


def too_large(where: str) -> ExportError:
    return ExportError(
        f"{where} is too large: it holds more than {MAX_CELLS:,} cells.",
        "A forms export is far smaller. Delete stray values far below or to the right of the "
        "answers (Ctrl+End shows the last used cell), or export the responses again.",
    )


def collect(numbered: Iterable[tuple[int, Sequence[Any]]], where: str) -> NumberedRows:
    counter = CellCounter(where)
    rows: NumberedRows = []
    append = rows.append
    for number, raw in numbered:
        cells = clean_row(raw)
        if cells is not None:
            counter.add(len(cells))
            append((number, cells))
    return rows


def header_text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def find_header(rows: NumberedRows) -> int:
    """Index of the header among ``rows`` (non-blank rows, top first; must not be empty).

    The header is the first of the first HEADER_SEARCH_ROWS non-blank rows that has at least
    2 non-empty cells and at least half as many as the widest of those rows, so title rows
    above the header (one or two filled cells) are passed over. When no row has 2 cells (a
    one-column table) the first non-blank row is the header.
    """
    counts = [sum(cell is not None for cell in cells) for _, cells in rows[:HEADER_SEARCH_ROWS]]
    widest = max(counts)
    for index, count in enumerate(counts):
        if count >= 2 and 2 * count >= widest:
            return index
    return 0


def build_table(path: Path, sheet: str | None, rows: NumberedRows, encoding: str | None = None) -> Table:
    where = place(path, sheet)
    if not rows:
        raise ExportError(
            f"{where} is empty: no header row found.",
            EXPORT_AGAIN
            if sheet is None
            else f"{EXPORT_AGAIN} If the answers are on another sheet, choose that sheet.",
        )
    index = find_header(rows)
    header_number, header_cells = rows[index]
    data = rows[index + 1 :]
    if not data:
        raise ExportError(
            f"{where} has a header row (row {header_number}) but no answers below it.",
            "Check the form has responses, then export them again"
            + ("." if sheet is None else "; if the answers are on another sheet, choose that sheet."),
        )
    width = max(len(header_cells), max(len(cells) for _, cells in data))
    if width * len(data) > MAX_CELLS:
        raise too_large(where)
    headers = tuple(header_text(v) for v in header_cells) + ("",) * (width - len(header_cells))
    pad: dict[int, tuple[None, ...]] = {}
    table_rows = []
    for number, cells in data:
        missing = width - len(cells)
        if missing:
            filler = pad.get(missing)
            if filler is None:
                filler = pad[missing] = (None,) * missing
            cells = cells + filler
        table_rows.append(TableRow(number, cells))
    return Table(
        source=path,
        sheet=sheet,
        header_row=header_number,
        headers=headers,
        rows=tuple(table_rows),
        encoding=encoding,
    )


# --------------------------------------------------------------------------------------------
# Sheet choice (workbooks)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSource:
    """A workbook's sheet, read only when chosen (or when its rows are counted to choose)."""

    name: str
    visible: bool
    read: Callable[[], NumberedRows]


def choose_sheet(path: Path, sheets: list[SheetSource], wanted: str | None) -> Table:
    """Pick the sheet and build its table.

    With ``wanted`` the sheet is found by name, ignoring case and surrounding spaces (hidden
    sheets included). Without it, the answers sheet is the visible sheet with the most
    non-blank rows, the leftmost one on a tie: Microsoft Forms puts the answers on the first
    sheet ("Sheet1" or "Form1"), and a coordinator's extra sheets (notes, lookups, pivots)
    rarely hold more rows than the answers do.
    """
    if not sheets:
        raise ExportError(f"{path} has no worksheets.", SAVE_AS_XLSX)
    if wanted is not None:
        key = wanted.strip().casefold()
        match = next((s for s in sheets if s.name == wanted), None) or next(
            (s for s in sheets if s.name.strip().casefold() == key), None
        )
        if match is None:
            names = ", ".join(f"'{s.name}'" + ("" if s.visible else " (hidden)") for s in sheets)
            raise ExportError(
                f"{path} has no sheet called '{wanted}'. Its sheets are: {names}.",
                "Choose one of these sheet names (upper/lower case does not matter).",
            )
        return build_table(path, match.name, match.read())
    candidates = [s for s in sheets if s.visible] or sheets
    best: tuple[SheetSource, NumberedRows] | None = None
    for candidate in candidates:
        rows = candidate.read()
        if best is None or len(rows) > len(best[1]):
            best = (candidate, rows)
    assert best is not None
    return build_table(path, best[0].name, best[1])

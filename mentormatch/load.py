"""Read a forms export (.xlsx, .xlsm, .ods, .csv, .txt) into a plain table with row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from mentormatch.errors import ExportError

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

#: Refuse a workbook whose members would expand to more than this (zip-bomb guard), and a text
#: file larger than this.
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
#: Refuse a workbook member over RATIO_CHECK_MIN_BYTES that is compressed more than this.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024
#: Refuse a table with more cells than this (rows x columns after padding): no forms export
#: comes near it, but a stray cell in column XFD or a repeated-row trick could exhaust memory.
MAX_CELLS = 20_000_000
#: The header row is looked for among this many non-blank rows at the top of the sheet.
HEADER_SEARCH_ROWS = 20
#: The widest sheet Excel and LibreOffice allow (column XFD).
MAX_COLUMNS = 16_384

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
ODS_SUFFIXES = frozenset({".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
LEGACY_SUFFIXES = frozenset({".xls"})
KNOWN_SUFFIXES = WORKBOOK_SUFFIXES | ODS_SUFFIXES | TEXT_SUFFIXES | LEGACY_SUFFIXES

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OTHER_MAGICS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = "META-INF/manifest.xml"

_SAVE_AS_XLSX = "Open it in Excel and save it as an Excel Workbook (.xlsx), then try again."
_EXPORT_AGAIN = (
    "Export the responses again (Microsoft Forms: 'Open results in Excel'; Google Forms: "
    "'Download responses (.csv)')."
)

# Library exceptions a damaged workbook can raise from openpyxl, zipfile or the XML parsers
# (ElementTree's ParseError is a SyntaxError; defusedxml's refusals are ValueErrors).
_WORKBOOK_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    OSError,
    EOFError,
    RuntimeError,
    SyntaxError,
    zlib.error,
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


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def load_table(path: Path, sheet: str | None = None) -> Table:
    """Read the answers table from a forms export.

    The format is decided by the file's first bytes as well as its suffix: a zip is read as a
    workbook (.xlsx/.xlsm, or .ods when its mimetype says so) whatever its suffix; an OLE2
    compound file (legacy .xls or a password-protected workbook) is refused; a text file
    named .xlsx/.xls/.ods is read as CSV. ``sheet`` picks a sheet by name (case-insensitive);
    it is ignored for text files. Every failure is an :class:`ExportError` naming the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    _check_path(path, suffix)
    head = _read_head(path)
    if not head:
        raise ExportError(f"{path} is empty (0 bytes).", _EXPORT_AGAIN)
    if head.startswith(OLE2_MAGIC):
        raise ExportError(
            f"{path} is an old-style .xls file or a password-protected workbook, "
            "which mentormatch cannot read.",
            "Open it in Excel and save it as .xlsx without a password "
            "(File > Save As > Excel Workbook; File > Info > Protect Workbook to remove it).",
        )
    if head[:4] in ZIP_MAGICS:
        return _load_zip(path, sheet)
    for magic, kind in _OTHER_MAGICS.items():
        if head.startswith(magic):
            raise ExportError(f"{path} is {kind}, not a spreadsheet.", _EXPORT_AGAIN)
    return _load_text(path, suffix)


def _check_path(path: Path, suffix: str) -> None:
    try:
        exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
    except OSError as exc:
        raise _open_error(path, exc) from None
    if not exists:
        where = path.parent if str(path.parent) not in ("", ".") else Path.cwd()
        raise ExportError(
            f"{path} does not exist.",
            f"Check the file name and folder ({where}); put the path in quotes if it has spaces.",
        )
    if is_dir:
        raise ExportError(
            f"{path} is a folder, not a file.",
            "Give the path of the exported .xlsx or .csv file inside it.",
        )
    if not is_file:
        raise ExportError(f"{path} is not a regular file.", "Give the path of the exported file.")
    if suffix == ".zip":
        raise ExportError(
            f"{path} is a zip archive.",
            "Unzip it (Google Forms downloads the .csv inside a .zip) and give the .csv file.",
        )
    if suffix not in KNOWN_SUFFIXES:
        shown = f"the suffix '{path.suffix}'" if path.suffix else "no suffix"
        raise ExportError(
            f"{path} has {shown}; mentormatch reads .xlsx, .xlsm, .ods, .csv and .txt files.",
            "Export the responses as .xlsx (Microsoft Forms) or .csv (Google Forms), "
            "or rename the file if it already is one.",
        )


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(8)
    except OSError as exc:
        raise _open_error(path, exc) from None


def _open_error(path: Path, exc: OSError) -> ExportError:
    if isinstance(exc, PermissionError):
        return ExportError(
            f"{path} cannot be opened: permission denied.",
            "If the file is open in Excel, close it; otherwise copy it somewhere you can read.",
        )
    return ExportError(
        f"{path} cannot be read: {exc.strerror or exc}.",
        "Copy the file to a local folder and try again.",
    )


def _where(path: Path, sheet: str | None) -> str:
    return f"sheet '{sheet}' of {path}" if sheet is not None else str(path)


# --------------------------------------------------------------------------------------------
# Rows: cleaning, header detection, table building (shared by every format)
# --------------------------------------------------------------------------------------------

_NumberedRows = list[tuple[int, tuple[Any, ...]]]


def _clean(raw: Sequence[Any]) -> tuple[Any, ...] | None:
    """Whitespace-only strings become None, trailing Nones are cut; None for a blank row."""
    cells = [
        None if v.__class__ is str and (not v or v.isspace()) else v
        for v in raw  # `v.__class__ is str` is faster than isinstance here
    ]
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    if not end:
        return None
    del cells[end:]
    return tuple(cells)


def _clean_text(raw: Sequence[str]) -> tuple[str | None, ...] | None:
    """Like _clean for rows that hold only strings (CSV records)."""
    cells = [v if v and not v.isspace() else None for v in raw]
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    if not end:
        return None
    del cells[end:]
    return tuple(cells)


class _CellCounter:
    """Stop a sheet that would hold more than MAX_CELLS values before memory runs out."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n
        if self.total > MAX_CELLS:
            raise _too_large(self.where)


def _too_large(where: str) -> ExportError:
    return ExportError(
        f"{where} is too large: it holds more than {MAX_CELLS:,} cells.",
        "A forms export is far smaller. Delete stray values far below or to the right of the "
        "answers (Ctrl+End shows the last used cell), or export the responses again.",
    )


def _collect(numbered: Iterable[tuple[int, Sequence[Any]]], where: str) -> _NumberedRows:
    counter = _CellCounter(where)
    rows: _NumberedRows = []
    append = rows.append
    for number, raw in numbered:
        cells = _clean(raw)
        if cells is not None:
            counter.add(len(cells))
            append((number, cells))
    return rows


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _find_header(rows: _NumberedRows) -> int:
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


def _build_table(path: Path, sheet: str | None, rows: _NumberedRows, encoding: str | None = None) -> Table:
    where = _where(path, sheet)
    if not rows:
        raise ExportError(
            f"{where} is empty: no header row found.",
            _EXPORT_AGAIN
            if sheet is None
            else f"{_EXPORT_AGAIN} If the answers are on another sheet, choose that sheet.",
        )
    index = _find_header(rows)
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
        raise _too_large(where)
    headers = tuple(_header_text(v) for v in header_cells) + ("",) * (width - len(header_cells))
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
class _Sheet:
    name: str
    visible: bool
    read: Callable[[], _NumberedRows]


def _choose_sheet(path: Path, sheets: list[_Sheet], wanted: str | None) -> Table:
    """Pick the sheet and build its table.

    With ``wanted`` the sheet is found by name, ignoring case and surrounding spaces (hidden
    sheets included). Without it, the answers sheet is the visible sheet with the most
    non-blank rows, the leftmost one on a tie: Microsoft Forms puts the answers on the first
    sheet ("Sheet1" or "Form1"), and a coordinator's extra sheets (notes, lookups, pivots)
    rarely hold more rows than the answers do.
    """
    if not sheets:
        raise ExportError(f"{path} has no worksheets.", _SAVE_AS_XLSX)
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
        return _build_table(path, match.name, match.read())
    candidates = [s for s in sheets if s.visible] or sheets
    best: tuple[_Sheet, _NumberedRows] | None = None
    for candidate in candidates:
        rows = candidate.read()
        if best is None or len(rows) > len(best[1]):
            best = (candidate, rows)
    assert best is not None
    return _build_table(path, best[0].name, best[1])


# --------------------------------------------------------------------------------------------
# Zip containers: .xlsx / .xlsm / .ods
# --------------------------------------------------------------------------------------------


def _damaged(path: Path, detail: str = "") -> ExportError:
    extra = f" ({detail})" if detail else ""
    return ExportError(
        f"{path} is damaged or is not a complete spreadsheet, so it cannot be read{extra}.",
        "Download or export the responses again; if the file came by email, save the "
        "attachment again. If it still opens in Excel, save it from there as an Excel "
        "Workbook (.xlsx).",
    )


def _check_zip_sizes(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse a zip bomb before any member is decompressed.

    zipfile never returns more bytes than a member's declared size (and fails the CRC check
    if the data disagrees), so the declared sizes checked here bound what openpyxl can read.
    """
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ExportError(
                f"{path} is not a normal spreadsheet: its part '{info.filename}' would expand "
                f"from {info.compress_size:,} to {info.file_size:,} bytes (a 'zip bomb').",
                "Do not open it. Export the responses again from the form.",
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExportError(
            f"{path} is too large: it would expand to {total:,} bytes, more than the "
            f"{MAX_UNCOMPRESSED_BYTES:,} mentormatch accepts.",
            "A forms export is far smaller. Export the responses again, or save only the "
            "answers sheet as a new .xlsx.",
        )


def _load_zip(path: Path, sheet: str | None) -> Table:
    try:
        with path.open("rb") as fh:
            try:
                zf = zipfile.ZipFile(fh)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _damaged(path, "not a valid zip archive") from exc
            with zf:
                _check_zip_sizes(path, zf)
                kind = _zip_kind(path, zf)
                if kind == "ods":
                    return _load_ods(path, zf, sheet)
            fh.seek(0)
            return _load_xlsx(path, fh, sheet)
    except OSError as exc:
        raise _open_error(path, exc) from None


def _zip_kind(path: Path, zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype").strip()
        except _WORKBOOK_ERRORS as exc:
            raise _damaged(path) from exc
        if mimetype == _ODS_MIMETYPE:
            return "ods"
        kind = mimetype.decode("ascii", "replace")[:80]
        raise ExportError(
            f"{path} is an OpenDocument file of another kind ({kind}), not a spreadsheet.",
            _EXPORT_AGAIN,
        )
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            raise ExportError(f"{path} is a Word document, not a spreadsheet.", _EXPORT_AGAIN)
        if any(n.startswith("ppt/") for n in names):
            raise ExportError(f"{path} is a PowerPoint file, not a spreadsheet.", _EXPORT_AGAIN)
        if any(n.lower().endswith(".bin") and n.startswith("xl/workbook") for n in names):
            raise ExportError(
                f"{path} is an Excel binary workbook (.xlsb), which mentormatch cannot read.",
                _SAVE_AS_XLSX,
            )
        return "xlsx"
    csvs = sorted(n for n in names if n.lower().endswith((".csv", ".txt")))
    if csvs:
        raise ExportError(
            f"{path} is a zip archive holding {', '.join(csvs[:3])}, not a spreadsheet.",
            "Unzip it and give the .csv file inside.",
        )
    raise _damaged(path, "a zip archive without a workbook inside")


# ---- .xlsx ----------------------------------------------------------------------------------


def _load_xlsx(path: Path, fh: IO[bytes], sheet: str | None) -> Table:
    """Read with openpyxl in read-only mode, formulas giving their cached values.

    A formula cell that was never calculated (as in files written by openpyxl itself) has no
    cached value and reads as None.
    """
    import openpyxl  # imported here: it is slow to import and only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (*_WORKBOOK_ERRORS, InvalidFileException)
    with warnings.catch_warnings():
        # openpyxl warns about styles, data validation and the like it does not keep.
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
        except errors as exc:
            raise _unreadable(path, exc) from exc
        try:
            sheets = [
                _Sheet(ws.title, ws.sheet_state == "visible", _xlsx_reader(path, ws, errors))
                for ws in workbook.worksheets
            ]
            return _choose_sheet(path, sheets, sheet)
        finally:
            workbook.close()


def _xlsx_reader(path: Path, ws: Any, errors: tuple[type[BaseException], ...]) -> Callable[[], _NumberedRows]:
    def read() -> _NumberedRows:
        # The <dimension> a file declares can be wrong, and read-only mode would then cut
        # rows or columns off; forget it so every stored cell is read.
        ws.reset_dimensions()
        where = _where(path, ws.title)
        try:
            # iter_rows yields one tuple per row from row 1, gaps included, so the
            # enumeration is the spreadsheet row number.
            return _collect(enumerate(ws.iter_rows(values_only=True), start=1), where)
        except ExportError:
            raise
        except errors as exc:
            raise _unreadable(path, exc, f"sheet '{ws.title}'") from exc

    return read


def _unreadable(path: Path, exc: BaseException, part: str | None = None) -> ExportError:
    """The error for a library exception raised while reading a workbook's parts."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    for _ in range(10):  # openpyxl re-raises parse errors as ValueError; look down the chain
        if seen is None:
            break
        if isinstance(seen, DefusedXmlException):
            return ExportError(
                f"{path} holds XML declarations (DTD or entities) that spreadsheet programs never "
                "write and that can be used to attack the computer reading it, so it was not read.",
                "Do not open it. Export the responses again from the form.",
            )
        seen = seen.__cause__ or seen.__context__
    detail = _describe(exc)
    return _damaged(path, f"in {part}: {detail}" if part else detail)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


# ---- .ods -----------------------------------------------------------------------------------

_NS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_NS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_NS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_NS_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_T_TABLE = _NS_TABLE + "table"
_T_ROW = _NS_TABLE + "table-row"
_T_CELL = _NS_TABLE + "table-cell"
_T_COVERED = _NS_TABLE + "covered-table-cell"
_T_NAME = _NS_TABLE + "name"
_T_STYLE_NAME = _NS_TABLE + "style-name"
_T_ROWS_REPEATED = _NS_TABLE + "number-rows-repeated"
_T_COLS_REPEATED = _NS_TABLE + "number-columns-repeated"
_T_DISPLAY = _NS_TABLE + "display"
_O_VALUE_TYPE = _NS_OFFICE + "value-type"
_O_VALUE = _NS_OFFICE + "value"
_O_DATE = _NS_OFFICE + "date-value"
_O_TIME = _NS_OFFICE + "time-value"
_O_BOOL = _NS_OFFICE + "boolean-value"
_O_STRING = _NS_OFFICE + "string-value"
_O_ANNOTATION = _NS_OFFICE + "annotation"
_X_P = _NS_TEXT + "p"
_X_H = _NS_TEXT + "h"
_X_S = _NS_TEXT + "s"
_X_C = _NS_TEXT + "c"
_X_TAB = _NS_TEXT + "tab"
_X_BREAK = _NS_TEXT + "line-break"
_X_NOTE = _NS_TEXT + "note"
_S_STYLE = _NS_STYLE + "style"
_S_NAME = _NS_STYLE + "name"
_S_FAMILY = _NS_STYLE + "family"
_S_TABLE_PROPS = _NS_STYLE + "table-properties"
_ODS_DURATION = re.compile(r"(-)?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")


def _load_ods(path: Path, zf: zipfile.ZipFile, sheet: str | None) -> Table:
    """Stream content.xml through defusedxml (no extra dependency, exact row numbers)."""
    try:
        names = set(zf.namelist())
        manifest = zf.read(_ODS_MANIFEST) if _ODS_MANIFEST in names else b""
        if b"encryption-data" in manifest:
            raise ExportError(
                f"{path} is a password-protected spreadsheet.",
                "Open it in LibreOffice or Excel and save it as .xlsx without a password.",
            )
        with zf.open("content.xml") as content:
            parsed = _parse_ods(path, content)
    except ExportError:
        raise
    except _WORKBOOK_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    sheets = [_Sheet(name, visible, _constant(rows)) for name, visible, rows in parsed]
    return _choose_sheet(path, sheets, sheet)


def _constant(rows: _NumberedRows) -> Callable[[], _NumberedRows]:
    return lambda: rows


def _parse_ods(path: Path, content: IO[bytes]) -> list[tuple[str, bool, _NumberedRows]]:
    from defusedxml.ElementTree import iterparse

    hidden_styles: set[str] = set()
    sheets: list[tuple[str, bool, _NumberedRows]] = []
    stack: list[Any] = []
    rows: _NumberedRows = []
    row_number = 0
    counter = _CellCounter(str(path))
    for event, elem in iterparse(content, events=("start", "end")):
        if event == "start":
            stack.append(elem)
            if elem.tag == _T_TABLE:
                name = elem.get(_T_NAME) or f"Sheet{len(sheets) + 1}"
                visible = elem.get(_T_STYLE_NAME) not in hidden_styles
                rows = []
                row_number = 0
                counter = _CellCounter(_where(path, name))
                sheets.append((name, visible, rows))
            continue
        stack.pop()
        tag = elem.tag
        if tag == _T_ROW:
            repeat = _repeat(elem.get(_T_ROWS_REPEATED))
            cells = _clean(_ods_row_values(path, elem))
            if cells is not None:
                counter.add(len(cells) * repeat)
                rows.extend((row_number + k + 1, cells) for k in range(repeat))
            row_number += repeat
        elif tag == _S_STYLE:
            props = elem.find(_S_TABLE_PROPS)
            if elem.get(_S_FAMILY) == "table" and props is not None and props.get(_T_DISPLAY) == "false":
                hidden_styles.add(elem.get(_S_NAME, ""))
        else:
            continue
        # Drop what has been read so memory stays flat however long the sheet is.
        elem.clear()
        if stack:
            stack[-1].remove(elem)
    return sheets


def _repeat(value: str | None) -> int:
    if not value:
        return 1
    try:
        return max(int(value), 1)
    except ValueError:
        return 1


def _ods_row_values(path: Path, row: Any) -> list[Any]:
    values: list[Any] = []
    pending_empty = 0
    for cell in row:
        if cell.tag not in (_T_CELL, _T_COVERED):
            continue
        repeat = _repeat(cell.get(_T_COLS_REPEATED))
        value = _ods_cell_value(cell)
        if value is None:
            pending_empty += repeat
            continue
        if len(values) + pending_empty + repeat > MAX_COLUMNS:
            raise ExportError(
                f"{path} has a value beyond column {column_letter(MAX_COLUMNS - 1)}, "
                "the last column a spreadsheet can have.",
                _SAVE_AS_XLSX,
            )
        if pending_empty:
            values.extend([None] * pending_empty)
            pending_empty = 0
        values.extend([value] * repeat)
    return values


def _ods_cell_value(cell: Any) -> Any:
    value_type = cell.get(_O_VALUE_TYPE)
    if value_type in ("float", "percentage", "currency"):
        raw = cell.get(_O_VALUE, "")
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw or None
    if value_type == "date":
        raw = cell.get(_O_DATE, "")
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return raw or None
    if value_type == "time":
        return _ods_time(cell.get(_O_TIME, ""))
    if value_type == "boolean":
        raw = cell.get(_O_BOOL, "")
        return raw.strip().lower() in ("true", "1") if raw else None
    if value_type == "string" and cell.get(_O_STRING) is not None:
        return cell.get(_O_STRING)
    paragraphs = [_ods_text(p) for p in cell if p.tag in (_X_P, _X_H)]
    if not paragraphs:
        return None
    return "\n".join(paragraphs)


def _ods_time(raw: str) -> Any:
    match = _ODS_DURATION.fullmatch(raw.strip())
    if not match or not raw.strip():
        return raw or None
    sign, days, hours, minutes, seconds = match.groups()
    delta = timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(seconds or 0),
    )
    if sign:
        return -delta
    if delta < timedelta(days=1):
        return (datetime.min + delta).time()
    return delta


def _ods_text(elem: Any) -> str:
    parts = [elem.text or ""]
    for child in elem:
        tag = child.tag
        if tag == _X_S:
            parts.append(" " * _repeat(child.get(_X_C)))
        elif tag == _X_TAB:
            parts.append("\t")
        elif tag == _X_BREAK:
            parts.append("\n")
        elif tag not in (_O_ANNOTATION, _X_NOTE):
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Text: .csv / .txt (and text files misnamed .xlsx)
# --------------------------------------------------------------------------------------------

_DELIMITERS = ",;\t"
_CONTROL_CHARS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")
_SNIFF_CHARS = 64 * 1024


def _load_text(path: Path, suffix: str) -> Table:
    misnamed = suffix not in TEXT_SUFFIXES
    try:
        size = path.stat().st_size
        if size > MAX_UNCOMPRESSED_BYTES:
            raise ExportError(
                f"{path} is too large ({size:,} bytes, more than {MAX_UNCOMPRESSED_BYTES:,}).",
                "A forms export is far smaller: check this is the right file.",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise _open_error(path, exc) from None
    text, encoding = _decode(path, data, misnamed)
    _refuse_markup(path, text)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    counter = _CellCounter(str(path))
    rows: _NumberedRows = []
    number = 0
    widths: dict[int, int] = {}
    spans: list[tuple[int, int]] = []  # (first line, last line) of records over several lines
    line = 0
    try:
        for number, record in enumerate(reader, start=1):
            widths[len(record)] = widths.get(len(record), 0) + 1
            if reader.line_num - line > 1:
                spans.append((line + 1, reader.line_num))
            line = reader.line_num
            cells = _clean_text(record)
            if cells is not None:
                counter.add(len(cells))
                rows.append((number, cells))
    except csv.Error as exc:
        raise ExportError(
            f"{path} cannot be read as CSV near line {reader.line_num} (after record {number}): {exc}.",
            'A quote mark (") is probably not closed in that answer. Export the responses '
            "again, or fix the quote in a text editor.",
        ) from None
    if spans:
        _refuse_runaway_quote(path, text, delimiter, spans, widths)
    return _build_table(path, None, rows, encoding)


def _refuse_runaway_quote(
    path: Path, text: str, delimiter: str, spans: list[tuple[int, int]], widths: dict[int, int]
) -> None:
    """Refuse a record that swallowed whole rows because a quote mark was not closed.

    A quoted answer may hold line breaks. But a line inside a record that is a complete row on
    its own (as many fields as most records have) and holds no closing quote (its quote marks
    pair up; the last line of a real multi-line answer has one more, the one closing it) means
    a stray quote ran on past its row's end: reading on would silently merge the rows after it
    into one answer and lose them.
    """
    width = max(widths.items(), key=lambda item: (item[1], item[0]))[0]
    if width < 3:
        return
    lines = io.StringIO(text, newline="").readlines()
    for first, last in spans:
        for number in range(first + 1, last + 1):
            if lines[number - 1].count('"') % 2:
                continue
            fields = next(csv.reader([lines[number - 1]], delimiter=delimiter), [])
            if len(fields) >= width:
                raise ExportError(
                    f'{path} cannot be read as CSV: a quote mark (") in the row starting on line '
                    f"{first} is not closed, so line {number} (a whole row) would be read into one "
                    "of its answers and lost.",
                    f"Open the file in a text editor, find the quote mark on line {first}, remove it "
                    'or write it twice (""), then try again; or export the responses again.',
                )


def _decode(path: Path, data: bytes, misnamed: bool) -> tuple[str, str]:
    not_text = ExportError(
        f"{path} is not a spreadsheet: it is neither a workbook nor a text (CSV) file."
        if misnamed
        else f"{path} is not a text (CSV) file: it holds binary data.",
        _SAVE_AS_XLSX if misnamed else f"{_EXPORT_AGAIN} In Excel use Save As > CSV UTF-8.",
    )
    decoded = _decode_text(data)
    if decoded is None:
        if misnamed:
            raise not_text
        raise ExportError(
            f"{path} is neither UTF-8 nor Windows-1252 (Western European) text.",
            "Open it in Excel and use Save As > CSV UTF-8 (Comma delimited), then try again.",
        )
    text = decoded[0]
    # A NUL never appears in text, other control characters only by accident: a file named
    # like a workbook that holds them is binary, not a CSV someone renamed.
    if "\x00" in text or (misnamed and _CONTROL_CHARS.search(text, 0, _SNIFF_CHARS)):
        raise not_text
    return decoded


def _decode_text(data: bytes) -> tuple[str, str] | None:
    """(text, encoding name), or None when neither UTF-8/16 nor Windows-1252 fits."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text (*.txt)" is UTF-16 with a byte-order mark.
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None


def _refuse_markup(path: Path, text: str) -> None:
    start = text[:200].lstrip().lower()
    if start.startswith(("<!doctype html", "<html", "<?xml", "<table")):
        raise ExportError(
            f"{path} is a web page or XML file, not a CSV or Excel workbook.",
            _SAVE_AS_XLSX,
        )


def _sniff_delimiter(text: str) -> str:
    """The delimiter among , ; and tab that splits the top of the file most consistently.

    Each candidate parses the first 20 non-blank records (quotes respected, so commas inside
    quoted answers do not count); the winner has the most records sharing one width of 2 or
    more fields, then the wider width, then the order , ; tab. "," when nothing splits.
    csv.Sniffer is not used: its quote-matching regex is quadratic (25 s on a 64 kB sample of
    unbalanced quotes) and a quoted phrase inside an answer (`said, "hi", then`) misleads it.
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    scores = {d: _split_score(sample, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: scores[d])  # max() keeps the first on a tie
    return best if scores[best] > (0, 0) else ","


def _split_score(sample: str, delimiter: str) -> tuple[int, int]:
    """(records sharing the commonest width of 2+, that width) over the first 20 records."""
    widths: dict[int, int] = {}
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    seen = 0
    try:
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            seen += 1
            if len(record) > 1:
                widths[len(record)] = widths.get(len(record), 0) + 1
            if seen >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    if not widths:
        return (0, 0)
    width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
    return (count, width)

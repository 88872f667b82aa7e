"""Read a forms export (.xlsx, .xlsm, .ods, .csv, .txt) into a plain table with row numbers."""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from mentormatch.errors import ExportError
from mentormatch.ods import parse_ods
from mentormatch.tables import (
    EXPORT_AGAIN,
    SAVE_AS_XLSX,
    NumberedRows,
    SheetSource,
    Table,
    TableRow,
    choose_sheet,
    collect,
    column_letter,
    place,
)
from mentormatch.textfile import read_text

# The table model lives in tables.py; the format readers in ods.py and textfile.py.
__all__ = ["Table", "TableRow", "column_letter", "load_table"]

# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------

#: Refuse a workbook whose members would expand to more than this (zip-bomb guard), and a text
#: file larger than this.
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
#: Refuse a workbook member over RATIO_CHECK_MIN_BYTES that is compressed more than this.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024

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
        raise ExportError(f"{path} is empty (0 bytes).", EXPORT_AGAIN)
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
            raise ExportError(f"{path} is {kind}, not a spreadsheet.", EXPORT_AGAIN)
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
            EXPORT_AGAIN,
        )
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            raise ExportError(f"{path} is a Word document, not a spreadsheet.", EXPORT_AGAIN)
        if any(n.startswith("ppt/") for n in names):
            raise ExportError(f"{path} is a PowerPoint file, not a spreadsheet.", EXPORT_AGAIN)
        if any(n.lower().endswith(".bin") and n.startswith("xl/workbook") for n in names):
            raise ExportError(
                f"{path} is an Excel binary workbook (.xlsb), which mentormatch cannot read.",
                SAVE_AS_XLSX,
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
                SheetSource(ws.title, ws.sheet_state == "visible", _xlsx_reader(path, ws, errors))
                for ws in workbook.worksheets
            ]
            return choose_sheet(path, sheets, sheet)
        finally:
            workbook.close()


def _xlsx_reader(path: Path, ws: Any, errors: tuple[type[BaseException], ...]) -> Callable[[], NumberedRows]:
    def read() -> NumberedRows:
        # The <dimension> a file declares can be wrong, and read-only mode would then cut
        # rows or columns off; forget it so every stored cell is read.
        ws.reset_dimensions()
        where = place(path, ws.title)
        try:
            # iter_rows yields one tuple per row from row 1, gaps included, so the
            # enumeration is the spreadsheet row number.
            return collect(enumerate(ws.iter_rows(values_only=True), start=1), where)
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

# ---- .ods -----------------------------------------------------------------------------------


def _load_ods(path: Path, zf: zipfile.ZipFile, sheet: str | None) -> Table:
    """The chosen sheet of an OpenDocument spreadsheet (no extra dependency, exact row numbers)."""
    try:
        names = set(zf.namelist())
        manifest = zf.read(_ODS_MANIFEST) if _ODS_MANIFEST in names else b""
        if b"encryption-data" in manifest:
            raise ExportError(
                f"{path} is a password-protected spreadsheet.",
                "Open it in LibreOffice or Excel and save it as .xlsx without a password.",
            )
        with zf.open("content.xml") as content:
            parsed = parse_ods(path, content)
    except ExportError:
        raise
    except _WORKBOOK_ERRORS as exc:
        raise _unreadable(path, exc) from exc
    sheets = [SheetSource(name, visible, _constant(rows)) for name, visible, rows in parsed]
    return choose_sheet(path, sheets, sheet)


def _constant(rows: NumberedRows) -> Callable[[], NumberedRows]:
    return lambda: rows


# ---- .csv / .txt (and text files misnamed .xlsx) ----------------------------------------------


def _load_text(path: Path, suffix: str) -> Table:
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
    return read_text(path, data, misnamed=suffix not in TEXT_SUFFIXES)

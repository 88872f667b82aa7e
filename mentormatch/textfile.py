"""Read a text export (.csv, .txt): its encoding, its delimiter, and quotes that run away."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from mentormatch.errors import ExportError
from mentormatch.tables import (
    EXPORT_AGAIN,
    HEADER_SEARCH_ROWS,
    SAVE_AS_XLSX,
    CellCounter,
    NumberedRows,
    Table,
    build_table,
    clean_text_row,
)

__all__ = ["read_text"]

_DELIMITERS = ",;\t"
_CONTROL_CHARS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")
_SNIFF_CHARS = 64 * 1024


def read_text(path: Path, data: bytes, misnamed: bool) -> Table:
    """The table in a text export's bytes; ``misnamed`` when its name says workbook (.xlsx)."""
    text, encoding = _decode(path, data, misnamed)
    _refuse_markup(path, text)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    counter = CellCounter(str(path))
    rows: NumberedRows = []
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
            cells = clean_text_row(record)
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
    return build_table(path, None, rows, encoding)


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
        SAVE_AS_XLSX if misnamed else f"{EXPORT_AGAIN} In Excel use Save As > CSV UTF-8.",
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
            SAVE_AS_XLSX,
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

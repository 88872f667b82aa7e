"""Cells of a workbook or CSV: values made plain, text that never runs as a formula, styled rows."""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

__all__ = [
    "EXCEL_CELL_LIMIT",
    "FONT",
    "Formatted",
    "clean_text",
    "csv_value",
    "emit_row",
    "plain_value",
    "safe_text",
    "style_template",
    "xlsx_value",
]

EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 code units) in one cell
LONDON = ZoneInfo("Europe/London")

FONT = "Calibri"  # Excel's default; LibreOffice prints it with the metric-compatible Carlito
HEADER_FONT = Font(name=FONT, bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")

# Characters an .xlsx cannot hold: openpyxl's control characters, plus lone surrogates and
# U+FFFE/U+FFFF, which are not valid XML and would make the file unreadable.
UNWRITABLE_RE = re.compile(ILLEGAL_CHARACTERS_RE.pattern + r"|[\ud800-\udfff\ufffe\uffff]")
# = + - @ and their full-width forms (Excel and LibreOffice read ＝ as =), tab, CR, LF.
_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format characters (ZWSP, BOM, ...)


@dataclass(frozen=True)
class Formatted:
    """A number or date written with an Excel number format, e.g. 0.84 shown as 84% ("0%")."""

    value: Any
    number_format: str


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


def clean_text(text: str) -> str:
    """Drop characters an .xlsx cannot hold, use LF line breaks, cap at Excel's cell limit."""
    text = UNWRITABLE_RE.sub("", text)
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


def plain_value(value: Any) -> Any:
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
            return plain_value(value)
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


def xlsx_value(value: Any) -> Any:
    value = plain_value(value)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    return value


def csv_value(value: Any) -> Any:
    value = plain_value(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return value


# --------------------------------------------------------------------------- rows


def style_template(
    ws: Any, *, header: bool = False, alignment: Alignment | None = None, font: Font | None = None
) -> Any:
    """A style registered once with the workbook, to be copied onto many cells."""
    cell = WriteOnlyCell(ws)
    if font is not None:
        cell.font = font
    if header:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
    elif alignment is not None:
        cell.alignment = alignment
    return cell._style


def emit_row(
    ws: Any,
    number: int,
    values: Sequence[Any],
    styles: Sequence[Any | None],
    *,
    write_only: bool,
    formats: Sequence[str | None] = (),
) -> None:
    """Write one row of converted values; every str is stored as text, never as a formula.

    ``styles[i]`` is a template from ``style_template`` (or None) for column i. Copying the
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

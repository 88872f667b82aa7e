"""Read an OpenDocument spreadsheet's content.xml (streamed through defusedxml) into numbered rows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from mentormatch.errors import ExportError
from mentormatch.tables import (
    MAX_COLUMNS,
    SAVE_AS_XLSX,
    CellCounter,
    NumberedRows,
    clean_row,
    column_letter,
    place,
)

__all__ = ["parse_ods"]

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


def parse_ods(path: Path, content: IO[bytes]) -> list[tuple[str, bool, NumberedRows]]:
    from defusedxml.ElementTree import iterparse

    hidden_styles: set[str] = set()
    sheets: list[tuple[str, bool, NumberedRows]] = []
    stack: list[Any] = []
    rows: NumberedRows = []
    row_number = 0
    counter = CellCounter(str(path))
    for event, elem in iterparse(content, events=("start", "end")):
        if event == "start":
            stack.append(elem)
            if elem.tag == _T_TABLE:
                name = elem.get(_T_NAME) or f"Sheet{len(sheets) + 1}"
                visible = elem.get(_T_STYLE_NAME) not in hidden_styles
                rows = []
                row_number = 0
                counter = CellCounter(place(path, name))
                sheets.append((name, visible, rows))
            continue
        stack.pop()
        tag = elem.tag
        if tag == _T_ROW:
            repeat = _repeat(elem.get(_T_ROWS_REPEATED))
            cells = clean_row(_ods_row_values(path, elem))
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
                SAVE_AS_XLSX,
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

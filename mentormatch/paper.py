"""How a sheet prints on A4: column widths, orientation and scale, wrapped text, page headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from mentormatch.cells import clean_text, plain_value

__all__ = [
    "LINE_HEIGHT",
    "MAX_WIDTH",
    "MIN_WIDTH",
    "PRINT_SCALE",
    "WRAP_MIN",
    "PageText",
    "Paper",
    "column_pixels",
    "column_widths",
    "paper_layout",
    "print_setup",
    "printable_pixels",
    "wrapped_lines",
]

MIN_WIDTH = 8
MAX_WIDTH = 60

LINE_HEIGHT = 15.0  # points per line of 11-point text


def wrapped_lines(value: Any, width: float) -> int:
    """How many lines a wrapped cell needs at a column width (in characters)."""
    text = plain_value(value)
    if not isinstance(text, str) or not text:
        return 1
    per_line = max(1, int(width * 1.2) - 2)  # a character is narrower than the digit of the unit
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    # Header: bold text plus the auto-filter button needs a few characters more.
    longest = [len(name) + 4 for name in columns]
    for row in rows:
        for index, value in enumerate(row[: len(columns)]):
            size = _display_width(value) + 2
            if size > longest[index]:
                longest[index] = size
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, size))) for size in longest]


def _display_width(value: Any) -> int:
    value = plain_value(value)
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
class PageText:
    """What heads and foots every printed page: the programme and when the run was made."""

    title: str | None
    run_at: datetime | None


@dataclass(frozen=True)
class Paper:
    """How a sheet prints: orientation, scale, column widths, wrapped columns, pages across."""

    landscape: bool
    scale: int
    widths: list[float]
    wrap: frozenset[int]
    across: bool


def paper_layout(
    columns: Sequence[str],
    wrapping: frozenset[str],
    landscape_wanted: bool | None,
    widths: list[float],
    sample: Sequence[Sequence[Any]],
) -> Paper:
    """Widths and orientation so that every column fits across an A4 page at PRINT_SCALE % or more.

    ``wrapping`` names the columns whose long text wraps; ``landscape_wanted`` None lets the
    widths decide. Portrait if the columns fit; else landscape, shrunk to no less than
    PRINT_SCALE %; else the widest text columns are narrowed (and wrapped) until they fit. Only
    when even that cannot fit do columns run onto a second page across (the frozen columns are
    then repeated).
    """
    wrap = {i for i, name in enumerate(columns) if name in wrapping}
    total = sum(column_pixels(w) for w in widths)
    if landscape_wanted is not True and (landscape_wanted is False or total <= printable_pixels(False)):
        landscape = False
    else:
        landscape = True
    room = printable_pixels(landscape)
    if total <= room:
        return Paper(landscape, 100, widths, frozenset(wrap), False)
    if total * PRINT_SCALE <= room * 100:
        return Paper(landscape, _scale(total, room), widths, frozenset(wrap), False)
    budget = room * 100 / PRINT_SCALE
    text = {i for i in range(len(widths)) if _is_text_column(i, sample)}
    # A heading wraps at its spaces (leaving room for the filter button); numbers and dates
    # keep their full width, text wraps within at least NARROW_MIN characters.
    floor = {
        i: float(max(_longest_word(name) + 3, NARROW_MIN if i in text else _value_width(i, sample)))
        for i, name in enumerate(columns)
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
    return Paper(landscape, PRINT_SCALE if across else _scale(total, room), new, frozenset(wrap), across)


def _scale(total: float, room: float) -> int:
    return max(PRINT_SCALE, min(100, int(room * 100 / max(1.0, total))))


def _value_width(index: int, rows: Sequence[Sequence[Any]]) -> int:
    return max((_display_width(row[index]) + 2 for row in rows if index < len(row)), default=MIN_WIDTH)


def _is_text_column(index: int, rows: Sequence[Sequence[Any]]) -> bool:
    """True when the column holds text (so it may wrap), not only numbers and dates."""
    return any(index < len(row) and isinstance(plain_value(row[index]), str) for row in rows)


def _longest_word(text: str) -> int:
    return max((len(word) for word in str(text).split()), default=0)


def print_setup(ws: Any, paper: Paper, page: PageText) -> None:
    ws.page_setup.orientation = "landscape" if paper.landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.scale = paper.scale
    ws.page_margins = PageMargins(left=MARGIN, right=MARGIN, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    ws.print_options.gridLines = True
    _page_header(ws, page)


def _page_header(ws: Any, page: PageText) -> None:
    """Programme and run date at the top of every printed page; sheet and "Page X of Y" below."""
    if page.title:
        ws.oddHeader.left.text = _header_text(page.title)
    if page.run_at is not None:
        ws.oddHeader.right.text = f"Run {page.run_at:%d %b %Y %H:%M}"
    ws.oddFooter.left.text = "&A"  # the sheet's name
    ws.oddFooter.right.text = "Page &P of &N"


def _header_text(text: str, limit: int = 120) -> str:
    """Text for a page header: "&" doubled (it starts a code there), within Excel's length."""
    text = " ".join(clean_text(text).split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text.replace("&", "&&")

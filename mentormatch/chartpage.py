"""A one-page sheet read at a glance: a heading, sentences and native charts on one A4 page."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from mentormatch.cells import FONT, WRAP, clean_text, emit_row, plain_value, style_template, xlsx_value
from mentormatch.paper import LINE_HEIGHT, PageText, Paper, print_setup, wrapped_lines

__all__ = ["Figure", "Page", "write_page"]


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


_PAGE_WIDTHS = [44.0] + [11.0] * 8  # A: labels; B to I: counts (25.7 cm across)
_ROW_CM = 15 * 2.54 / 72  # a row of the default height (15 points) in centimetres
_CHART_CM = ((14.6, 13.0), (10.8, 6.5), (10.8, 6.5))  # width, height: one tall at A, two at E
_HEADING = Font(name=FONT, bold=True, size=14)
_BOLD = Font(name=FONT, bold=True)


def write_page(workbook: Workbook, page: Page, title: str, *, write_only: bool, page_text: PageText) -> None:
    """One landscape page: heading, sentences and charts printed; the figures listed below."""
    ws = workbook.create_sheet(title)
    for index, width in enumerate(_PAGE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(_PAGE_WIDTHS))
    print_setup(ws, Paper(True, 100, list(_PAGE_WIDTHS), frozenset(), False), page_text)
    ws.print_options.gridLines = False
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1  # one page, whatever the printer's margins
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    # Where everything goes, worked out first: write-only sheets are written row by row.
    lines = [clean_text(str(line)) for line in page.lines]
    first_chart = 2 + len(lines) + 1
    lower = first_chart + math.ceil(_CHART_CM[1][1] / _ROW_CM)
    end = first_chart + math.ceil(_CHART_CM[0][1] / _ROW_CM)
    ws.print_area = f"A1:{last}{end}"
    anchors = [f"A{first_chart}", f"E{first_chart}", f"E{lower}"]
    sizes = list(_CHART_CM)

    heading = style_template(ws, font=_HEADING, alignment=WRAP)
    wrap = style_template(ws, alignment=WRAP)
    bold = style_template(ws, font=_BOLD)
    header = style_template(ws, header=True)
    number = end + 2
    rows: list[tuple[int, list[Any], list[Any]]] = [(1, [clean_text(page.heading)], [heading])]
    for offset, line in enumerate(lines):
        rows.append((2 + offset, [line], [wrap]))
    rows.append((number, ["Figures behind the charts"], [bold]))
    tables: list[tuple[Figure, int, int]] = []
    for figure in page.figures[: len(anchors)]:
        body = [list(row) for row in figure.rows] or [["(none)", *([0] * (len(figure.columns) - 1))]]
        top = number + 2
        rows.append((top, [figure.title], [bold]))
        rows.append((top + 1, [clean_text(str(c)) for c in figure.columns], [header] * len(figure.columns)))
        for offset, row in enumerate(body):
            rows.append((top + 2 + offset, [xlsx_value(v) for v in row], []))
        tables.append((figure, top + 1, top + 1 + len(body)))
        number = top + 1 + len(body)

    for row_number, values, styles in _with_blank_rows(rows):
        emit_row(ws, row_number, values, styles, write_only=write_only)
    if not write_only:
        span = sum(_PAGE_WIDTHS)
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = 22 * wrapped_lines(page.heading, span / 1.4)
        for offset, line in enumerate(lines):
            ws.merge_cells(f"A{2 + offset}:{last}{2 + offset}")
            ws.row_dimensions[2 + offset].height = LINE_HEIGHT * wrapped_lines(line, span)

    for (figure, header_row, last_row), anchor, size in zip(tables, anchors, sizes, strict=False):
        ws.add_chart(_chart(ws, figure, header_row, last_row, size), anchor)


def _chart(ws: Any, figure: Figure, header_row: int, last_row: int, size: tuple[float, float]) -> Any:
    """A native bar chart of ``figure``, whose table stands at ``header_row`` to ``last_row``."""
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

    chart = BarChart()
    chart.type = "bar" if figure.kind == "bar" else "col"
    title = Paragraph(
        pPr=ParagraphProperties(defRPr=text_size(11, True)),
        r=[RegularTextRun(rPr=text_size(11, True), t=clean_text(figure.title))],
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
    chart.width, chart.height = size
    return chart


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
    value = plain_value(value)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _nice_step(top: float) -> float | None:
    """A whole-number tick step for a count axis (no ticks at 0.5 of a person)."""
    for limit, step in ((8, 1.0), (20, 2.0), (50, 5.0), (100, 10.0), (200, 20.0), (500, 50.0)):
        if top <= limit:
            return step
    return None

"""Writing one sheet of the quality report: the cells, their styles, column widths and row heights.

Every value reaches a sheet through `SheetOut`, so the safety rules of core.checking.report (no value ever
becomes a formula or an error cell; dates Excel would show wrongly stay text) hold in one place. The sheets
themselves are laid out in core.checking.report_sheets; this module knows nothing of a check.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Iterable
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES as OPENPYXL_ERROR_CODES
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as openpyxl_sheet_writer
from openpyxl.worksheet.worksheet import Worksheet

from core.reading.table import CellKind

SEVERITY_COLOURS = {"error": "FFC7CE", "warning": "FFE699", "info": "DDEBF7"}  # light red, amber, blue
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"
EARLIEST_EXCEL_DATE = dt.date(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts the day
EXCEL_MAX_TEXT = 32_767
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MIN_WIDTH, MAX_WIDTH = 6, 50
AUTHOR = "IDI Share"

FONT_NAME = "Calibri"  # the workbook's default: a styled font without a name renders in a serif face
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
HEADER_FILL = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
HEADLINE_FONT = Font(name=FONT_NAME, size=13, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=12, bold=True)
LINE_HEIGHT = 15.0  # points per line of 11-point text
WRAP = Alignment(wrap_text=True, vertical="top")
# indented: a gap after a wrapped column, whose text runs to its right edge
WRAP_INDENT = Alignment(wrap_text=True, horizontal="left", vertical="top", indent=1)
TOP_INDENT = Alignment(horizontal="left", vertical="top", indent=1)
TOP = Alignment(vertical="top")
TOP_CENTRE = Alignment(horizontal="center", vertical="top")
TOP_LEFT = Alignment(horizontal="left", vertical="top")
CENTRE = Alignment(horizontal="center")
LEFT = Alignment(horizontal="left")
FILLS = {name: PatternFill("solid", start_color=rgb, end_color=rgb) for name, rgb in SEVERITY_COLOURS.items()}


def scratch_file(folder: Path, suffix: str) -> str:
    """An empty, uniquely named file beside the target, for a part of the report being written."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".idi-share-report-", suffix=suffix)
    os.close(handle)
    return name


class SheetOut:
    """One write-only sheet being streamed: makes its cells and appends lines, counting them.

    Column widths, frozen panes and the filter are given to `start`, because a write-only sheet writes
    them before the first line.
    """

    def __init__(
        self, workbook: Workbook, title: str, folder: Path, parts: list[str], styles: dict[tuple, Any]
    ) -> None:
        self.sheet = workbook.create_sheet(title)
        self.folder, self.parts, self.styles = folder, parts, styles
        self.lines = 0

    def start(
        self, widths: Iterable[float], freeze: str | None = None, filter_ref: str | None = None
    ) -> None:
        """Set widths, panes, filter and print layout, then stream the sheet into a part beside the target.

        openpyxl would otherwise stream it through a file in the system temp folder.
        """
        sheet = self.sheet
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        if filter_ref:
            sheet.auto_filter.ref = filter_ref
            sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        name = scratch_file(self.folder, ".part")
        self.parts.append(name)
        openpyxl_sheet_writer.ALL_TEMP_FILES.append(name)  # openpyxl's clean-up expects its parts here
        sheet._writer = openpyxl_sheet_writer.WorksheetWriter(sheet, out=name)
        sheet._writer.write_top()

    def text(self, value: Any) -> str | Cell:
        """Text that can never become a formula or an error cell; plain text passes through as a str."""
        text = value if isinstance(value, str) else str(value)
        text = ILLEGAL_XML_CHARACTERS.sub("\ufffd", text)[:EXCEL_MAX_TEXT]
        if text.startswith(RISKY_STARTS) or text in OPENPYXL_ERROR_CODES:
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.data_type = "s"  # after assignment: the value setter would have made "=..." a formula
            return cell
        return text

    def cell(
        self,
        content: Any,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
        number_format: str | None = None,
    ) -> Cell:
        """`content` (a value, or a cell made here) as a styled cell; text goes through `text`.

        Setting a style hashes the style object on every call, which dominated the time at 100,000 rows,
        so each combination is set once and its resolved style array copied to later cells.
        """
        if isinstance(content, str):
            content = self.text(content)
        cell = content if isinstance(content, Cell) else WriteOnlyCell(self.sheet, value=content)
        key = (tuple(cell._style or ()), id(font), id(fill), id(alignment), number_format)
        resolved = self.styles.get(key)
        if resolved is not None:
            cell._style = copy(resolved)
            return cell
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        self.styles[key] = copy(cell._style)
        return cell

    def date(self, value: dt.date) -> str | Cell:
        """A real Excel date shown day-first; a date Excel cannot show correctly stays readable as text."""
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=None)
            has_time, day = value.time() != dt.time(0), value.date()
        else:
            has_time, day = False, value
        if day < EARLIEST_EXCEL_DATE:
            return self.text(value.strftime("%d/%m/%Y %H:%M" if has_time else "%d/%m/%Y"))
        number_format = DATE_TIME_FORMAT if has_time else DATE_FORMAT
        # centred: set apart from the next column's text, and from dates typed as text
        return self.cell(
            WriteOnlyCell(self.sheet, value=value), number_format=number_format, alignment=CENTRE
        )

    def source(self, value: Any, kind: int) -> Any:
        """A cell of the user's sheet as it was read: dates as dates, numbers as numbers, the rest as text."""
        if kind == CellKind.EMPTY or value is None:
            return None
        if kind == CellKind.DATE and isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, bool):
            return value if kind == CellKind.BOOL else self.text(value)
        if kind == CellKind.NUMBER and isinstance(value, int | float) and math.isfinite(value):
            return value
        return self.text(value)

    def headers(self, headers: Iterable[str]) -> None:
        self.append([self.cell(header, font=HEADER_FONT, fill=HEADER_FILL) for header in headers])

    def append(self, line: list[Any], wrapped: dict[int, float] | None = None) -> None:
        """Append a line; cells at `wrapped` (index -> column width) wrap, and the row is made tall enough.

        Spreadsheet programs do not grow a row to fit wrapped text when they open a file, so the height
        is estimated from the text's length.
        """
        self.lines += 1
        lines_of_text = _lines_needed(line, wrapped) if wrapped else 1
        if lines_of_text > 1:
            self.sheet.row_dimensions[self.lines].height = LINE_HEIGHT * lines_of_text
        self.sheet.append(line)
        if lines_of_text > 1:
            del self.sheet.row_dimensions[self.lines]  # written: no need to keep it for 100,000 lines


def _lines_needed(line: list[Any], wrapped: dict[int, float]) -> int:
    needed = 1
    for index, width in wrapped.items():
        content = line[index]
        text = content.value if isinstance(content, Cell) else content
        if text:
            per_line = max(int(width * 1.2) - 6, 10)  # average text is narrower than '0'
            lines = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).splitlines())
            needed = max(needed, lines)
    return needed


def fit_width(header: str, samples: Iterable[Any]) -> float:
    """Width in characters for a column: its longest sampled value or header (with room for the filter)."""
    longest = max((_shown_length(value) for value in samples), default=0)
    return float(min(max(longest + 2, len(header) + 4, MIN_WIDTH), MAX_WIDTH))


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16 if value.time() != dt.time(0) else 10
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float) and value.is_integer():
        return len(str(int(value)))
    return max((len(line) for line in str(value).splitlines()), default=0)


def comment_for(text: str) -> Comment:
    """A comment box sized to its text, so the whole message shows without scrolling."""
    text = ILLEGAL_XML_CHARACTERS.sub("\ufffd", text)[:EXCEL_MAX_TEXT]
    lines = sum(max(1, math.ceil(len(line) / 48)) for line in text.splitlines())
    return Comment(text, AUTHOR, height=min(20 + 17 * lines, 600), width=380)

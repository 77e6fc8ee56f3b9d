"""The quality report workbook: what a check found, laid out for staff to work through in Excel.

Three sheets. "Summary" comes first and is the one that opens: an office manager who double-clicks the
file sees the headline, how many problems of each kind, what the colours mean and what to fix first, on
one screen, before meeting a sheet full of colour. "Data" is a copy of the mapped and extra columns only
(never an unmapped column such as case notes: the file holds personal data), with problem cells filled by
severity and a comment saying what is wrong and how to fix it. "Problems" lists every issue on its own
line, for filtering and ticking off. Severities are named with the catalogue's labels and meanings
(core.checking.rules.SEVERITIES), the words the window uses, so the printed report matches the screen.

Safety: no value is ever written as a formula. openpyxl turns a string starting with "=" into a live
formula and a string equal to an error code into an error cell, so such values (and anything starting with
+, -, @, tab or carriage return) are written as cells forced to text. The workbook is written with
openpyxl's write-only mode (fast, and lean for 100,000 rows) into a temporary file beside the target, then
moved over it, so a failure never leaves half a workbook. openpyxl would stream each sheet through a file
in the system temp folder; here those parts go beside the target too, and are removed afterwards, so
personal data lands only in the folder the user chose.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES as OPENPYXL_ERROR_CODES
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet import _writer as openpyxl_sheet_writer
from openpyxl.worksheet.worksheet import Worksheet

from core.checking.changes import ChangeSummary
from core.checking.check import CheckResult
from core.checking.rules import RULES, SEVERITIES, SEVERITY_ORDER
from core.errors import InputError
from core.reading.table import CellKind, SourceColumn

SHEET_SUMMARY, SHEET_DATA, SHEET_PROBLEMS = "Summary", "Data", "Problems"
SEVERITY_COLOURS = {"error": "FFC7CE", "warning": "FFE699", "info": "DDEBF7"}  # light red, amber, blue
SEVERITY_HEADING = "How serious"  # above the severity labels: plainer than "Severity"
HOW_TO_USE = (
    ("Data", "A copy of your list (only the columns that are sent), problem cells coloured. "
     "Point at a coloured cell to read the problem and how to fix it."),
    ("Problems", "Every problem on its own line. Use the filter buttons in the top row to work "
     "through one kind at a time."),
    ("Then", "Fix the problems in the system or spreadsheet you keep, and check again: "
     "changes made in this report are not sent."),
)  # fmt: skip
PROBLEM_HEADERS = ("Row", SEVERITY_HEADING, "Problem", "Column", "Value", "How to fix", "Rule id")
WHOLE_ROW = "(whole row)"
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"
EARLIEST_EXCEL_DATE = dt.date(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts the day
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_TEXT = 32_767
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
WIDTH_SAMPLE_ROWS = 2_000
MIN_WIDTH, MAX_WIDTH = 6, 50
AUTHOR = "IDI Share"
# Each comment costs ~6 KB while the workbook is saved (openpyxl builds all comment shapes at once):
# past this many problem cells the rest are coloured without one, and the Problems sheet still lists all.
COMMENT_LIMIT = 50_000

FONT_NAME = "Calibri"  # the workbook's default: a styled font without a name renders in a serif face
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
HEADER_FILL = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
HEADLINE_FONT = Font(name=FONT_NAME, size=13, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=12, bold=True)
PROBLEM_WIDTH, FIX_WIDTH = 55.0, 65.0  # wrapped columns of the Problems sheet
SUMMARY_WIDTHS = (25.0, 10.0, 60.0, 70.0, 22.0)
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


@dataclass(frozen=True)
class LeftOut:
    """What did not fit: lines beyond Excel's row limit, and problem cells beyond the comment limit."""

    rows: int = 0
    problems: int = 0
    comments: int = 0

    def notes(self) -> list[str]:
        notes = []
        if self.rows or self.problems:
            notes.append(
                f"Too long for one workbook: {self.rows:,} data rows and {self.problems:,} problems beyond "
                f"Excel's limit of {EXCEL_MAX_ROWS:,} lines are not shown."
            )
        if self.comments:
            notes.append(
                f"Only the first {COMMENT_LIMIT:,} coloured cells on the Data sheet have a comment; the "
                f"other {self.comments:,} are coloured only. The Problems sheet lists every problem."
            )
        return notes


@dataclass(frozen=True)
class CellNote:
    """The worst severity on one Data cell, and the comment that lists every problem on it."""

    severity: str
    text: str


def write_report(result: CheckResult, path: Path, changes: ChangeSummary | None = None) -> Path:
    """Write the quality report workbook for `result` to `path` (replacing it) and return the path.

    `changes` (what changed since the last supply) is summed up on the Summary sheet when given.
    """
    target = Path(path)
    _refuse_unusable_target(target)
    parts: list[str] = []
    partial: str | None = None
    try:
        workbook = Workbook(write_only=True)
        _fill_workbook(workbook, result, target.parent, parts, changes)
        partial = _scratch_file(target.parent, ".xlsx")
        workbook.save(partial)
        os.replace(partial, target)
        partial = None
    except PermissionError as error:
        raise InputError(
            f'The report cannot be saved as "{target.name}": the file is open in another program (such as '
            "Excel), or you may not write to that folder. Close the file, or choose another name or folder."
        ) from error
    except OSError as error:
        raise InputError(
            f'The report cannot be saved as "{target.name}" ({error.strerror or error}). '
            "Choose another folder, or free some disk space, and try again."
        ) from error
    finally:
        _remove_quietly([*parts, *([partial] if partial else [])])
    return target


def _refuse_unusable_target(target: Path) -> None:
    if not target.parent.is_dir():
        raise InputError(
            f'The report cannot be saved: the folder "{target.parent}" does not exist. Choose another folder.'
        )
    if target.is_dir():
        raise InputError(
            f'The report cannot be saved as "{target}": that is a folder. Give a file name ending in .xlsx.'
        )


def _scratch_file(folder: Path, suffix: str) -> str:
    """An empty, uniquely named file beside the target, for a part of the report being written."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".idi-share-report-", suffix=suffix)
    os.close(handle)
    return name


def _remove_quietly(names: Iterable[str]) -> None:
    """Remove leftover parts (openpyxl removes the sheet parts itself once they are in the workbook)."""
    for name in names:
        with suppress(OSError):  # a part we cannot remove must not hide the error that left it
            os.remove(name)
        with suppress(ValueError):
            openpyxl_sheet_writer.ALL_TEMP_FILES.remove(name)


def _fill_workbook(
    workbook: Workbook,
    result: CheckResult,
    folder: Path,
    parts: list[str],
    changes: ChangeSummary | None = None,
) -> None:
    """Write the three sheets, Summary first and open; lines beyond Excel's row limit are left out."""
    styles: dict[tuple, Any] = {}  # shared: style ids belong to the workbook
    summary = SheetOut(workbook, SHEET_SUMMARY, folder, parts, styles)
    data = SheetOut(workbook, SHEET_DATA, folder, parts, styles)
    problems = SheetOut(workbook, SHEET_PROBLEMS, folder, parts, styles)
    row_limit = EXCEL_MAX_ROWS - 1
    uncommented = write_data_sheet(data, result, row_limit)
    write_problems_sheet(problems, result, row_limit)
    left_out = LeftOut(
        rows=max(result.rows - row_limit, 0),
        problems=max(len(result.issues) - row_limit, 0),
        comments=uncommented,
    )
    write_summary_sheet(summary, result, left_out, changes)
    workbook.active = 0


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
        name = _scratch_file(self.folder, ".part")
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


_FIX_CACHE: dict[tuple[str, str | None, str | None], str] = {}


def how_to_fix(rule_id: str, field_name: str | None, id_type: str | None) -> str:
    """The catalogue's hint for this rule on this field (cached: it is asked once per issue)."""
    key = (rule_id, field_name, id_type)
    if key not in _FIX_CACHE:
        _FIX_CACHE[key] = RULES[rule_id].how_to_fix_for(field_name, id_type)
    return _FIX_CACHE[key]


# ---- Data sheet --------------------------------------------------------------------------------------


def report_columns(result: CheckResult) -> list[SourceColumn]:
    """The mapped and extra columns, in the order the user's sheet has them; never any other column."""
    wanted: list[SourceColumn] = []
    for header in [*result.columns.values(), *result.profile.extra_columns]:
        column = result.table.find_column(header)
        if column is not None:
            wanted.append(column)
    chosen = {id(column) for column in wanted}
    return [column for column in result.table.columns if id(column) in chosen]


ISSUES_PER_SLICE = 20_000  # issues turned into Python objects at a time, so a million never are at once


def _issue_slices(result: CheckResult, keys: tuple[str, ...]) -> Iterator[tuple[list[Any], ...]]:
    """The issues by row, errors first within a row, as lists of plain values a slice at a time.

    Only the order (8 bytes an issue) is held for the whole check: a million issues as tuples or dicts took
    hundreds of megabytes while the report was written.
    """
    issues = result.issues
    if not len(issues):
        return
    rank = issues["severity"].map(SEVERITY_ORDER).to_numpy()
    order = np.lexsort((rank, issues["row"].to_numpy()))
    for start in range(0, len(order), ISSUES_PER_SLICE):
        part = issues.take(order[start : start + ISSUES_PER_SLICE])
        yield tuple(part[key].tolist() for key in keys)


def cell_notes(result: CheckResult, headers: list[str]) -> Iterator[tuple[int, list[tuple[int, CellNote]]]]:
    """(checked-row index, [(index in the Data line, note)]) in row order; index 0 is the Row cell (row-level
    issues). Made one row at a time as the Data sheet is written."""
    column_index = {header: index for index, header in enumerate(headers, 1)}
    current, grouped = -1, defaultdict(list)
    for positions, headers_of, rule_ids, fields, severities, messages in _issue_slices(
        result, ("position", "column", "rule", "field", "severity", "message")
    ):
        where = np.searchsorted(result.positions, np.asarray(positions, dtype=np.int64)).tolist()
        for row_index, header, rule_id, field_name, severity, message in zip(
            where, headers_of, rule_ids, fields, severities, messages, strict=True
        ):
            if row_index != current:
                if grouped:
                    yield current, _notes_of_row(grouped)
                current, grouped = row_index, defaultdict(list)
            fix = how_to_fix(rule_id, field_name, result.identifier_type)
            text = f"{SEVERITIES[severity].label}: {message}\nHow to fix: {fix}"
            grouped[column_index.get(header, 0)].append((SEVERITY_ORDER[severity], severity, text))
    if grouped:
        yield current, _notes_of_row(grouped)


def _notes_of_row(grouped: dict[int, list[tuple[int, str, str]]]) -> list[tuple[int, CellNote]]:
    notes = []
    for column, found in grouped.items():
        found.sort(key=lambda entry: entry[0])
        text = "\n\n".join(dict.fromkeys(entry[2] for entry in found))
        notes.append((column, CellNote(severity=found[0][1], text=text)))
    return notes


def comment_for(text: str) -> Comment:
    """A comment box sized to its text, so the whole message shows without scrolling."""
    text = ILLEGAL_XML_CHARACTERS.sub("\ufffd", text)[:EXCEL_MAX_TEXT]
    lines = sum(max(1, math.ceil(len(line) / 48)) for line in text.splitlines())
    return Comment(text, AUTHOR, height=min(20 + 17 * lines, 600), width=380)


def write_data_sheet(out: SheetOut, result: CheckResult, limit: int) -> int:
    """The mapped data with problem cells marked; returns how many marked cells got no comment."""
    columns = report_columns(result)
    headers = [column.header for column in columns]
    count = min(result.rows, limit)
    positions = result.positions[:count]
    row_numbers = result.table.row_numbers[positions].tolist()
    values = [column.values[positions].tolist() for column in columns]
    kinds = [column.kinds[positions].tolist() for column in columns]
    sample = slice(0, WIDTH_SAMPLE_ROWS)
    widths = [fit_width("Row", row_numbers[sample])]
    widths += [fit_width(header, column[sample]) for header, column in zip(headers, values, strict=True)]
    out.start(widths, freeze="B2", filter_ref=f"A1:{get_column_letter(len(headers) + 1)}{count + 1}")
    out.headers(["Row", *headers])
    notes = cell_notes(result, headers)
    next_note = next(notes, None)
    cells = [zip(v, k, strict=True) for v, k in zip(values, kinds, strict=True)]
    comments_left = COMMENT_LIMIT
    for index, row_number in enumerate(row_numbers):
        line = [out.cell(row_number, alignment=CENTRE)]
        line += [out.source(value, kind) for value, kind in (next(c) for c in cells)]
        row_notes: list[tuple[int, CellNote]] = []
        if next_note is not None and next_note[0] == index:
            row_notes, next_note = next_note[1], next(notes, None)
        for column, note in row_notes:
            line[column] = out.cell(line[column], fill=FILLS[note.severity])
            if comments_left > 0:
                line[column].comment = comment_for(note.text)
            comments_left -= 1
        out.append(line)
    return max(-comments_left, 0)


# ---- Problems sheet ----------------------------------------------------------------------------------


def problem_lines(result: CheckResult, limit: int | None = None) -> Iterator[tuple[Any, ...]]:
    """Every issue as (row, severity, problem, column, value, how to fix, rule id): by row, errors first,
    at most `limit` of them, made a slice at a time.

    The value is the cell as read (a date stays a date), or the check's text of it when there is no cell.
    """
    columns = {column.header: column for column in result.table.columns}
    made = 0
    for rows, positions, severities, messages, headers, values, rule_ids, fields in _issue_slices(
        result, ("row", "position", "severity", "message", "column", "value", "rule", "field")
    ):
        for row, position, severity, message, header, value, rule_id, field_name in zip(
            rows, positions, severities, messages, headers, values, rule_ids, fields, strict=True
        ):
            if limit is not None and made >= limit:
                return
            column = columns.get(header) if header is not None else None
            cell = (column.values[position], column.kinds[position]) if column is not None else (value, None)
            fix = how_to_fix(rule_id, field_name, result.identifier_type)
            yield (int(row), severity, message, header or WHOLE_ROW, cell, fix, rule_id)
            made += 1


def write_problems_sheet(out: SheetOut, result: CheckResult, limit: int) -> None:
    sample = list(problem_lines(result, min(limit, WIDTH_SAMPLE_ROWS)))
    count = min(len(result.issues), limit)
    widths = [fit_width(header, (line[i] for line in sample)) for i, header in enumerate(PROBLEM_HEADERS)]
    widths[1] = fit_width(SEVERITY_HEADING, (severity.label for severity in SEVERITIES.values()))
    widths[4] = fit_width("Value", (line[4][0] for line in sample))
    widths[2], widths[5] = PROBLEM_WIDTH, FIX_WIDTH
    wrapped = {2: PROBLEM_WIDTH, 5: FIX_WIDTH}
    last = get_column_letter(len(PROBLEM_HEADERS))
    out.start(widths, freeze="A2", filter_ref=f"A1:{last}{count + 1}")
    out.headers(PROBLEM_HEADERS)
    for row, severity, problem, column, (value, kind), fix, rule_id in problem_lines(result, limit):
        shown = out.source(value, kind) if kind is not None else value
        line = [
            out.cell(row, alignment=TOP_CENTRE),
            out.cell(SEVERITIES[severity].label, fill=FILLS[severity], alignment=TOP),
            out.cell(problem, alignment=WRAP),
            out.cell(column, alignment=TOP_INDENT),
            out.cell(shown, alignment=TOP_LEFT) if shown is not None else None,
            out.cell(fix, alignment=WRAP_INDENT),
            out.cell(rule_id, alignment=TOP_INDENT),
        ]
        out.append(line, wrapped)


# ---- Summary sheet -----------------------------------------------------------------------------------


def rule_lines(result: CheckResult) -> list[tuple[str, int, str, str, str]]:
    """(severity, count, problem, how to fix, rule id) per rule and field that fired.

    One line per field rather than per rule, because the words differ ("Date of birth is not a date that
    can be read" / "Service start date is ..."). Errors first, then in the catalogue's order.
    """
    issues = result.issues
    if not len(issues):
        return []
    catalogue_order = {rule_id: index for index, rule_id in enumerate(RULES)}
    keyed = issues.assign(field=issues["field"].fillna(""))
    counts = keyed.groupby(["rule", "field", "message"], sort=False).size()
    ranked = []
    for (rule_id, field_name, message), count in counts.items():
        severity = RULES[rule_id].severity
        fix = how_to_fix(rule_id, field_name or None, result.identifier_type)
        rank = (SEVERITY_ORDER[severity], catalogue_order[rule_id], message)
        ranked.append((rank, (severity, int(count), message, fix, rule_id)))
    return [line for _, line in sorted(ranked, key=lambda entry: entry[0])]


def write_summary_sheet(
    out: SheetOut, result: CheckResult, left_out: LeftOut, changes: ChangeSummary | None = None
) -> None:
    """The headline, what the colours mean with how many of each, how to use the report, problems by kind."""
    out.start(SUMMARY_WIDTHS)
    out.append([out.cell("IDI Share quality report", font=TITLE_FONT)])
    out.append([out.cell(result.headline(), font=HEADLINE_FONT)])
    out.append([])
    counts = result.summary()
    as_of = out.cell(result.as_of, alignment=LEFT, number_format=DATE_FORMAT)
    for label, value in (
        ("File", out.text(Path(result.table.path).name)),
        ("Sheet", out.text(result.table.sheet)),
        ("Checked as of", as_of),
        ("Rows checked", result.rows),
        ("Blank rows skipped", result.skipped_blank_rows),
        ("Rows that must be fixed", int(np.count_nonzero(result.has_error))),
    ):
        shown = out.cell(value, alignment=LEFT) if isinstance(value, int) else value
        out.append([out.cell(label, font=HEADER_FONT), shown])
    for note in left_out.notes():
        out.append([])
        out.append([out.cell(note, font=SECTION_FONT)])
    out.append([])
    out.append([out.cell("What the colours mean", font=SECTION_FONT)])
    # Grey across the five columns the tables below use: the meanings run on past "What it means".
    out.headers((SEVERITY_HEADING, "Problems", "What it means", "", ""))
    for severity in SEVERITIES.values():
        label = out.cell(severity.label, font=HEADER_FONT, fill=FILLS[severity.id])
        out.append([label, out.cell(counts[severity.id], alignment=CENTRE), out.text(severity.meaning)])
    out.append([])
    out.append([out.cell("How to use this report", font=SECTION_FONT)])
    for sheet_name, advice in HOW_TO_USE:
        out.append([out.cell(sheet_name, font=HEADER_FONT), out.text(advice)])
    out.append([])
    if changes is not None:
        write_changes(out, changes)
    lines = rule_lines(result)
    if not lines:
        out.append([out.cell("No problems found.", font=SECTION_FONT)])
        return
    out.append([out.cell("Problems found, by kind", font=SECTION_FONT)])
    out.headers((SEVERITY_HEADING, "Count", "Problem", "How to fix", "Rule id"))
    for severity, count, message, fix, rule_id in lines:
        line = [
            out.cell(SEVERITIES[severity].label, fill=FILLS[severity], alignment=TOP),
            out.cell(count, alignment=TOP_CENTRE),
            out.cell(message, alignment=WRAP),
            out.cell(fix, alignment=WRAP_INDENT),
            out.cell(rule_id, alignment=TOP_INDENT),
        ]
        out.append(line, {2: SUMMARY_WIDTHS[2], 3: SUMMARY_WIDTHS[3]})


CHANGE_LINES = (
    ("new", "New since then"),
    ("gone", "No longer in the list"),
    ("name", "Another name"),
    ("date_of_birth", "Another date of birth"),
    ("gender", "Another gender"),
    ("another_person", "Same ID number, another person"),
)


def write_changes(out: SheetOut, changes: ChangeSummary) -> None:
    """What changed since the last supply: counts and the first rows of each kind, warnings in amber."""
    out.append([out.cell("Since the last supply", font=SECTION_FONT)])
    out.append([out.text(changes.sentences()[0])])
    out.headers(("Change", "People", "Rows in this sheet", "", ""))
    for key, label in CHANGE_LINES:
        rows = changes.rows.get(key, [])
        shown = ", ".join(str(r) for r in rows) + (" ..." if changes.counts[key] > len(rows) else "")
        shown = "(not in this sheet)" if key == "gone" and changes.counts[key] else shown
        out.append(
            [
                out.cell(label, alignment=TOP),
                out.cell(changes.counts[key], alignment=TOP_CENTRE),
                out.text(shown),
            ]
        )
    for warning in changes.warnings:
        out.append(
            [
                out.cell("Unusual", fill=FILLS["warning"], alignment=TOP),
                None,
                out.cell(warning, alignment=WRAP),
            ]
        )
    out.append([])

"""The three sheets of the quality report: Summary, Data and Problems, laid out from a check.

Each sheet is streamed through a `SheetOut` (core.checking.report_writer) from the lines of
core.checking.report_issues; core.checking.report saves the workbook. Excel's row limit and the comment limit
live here, with what the Summary says about the lines and comments they left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.checking.changes import ChangeSummary
from core.checking.check import CheckResult
from core.checking.report_issues import CellNote, cell_notes, problem_lines, rule_lines
from core.checking.report_writer import (
    CENTRE,
    DATE_FORMAT,
    FILLS,
    HEADER_FONT,
    HEADLINE_FONT,
    LEFT,
    SECTION_FONT,
    TITLE_FONT,
    TOP,
    TOP_CENTRE,
    TOP_INDENT,
    TOP_LEFT,
    WRAP,
    WRAP_INDENT,
    SheetOut,
    comment_for,
    fit_width,
)
from core.checking.rules import SEVERITIES
from core.reading.table import SourceColumn

SHEET_SUMMARY, SHEET_DATA, SHEET_PROBLEMS = "Summary", "Data", "Problems"
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
EXCEL_MAX_ROWS = 1_048_576
WIDTH_SAMPLE_ROWS = 2_000
# Each comment costs ~6 KB while the workbook is saved (openpyxl builds all comment shapes at once):
# past this many problem cells the rest are coloured without one, and the Problems sheet still lists all.
COMMENT_LIMIT = 50_000
PROBLEM_WIDTH, FIX_WIDTH = 55.0, 65.0  # wrapped columns of the Problems sheet
SUMMARY_WIDTHS = (25.0, 10.0, 60.0, 70.0, 22.0)


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


def fill_workbook(
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

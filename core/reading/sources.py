"""Opening the files people keep their lists in, as a `SourceTable`: cells as read, kinds kept, rows numbered.

Workbooks (.xlsx, .xlsm, .xls, .ods) are opened and parsed by python-calamine through `workbook`, which also
recovers what calamine leaves out (error cells, hidden columns) from the file's XML. CSV and text exports go
through `source_csv`. Both end in `source_grid`, which finds the header under any title rows and drops blank
rows and columns, counting them. When no sheet is named, the sheet holding the biggest table is read, so a
cover note or read-me sheet in front of the data is passed over.

Files are only ever opened for reading. Anything wrong with the input becomes an `InputError` with one
sentence saying what and how to fix it (texts in `source_messages`); any other exception is a bug.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

import numpy as np
import python_calamine

from core.errors import InputError
from core.reading import messages
from core.reading.calamine_book import SheetTooBig, calamine_call
from core.reading.file_checks import MAX_FILE_BYTES, CheckedFile, check_file
from core.reading.grid import (
    HEADER_SCAN_ROWS,
    RawColumn,
    assemble,
    cell_is_filled,
    classify_workbook_grid,
    find_header_index,
)
from core.reading.sheet_extras import SheetExtras
from core.reading.suffixes import SUPPORTED_SUFFIXES
from core.reading.table import CellKind, SourceTable
from core.reading.text_files import read_delimited
from core.reading.workbook import OpenWorkbook

__all__ = ["MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "list_sheets", "read_table"]

_ERROR = np.uint8(CellKind.ERROR)
_EMPTY = np.uint8(CellKind.EMPTY)
GRID_CHUNK_ROWS = 4_000  # rows taken into the grid per np.fromiter call (each holds the GIL)


def list_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The worksheet names of a workbook in order; a CSV/TXT file has one, named after the file."""
    source = check_file(Path(path))
    if source.file_format == "csv":
        return [source.path.stem]
    with OpenWorkbook(source) as opened:
        return opened.names


def read_table(
    path: str | os.PathLike[str],
    sheet: str | None = None,
    header_row: int | None = None,
    *,
    opened: OpenWorkbook | None = None,
) -> SourceTable:
    """Read one sheet's table: `sheet=None` picks the sheet holding the table, `header_row=None` finds it.

    `header_row` is the 1-based row number the user sees in Excel (for CSV: the line number). `opened` is
    this same file from `workbook.read_ahead`, its sheets already being parsed; it is closed here.
    """
    if opened is not None:
        with opened:
            return _read_workbook_table(opened, sheet, header_row)
    source = check_file(Path(path))
    if source.file_format == "csv":
        return _read_text_table(source, sheet, header_row)
    with OpenWorkbook(source) as opened_here:
        return _read_workbook_table(opened_here, sheet, header_row)


@dataclass
class _Candidate:
    name: str
    sheet: python_calamine.CalamineSheet
    header_index: int
    header: list  # the header row's cells
    score: tuple[bool, int]


def _candidate(opened: OpenWorkbook, name: str) -> _Candidate | None:
    """A sheet scored by the size of the table under its header, or None if nothing looks like a table."""
    sheet = opened.take_sheet(name)
    sample = calamine_call(opened.source, lambda: sheet.to_python(nrows=HEADER_SCAN_ROWS))
    index = find_header_index(sample)
    if index is None:
        return None
    columns = sum(1 for value in sample[index] if cell_is_filled(value))
    data_rows = max(sheet.height - index - 1, 0)
    return _Candidate(name, sheet, index, sample[index], (columns >= 2, data_rows * columns * columns))


def _choose_sheet(opened: OpenWorkbook) -> _Candidate:
    """The visible sheet with the biggest table (a cover note loses to the data); hidden ones only if none."""
    names, visible = opened.names, opened.visible
    hidden = [n for n in names if n not in visible]
    oversized: InputError | None = None  # a sheet too big to read is passed over unless it is all there is
    for group in (visible, hidden):
        opened.parse_ahead(group)
        best: _Candidate | None = None
        for name in group:
            try:
                candidate = _candidate(opened, name)
            except SheetTooBig as error:
                oversized, candidate = oversized or error, None
            if candidate is not None and (best is None or candidate.score > best.score):
                best = candidate
        if best is not None:
            return best
    if oversized is not None:
        raise oversized
    if len(names) == 1:
        raise messages.no_table(opened.source.path, names[0])
    raise messages.no_table_in_any_sheet(opened.source.path, names)


@dataclass
class _LoadedSheet:
    """A parsed sheet with its header found: the header row's cells, and calamine's sheet for the rows below."""

    sheet: str
    parsed: python_calamine.CalamineSheet
    start: tuple[int, int]  # 0-based (row, column) of the sheet's first used cell
    header_index: int  # rows below `start` to the header
    header: list  # the header row's cells as calamine gives them
    notes: list[str]


def _read_workbook_table(opened: OpenWorkbook, sheet: str | None, header_row: int | None) -> SourceTable:
    loaded = _load_sheet(opened, sheet, header_row)
    table = _workbook_table(opened, loaded, opened.extras(loaded.sheet))
    table.notes = loaded.notes + table.notes
    return table


def _load_sheet(opened: OpenWorkbook, sheet: str | None, header_row: int | None) -> _LoadedSheet:
    """Pick the sheet and find its header row, from the sheet's first rows only."""
    source, names = opened.source, opened.names
    notes: list[str] = []
    header_index: int | None = None
    header: list = []
    if sheet is not None:
        chosen = opened.resolve(sheet)
        opened.start_extras(chosen)
        parsed = opened.take_sheet(chosen)
    else:
        opened.start_extras((opened.visible or names)[0])  # most often the one, so begin it early
        candidate = _choose_sheet(opened)
        chosen, parsed = candidate.name, candidate.sheet
        header_index, header = candidate.header_index, candidate.header
        del candidate
        if chosen != names[0]:
            notes.append(f'Read the sheet "{chosen}", which holds the table; "{names[0]}" does not.')
        opened.start_extras(chosen)
    start = parsed.start or (0, 0)
    if header_row is not None:
        header_index, header = _given_header(source, chosen, parsed, start[0], header_row)
    elif header_index is None:
        sample = calamine_call(source, lambda: parsed.to_python(nrows=HEADER_SCAN_ROWS))
        header_index = find_header_index(sample)
        if header_index is None:
            raise messages.no_table(source.path, chosen)
        header = sample[header_index]
    return _LoadedSheet(chosen, parsed, start, header_index, header, notes)


def _given_header(
    source: CheckedFile, sheet: str, parsed: python_calamine.CalamineSheet, start_row: int, header_row: int
) -> tuple[int, list]:
    """The row the user chose as the header: its index into calamine's rows (which begin at `start_row`), and
    its cells."""
    last_row = start_row + parsed.height
    if header_row < 1 or header_row > last_row:
        raise messages.header_row_out_of_range(source.path, sheet, header_row, max(last_row, 1))
    index = header_row - 1 - start_row
    if index < 0:
        raise messages.header_row_blank(source.path, sheet, header_row)
    cells = calamine_call(source, lambda: parsed.to_python(nrows=index + 1))[index]
    if not any(cell_is_filled(value) for value in cells):
        raise messages.header_row_blank(source.path, sheet, header_row)
    return index, cells


def _body_grid(source: CheckedFile, loaded: _LoadedSheet) -> np.ndarray:
    """The cells below the header as one object grid, one row of the sheet per row of the grid.

    Taken straight from calamine's row iterator into the grid, so each row's list is let go as soon as its
    cells are in: the sheet is never held twice over, as lists and as a grid, and no list-of-lists has to be
    measured and copied (about a third of the time of making the grid from `to_python`'s lists). python-calamine
    0.9.1's iterator begins at the sheet's first row, not its first used one; should a version begin elsewhere
    or give rows of another width, the cell count differs and the rows are taken the plain way instead.
    Taken a few thousand rows at a time: one `np.fromiter` over the whole sheet holds the GIL throughout
    (~150 ms for 100,000 rows), which froze the window reading in a worker thread.
    """
    parsed, width = loaded.parsed, loaded.parsed.width
    count = max(parsed.height - loaded.header_index - 1, 0)
    if count == 0 or width == 0:
        return np.empty((0, width), dtype=object)
    skip = loaded.start[0] + loaded.header_index + 1
    rows = islice(parsed.iter_rows(), skip, None)

    def take_all() -> np.ndarray | None:
        grid = np.empty((count, width), dtype=object)
        for first in range(0, count, GRID_CHUNK_ROWS):  # in chunks: the window's thread gets the GIL between
            size = min(GRID_CHUNK_ROWS, count - first)
            cells = chain.from_iterable(itertools.islice(rows, size))
            try:
                grid[first : first + size] = np.fromiter(cells, dtype=object, count=size * width).reshape(
                    size, width
                )
            except ValueError:  # fewer cells than the sheet's size says
                return None
            if next(cells, None) is not None:  # a row wider than the sheet
                return None
        return grid if next(rows, None) is None else None

    grid = calamine_call(source, take_all)
    if grid is not None:
        return grid
    rows = calamine_call(source, parsed.to_python)[loaded.header_index + 1 :]
    grid = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        grid[i] = (list(row) + [""] * width)[:width]
    return grid


def _workbook_table(opened: OpenWorkbook, loaded: _LoadedSheet, extras: SheetExtras) -> SourceTable:
    """Classify every cell, put back the error cells, and drop blank rows and columns."""
    start_row, start_column = loaded.start
    width = len(loaded.header)
    first_data = start_row + loaded.header_index + 1  # 0-based sheet row of the first data row
    header_cells = [
        extras.errors.get((first_data - 1, start_column + j), value) for j, value in enumerate(loaded.header)
    ]
    grid = _body_grid(opened.source, loaded)
    loaded.parsed = None  # type: ignore[assignment]  # calamine's copy of the sheet can go now
    count = len(grid)
    kinds = classify_workbook_grid(grid)
    columns = []
    for j in range(width):
        index = start_column + j
        columns.append(
            RawColumn(header_cells[j], index, grid[:, j], kinds[:, j], index in extras.hidden_columns)
        )
    _mark_error_cells(columns, extras.errors, first_data, start_column, count)
    row_numbers = np.arange(first_data + 1, first_data + 1 + count, dtype=np.int64)
    del grid, kinds
    assembled = assemble(columns, row_numbers)
    table = SourceTable(
        path=opened.source.path,
        file_format=opened.source.file_format,
        sheets=opened.names,
        sheet=loaded.sheet,
        header_row=first_data,
        columns=assembled.columns,
        row_numbers=assembled.row_numbers,
        skipped_blank_rows=assembled.skipped_blank_rows,
        dropped_blank_columns=assembled.dropped_blank_columns,
        notes=assembled.notes,
    )
    hidden = [c.header for c in table.columns if c.hidden]
    if hidden:
        table.notes.append(f"Hidden columns were read too: {', '.join(hidden)}.")
    return table


def _mark_error_cells(
    columns: list[RawColumn],
    errors: dict[tuple[int, int], str],
    first_data: int,
    start_column: int,
    count: int,
) -> None:
    """Put the recovered error codes where calamine left empty cells."""
    for (row, column), code in errors.items():
        i, j = row - first_data, column - start_column
        if 0 <= i < count and 0 <= j < len(columns) and columns[j].kinds[i] == _EMPTY:
            columns[j].values[i] = code
            columns[j].kinds[i] = _ERROR


# --- CSV and text ---------------------------------------------------------------------------------------


def _read_text_table(source: CheckedFile, sheet: str | None, header_row: int | None) -> SourceTable:
    name = source.path.stem
    if sheet is not None and sheet != name:
        raise messages.sheet_not_found(source.path, sheet, [name])
    try:
        parsed = read_delimited(source.path, header_row)
    except OSError as error:
        raise messages.cannot_open(source.path, error.strerror or type(error).__name__) from error
    assembled = assemble(parsed.columns, parsed.row_numbers)
    notes = list(parsed.notes) + assembled.notes
    if parsed.encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"The file was read as {parsed.encoding} text.")
    return SourceTable(
        path=source.path,
        file_format="csv",
        sheets=[name],
        sheet=name,
        header_row=parsed.header_row,
        columns=assembled.columns,
        row_numbers=assembled.row_numbers,
        skipped_blank_rows=assembled.skipped_blank_rows,
        dropped_blank_columns=assembled.dropped_blank_columns,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        notes=notes,
    )

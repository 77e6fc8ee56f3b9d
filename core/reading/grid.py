"""Turning rows of raw cells into the columns of a `SourceTable`, shared by the workbook and CSV readers.

Finds the header row under title rows, gives every cell its `CellKind` with whole-column numpy operations
(a people list can have a million cells, so nothing here loops over cells in Python where numpy can), and
drops fully blank rows and columns while counting them, so the user can be told what was left out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.reading.table import CellKind, SourceColumn, column_letter

HEADER_SCAN_ROWS = 50  # title rows above a header are a handful; a header further down is not found

_EMPTY = np.uint8(CellKind.EMPTY)
_TEXT = np.uint8(CellKind.TEXT)

# Text made only of digits and separators ("12/03/1990", "2024", "3.5") is data, never a column name.
_DATA_LIKE = re.compile(r"[\d\s/.\-:+,()]+\Z")

_type_of = np.frompyfunc(type, 1, 1)

# Every character str.isspace() accepts, as (first, last) ranges (a test checks the list): a
# whitespace-only string starts with one of them.
_SPACE_RANGES = (
    (0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_SPACE_CODES = np.array(
    [code for first, last in _SPACE_RANGES for code in range(first, last + 1)], dtype=np.uint32
)
# True for each first character a blank string can have: none (code 0, the empty string) or a space.
_BLANK_START = np.zeros(int(_SPACE_CODES.max()) + 1, dtype=bool)
_BLANK_START[_SPACE_CODES] = True
_BLANK_START[0] = True

_KIND_OF_TYPE = {
    str: CellKind.TEXT,
    float: CellKind.NUMBER,
    int: CellKind.NUMBER,
    bool: CellKind.BOOL,
    dt.date: CellKind.DATE,
    dt.datetime: CellKind.DATE,
}

# Integral floats up to 2**53 are exact; python-calamine gives every .xlsx number as a float.
_EXACT_INT_LIMIT = float(2**53)


@dataclass
class RawColumn:
    """One column before blank columns are dropped: the header cell as read and the classified cells."""

    header_cell: object  # the header row's cell: str, number, date... or None when empty
    index: int  # 0-based column index in the sheet, for its letter and hidden flag
    values: np.ndarray  # object: cell values, None where the cell is EMPTY
    kinds: np.ndarray  # uint8 CellKind per row
    hidden: bool = False


@dataclass
class Assembled:
    """The columns and row numbers left after dropping blank rows and columns, and how many were dropped."""

    columns: list[SourceColumn]
    row_numbers: np.ndarray
    skipped_blank_rows: int
    dropped_blank_columns: int


def cell_is_filled(value: object) -> bool:
    """A cell counts as filled unless it is missing, an empty string or only whitespace."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value) and not value.isspace()
    return not (isinstance(value, float) and math.isnan(value))


def _looks_like_column_name(value: object) -> bool:
    return isinstance(value, str) and cell_is_filled(value) and not _DATA_LIKE.match(value)


def find_header_index(rows: Sequence[Sequence[object]]) -> int | None:
    """The index of the header in the first rows of a sheet, or None when nothing looks like a table.

    The table's width is the most cells filled on any one of these rows. The header is the first row that
    fills at least half of that width (and at least two cells when the table is wider than one column) with
    cells that all look like column names; title rows above it fill one or two cells. A row mixing names and
    data-like cells is accepted only when no all-names row is found.
    """
    sample = rows[:HEADER_SCAN_ROWS]
    filled_counts = [sum(1 for value in row if cell_is_filled(value)) for row in sample]
    width = max(filled_counts, default=0)
    if width == 0:
        return None
    needed = max(min(2, width), math.ceil(width / 2))
    fallback = None
    for index, (row, filled) in enumerate(zip(sample, filled_counts, strict=True)):
        if filled < needed:
            continue
        names = sum(1 for value in row if _looks_like_column_name(value))
        if names == filled:
            return index
        if fallback is None and names * 2 > filled:
            fallback = index
    return fallback


def header_text(cell: object) -> str:
    """The header cell as text: as typed for text, tidy forms for numbers and dates."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def classify_workbook_grid(grid: np.ndarray) -> np.ndarray:
    """Kinds for a 2-D object grid of calamine cells; empty and whitespace-only text become None in place.

    Types are found with one C-level call a cell over the whole grid; every later step works on masks, and
    per-type work is done only in the columns that hold that type. The whole-grid passes go through the cells
    row by row (order="C", and boolean indexing takes cells in that order too): calamine made each row's cells
    one after another, so that order reads memory in sequence, where going down the columns jumps from row
    to row and costs about twice as much. The kinds come back column-major, so each column's are contiguous.
    """
    kinds = np.full(grid.shape, _TEXT, dtype=np.uint8, order="F")
    if grid.size == 0:
        return kinds
    types = _type_of(grid, order="C")
    is_text = np.equal(types, str)
    for j in np.flatnonzero(~is_text.all(axis=0)):
        column = grid[:, j]
        rows = np.flatnonzero(~is_text[:, j])
        _classify_non_text(column, types[rows, j], rows, kinds[:, j])
    blank = np.zeros(grid.shape, dtype=bool)
    blank[is_text] = blank_text_mask(grid[is_text])
    kinds[blank] = _EMPTY
    grid[blank] = None
    return kinds


def _classify_non_text(
    values: np.ndarray, row_types: np.ndarray, rows: np.ndarray, kinds: np.ndarray
) -> None:
    """Kinds for the cells of one column that are not text; whole floats become ints, times become text."""
    present = set(row_types.tolist())
    for cell_type in present:
        # A column's other cells are nearly always of one type (dates, or numbers): then all rows are it.
        these = rows if len(present) == 1 else rows[row_types == cell_type]
        kind = _KIND_OF_TYPE.get(cell_type)
        if kind is None:  # datetime.time, timedelta, anything new: keep what the user would read
            values[these] = [str(value) for value in values[these]]
            kinds[these] = _TEXT
            continue
        kinds[these] = np.uint8(kind)
        if cell_type is float:
            _whole_floats_to_int(values, these)


def _whole_floats_to_int(values: np.ndarray, rows: np.ndarray) -> None:
    numbers = values[rows].astype(np.float64)
    whole = np.isfinite(numbers) & (numbers == np.trunc(numbers)) & (np.abs(numbers) < _EXACT_INT_LIMIT)
    if whole.any():
        values[rows[whole]] = numbers[whole].astype(np.int64).astype(object)


def blank_text_mask(texts: np.ndarray) -> np.ndarray:
    """True where a string is empty or only whitespace (such cells are EMPTY, whatever a tool wrote).

    Only a string that is empty or starts with whitespace can be blank. The first characters come from one
    C-level cast to one-character numpy strings, so str.isspace is called only on the few strings that start
    with whitespace, instead of on every cell.
    """
    first = np.asarray(texts, dtype=object).astype("U1").view(np.uint32)  # 0 for "" (and a leading NUL)
    top = len(_BLANK_START) - 1
    candidates = np.flatnonzero(_BLANK_START[np.minimum(first, top)] & (first <= top))
    blank = np.zeros(len(first), dtype=bool)
    if len(candidates):
        strings = texts[candidates]
        found = strings == ""
        rest = np.flatnonzero(~found)
        if len(rest):
            found[rest] = np.fromiter(map(str.isspace, strings[rest].tolist()), dtype=bool, count=len(rest))
        blank[candidates] = found
    return blank


def assemble(raw_columns: list[RawColumn], first_data_row_numbers: np.ndarray) -> Assembled:
    """Drop blank columns and rows (counting them), name the columns, and build the `SourceColumn`s.

    A column's values may stay a view of the sheet's grid (one cell in every `width`): copying them out would
    touch every cell once more and then free the grid cell by cell, for no faster work afterwards.
    """
    kept = [c for c in raw_columns if cell_is_filled(c.header_cell) or bool(c.kinds.any())]
    dropped_columns = len(raw_columns) - len(kept)
    row_numbers = first_data_row_numbers
    skipped_rows = 0
    if kept and len(row_numbers):
        filled = np.zeros(len(row_numbers), dtype=bool)
        for column in kept:
            filled |= column.kinds != _EMPTY
        skipped_rows = int(len(filled) - np.count_nonzero(filled))
        if skipped_rows:
            row_numbers = row_numbers[filled]
            for column in kept:
                column.values = column.values[filled]
                column.kinds = column.kinds[filled]
    elif not kept:
        skipped_rows = len(row_numbers)
        row_numbers = row_numbers[:0]
    names = unique_headers([_header_or_letter(c) for c in kept])
    columns = [
        SourceColumn(
            header=name,
            letter=column_letter(c.index),
            values=c.values,
            kinds=np.ascontiguousarray(c.kinds),
            hidden=c.hidden,
        )
        for name, c in zip(names, kept, strict=True)
    ]
    return Assembled(columns, np.asarray(row_numbers, dtype=np.int64), skipped_rows, dropped_columns)


def _header_or_letter(column: RawColumn) -> str:
    if cell_is_filled(column.header_cell):
        return header_text(column.header_cell)
    return f"Column {column_letter(column.index)}"


def unique_headers(headers: list[str]) -> list[str]:
    """Make headers unique ("Name", "Name (2)"), comparing trimmed and case-insensitively as lookups do."""
    taken = {h.strip().casefold() for h in headers}
    seen: set[str] = set()
    result = []
    for header in headers:
        key = header.strip().casefold()
        if key not in seen:
            seen.add(key)
            result.append(header)
            continue
        number = 2
        while f"{key} ({number})" in taken or f"{key} ({number})" in seen:
            number += 1
        renamed = f"{header.strip()} ({number})"
        seen.add(renamed.casefold())
        result.append(renamed)
    return result

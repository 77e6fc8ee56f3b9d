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
from dataclasses import dataclass, field

import numpy as np

from core.reading.header_words import is_heading
from core.reading.table import CellKind, SourceColumn, column_letter

HEADER_SCAN_ROWS = 50  # title rows above a header are a handful; a header further down is not found
HEADER_ROWS_BELOW = 10  # the rows under a candidate header that say whether a table goes on under it
HEADER_SCORED_COLUMNS = 256  # a header's first columns are enough to score it (a sheet may have 9,000)
HEADING_CELLS_LOOKED_AT = 64
HEADER_MARGIN = 2
TYPED_NEEDS_ROWS = 3  # rows under a heading before "numbers or dates under text" counts
NOTES_WINDOW = 200  # notes typed under a table are a few lines; only the last rows are looked at for them

_EMPTY = np.uint8(CellKind.EMPTY)
_TEXT = np.uint8(CellKind.TEXT)

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Text made only of digits and separators ("12/03/1990", "2024", "3.5", "37%", "$20") is data, never a column name.
_DATA_LIKE = re.compile(r"[\d\s/.\-:+,()%$]+\Z")

_type_of = np.frompyfunc(type, 1, 1)
CELLS_PER_PASS = 100_000  # ~5 ms of one C call: the longest the reading holds the GIL at a time

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
    notes: list[str] = field(default_factory=list)  # what was left out besides blank rows, in a sentence


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

    The table's width is the most cells filled on any one of these rows. A candidate fills at least half of
    that width (and two cells when the table is wider than one column), more than half of them with cells
    that look like column names; title rows above a table fill one or two cells. Notes typed above a table
    can pass that too (a sentence with commas is several CSV fields), so each candidate is scored by what
    lies under it: columns the rows below go on filling, columns whose heading is text over numbers or dates,
    cells that are headings people write ("Surname", "D.O.B.", "Profession"), less any data-like cell of its
    own. The best score wins; on a tie, the first row.
    """
    sample = rows[:HEADER_SCAN_ROWS]
    filled_counts = [sum(1 for value in row if cell_is_filled(value)) for row in sample]
    width = max(filled_counts, default=0)
    if width == 0:
        return None
    needed = max(min(2, width), math.ceil(width / 2))
    shapes = [_row_shape(row) for row in sample]
    scores: dict[int, int] = {}
    for index, (row, filled) in enumerate(zip(sample, filled_counts, strict=True)):
        names, data = shapes[index]
        if filled >= needed and names and len(names) * 2 > len(names) + len(data):
            scores[index] = _header_score(row, index, shapes)
    if not scores:
        return None
    first, best = next(iter(scores)), max(scores, key=lambda index: (scores[index], -index))
    # A later row must clearly beat the first candidate (a heading word more, or two more columns carried):
    # in a sheet that is no table at all, rows far down would otherwise win on small differences.
    return best if scores[best] - scores[first] >= HEADER_MARGIN else first


def _row_shape(row: Sequence[object]) -> tuple[set[int], set[int]]:
    """(columns holding a name-like cell, columns holding a data-like cell) among the first scored columns."""
    names, data = set(), set()
    for column, value in enumerate(row[:HEADER_SCORED_COLUMNS]):
        if _looks_like_column_name(value):
            names.add(column)
        elif cell_is_filled(value):
            data.add(column)
    return names, data


def _header_score(row: Sequence[object], index: int, shapes: list[tuple[set[int], set[int]]]) -> int:
    """Columns the next non-blank rows go on filling, text headings over mostly numbers or dates, and twice
    the headings people write, less twice the candidate's own data-like cells."""
    names, data = shapes[index]
    below = [shape for shape in shapes[index + 1 :] if shape[0] or shape[1]][:HEADER_ROWS_BELOW]

    def filled_under(column: int) -> int:
        return sum(1 for under_names, under_data in below if column in under_names or column in under_data)

    carried = {column for column in names | data if below and filled_under(column) * 2 >= len(below)}
    typed = sum(
        1
        for column in names & carried
        if len(below) >= TYPED_NEEDS_ROWS
        and sum(1 for _, under_data in below if column in under_data) * 2 >= filled_under(column)
    )
    headings = sum(1 for column in sorted(names)[:HEADING_CELLS_LOOKED_AT] if is_heading(str(row[column])))
    return len(carried) + typed + 2 * headings - 2 * len(data)


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
    types = np.empty(grid.shape, dtype=object)
    for first in range(0, grid.shape[0], _rows_per_pass(grid.shape[1])):  # the GIL is let go between blocks
        block = slice(first, first + _rows_per_pass(grid.shape[1]))
        types[block] = _type_of(grid[block], order="C")
    is_text = np.equal(types, str)
    for j in np.flatnonzero(~is_text.all(axis=0)):
        column = grid[:, j]
        rows = np.flatnonzero(~is_text[:, j])
        _classify_non_text(column, types[rows, j], rows, kinds[:, j])
    blank = np.zeros(grid.shape, dtype=bool)
    for first in range(0, grid.shape[0], _rows_per_pass(grid.shape[1])):
        block = slice(first, first + _rows_per_pass(grid.shape[1]))
        blank[block][is_text[block]] = blank_text_mask(grid[block][is_text[block]])
    kinds[blank] = _EMPTY
    grid[blank] = None
    return kinds


def _rows_per_pass(width: int) -> int:
    """Rows a whole-grid pass takes at once: each pass is one C call that holds the GIL, and the window's
    thread needs it every few milliseconds (bench/bench_window.py), so a pass covers about 100,000 cells."""
    return max(1, CELLS_PER_PASS // max(width, 1))


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
    notes = []
    cut = _notes_below(kept, len(row_numbers))
    if cut is not None:
        notes.append(_notes_below_sentence(kept, row_numbers, cut))
        row_numbers = row_numbers[:cut]
        for column in kept:
            column.values, column.kinds = column.values[:cut], column.kinds[:cut]
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
    names, cleaned_letters = _without_control_characters([_header_or_letter(c) for c in kept], kept)
    if cleaned_letters:
        notes.append(
            f"Hidden control characters (such as NUL) were removed from the headings of column"
            f"{'s' if len(cleaned_letters) > 1 else ''} {', '.join(cleaned_letters)}."
        )
    names = unique_headers(names)
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
    return Assembled(columns, np.asarray(row_numbers, dtype=np.int64), skipped_rows, dropped_columns, notes)


def _notes_below(columns: list[RawColumn], count: int) -> int | None:
    """The first row of notes typed below the table, or None: after the table's last row that fills two or
    more cells, a blank row, then only rows of one text cell that reads like a note (a table of three or more
    columns).

    Only the last rows are looked at, so this costs nothing on a big sheet.
    """
    if sum(1 for c in columns if cell_is_filled(c.header_cell)) < 3 or count == 0:
        return None
    start = max(count - NOTES_WINDOW, 0)
    filled = np.zeros(count - start, dtype=np.int64)
    text = np.zeros(count - start, dtype=np.int64)
    for column in columns:
        tail = column.kinds[start:]
        filled += tail != _EMPTY
        text += tail == _TEXT
    full = np.flatnonzero(filled >= 2)
    if not len(full):
        return None
    after = slice(int(full[-1]) + 1, None)
    gaps = np.flatnonzero(filled[after] == 0)
    if not len(gaps):
        return None
    first_gap = int(full[-1]) + 1 + int(gaps[0])
    rest, rest_text = filled[first_gap:], text[first_gap:]
    if not ((rest <= 1).all() and (rest == rest_text).all() and rest.any()):
        return None
    cut = start + first_gap
    texts = [str(c.values[i]) for c in columns for i in cut + np.flatnonzero(c.kinds[cut:] == _TEXT)]
    return cut if all(_reads_like_a_note(text) for text in texts) else None


def _reads_like_a_note(text: str) -> bool:
    """'Total: 4 people', 'Source: our sign-in sheets', 'Updated monthly by the office': a label with a colon,
    or three words or more; one value ('ZZZ0032', 'Aroha', 'Ana Lee') is a person with little filled in."""
    return ":" in text or len(text.split()) >= 3


def _notes_below_sentence(columns: list[RawColumn], row_numbers: np.ndarray, cut: int) -> str:
    filled = np.zeros(len(row_numbers) - cut, dtype=bool)
    for column in columns:
        filled |= column.kinds[cut:] != _EMPTY
    numbers = row_numbers[cut:][filled]
    first, last = int(numbers[0]), int(numbers[-1])
    if first == last:
        return (
            f"Row {first}, below a blank row under the table, holds one cell of text, so it was read as a note "
            "and not as a person. If it is a person, remove the blank row above it."
        )
    return (
        f"Rows {first} to {last}, below a blank row under the table, hold one cell of text each, so they were "
        "read as notes and not as people. If they are people, remove the blank row above them."
    )


def _without_control_characters(names: list[str], columns: list[RawColumn]) -> tuple[list[str], list[str]]:
    """Headings with NUL and other control characters taken out, and the letters of the columns that had
    some: "N\x00H\x00I" from a mis-saved export is "NHI". Such a heading's runs of tabs and line breaks
    become one space; other headings keep theirs (a heading typed on two lines is saved in profiles so)."""
    cleaned, letters = [], []
    for name, column in zip(names, columns, strict=True):
        bare = _CONTROL_CHARACTERS.sub("", name)
        if bare != name:
            letters.append(column_letter(column.index))
            bare = " ".join(bare.split()) or f"Column {column_letter(column.index)}"
        cleaned.append(bare)
    return cleaned, letters


def _header_or_letter(column: RawColumn) -> str:
    if cell_is_filled(column.header_cell):
        return header_text(column.header_cell)
    return f"Column {column_letter(column.index)}"


def unique_headers(headers: list[str]) -> list[str]:
    """Make headers unique ("Name", "Name (2)"), comparing trimmed and case-insensitively as lookups do.

    Each name remembers the next number to try, so 9,000 columns all called "Value" take one pass, not a
    search from 2 for every column (which took 51 s on a real export).
    """
    taken = {h.strip().casefold() for h in headers}
    seen: set[str] = set()
    next_number: dict[str, int] = {}
    result = []
    for header in headers:
        key = header.strip().casefold()
        if key not in seen:
            seen.add(key)
            result.append(header)
            continue
        number = next_number.get(key, 2)
        while f"{key} ({number})" in taken or f"{key} ({number})" in seen:
            number += 1
        next_number[key] = number + 1
        renamed = f"{header.strip()} ({number})"
        seen.add(renamed.casefold())
        result.append(renamed)
    return result

"""The in-memory shape of a sheet as read: columns of raw cells with their kinds and the row numbers users see.

Kept apart from the readers in `sources.py` so that normalising and checking depend only on this shape.
Columns are numpy object arrays (one Python value a cell) plus a uint8 array of `CellKind`, so rules can be
vectorised over a whole column without per-row Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window names these types before any sheet is read: numpy waits for the first read
    import numpy as np


class CellKind(IntEnum):
    """What a cell held in the file, before any cleaning."""

    EMPTY = 0  # nothing, or only spaces
    TEXT = 1
    NUMBER = 2  # int or float cell (CSV cells are always TEXT)
    DATE = 3  # a real date or date-time cell
    ERROR = 4  # a spreadsheet error cell such as #N/A; the value holds the code
    BOOL = 5


ERROR_CODES = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!")


@dataclass
class SourceColumn:
    """One column of the table: header text, its letter in the sheet, and every data cell."""

    header: str  # as in the sheet (made unique with " (2)" when two headers are the same)
    letter: str  # the spreadsheet column letter the user sees ("C"); CSV columns are lettered too
    values: np.ndarray  # dtype=object: str, float, int, bool, datetime.date/datetime, or None when empty
    kinds: np.ndarray  # dtype=uint8: CellKind per row
    hidden: bool = False  # hidden in the workbook (often case notes)


@dataclass
class SourceTable:
    """A sheet as read from a file: the header row found, blank rows and columns dropped (and counted)."""

    path: Path
    file_format: str  # "xlsx", "xlsm", "xls", "ods", "csv"
    sheets: list[str]  # every sheet name in the file (one pseudo-sheet name for CSV)
    sheet: str  # the sheet the table was read from
    header_row: int  # 1-based row number of the header, as the user sees it
    columns: list[SourceColumn]
    row_numbers: np.ndarray  # int64: the row number the user sees, per data row
    skipped_blank_rows: int = 0  # fully blank rows below the header that were dropped
    dropped_blank_columns: int = 0  # columns with neither header nor any value
    encoding: str | None = None  # CSV only: the encoding detected
    delimiter: str | None = None  # CSV only: the delimiter sniffed
    notes: list[str] = field(default_factory=list)  # things the reader noticed (plain sentences)

    @property
    def row_count(self) -> int:
        return len(self.row_numbers)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def find_column(self, name: str) -> SourceColumn | None:
        """The column with this header (exact, then trimmed and case-insensitive), or this column letter."""
        for column in self.columns:
            if column.header == name:
                return column
        folded = name.strip().casefold()
        for column in self.columns:
            if column.header.strip().casefold() == folded:
                return column
        if name.isalpha() and name.isupper() and len(name) <= 3:
            for column in self.columns:
                if column.letter == name:
                    return column
        return None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the letters spreadsheet programs show above columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters

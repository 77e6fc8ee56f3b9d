"""A second way into an .xlsx package that python-calamine refuses as a whole (issue 13).

python-calamine 0.9.1 will not open a workbook holding a sheet type it does not know (an Excel 4.0 macro
sheet, some dialog sheets): it raises for the whole file, although the worksheets are fine. Such a file is
opened here with openpyxl's read-only reader and offered through the few calls `calamine_book`, `workbook`
and `sources` make on a calamine workbook and sheet, with cells as calamine gives them ("" for an empty
cell). It is slower than calamine and only ever used for files calamine cannot open.
"""

from __future__ import annotations

from pathlib import Path

import python_calamine
from openpyxl import load_workbook

from core.reading import messages

# openpyxl raises whatever its parts raise on a damaged package (zip, XML, value errors...). It only ever sees
# files calamine has already refused, so any of these means the file is damaged after all.
_FAILURES = (Exception,)


class _Metadata:
    def __init__(self, name: str, visible: bool) -> None:
        self.name = name
        self.typ = python_calamine.SheetTypeEnum.WorkSheet
        self.visible = (
            python_calamine.SheetVisibleEnum.Visible if visible else python_calamine.SheetVisibleEnum.Hidden
        )


class ReadOnlySheet:
    """One worksheet's cells, read whole, answering as a calamine sheet does."""

    def __init__(self, rows: list[list[object]]) -> None:
        width = max((len(row) for row in rows), default=0)
        self._rows = [
            [("" if value is None else value) for value in row] + [""] * (width - len(row)) for row in rows
        ]
        self.height, self.width = len(self._rows), width
        self.start = (0, 0) if self._rows else None

    def to_python(self, nrows: int | None = None) -> list[list[object]]:
        return [list(row) for row in (self._rows if nrows is None else self._rows[:nrows])]

    def iter_rows(self):
        return iter(self._rows)


class ReadOnlyBook:
    """The worksheets of an .xlsx package through openpyxl, answering as a calamine workbook does."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._book = load_workbook(path, read_only=True, data_only=True)
        self.sheets_metadata = [
            _Metadata(sheet.title, sheet.sheet_state == "visible") for sheet in self._book.worksheets
        ]

    def get_sheet_by_name(self, name: str) -> ReadOnlySheet:
        try:
            rows = [list(row) for row in self._book[name].iter_rows(values_only=True)]
        except _FAILURES as error:
            raise messages.damaged_workbook(self._path) from error
        while rows and all(value is None for value in rows[-1]):
            rows.pop()
        return ReadOnlySheet(rows)

    def close(self) -> None:
        self._book.close()


def open_read_only(path: Path) -> ReadOnlyBook | None:
    """The package opened with openpyxl, or None when openpyxl cannot open it either."""
    try:
        return ReadOnlyBook(path)
    except _FAILURES:
        return None

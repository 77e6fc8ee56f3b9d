"""Opening the files people keep their lists in, as a `SourceTable`: cells as read, kinds kept, rows numbered.

Workbooks (.xlsx, .xlsm, .xls, .ods) are read with python-calamine; what it leaves out (error cells, hidden
columns) is recovered from the file's XML by `source_xml`. CSV and text exports go through `source_csv`.
Both end in `source_grid`, which finds the header under any title rows and drops blank rows and columns,
counting them. When no sheet is named, the sheet holding the biggest table is read, so a cover note or
read-me sheet in front of the data is passed over.

Files are only ever opened for reading. Anything wrong with the input becomes an `InputError` with one
sentence saying what and how to fix it (texts in `source_messages`); any other exception is a bug.
"""

from __future__ import annotations

import os
import sys
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import python_calamine

from core import source_messages as messages
from core.errors import InputError
from core.source_csv import read_delimited
from core.source_grid import (
    HEADER_SCAN_ROWS,
    RawColumn,
    assemble,
    cell_is_filled,
    classify_workbook_grid,
    find_header_index,
)
from core.source_xls import xls_sheet_extras, xls_size_fields_are_sane
from core.source_xml import (
    SheetExtras,
    ods_content_is_complete,
    ods_sheet_extras,
    xlsx_sheet_dimension,
    xlsx_sheet_extras,
)
from core.table import CellKind, SourceTable

_T = TypeVar("_T")

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")
_TEXT_SUFFIXES = (".csv", ".txt")
_ERROR = np.uint8(CellKind.ERROR)
_EMPTY = np.uint8(CellKind.EMPTY)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ODS_ENCRYPTION = b"encryption-data"
_HEAD_BYTES = 1024

_CEILING = 500 * 1024 * 1024
_FLOOR = 50 * 1024 * 1024
# Reading holds up to ~20x a compressed workbook's size in memory (calamine's cells, then Python's), so a
# file may be at most 1/32 of the computer's memory: the read then stays within about two thirds of it.
_MEMORY_SHARE = 32


def _physical_memory() -> int | None:
    """Bytes of RAM in this computer, or None when the system will not say."""
    if sys.platform == "win32":
        import ctypes

        class MemoryStatus(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong)]
            _fields_ += [
                (name, ctypes.c_ulonglong) for name in ("avail", "pf", "apf", "virt", "avirt", "ext")
            ]

        status = MemoryStatus()
        status.length = ctypes.sizeof(MemoryStatus)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.total)
        return None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _max_file_bytes() -> int:
    """The largest file read: 500 MB, less on a computer with under 16 GB of memory (1/32 of it)."""
    memory = _physical_memory()
    limit = _CEILING if memory is None else min(_CEILING, max(_FLOOR, memory // _MEMORY_SHARE))
    return limit // (1024 * 1024) * (1024 * 1024)


MAX_FILE_BYTES = _max_file_bytes()
# python-calamine holds ~32 bytes per cell of a sheet's used range, and the rows it returns ~8 more, blank
# or not; a sheet whose range needs more than a sixteenth of the memory is refused instead of aborting.
MAX_SHEET_CELLS = max(10_000_000, (_physical_memory() or 8 * 2**30) // (16 * 40))
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    ValueError,  # includes UnicodeDecodeError for a damaged member name
)


@dataclass(frozen=True)
class _Source:
    """A file that passed the cheap checks, with the format its content (not just its name) shows."""

    path: Path
    file_format: str  # "xlsx", "xlsm", "xls", "ods" or "csv"
    name_matches_content: bool  # False for, say, an .xlsx file renamed to .xls


def list_sheets(path: str | os.PathLike[str]) -> list[str]:
    """The worksheet names of a workbook in order; a CSV/TXT file has one, named after the file."""
    source = _checked_source(Path(path))
    if source.file_format == "csv":
        return [source.path.stem]
    book = _open_workbook(source)
    try:
        return _worksheet_names(source, book)[0]
    finally:
        book.close()


def read_table(
    path: str | os.PathLike[str], sheet: str | None = None, header_row: int | None = None
) -> SourceTable:
    """Read one sheet's table: `sheet=None` picks the sheet holding the table, `header_row=None` finds it.

    `header_row` is the 1-based row number the user sees in Excel (for CSV: the line number).
    """
    source = _checked_source(Path(path))
    if source.file_format == "csv":
        return _read_text_table(source, sheet, header_row)
    return _read_workbook_table(source, sheet, header_row)


# --- checks before reading ------------------------------------------------------------------------------


def _checked_source(path: Path) -> _Source:
    """Refuse, with a reason, what is missing, a folder, not a spreadsheet, empty or too big."""
    try:
        if not path.exists():
            raise messages.missing_file(path)
        if path.is_dir():
            raise messages.is_a_folder(path)
        size = path.stat().st_size
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise messages.unsupported_suffix(path, SUPPORTED_SUFFIXES)
    if size == 0:
        raise messages.empty_file(path)
    if size > MAX_FILE_BYTES:
        raise messages.too_big(path, size, MAX_FILE_BYTES)
    head = _read_head(path)
    return _source_from_content(path, suffix, head)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(_HEAD_BYTES)
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error


def _source_from_content(path: Path, suffix: str, head: bytes) -> _Source:
    is_zip, is_cfb = head.startswith(_ZIP_MAGIC), head.startswith(_CFB_MAGIC)
    if suffix in _TEXT_SUFFIXES:
        if is_zip or is_cfb:
            raise messages.workbook_named_as_text(path)
        return _Source(path, "csv", True)
    named = suffix.lstrip(".")
    if is_cfb:
        if suffix != ".xls" and _is_encrypted_package(path):
            raise messages.password_protected(path)
        return _Source(path, "xls", named == "xls")
    if is_zip:
        actual = "ods" if _ODS_MIMETYPE in head or named == "ods" else ("xlsm" if named == "xlsm" else "xlsx")
        return _Source(path, actual, actual == named)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in lowered:
        raise messages.web_page_export(path)
    raise messages.not_a_workbook(path)


def _read_all(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read()
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error


def _is_encrypted_package(path: Path) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream, not a zip."""
    return _ENCRYPTED_PACKAGE in _read_all(path)


# --- workbooks ------------------------------------------------------------------------------------------


def _calamine_failure(source: _Source, error: BaseException) -> InputError:
    if isinstance(error, python_calamine.PasswordError) or _is_encrypted_ods(source):
        return messages.password_protected(source.path)
    if isinstance(error, MemoryError):
        return messages.out_of_memory(source.path)
    return messages.damaged_workbook(source.path)


def _is_panic(error: BaseException) -> bool:
    """A Rust panic inside python-calamine surfaces as pyo3's PanicException, a BaseException."""
    return type(error).__name__ == "PanicException"


def _is_encrypted_ods(source: _Source) -> bool:
    if source.file_format != "ods":
        return False
    try:
        with zipfile.ZipFile(source.path, "r") as archive:
            return _ODS_ENCRYPTION in archive.read("META-INF/manifest.xml")
    except _ZIP_FAILURES:
        return False


def _open_workbook(source: _Source) -> python_calamine.CalamineWorkbook:
    _refuse_what_calamine_cannot_survive(source)
    if source.name_matches_content:
        return _calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_path(str(source.path)))
    try:  # calamine picks the reader by the file name; from a stream it looks at the content instead
        with source.path.open("rb") as stream:
            return _calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_filelike(stream))
    except OSError as error:
        raise messages.cannot_open(source.path, error.strerror or type(error).__name__) from error


def _refuse_what_calamine_cannot_survive(source: _Source) -> None:
    """Damage that would make python-calamine abort the process or loop for ever is refused up front."""
    if source.file_format == "xls" and not xls_size_fields_are_sane(_read_all(source.path)):
        raise messages.damaged_workbook(source.path)
    if source.file_format == "ods":
        if _is_encrypted_ods(source):
            raise messages.password_protected(source.path)
        try:
            complete = ods_content_is_complete(str(source.path))
        except _ZIP_FAILURES:
            complete = False
        if not complete:
            raise messages.damaged_workbook(source.path)


def _worksheet_names(source: _Source, book: python_calamine.CalamineWorkbook) -> tuple[list[str], list[str]]:
    """(all worksheet names, the visible ones), leaving out chart and macro sheets."""
    worksheets = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    if not worksheets:
        raise messages.no_sheets(source.path)
    visible = [m.name for m in worksheets if m.visible == python_calamine.SheetVisibleEnum.Visible]
    return [m.name for m in worksheets], visible


def _resolve_sheet(source: _Source, wanted: str, names: list[str]) -> str:
    """The sheet named `wanted`; a difference only in case or surrounding spaces is forgiven."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise messages.sheet_not_found(source.path, wanted, names)


def _get_sheet(
    source: _Source, book: python_calamine.CalamineWorkbook, name: str
) -> python_calamine.CalamineSheet:
    _refuse_oversized_sheet(source, name)
    return _calamine_call(source, lambda: book.get_sheet_by_name(name))


class _SheetTooBig(InputError):
    """A sheet whose used range is too big to read; when choosing a sheet, such a sheet is passed over."""


def _refuse_oversized_sheet(source: _Source, name: str) -> None:
    """Refuse a sheet whose used range is too big to hold, before calamine tries to and aborts the process."""
    if source.file_format not in ("xlsx", "xlsm"):
        return
    try:
        size = xlsx_sheet_dimension(str(source.path), name)
    except _ZIP_FAILURES:
        raise messages.damaged_workbook(source.path) from None
    if size is not None and size[0] * size[1] > MAX_SHEET_CELLS:
        raise _SheetTooBig(messages.too_many_cells(source.path, name, *size).message)


def _calamine_call(source: _Source, action: Callable[[], _T]) -> _T:
    """Run one python-calamine call, turning whatever it raises on a bad file into an InputError."""
    try:
        return action()
    except Exception as error:
        raise _calamine_failure(source, error) from error
    except BaseException as error:
        if _is_panic(error):
            raise _calamine_failure(source, error) from None
        raise


@dataclass
class _Candidate:
    name: str
    sheet: python_calamine.CalamineSheet
    header_index: int
    score: tuple[bool, int]


def _candidate(source: _Source, book: python_calamine.CalamineWorkbook, name: str) -> _Candidate | None:
    """A sheet scored by the size of the table under its header, or None if nothing looks like a table."""
    sheet = _get_sheet(source, book, name)
    sample = _calamine_call(source, lambda: sheet.to_python(nrows=HEADER_SCAN_ROWS))
    index = find_header_index(sample)
    if index is None:
        return None
    columns = sum(1 for value in sample[index] if cell_is_filled(value))
    data_rows = max(sheet.height - index - 1, 0)
    return _Candidate(name, sheet, index, (columns >= 2, data_rows * columns * columns))


def _choose_sheet(
    source: _Source, book: python_calamine.CalamineWorkbook, names: list[str], visible: list[str]
) -> _Candidate:
    """The visible sheet with the biggest table (a cover note loses to the data); hidden ones only if none."""
    hidden = [n for n in names if n not in visible]
    oversized: InputError | None = None  # a sheet too big to read is passed over unless it is all there is
    for group in (visible, hidden):
        best: _Candidate | None = None
        for name in group:
            try:
                candidate = _candidate(source, book, name)
            except _SheetTooBig as error:
                oversized, candidate = oversized or error, None
            if candidate is not None and (best is None or candidate.score > best.score):
                best = candidate
        if best is not None:
            return best
    if oversized is not None:
        raise oversized
    if len(names) == 1:
        raise messages.no_table(source.path, names[0])
    raise messages.no_table_in_any_sheet(source.path, names)


def _extras_reader(source: _Source) -> Callable[[str, str], SheetExtras] | None:
    if source.file_format in ("xlsx", "xlsm"):
        return xlsx_sheet_extras
    if source.file_format == "ods":
        return ods_sheet_extras
    if source.file_format == "xls":
        return xls_sheet_extras
    return None


def _start_extras(pool: ThreadPoolExecutor, source: _Source, sheet: str) -> Future[SheetExtras] | None:
    """Begin recovering error cells and hidden columns in a thread, beside calamine's own parsing."""
    reader = _extras_reader(source)
    return None if reader is None else pool.submit(reader, str(source.path), sheet)


def _extras_result(source: _Source, future: Future[SheetExtras] | None) -> SheetExtras:
    if future is None:
        return SheetExtras()
    try:
        return future.result()
    except _ZIP_FAILURES:
        raise messages.damaged_workbook(source.path) from None


@dataclass
class _LoadedSheet:
    """A sheet's rows as python-calamine returned them, once the workbook itself has been let go."""

    names: list[str]
    sheet: str
    rows: list[list]
    start: tuple[int, int]  # 0-based (row, column) of rows[0][0] in the sheet
    header_index: int  # index into rows
    extras: Future[SheetExtras] | None
    notes: list[str]


def _read_workbook_table(source: _Source, sheet: str | None, header_row: int | None) -> SourceTable:
    with ThreadPoolExecutor(max_workers=1) as pool:
        loaded = _load_sheet(source, pool, sheet, header_row)
        extras = _extras_result(source, loaded.extras)
        table = _workbook_table(source, loaded, extras)
    table.notes = loaded.notes + table.notes
    return table


def _load_sheet(
    source: _Source, pool: ThreadPoolExecutor, sheet: str | None, header_row: int | None
) -> _LoadedSheet:
    """Open the workbook, pick the sheet and header row, take its rows; calamine's copy is freed on return."""
    book = _open_workbook(source)
    try:
        names, visible = _worksheet_names(source, book)
        notes: list[str] = []
        guess = _resolve_sheet(source, sheet, names) if sheet is not None else (visible or names)[0]
        extras = _start_extras(pool, source, guess)
        header_index: int | None = None
        if sheet is not None:
            chosen, calamine_sheet = guess, _get_sheet(source, book, guess)
        else:
            candidate = _choose_sheet(source, book, names, visible)
            chosen, calamine_sheet, header_index = candidate.name, candidate.sheet, candidate.header_index
            del candidate
            if chosen != names[0]:
                notes.append(f'Read the sheet "{chosen}", which holds the table; "{names[0]}" does not.')
            if chosen != guess:
                extras = _start_extras(pool, source, chosen)
        rows = _calamine_call(source, calamine_sheet.to_python)
        start = calamine_sheet.start or (0, 0)
        del calamine_sheet
    finally:
        book.close()
    if header_row is not None:
        header_index = _given_header_index(source, chosen, rows, start[0], header_row)
    elif header_index is None:
        header_index = find_header_index(rows)
        if header_index is None:
            raise messages.no_table(source.path, chosen)
    return _LoadedSheet(names, chosen, rows, start, header_index, extras, notes)


def _given_header_index(
    source: _Source, sheet: str, rows: list[list], start_row: int, header_row: int
) -> int:
    """Turn the row number the user chose into an index into calamine's rows (which begin at `start_row`)."""
    last_row = start_row + len(rows)
    if header_row < 1 or header_row > last_row:
        raise messages.header_row_out_of_range(source.path, sheet, header_row, max(last_row, 1))
    index = header_row - 1 - start_row
    if index < 0 or not any(cell_is_filled(value) for value in rows[index]):
        raise messages.header_row_blank(source.path, sheet, header_row)
    return index


def _workbook_table(source: _Source, loaded: _LoadedSheet, extras: SheetExtras) -> SourceTable:
    """Classify every cell, put back the error cells, and drop blank rows and columns."""
    start_row, start_column = loaded.start
    header = loaded.rows[loaded.header_index]
    width = len(header)
    first_data = start_row + loaded.header_index + 1  # 0-based sheet row of the first data row
    header_cells = [
        extras.errors.get((first_data - 1, start_column + j), value) for j, value in enumerate(header)
    ]
    body = loaded.rows[loaded.header_index + 1 :]
    loaded.rows.clear()  # the grid below holds the cells; the row lists can go now
    # Column-major, so each column below is a contiguous view rather than a copy.
    grid = np.array(body, dtype=object, order="F") if body else np.empty((0, width), dtype=object)
    if grid.ndim != 2:  # calamine rows are all one width; this guards against a ragged surprise
        grid = np.array([list(row) + [""] * (width - len(row)) for row in body], dtype=object)
    count = len(body)
    del body
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
        path=source.path,
        file_format=source.file_format,
        sheets=loaded.names,
        sheet=loaded.sheet,
        header_row=first_data,
        columns=assembled.columns,
        row_numbers=assembled.row_numbers,
        skipped_blank_rows=assembled.skipped_blank_rows,
        dropped_blank_columns=assembled.dropped_blank_columns,
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


def _read_text_table(source: _Source, sheet: str | None, header_row: int | None) -> SourceTable:
    name = source.path.stem
    if sheet is not None and sheet != name:
        raise messages.sheet_not_found(source.path, sheet, [name])
    try:
        parsed = read_delimited(source.path, header_row)
    except OSError as error:
        raise messages.cannot_open(source.path, error.strerror or type(error).__name__) from error
    assembled = assemble(parsed.columns, parsed.row_numbers)
    notes = list(parsed.notes)
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

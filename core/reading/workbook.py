"""Opening workbooks safely with python-calamine, and parsing their sheets ahead of need.

Everything here runs before a single cell is classified: the cheap checks that refuse what is missing, empty,
too big or not a spreadsheet; the guards against damage that would make python-calamine abort the process;
and `OpenWorkbook`, which parses sheets in a worker thread. Parsing is most of the time a workbook takes to
read and python-calamine does it without holding the GIL, so the command line starts it before importing
pandas and the checks (`read_ahead`). This module imports only the standard library and python-calamine so
that it can run that early.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import python_calamine

from core.errors import InputError
from core.reading import messages
from core.reading.suffixes import SUPPORTED_SUFFIXES
from core.reading.xls_extras import (
    xls_has_workbook_stream,
    xls_is_encrypted,
    xls_sheet_extras,
    xls_size_fields_are_sane,
)
from core.reading.xlsx_extras import (
    SheetExtras,
    ods_content_is_complete,
    ods_sheet_extras,
    xlsx_sheet_extras,
    xlsx_sheet_size,
)

# typing.TYPE_CHECKING without loading typing (nor dataclasses or concurrent.futures, which loads logging): the
# command line imports this module before it starts the parse, and each would hold that start back a little.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # .tsv: tab-separated text, as a .txt export

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
ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    ValueError,  # includes UnicodeDecodeError for a damaged member name
)


class CheckedFile:
    """A file that passed the cheap checks, with the format its content (not just its name) shows."""

    __slots__ = ("file_format", "name_matches_content", "path")

    def __init__(self, path: Path, file_format: str, name_matches_content: bool) -> None:
        self.path = path
        self.file_format = file_format  # "xlsx", "xlsm", "xls", "ods" or "csv"
        self.name_matches_content = name_matches_content  # False for, say, an .xlsx file renamed to .xls

    def __repr__(self) -> str:
        return f"CheckedFile({self.path!r}, {self.file_format!r}, {self.name_matches_content!r})"


# --- checks before reading ------------------------------------------------------------------------------


def check_file(path: Path) -> CheckedFile:
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


def _source_from_content(path: Path, suffix: str, head: bytes) -> CheckedFile:
    is_zip, is_cfb = head.startswith(_ZIP_MAGIC), head.startswith(_CFB_MAGIC)
    if suffix in _TEXT_SUFFIXES:
        if is_zip or is_cfb:
            raise messages.workbook_named_as_text(path, ".xls" if is_cfb else _zip_suffix(path))
        return CheckedFile(path, "csv", True)
    if _is_old_biff(head):
        raise messages.very_old_excel(path)
    named = suffix.lstrip(".")
    if is_cfb:
        if suffix != ".xls" and _is_encrypted_package(path):
            raise messages.password_protected(path)
        return CheckedFile(path, "xls", named == "xls")
    if is_zip:
        actual = "ods" if _ODS_MIMETYPE in head or named == "ods" else ("xlsm" if named == "xlsm" else "xlsx")
        return CheckedFile(path, actual, actual == named)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in lowered:
        raise messages.web_page_export(path)
    raise messages.not_a_workbook(path)


# The first record of an Excel 2.x, 3.0 or 4.0 file (BIFF2-4, not an OLE container): BOF, 0x0009, 0x0209 or
# 0x0409, with a few bytes of data.
_OLD_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


def _is_old_biff(head: bytes) -> bool:
    return head[:2] in _OLD_BIFF_BOF and len(head) >= 4 and 4 <= int.from_bytes(head[2:4], "little") <= 16


def _zip_suffix(path: Path) -> str | None:
    """.xlsx, .ods or .xlsb for a zip package, from what it holds; None when it is none of them."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
                return ".ods"
    except ZIP_FAILURES:
        return None
    if "xl/workbook.bin" in names:
        return ".xlsb"
    return ".xlsx" if "xl/workbook.xml" in names else None


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


def _calamine_failure(source: CheckedFile, error: BaseException) -> InputError:
    if isinstance(error, python_calamine.PasswordError) or _is_encrypted_ods(source):
        return messages.password_protected(source.path)
    if isinstance(error, MemoryError):
        return messages.out_of_memory(source.path)
    if "cell limit exceeded" in str(error).casefold():  # python-calamine's refusal of a sheet too big to hold
        return messages.too_many_cells_in_workbook(source.path)
    return messages.damaged_workbook(source.path)


def _is_panic(error: BaseException) -> bool:
    """A Rust panic inside python-calamine surfaces as pyo3's PanicException, a BaseException."""
    return type(error).__name__ == "PanicException"


def _is_encrypted_ods(source: CheckedFile) -> bool:
    if source.file_format != "ods":
        return False
    try:
        with zipfile.ZipFile(source.path, "r") as archive:
            return _ODS_ENCRYPTION in archive.read("META-INF/manifest.xml")
    except ZIP_FAILURES:
        return False


def open_workbook(source: CheckedFile) -> python_calamine.CalamineWorkbook:
    """The workbook open in python-calamine or, when calamine cannot open a valid .xlsx package (a macro or
    dialog sheet it does not know), in openpyxl's read-only reader; a file that neither opens is named for
    what it is (.xlsb content, an .xls under another name) or else called damaged."""
    _refuse_what_calamine_cannot_survive(source)
    try:
        return _open_in_calamine(source)
    except InputError as error:
        if isinstance(error, SheetTooBig) or "password" in error.message:
            raise
        fallback = _open_another_way(source)
        if fallback is None:
            raise
        return fallback


def _open_another_way(source: CheckedFile) -> python_calamine.CalamineWorkbook | None:
    if source.file_format == "xls" and not source.name_matches_content:
        if xls_has_workbook_stream(_read_all(source.path)):
            raise messages.named_as_another_format(source.path, ".xls", "an Excel 97-2003 workbook")
        raise messages.not_a_workbook(source.path)  # another Office file (a Word .doc) under this name
    if source.file_format not in ("xlsx", "xlsm"):
        return None
    try:
        with zipfile.ZipFile(source.path) as archive:
            names = set(archive.namelist())
    except ZIP_FAILURES:
        return None
    if "xl/workbook.bin" in names:
        raise messages.named_as_another_format(source.path, ".xlsb", "an Excel binary workbook")
    if "xl/workbook.xml" not in names:
        return None
    from core.reading.openpyxl_book import open_read_only  # only for the files calamine cannot open

    return open_read_only(source.path)


def _open_in_calamine(source: CheckedFile) -> python_calamine.CalamineWorkbook:
    if source.name_matches_content:
        return calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_path(str(source.path)))
    try:  # calamine picks the reader by the file name; from a stream it looks at the content instead
        with source.path.open("rb") as stream:
            return calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_filelike(stream))
    except OSError as error:
        raise messages.cannot_open(source.path, error.strerror or type(error).__name__) from error


def _refuse_what_calamine_cannot_survive(source: CheckedFile) -> None:
    """Damage that would make python-calamine abort the process or loop for ever is refused up front."""
    if source.file_format == "xls":
        data = _read_all(source.path)
        if xls_is_encrypted(data):
            raise messages.password_protected(source.path)
        if not xls_size_fields_are_sane(data):
            raise messages.damaged_workbook(source.path)
    if source.file_format == "ods":
        if _is_encrypted_ods(source):
            raise messages.password_protected(source.path)
        try:
            complete = ods_content_is_complete(str(source.path))
        except ZIP_FAILURES:
            complete = False
        if not complete:
            raise messages.damaged_workbook(source.path)


def worksheet_names(
    source: CheckedFile, book: python_calamine.CalamineWorkbook
) -> tuple[list[str], list[str]]:
    """(all worksheet names, the visible ones), leaving out chart and macro sheets."""
    worksheets = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    if not worksheets:
        if source.file_format in ("xlsx", "xlsm") and _zip_suffix(source.path) == ".xlsb":
            raise messages.named_as_another_format(source.path, ".xlsb", "an Excel binary workbook")
        raise messages.no_sheets(source.path)
    visible = [m.name for m in worksheets if m.visible == python_calamine.SheetVisibleEnum.Visible]
    return [m.name for m in worksheets], visible


def resolve_sheet(source: CheckedFile, wanted: str, names: list[str]) -> str:
    """The sheet named `wanted`; a difference only in case or surrounding spaces is forgiven."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise messages.sheet_not_found(source.path, wanted, names)


def get_sheet(
    source: CheckedFile, book: python_calamine.CalamineWorkbook, name: str
) -> python_calamine.CalamineSheet:
    _refuse_oversized_sheet(source, name)
    return calamine_call(source, lambda: book.get_sheet_by_name(name))


class SheetTooBig(InputError):
    """A sheet whose used range is too big to read; when choosing a sheet, such a sheet is passed over."""


def _refuse_oversized_sheet(source: CheckedFile, name: str) -> None:
    """Refuse a sheet whose used range is too big to hold, before calamine tries to and aborts the process."""
    if source.file_format not in ("xlsx", "xlsm"):
        return
    try:
        size = xlsx_sheet_size(str(source.path), name)
    except ZIP_FAILURES:
        raise messages.damaged_workbook(source.path) from None
    if size is not None and size[0] * size[1] > MAX_SHEET_CELLS:
        raise SheetTooBig(messages.too_many_cells(source.path, name, *size).message)


def calamine_call(source: CheckedFile, action: Callable[[], _T]) -> _T:
    """Run one python-calamine call, turning whatever it raises on a bad file into an InputError."""
    try:
        return action()
    except Exception as error:
        raise _calamine_failure(source, error) from error
    except BaseException as error:
        if _is_panic(error):
            raise _calamine_failure(source, error) from None
        raise


class _Call:
    """One call run in a thread of its own, once the thread of the call before it has ended.

    `OpenWorkbook` needs no more of a thread pool than this: calls taken in turn, a result (or the error raised)
    to wait for, and a way to drop the calls not yet begun. Only whoever holds the call holds its result, so a
    parsed sheet handed over is freed as soon as its taker lets it go.
    """

    def __init__(self, name: str, action: Callable[[], object], after: threading.Thread | None) -> None:
        self._finished = threading.Event()
        self._dropped = False
        self._began = False
        self._value: object = None
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(action, after), name=name)

    def _run(self, action: Callable[[], object], after: threading.Thread | None) -> None:
        if after is not None:
            after.join()
        try:
            if not self._dropped:
                self._began = True
                self._value = action()
        except BaseException as error:  # handed to whoever waits for the result, as a future does
            self._error = error
        finally:
            self._finished.set()

    def result(self) -> Any:
        """Wait for the call and return what it returned, or raise what it raised."""
        self._finished.wait()
        if self._error is not None:
            raise self._error
        if not self._began:
            raise InputError("The workbook was closed before this sheet was read.")
        return self._value

    def drop(self) -> None:
        """Skip the call if it has not begun (a call running already runs to its end)."""
        self._dropped = True


class _InTurn:
    """Calls run one after another, each in its own thread: a thread pool of one, in a few lines.

    It keeps the calls' threads, not the calls, so that it never holds a result.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._threads: list[threading.Thread] = []
        self._calls: weakref.WeakSet[_Call] = weakref.WeakSet()  # to drop on closing, while anyone holds them

    def submit(self, action: Callable[[], object]) -> _Call:
        call = _Call(self._name, action, self._threads[-1] if self._threads else None)
        self._threads.append(call.thread)
        self._calls.add(call)
        call.thread.start()
        return call

    def close(self) -> None:
        """Drop the calls not yet begun and wait for the one running, if any."""
        for call in list(self._calls):
            call.drop()
        for thread in self._threads:
            thread.join()
        self._threads.clear()


# What recovers the error cells and hidden columns python-calamine leaves out, for each workbook format.
_EXTRAS_READERS: dict[str, Callable[[str, str], SheetExtras]] = {
    "xlsx": xlsx_sheet_extras,
    "xlsm": xlsx_sheet_extras,
    "ods": ods_sheet_extras,
    "xls": xls_sheet_extras,
}


class OpenWorkbook:
    """A workbook open in python-calamine whose sheets are parsed in worker threads, on demand or ahead.

    Once it is open only the workers touch the calamine workbook, one sheet at a time (python-calamine refuses
    two threads borrowing it at once); the parsed sheets they hand back are independent objects. Error cells
    and hidden columns are recovered from the file's XML by other workers at the same time. Close it (or use
    it in a `with` block) to stop them all and let go of the file.
    """

    def __init__(self, source: CheckedFile) -> None:
        self.source = source
        self._book = open_workbook(source)
        try:
            self.names, self.visible = worksheet_names(source, self._book)
        except BaseException:
            self._book.close()
            raise
        self._parser = _InTurn("calamine")
        self._scanner = _InTurn("sheet-extras")
        self._sheets: dict[str, _Call] = {}
        self._extras: dict[str, _Call] = {}
        self._closed = False

    def __enter__(self) -> OpenWorkbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def resolve(self, wanted: str) -> str:
        """The sheet named `wanted`, forgiving case and surrounding spaces; InputError when there is none."""
        return resolve_sheet(self.source, wanted, self.names)

    def parse_ahead(self, names: Iterable[str]) -> None:
        """Start parsing these sheets, in order.

        The error-cell scan is left for `read_table` to start: begun here too, it would be a third busy
        thread beside the parse and the imports on a two-core machine, and slow both.
        """
        for name in names:
            if name not in self._sheets:
                self._sheets[name] = self._parser.submit(partial(get_sheet, self.source, self._book, name))

    def take_sheet(self, name: str) -> python_calamine.CalamineSheet:
        """The parsed sheet (waiting for the worker); handed over, so a sheet passed over can be freed."""
        self.parse_ahead([name])
        return self._sheets.pop(name).result()

    def start_extras(self, name: str) -> None:
        reader = _EXTRAS_READERS.get(self.source.file_format)
        if reader is not None and name not in self._extras:
            self._extras[name] = self._scanner.submit(partial(reader, str(self.source.path), name))

    def extras(self, name: str) -> SheetExtras:
        """The sheet's error cells and hidden columns (none for CSV-like formats)."""
        self.start_extras(name)
        call = self._extras.get(name)
        if call is None:
            return SheetExtras()
        try:
            return call.result()
        except ZIP_FAILURES:
            raise messages.damaged_workbook(self.source.path) from None

    def close(self) -> None:
        """Stop the workers and let go of the file; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._parser.close()
        self._scanner.close()
        self._sheets.clear()
        self._extras.clear()
        self._book.close()


def read_ahead(path: str | os.PathLike[str], sheet: str | None = None) -> OpenWorkbook | None:
    """Open a workbook and start parsing the sheets a read of it will look at, to hand to `read_table`.

    Returns None for a CSV or text file and for anything that cannot be opened: `read_table` then reads
    the file the ordinary way and reports the problem in its place.
    """
    try:
        source = check_file(Path(path))
        if source.file_format == "csv":
            return None
        opened = OpenWorkbook(source)
    except InputError:
        return None
    with contextlib.suppress(InputError):  # a sheet that is not there: read_table says so in its turn
        opened.parse_ahead([opened.resolve(sheet)] if sheet is not None else opened.visible or opened.names)
    return opened

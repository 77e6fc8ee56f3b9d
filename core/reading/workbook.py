"""Parsing a workbook's sheets ahead of need, in worker threads (`OpenWorkbook`, `read_ahead`).

Parsing is most of the time a workbook takes to read and python-calamine does it without holding the GIL,
so the command line starts it before importing pandas and the checks (`read_ahead`). `OpenWorkbook` parses
sheets one at a time in a worker thread and recovers error cells and hidden columns in another. The checks
before a file is opened are in `file_checks`, the opening itself and the guards around each python-calamine
call in `calamine_book`. This module and the reading modules it imports load nothing but the standard
library and python-calamine, so that it can run that early.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import python_calamine

from core.errors import InputError
from core.reading import messages
from core.reading.calamine_book import get_sheet, open_workbook, resolve_sheet, worksheet_names
from core.reading.file_checks import ZIP_FAILURES, CheckedFile, check_file
from core.reading.ods_extras import ods_sheet_extras
from core.reading.sheet_extras import SheetExtras
from core.reading.xls_extras import xls_sheet_extras
from core.reading.xlsx_extras import xlsx_sheet_extras

# typing.TYPE_CHECKING without loading typing (nor dataclasses or concurrent.futures, which loads logging): the
# command line imports this module before it starts the parse, and each would hold that start back a little.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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

"""Reading ahead: a workbook parsed in a worker thread gives exactly the table an ordinary read gives.

The command line starts python-calamine parsing the workbook before it imports pandas and the checks
(`workbook.read_ahead`), then hands the open workbook to `read_table`. These tests hold that path to the
ordinary one on real files, and check that every problem still reaches the user as the same InputError.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import threading
import weakref
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from core.errors import InputError
from core.reading import sources, workbook
from core.reading.sources import read_table
from core.reading.table import SourceTable

LAYOUTS = Path(__file__).resolve().parents[2] / "data" / "layouts"


def assert_same_table(left: SourceTable, right: SourceTable) -> None:
    assert (left.sheet, left.sheets, left.header_row, left.notes) == (
        right.sheet,
        right.sheets,
        right.header_row,
        right.notes,
    )
    assert (left.skipped_blank_rows, left.dropped_blank_columns) == (
        right.skipped_blank_rows,
        right.dropped_blank_columns,
    )
    np.testing.assert_array_equal(left.row_numbers, right.row_numbers)
    assert [(c.header, c.letter, c.hidden) for c in left.columns] == [
        (c.header, c.letter, c.hidden) for c in right.columns
    ]
    for mine, theirs in zip(left.columns, right.columns, strict=True):
        assert mine.values.tolist() == theirs.values.tolist()
        assert mine.kinds.tolist() == theirs.kinds.tolist()


def no_worker_threads_left() -> bool:
    prefixes = ("calamine", "sheet-extras")
    return not any(thread.name.startswith(prefixes) for thread in threading.enumerate())


def book_with_hidden_data_sheet(path: Path) -> Path:
    book = Workbook()
    cover = book.active
    cover.title = "Chart"  # left empty: nothing on it looks like a table
    data = book.create_sheet("People")
    data.append(["First name", "Surname", "Date of birth"])
    data.append(["Aroha", "Ngata", "03/04/1985"])
    data.sheet_state = "hidden"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("name", "sheet"),
    [
        ("whanau_register.xlsx", None),
        ("layouts/cover_sheet.ods", None),
        ("layouts/cover_sheet.xls", None),
        ("layouts/cover_sheet.xls", "Participants"),
        ("layouts/cover_sheet.ods", " participants "),
    ],
)
def test_reading_ahead_gives_the_same_table(data_dir: Path, name: str, sheet: str | None) -> None:
    path = data_dir / name
    opened = workbook.read_ahead(path, sheet)
    assert opened is not None
    assert_same_table(read_table(path, sheet, opened=opened), read_table(path, sheet))
    assert no_worker_threads_left()


def test_reading_ahead_finds_a_hidden_data_sheet_behind_an_empty_one(tmp_path: Path) -> None:
    path = book_with_hidden_data_sheet(tmp_path / "hidden.xlsx")
    table = read_table(path, opened=workbook.read_ahead(path))
    assert table.sheet == "People"
    assert_same_table(table, read_table(path))


def test_the_sheet_is_parsed_in_the_worker_thread(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed_on: list[str] = []
    original = workbook.get_sheet

    def recording(*args: object) -> object:
        parsed_on.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(workbook, "get_sheet", recording)
    path = data_dir / "whanau_register.xlsx"
    read_table(path, opened=workbook.read_ahead(path))
    assert parsed_on and all(name.startswith("calamine") for name in parsed_on)


def test_text_files_and_unopenable_files_are_left_to_the_ordinary_read(
    data_dir: Path, tmp_path: Path
) -> None:
    assert workbook.read_ahead(data_dir / "referrals_export.csv") is None
    assert workbook.read_ahead(tmp_path / "missing.xlsx") is None
    assert workbook.read_ahead(LAYOUTS / "protected.xlsx") is None
    with pytest.raises(InputError, match="password"):
        read_table(LAYOUTS / "protected.xlsx", opened=workbook.read_ahead(LAYOUTS / "protected.xlsx"))


def test_a_sheet_that_is_not_there_is_reported_as_by_the_ordinary_read(data_dir: Path) -> None:
    path = data_dir / "whanau_register.xlsx"
    opened = workbook.read_ahead(path, "No such sheet")
    assert opened is not None
    with pytest.raises(InputError) as ahead:
        read_table(path, "No such sheet", opened=opened)
    with pytest.raises(InputError) as ordinary:
        read_table(path, "No such sheet")
    assert ahead.value.message == ordinary.value.message
    assert no_worker_threads_left()


def test_a_sheet_calamine_cannot_parse_is_an_input_error_from_the_worker(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    book_with_hidden_data_sheet(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith("sheet2.xml"):
                content = content.replace(b"</sheetData>", b"<row r='3'><c r='A3' t='s'><v>99")
            target.writestr(item, content)
    opened = workbook.read_ahead(broken)
    assert opened is not None
    with pytest.raises(InputError) as ahead:
        read_table(broken, opened=opened)
    with pytest.raises(InputError) as ordinary:
        read_table(broken)
    assert ahead.value.message == ordinary.value.message
    assert no_worker_threads_left()


def test_calls_run_one_after_another_and_hand_back_results_and_errors() -> None:
    """The workbook's worker runs its calls in the order given, one at a time, each result to its caller."""
    order: list[int] = []
    running = threading.Semaphore(1)

    def step(number: int) -> int:
        assert running.acquire(blocking=False), "two calls ran at once"
        try:
            threading.Event().wait(0.01)
            order.append(number)
            return number * 10
        finally:
            running.release()

    def panic() -> None:
        raise KeyboardInterrupt  # a BaseException, as pyo3's PanicException is

    calls = workbook._InTurn("calamine-test")
    first, failing, last = calls.submit(lambda: step(1)), calls.submit(panic), calls.submit(lambda: step(2))
    assert (first.result(), last.result()) == (10, 20)
    with pytest.raises(KeyboardInterrupt):
        failing.result()
    assert order == [1, 2]
    calls.close()
    assert no_worker_threads_left()


def test_the_worker_holds_no_result_once_the_call_is_let_go() -> None:
    """A parsed sheet handed over is freed when its taker lets it go (the read frees calamine's copy early)."""

    class Parsed:
        pass

    calls = workbook._InTurn("calamine-test")
    call = calls.submit(Parsed)
    parsed = weakref.ref(call.result())
    del call
    gc.collect()
    assert parsed() is None
    calls.close()


def test_closing_the_worker_waits_for_the_running_call_and_drops_the_rest() -> None:
    began, release, ran = threading.Event(), threading.Event(), []

    def hold() -> str:
        began.set()
        release.wait(10)
        ran.append("running")
        return "done"

    calls = workbook._InTurn("calamine-test")
    running = calls.submit(hold)
    waiting = calls.submit(lambda: ran.append("waiting"))
    assert began.wait(10)
    closing = threading.Thread(target=calls.close)
    closing.start()
    while not waiting._dropped:  # close() marks the calls not begun before it waits for the running one
        threading.Event().wait(0.001)
    release.set()
    closing.join(10)
    assert not closing.is_alive()
    assert ran == ["running"]
    assert running.result() == "done"
    with pytest.raises(InputError):
        waiting.result()
    assert no_worker_threads_left()


def test_closing_twice_is_harmless(data_dir: Path) -> None:
    opened = workbook.read_ahead(data_dir / "whanau_register.xlsx")
    assert opened is not None
    opened.close()
    opened.close()
    assert no_worker_threads_left()


def test_reading_leaves_the_cycle_collector_as_it_found_it(data_dir: Path, tmp_path: Path) -> None:
    """Reading never leaves Python's cycle collector switched off, or on when it was off, even when it fails."""
    assert gc.isenabled()
    read_table(data_dir / "whanau_register.xlsx")
    assert gc.isenabled()
    with pytest.raises(InputError):
        read_table(tmp_path / "missing.xlsx")
    assert gc.isenabled()
    gc.disable()
    try:
        read_table(data_dir / "referrals_export.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()


def offset_register(path: Path) -> Path:
    """A table whose used range starts below and right of A1, with a blank row and a wider row inside it."""
    book = Workbook()
    sheet = book.active
    sheet["C2"] = "Whānau register"
    for column, header in zip("BCDE", ["First name", "Surname", "Date of birth", "Visits"], strict=True):
        sheet[f"{column}4"] = header
    rows = [
        ["Aroha", "Ngata", dt.date(1985, 4, 3), 2],
        ["Mere", "Parata", "03/04/1990", 1.5],
        None,
        ["Tama", "Walker", dt.datetime(2001, 2, 28, 9, 30), "TRUE"],
    ]
    for offset, row in enumerate(rows):
        for column, value in zip("BCDE", row or [], strict=False):
            sheet[f"{column}{5 + offset}"] = value
    sheet["F7"] = "note beyond the header"
    book.save(path)
    return path


@pytest.mark.parametrize("shift", [-1, 1], ids=["iterator gives a row more", "iterator gives a row less"])
def test_rows_taken_from_calamines_iterator_match_the_plain_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shift: int
) -> None:
    """The body comes from calamine's row iterator; if it ever gives other than the sheet's size, the rows
    are taken the plain way (to_python) and the table is the same."""
    path = offset_register(tmp_path / "offset.xlsx")
    direct = read_table(path)
    assert direct.header_row == 4
    assert direct.row_numbers.tolist() == [5, 6, 7, 8]  # row 7 holds only the note, under no header
    assert [c.header for c in direct.columns][-1] == "Column F"
    assert direct.find_column("First name").values.tolist() == ["Aroha", "Mere", None, "Tama"]
    assert direct.find_column("Visits").values.tolist() == [2, 1.5, None, "TRUE"]

    def shifted(rows, start, stop):
        return itertools.islice(rows, start + shift, stop)

    monkeypatch.setattr(sources, "islice", shifted)
    assert_same_table(read_table(path), direct)

"""The grid classifier's shortcuts give what a plain look at each cell gives: kinds, values and blank cells.

`classify_workbook_grid` and `blank_text_mask` work on whole arrays (first characters by one numpy cast, the
grid row by row); these tests hold them to the one-cell-at-a-time reading of the same rules, on the inputs
where a shortcut could slip: whitespace of every kind, characters that look blank but are not, a leading NUL,
error codes with spaces, and columns mixing every type calamine gives.
"""

from __future__ import annotations

import datetime as dt
import math
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.reading.grid import _SPACE_CODES, blank_text_mask, classify_workbook_grid
from core.reading.table import CellKind

SPACES = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
LOOK_BLANK = ["\u200b", "\ufeff", "\u180e", "\x00", "\x1b", "\u2060"]  # not whitespace to str.isspace
TRICKY_TEXTS = [
    "",
    *SPACES,
    *(space * 3 for space in SPACES),
    *(space + "x" for space in SPACES),
    *("x" + space for space in SPACES),
    *LOOK_BLANK,
    *(mark + " " for mark in LOOK_BLANK),
    *(" " + mark for mark in LOOK_BLANK),
    "\x00 ",
    " \t\n\r ",
    "#N/A",
    " #N/A ",
    "\u3000#REF!\xa0",
    "Ārani",
    "王",
    "😀",
    "\ud800",
    "Mere",
    "a" * 500,
    " " * 500,
]


def blank_by_hand(text: str) -> bool:
    return not text or text.isspace()


def test_the_listed_space_codes_are_every_character_isspace_accepts() -> None:
    assert sorted(_SPACE_CODES.tolist()) == [ord(space) for space in SPACES]


def test_blank_mask_matches_isspace_on_tricky_texts() -> None:
    texts = np.array(TRICKY_TEXTS, dtype=object)
    assert blank_text_mask(texts).tolist() == [blank_by_hand(text) for text in TRICKY_TEXTS]


def test_blank_mask_of_nothing_is_empty() -> None:
    assert blank_text_mask(np.array([], dtype=object)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from([*SPACES, *LOOK_BLANK, "a", "#", "ā"]), max_size=4)))
def test_blank_mask_matches_isspace_on_any_mix(texts: list[str]) -> None:
    assert blank_text_mask(np.array(texts, dtype=object)).tolist() == [blank_by_hand(t) for t in texts]


# The kind of each type calamine gives; anything else is shown as its text.
KIND_BY_HAND = {
    str: CellKind.TEXT,
    float: CellKind.NUMBER,
    int: CellKind.NUMBER,
    bool: CellKind.BOOL,
    dt.date: CellKind.DATE,
    dt.datetime: CellKind.DATE,
}


def classify_by_hand(cell: object) -> tuple[CellKind, object]:
    """One cell, read the slow and obvious way."""
    kind = KIND_BY_HAND.get(type(cell))
    if kind is None:
        return CellKind.TEXT, str(cell)
    if kind == CellKind.TEXT and blank_by_hand(cell):  # type: ignore[arg-type]
        return CellKind.EMPTY, None
    if isinstance(cell, float) and math.isfinite(cell) and cell.is_integer() and abs(cell) < 2.0**53:
        return kind, int(cell)
    return kind, cell


MIXED_CELLS = [
    *TRICKY_TEXTS[:40],
    1.0,
    -3.0,
    2.5,
    1e20,
    2.0**53,
    float("nan"),
    float("inf"),
    7,
    True,
    False,
    dt.date(1990, 3, 4),
    dt.datetime(2001, 2, 3, 4, 5),
    dt.time(12, 30),
    dt.timedelta(days=2),
]


def test_classify_matches_cell_by_cell_reading_on_mixed_columns() -> None:
    rng = np.random.default_rng(5)
    rows = [[MIXED_CELLS[i] for i in rng.integers(0, len(MIXED_CELLS), 6)] for _ in range(400)]
    rows += [["Mere", "", " ", "x", "\u3000", 1.0] for _ in range(20)]  # all-text columns beside mixed ones
    grid = np.array(rows, dtype=object, order="F")
    kinds = classify_workbook_grid(grid)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            kind, value = classify_by_hand(cell)
            assert kinds[i, j] == kind, (i, j, cell)
            got = grid[i, j]
            assert type(got) is type(value), (i, j, cell)
            assert got is value or got == value or (got != got and value != value), (i, j, cell)


def test_classify_of_an_empty_grid_is_empty() -> None:
    grid = np.empty((0, 3), dtype=object)
    assert classify_workbook_grid(grid).shape == (0, 3)


def test_classify_in_small_blocks_gives_what_one_pass_gives(monkeypatch) -> None:
    """The whole-grid passes run in blocks of rows (the window's thread gets the GIL between them)."""
    import core.reading.grid as grid_module

    rng = np.random.default_rng(11)
    rows = [[MIXED_CELLS[i] for i in rng.integers(0, len(MIXED_CELLS), 5)] for _ in range(97)]
    one_pass = np.array(rows, dtype=object, order="F")
    blocks = np.array(rows, dtype=object, order="F")
    kinds_once = classify_workbook_grid(one_pass)
    monkeypatch.setattr(grid_module, "CELLS_PER_PASS", 12)  # two rows a block, the last one short
    kinds_blocks = classify_workbook_grid(blocks)
    assert (kinds_blocks == kinds_once).all()
    for got, want in zip(blocks.ravel(), one_pass.ravel(), strict=True):
        assert type(got) is type(want) and (got is want or got == want or (got != got and want != want))

"""The check's shortcuts give what the plain reading gives, on the inputs where a shortcut could slip.

The check factorizes a name or gender column once and hands the distinct texts to the normaliser and to the
error-code test; identifiers are told apart by packed characters rather than by hashing strings. Each test
holds a shortcut to the slow and obvious answer: one cell at a time, or string equality.
"""

from __future__ import annotations

import datetime as dt
import re
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checking.cells import cell_texts, display_value, distinct_texts
from core.checking.check_state import error_cells
from core.checking.genders import normalise_genders
from core.checking.identifiers import _REMOVED_BY_CLEANUP, _char_columns, check_identifiers, value_codes
from core.checking.names import clean_names, split_full_names
from core.reading.table import ERROR_CODES, CellKind

# Cells as the readers give them (value, kind), with text that looks like an error code, blank or odd.
CELLS = [
    ("Mere", CellKind.TEXT),
    ("  Mere ", CellKind.TEXT),
    ("mere", CellKind.TEXT),
    ("Tāne", CellKind.TEXT),
    ("F", CellKind.TEXT),
    ("unknown", CellKind.TEXT),
    ("", CellKind.TEXT),
    ("   ", CellKind.TEXT),
    ("\u3000", CellKind.TEXT),
    ("#N/A", CellKind.TEXT),
    (" #N/A\xa0", CellKind.TEXT),
    ("\t#DIV/0! ", CellKind.TEXT),
    ("#n/a", CellKind.TEXT),
    ("# N/A", CellKind.TEXT),
    ("#hash", CellKind.TEXT),
    ("Smith, John", CellKind.TEXT),
    ("Ludwig van Beethoven", CellKind.TEXT),
    ("#REF!", CellKind.ERROR),
    ("#VALUE!", CellKind.ERROR),
    (7.0, CellKind.NUMBER),
    (2.5, CellKind.NUMBER),
    (True, CellKind.BOOL),
    (dt.date(1990, 3, 4), CellKind.DATE),
    (None, CellKind.EMPTY),
]


def random_column(seed: int, size: int = 300) -> tuple[np.ndarray, np.ndarray]:
    picks = np.random.default_rng(seed).integers(0, len(CELLS), size)
    values = np.empty(size, dtype=object)
    values[:] = [CELLS[i][0] for i in picks]
    return values, np.array([CELLS[i][1] for i in picks], dtype=np.uint8)


def one_by_one(function, values: np.ndarray, kinds: np.ndarray, **options) -> dict[str, list]:
    """Each field of `function`'s result, computed on each cell alone (no factorizing across rows)."""
    rows = [function(values[i : i + 1], kinds[i : i + 1], **options) for i in range(len(values))]
    return {name: [getattr(row, name)[0] for row in rows] for name in vars(rows[0])}


def as_lists(result) -> dict[str, list]:
    return {name: list(array) for name, array in vars(result).items()}


def plain_error_cells(values: np.ndarray, kinds: np.ndarray) -> list[bool]:
    return [
        kind == CellKind.ERROR or (kind == CellKind.TEXT and value.strip() in ERROR_CODES)
        for value, kind in zip(values, kinds, strict=True)
    ]


@pytest.mark.parametrize("seed", range(4))
def test_error_cells_from_distinct_texts_match_a_look_at_each_cell(seed: int) -> None:
    values, kinds = random_column(seed)
    expected = plain_error_cells(values, kinds)
    assert error_cells(values, kinds).tolist() == expected
    assert error_cells(values, kinds, distinct_texts(values, kinds)).tolist() == expected


def test_error_cells_of_a_column_of_text_only_match_a_look_at_each_cell() -> None:
    values = np.array(["Mere", " #N/A ", "#NUM!", "x#", "#NULL! x"], dtype=object)
    kinds = np.full(len(values), CellKind.TEXT, dtype=np.uint8)
    expected = [False, True, True, False, False]
    assert error_cells(values, kinds).tolist() == expected
    assert error_cells(values, kinds, distinct_texts(values, kinds)).tolist() == expected


@pytest.mark.parametrize("seed", range(4))
def test_names_genders_and_full_names_of_a_column_match_each_cell_alone(seed: int) -> None:
    values, kinds = random_column(seed)
    distinct = distinct_texts(values, kinds)
    for function in (clean_names, split_full_names, normalise_genders):
        expected = one_by_one(function, values, kinds)
        dtypes = {name: array.dtype for name, array in vars(function(values[:1], kinds[:1])).items()}
        for result in (function(values, kinds), function(values, kinds, distinct=distinct)):
            assert as_lists(result) == expected, function.__name__
            assert {name: array.dtype for name, array in vars(result).items()} == dtypes, function.__name__


def test_a_column_with_no_text_at_all_gives_empty_results() -> None:
    values = np.array([None, None], dtype=object)
    kinds = np.full(2, CellKind.EMPTY, dtype=np.uint8)
    names = clean_names(values, kinds)
    assert names.missing.tolist() == [True, True] and names.cleaned.tolist() == [None, None]
    assert names.missing.dtype == bool and names.cleaned.dtype == object
    genders = normalise_genders(values, kinds)
    assert genders.missing.tolist() == [True, True] and genders.unrecognised.tolist() == [False, False]


# --- identifiers told apart by packed characters ----------------------------------------------------------

TRICKY_IDS = [
    "ABC1234",
    "ABC1234",
    "ABC1234\x00",  # looks like ABC1234 in the character columns
    "ABC\x001234",
    "ABCDEFGHI",
    "ABCDEFGHIJ",  # the same first nine characters
    "ABCDEFGHIK",
    "ABCDEFGHIJKLMNOP",
    "ABCDEFGHIJKLMNOQ",
    "ĀBC1234",  # non-ASCII characters all show as 127
    "ŌBC1234",
    "ŌBC1234",
    "049091850",
    "",
]


def same_partition(codes: np.ndarray, strings: list[str]) -> bool:
    """Codes split the rows exactly as string equality does."""
    expected, _ = pd.factorize(np.asarray(strings, dtype=object))
    pairs = {(int(a), int(b)) for a, b in zip(codes, expected, strict=True)}
    return len(pairs) == len(set(expected.tolist())) == len(set(codes.tolist()))


def test_packed_codes_tell_apart_strings_that_pack_alike() -> None:
    strings = np.array(TRICKY_IDS, dtype=object)
    codes = value_codes(strings, _char_columns(strings))
    assert same_partition(codes, TRICKY_IDS)
    assert codes.min() >= 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(["A", "B", "1", "\x00", "Ā", "Ō"]), max_size=11), max_size=30)
)
def test_packed_codes_split_rows_as_string_equality_does(strings: list[str]) -> None:
    array = np.array(strings, dtype=object)
    assert same_partition(value_codes(array, _char_columns(array)), strings)


@pytest.mark.parametrize("id_type", ["NHI", "IRD", "SWN", "OTHER"])
def test_identifier_codes_follow_the_normalised_values(id_type: str) -> None:
    values = np.array(
        [
            "49091850",
            "049-091-850",
            "049091850",
            "ZZZ0016",
            "zzz 0016",
            "ABC1234\x00",
            "ABC1234",
            None,
            "  ",
            "136410132",
            "1364101320",
        ],
        dtype=object,
    )
    kinds = np.array([CellKind.EMPTY if v is None else CellKind.TEXT for v in values], dtype=np.uint8)
    result = check_identifiers(values, kinds, id_type)
    absent = np.equal(result.normalised, None)
    assert (result.codes[absent] == -1).all()
    present = np.flatnonzero(~absent)
    assert same_partition(result.codes[present], result.normalised[present].tolist())


SPACES = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]


def test_the_identifier_clean_up_takes_away_every_space_strip_takes_away() -> None:
    """Why an error code with spaces around cleans to the code itself (so only "#..." values are tested)."""
    assert all(space.upper() == space for space in SPACES)
    assert all(re.fullmatch(_REMOVED_BY_CLEANUP, space) for space in SPACES)


@pytest.mark.parametrize("id_type", ["NHI", "IRD", "SWN", "OTHER"])
def test_identifier_error_codes_match_a_look_at_each_cell(id_type: str) -> None:
    cells = [
        *((space * 6 + code + space, CellKind.TEXT) for space in SPACES for code in ERROR_CODES[:2]),
        *((code, CellKind.TEXT) for code in ERROR_CODES),
        *((code, CellKind.ERROR) for code in ERROR_CODES),
        ("#n/a", CellKind.TEXT),
        ("# N/A", CellKind.TEXT),
        ("-#N/A-", CellKind.TEXT),
        ("#N/A1", CellKind.TEXT),
        ("ABC1234", CellKind.TEXT),
        ("  abc-1234 ", CellKind.TEXT),
        (None, CellKind.EMPTY),
        (7.0, CellKind.NUMBER),
    ]
    values = np.empty(len(cells), dtype=object)
    values[:] = [value for value, _ in cells]
    kinds = np.array([kind for _, kind in cells], dtype=np.uint8)
    result = check_identifiers(values, kinds, id_type)
    text = kinds == CellKind.TEXT
    assert (result.error_code == (text & np.array(plain_error_cells(values, kinds)))).all()
    assert result.error_code[: 2 * len(SPACES) + len(ERROR_CODES)].all()


def test_cells_show_as_the_same_text_in_the_rules_and_in_what_people_read() -> None:
    """A date, a number or TRUE where text was expected reads the same in a rule's input and in an issue."""
    cells = [
        ("Aroha", CellKind.TEXT),
        (7.0, CellKind.NUMBER),
        (7.5, CellKind.NUMBER),
        (True, CellKind.BOOL),
        (False, CellKind.BOOL),
        (dt.date(1985, 4, 3), CellKind.DATE),
        (dt.datetime(1985, 4, 3), CellKind.DATE),
        (dt.datetime(1985, 4, 3, 9, 30), CellKind.DATE),
        ("#N/A", CellKind.ERROR),
        (None, CellKind.EMPTY),
    ]
    values = np.array([value for value, _ in cells], dtype=object)
    kinds = np.array([kind for _, kind in cells], dtype=np.uint8)
    texts = cell_texts(values, kinds).tolist()
    assert texts == [display_value(value) for value, _ in cells]
    assert texts[3:8] == ["TRUE", "FALSE", "1985-04-03", "1985-04-03", "1985-04-03 09:30:00"]

"""Shared helpers for the column normalisers: cells as text, and working on distinct values only.

Every normaliser takes one column as read (`values` object array + `kinds` uint8 array of `CellKind`).
Real columns repeat a lot (genders, dates, first names), so the costly string work is done once per
distinct value and mapped back to the rows through the factorize codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.reading.table import ERROR_CODES, CellKind

# Floats hold every whole number up to 2**53 exactly; beyond that a cell's text comes from the value itself.
_EXACT_FLOAT_LIMIT = float(2**53)


def kind_mask(kinds: np.ndarray, kind: CellKind) -> np.ndarray:
    """Rows of the column whose cell is of this kind."""
    return np.asarray(kinds, dtype=np.uint8) == np.uint8(kind)


def number_texts(numbers: np.ndarray) -> np.ndarray:
    """The text a person sees for number cells: 7.0 -> "7", 49091850.0 -> "49091850", 7.5 -> "7.5"."""
    floats = np.asarray(numbers, dtype=float)
    texts = np.empty(len(floats), dtype=object)
    whole = np.isfinite(floats) & (np.floor(floats) == floats) & (np.abs(floats) < _EXACT_FLOAT_LIMIT)
    texts[whole] = list(map(str, floats[whole].astype(np.int64).tolist()))
    rest = np.flatnonzero(~whole)
    if len(rest):
        # Rare: fractions, huge integers (exact through int), nan and inf.
        texts[rest] = [_rare_number_text(value) for value in np.asarray(numbers, dtype=object)[rest]]
    return texts


def _rare_number_text(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # type: ignore[arg-type]


def cell_texts(values: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Every cell as the text it shows (not trimmed); None for EMPTY cells.

    TEXT and ERROR cells are their text, NUMBER cells their whole-number text where whole, BOOL cells
    TRUE/FALSE, DATE cells their ISO date. Used wherever a rule works on text (names, genders, identifiers).
    """
    values = np.asarray(values, dtype=object)
    kinds = np.asarray(kinds, dtype=np.uint8)
    as_is = kind_mask(kinds, CellKind.TEXT) | kind_mask(kinds, CellKind.ERROR)
    if as_is.all():  # the usual column: every cell is text already
        return values.copy()
    texts = np.full(len(values), None, dtype=object)
    texts[as_is] = values[as_is]
    numbers = kind_mask(kinds, CellKind.NUMBER)
    if numbers.any():
        texts[numbers] = number_texts(values[numbers])
    rare = np.flatnonzero(kind_mask(kinds, CellKind.BOOL) | kind_mask(kinds, CellKind.DATE))
    texts[rare] = [display_value(value) for value in values[rare]]  # a date or TRUE where text was expected
    return texts


def display_value(value: Any) -> str | None:
    """One cell as the short text people read, in issues, JSON, the window and the extract.

    Dates as ISO (with the time only when there is one), whole numbers without ".0", TRUE/FALSE as
    spreadsheets show them, anything else as its text; None for an empty cell.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def error_code_texts(texts: np.ndarray) -> np.ndarray:
    """Which strings are exactly a spreadsheet error code (#N/A, #REF!, ...) once trimmed.

    Every code starts with "#", so strings holding no "#" at all (nearly every column) are settled by one
    search over the joined text instead of a look at each string.
    """
    if not len(texts) or "#" not in "\x00".join(texts):
        return np.zeros(len(texts), dtype=bool)
    stripped = np.strings.strip(np.asarray(texts, dtype=np.dtypes.StringDType()))
    return np.isin(stripped, np.array(ERROR_CODES, dtype=np.dtypes.StringDType()))


def none_mask(texts: np.ndarray) -> np.ndarray:
    """Rows holding no value at all (None)."""
    return np.equal(np.asarray(texts, dtype=object), None)


def factorize_strings(strings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) for an object array of str: strings[i] == uniques[codes[i]]."""
    codes, uniques = pd.factorize(np.asarray(strings, dtype=object))
    return codes, np.asarray(uniques, dtype=object)


@dataclass(frozen=True)
class DistinctTexts:
    """A column's cell texts as codes into its distinct texts, so that work is done once per distinct text.

    Factorizing hashes every cell, which makes it the costly pass over a column; the check makes it once per
    column and hands it both to the normaliser and to its test for spreadsheet error codes.
    """

    codes: np.ndarray  # intp per row: the row's text is uniques[code]; -1 where the cell shows no text
    uniques: np.ndarray  # object: each distinct text once, in the order first seen

    def spread(self, per_distinct: np.ndarray, absent: object) -> np.ndarray:
        """Per-row values from one value per distinct text, `absent` on the rows with no text."""
        # A code of -1 indexes the last element: the `absent` value put after the per-distinct ones.
        ending = np.array([absent], dtype=per_distinct.dtype)
        return np.concatenate([per_distinct, ending])[self.codes]


def row_of_each(codes: np.ndarray, count: int) -> np.ndarray:
    """A row holding each code 0 .. count-1, where every code is held by some row (-1 rows are passed over).

    Which row, when several hold a code, is not said: callers want any one representative.
    """
    rows = np.flatnonzero(codes >= 0)
    found = np.empty(count, dtype=np.intp)
    found[codes[rows]] = rows
    return found


def distinct_texts(values: np.ndarray, kinds: np.ndarray) -> DistinctTexts:
    """The `cell_texts` of a column, factorized: EMPTY cells (None) get the code -1, as pandas codes missing."""
    values = np.asarray(values, dtype=object)
    kinds = np.asarray(kinds, dtype=np.uint8)
    # A column of text cells is its own texts: hashed as it is, with no copy first.
    texts = values if kind_mask(kinds, CellKind.TEXT).all() else cell_texts(values, kinds)
    codes, uniques = pd.factorize(texts)
    return DistinctTexts(codes, np.asarray(uniques, dtype=object))


def for_each_distinct(
    distinct: DistinctTexts,
    work: Callable[[pd.Series], dict[str, np.ndarray]],
    absent: Mapping[str, object],
) -> dict[str, np.ndarray]:
    """Run `work` once on the distinct texts and spread each result over the rows (`absent[name]` where a
    cell shows no text)."""
    if not len(distinct.uniques):  # no text at all: nothing to work on
        rows = len(distinct.codes)
        return {
            name: np.full(rows, value, dtype=None if value is not None else object)
            for name, value in absent.items()
        }
    results = work(pd.Series(distinct.uniques, dtype=object))
    return {name: distinct.spread(np.asarray(result), absent[name]) for name, result in results.items()}


def on_distinct(
    strings: np.ndarray, work: Callable[[pd.Series], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Run `work` once on the distinct strings and spread each of its result arrays back over the rows."""
    codes, uniques = factorize_strings(strings)
    results = work(pd.Series(uniques, dtype=object))
    return {name: np.asarray(result)[codes] for name, result in results.items()}


# Combining marks of the Latin, extended and symbol blocks: what NFKD splits a macron or accent into.
_COMBINING_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


def fold_series(texts: pd.Series) -> pd.Series:
    """Casefold and drop macrons and accents ("Tāne" -> "tane"), trim and collapse inner whitespace."""
    folded = texts.astype(object).str.normalize("NFKD").str.replace(_COMBINING_MARKS, "", regex=True)
    return folded.str.casefold().str.strip().str.replace(r"\s+", " ", regex=True)

"""Reading a column of dates the way New Zealanders write them, vectorised, without guessing per value.

Real date cells are taken as they are. Number cells (and digits-only text) are spreadsheet serials, or
YYYYMMDD when they have eight digits. Text is read by a short list of explicit formats (`_FORMATS`, tried in
order), only once per distinct value: a numpy scanner (`normalise_dates_scan`) reads the common shapes and the
rest goes through the formats' regexes; the day, month and year found are then checked with numpy (31/04 and
29/02/2023 are no days). Day-first is the default; a value that only makes sense the other way round is read
that way and flagged. pandas' format="mixed" is never used: it swaps ISO dates and silently reads 05/13/2015
month-first (see design.md).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.checking.cells import kind_mask, on_distinct
from core.checking.date_text_scan import (
    DAY_MONTH_YEAR,
    DAY_NAME_YEAR,
    DIGITS,
    FORMAT_NAMES,
    MAX_TOKENS,
    MONTH_NUMBERS,
    NAME_DAY_YEAR,
    UNCLAIMED,
    YEAR_MONTH_DAY,
    Tokens,
    scan_date_texts,
)
from core.errors import InputError
from core.reading.table import CellKind

DATE_ORDERS = ("day_first", "month_first")
SERIAL_MAX = 80_000  # 80,000 is 11 January 2119: anything larger is not a date serial
FAKE_LEAP_DAY_SERIAL = 60  # the 1900 system's 29 February 1900, a day that never was: unreadable
_SERIAL_EPOCH = np.datetime64("1899-12-30", "D")  # serial 61 and later count from here
_EARLY_SERIAL_EPOCH = np.datetime64("1899-12-31", "D")  # serials 1 to 59 (before the fake leap day)
_NAT = np.datetime64("NaT", "D")
_YEAR_MIN, _YEAR_MAX = 1000, 9999

# A time after the date ("2020-01-01 00:00:00", "3/4/1985 12:00 pm", "2020-01-01T10:00:00Z") is dropped.
_TIME_PART = (
    r"(?:(?<=[0-9])T|,?\s+)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:Z|UTC|[+-][0-9]{2}:?[0-9]{2}))?\Z"
)
_SEP = r"\s*(?P<sep>[-/.])\s*"
_SAME_SEP = r"\s*(?P=sep)\s*"
_LOOSE = r"[\s\-/.,]*"
_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH_WORD = r"(?P<mon>[^\W\d_]+)\.?"
_YEAR = r"(?P<y>[0-9]{4}|[0-9]{2})"

# Every supported way of writing a date, tried in this order (the same order as the scanner's FORMAT_NAMES).
# Month words and ordinals match in any case.
_FORMATS = {
    # a serial (35181) or YYYYMMDD (19850403)
    "digits": r"(?P<digits>[0-9]+)",
    # ISO 1985-04-03, 1985/4/3: never swapped
    "year_month_day": rf"(?P<y>[0-9]{{4}}){_SEP}(?P<m>[0-9]{{1,2}}){_SAME_SEP}(?P<d>[0-9]{{1,2}})",
    # 3/4/1985, 03-04-85, 3.4.1985: day first, or month first where only that makes sense
    "day_month_year": rf"(?P<a>[0-9]{{1,2}}){_SEP}(?P<b>[0-9]{{1,2}}){_SAME_SEP}{_YEAR}",
    # 3 Apr 1985, 3-April-85, 3rd April 1985
    "day_name_year": rf"(?P<d>[0-9]{{1,2}}){_ORDINAL}{_LOOSE}{_MONTH_WORD}{_LOOSE}{_YEAR}",
    # April 3, 1985
    "name_day_year": rf"{_MONTH_WORD}{_LOOSE}(?P<d>[0-9]{{1,2}}){_ORDINAL}[\s\-/.,]+{_YEAR}",
    # 1985-Apr-03, 1985 April 3
    "year_name_day": rf"(?P<y>[0-9]{{4}}){_LOOSE}{_MONTH_WORD}{_LOOSE}(?P<d>[0-9]{{1,2}})",
}

# The parts of each format in the order they are written (the scanner's runs).
_FORMAT_GROUPS = {
    "digits": ("digits",),
    "year_month_day": ("y", "m", "d"),
    "day_month_year": ("a", "b", "y"),
    "day_name_year": ("d", "mon", "y"),
    "name_day_year": ("mon", "d", "y"),
    "year_name_day": ("y", "mon", "d"),
}
if tuple(_FORMATS) != FORMAT_NAMES or tuple(_FORMAT_GROUPS) != FORMAT_NAMES:
    raise RuntimeError("the regex formats and the scanner's formats must be the same list, in the same order")


def _prefixed(name: str, pattern: str) -> str:
    """The pattern with its group names prefixed by the format's name, so all formats fit in one regex."""
    return re.sub(r"\(\?P([<=])(\w+)", rf"(?P\1{name}__\2", pattern)


# One pass of one regex over the distinct texts; the alternatives are the formats, in order.
_ANY_FORMAT = "(?i)^(?:" + "|".join(f"(?:{_prefixed(n, p)})" for n, p in _FORMATS.items()) + r")\Z"


@dataclass(frozen=True)
class DateColumn:
    """Per-row results of reading one date column (every array has one element a row)."""

    dates: np.ndarray  # datetime64[D]: the date read, NaT where there is none
    empty: np.ndarray  # bool: empty cell or only spaces
    unreadable: np.ndarray  # bool: date_unreadable (a non-empty value that is no date)
    month_first: np.ndarray  # bool: date_month_first (text read in the order opposite to date_order)
    from_number: np.ndarray  # bool: date_from_number (a whole number 1..80,000 read as a 1900-system serial)


def parse_dates(
    values: np.ndarray, kinds: np.ndarray, *, date_order: str = "day_first", as_of: datetime.date
) -> DateColumn:
    """Read a column of dates: date cells as they are, numbers as serials or YYYYMMDD, text by explicit formats.

    With date_order="month_first" text dates are read month-first and a value that only makes sense day-first
    is read that way and flagged in `month_first` (the flag means "read in the other order").
    """
    if date_order not in DATE_ORDERS:
        raise InputError(f"The date order {date_order!r} is not known: use day_first or month_first.")
    values = np.asarray(values, dtype=object)
    kinds = np.asarray(kinds, dtype=np.uint8)
    n = len(values)
    dates = np.full(n, _NAT, dtype="datetime64[D]")
    empty = kind_mask(kinds, CellKind.EMPTY)
    month_first = np.zeros(n, dtype=bool)
    from_number = np.zeros(n, dtype=bool)

    rows = np.flatnonzero(kind_mask(kinds, CellKind.DATE))
    dates[rows] = _date_cells(values[rows])

    rows = np.flatnonzero(kind_mask(kinds, CellKind.NUMBER))
    dates[rows], from_number[rows] = _number_cells(values[rows])

    rows = np.flatnonzero(kind_mask(kinds, CellKind.TEXT))
    if len(rows):
        day_first = date_order == "day_first"
        read = on_distinct(values[rows], lambda texts: _read_texts(texts, day_first, as_of.year))
        dates[rows] = read["dates"]
        empty[rows] = read["blank"]
        month_first[rows] = read["swapped"]
        from_number[rows] = read["from_number"]

    unreadable = ~empty & np.isnat(dates)
    return DateColumn(dates, empty, unreadable, month_first, from_number)


def _date_cells(cells: np.ndarray) -> np.ndarray:
    """Real date and date-time cells as days (the time of day dropped)."""
    if not len(cells):
        return np.zeros(0, dtype="datetime64[D]")
    try:
        return np.asarray(pd.to_datetime(cells, errors="coerce").to_numpy(), dtype="datetime64[D]")
    except (TypeError, ValueError, OverflowError):
        # Something that is not a date (a time of day, a duration) or time zones among them: the rare slow way.
        return np.array([_one_date(cell) for cell in cells], dtype="datetime64[D]")


def _one_date(cell: object) -> np.datetime64:
    if isinstance(cell, datetime.datetime):
        return np.datetime64(cell.date(), "D")
    if isinstance(cell, datetime.date):
        return np.datetime64(cell, "D")
    return _NAT


def _number_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dates, from_number) for number cells: serials 1..80,000 (flagged), else an 8-digit YYYYMMDD."""
    numbers = np.asarray(cells, dtype=float)
    whole = np.isfinite(numbers) & (np.floor(numbers) == numbers) & (np.abs(numbers) < 1e15)
    wholes = np.where(whole, numbers, -1).astype(np.int64)
    digit_count = np.where((wholes >= 10_000_000) & (wholes <= 99_999_999), 8, 0)
    return _digits_as_date(wholes, digit_count)


def _serials(wholes: np.ndarray) -> np.ndarray:
    """1900-system serials as dates: 1 is 1 Jan 1900, 59 is 28 Feb, 60 (the fake 29 Feb) is NaT, 61 is 1 Mar."""
    early = (wholes >= 1) & (wholes < FAKE_LEAP_DAY_SERIAL)
    late = (wholes > FAKE_LEAP_DAY_SERIAL) & (wholes <= SERIAL_MAX)
    offsets = np.where(early | late, wholes, 0).astype("timedelta64[D]")
    dates = np.where(early, _EARLY_SERIAL_EPOCH + offsets, _SERIAL_EPOCH + offsets)
    return np.where(early | late, dates, _NAT)


def _compose(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Dates from parts (int arrays); NaT where the parts name no real day (31/04, 29/02/2023, month 13)."""
    years, months, days = (np.asarray(part, dtype=np.int64) for part in (years, months, days))
    ok = (years >= _YEAR_MIN) & (years <= _YEAR_MAX) & (months >= 1) & (months <= 12) & (days >= 1)
    month_index = np.where(ok, (years - 1970) * 12 + (months - 1), 0)
    month_start = month_index.astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]")
    month_length = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    ok &= days <= month_length
    return np.where(ok, first_day + np.where(ok, days - 1, 0).astype("timedelta64[D]"), _NAT)


def _pivot_years(years: np.ndarray, digits: np.ndarray, as_of_year: int) -> np.ndarray:
    """Two-digit years to the latest year ending in them that is not after as_of's year (26 -> 2026, 27 -> 1927)."""
    century = as_of_year // 100 * 100
    pivoted = century + years
    pivoted = np.where(pivoted > as_of_year, pivoted - 100, pivoted)
    return np.where(digits == 2, pivoted, years)


def _read_texts(texts: pd.Series, day_first: bool, as_of_year: int) -> dict[str, np.ndarray]:
    """Read distinct date texts: each by the first format that fits it; NaT where none fits or the day is unreal.

    The numpy scanner reads the common shapes; what it leaves goes through the regex formats.
    """
    prepared = texts.astype(object).str.strip()
    blank = (prepared == "").to_numpy(dtype=bool)
    tokens = scan_date_texts(prepared.to_numpy(dtype=object))
    left = np.flatnonzero((tokens.formats == UNCLAIMED) & ~blank)
    if len(left):  # a time of day, an ordinal, unusual spacing or characters, or no date at all
        _fill(tokens, left, _read_odd_texts(_without_time(prepared.iloc[left])))
    dates, swapped, from_number = _dates_from_tokens(tokens, day_first, as_of_year)
    return {"dates": dates, "blank": blank, "swapped": swapped, "from_number": from_number}


def _read_odd_texts(texts: pd.Series) -> Tokens:
    """Texts the scanner left: scanned again once a time of day is dropped, the rest by the regex formats."""
    tokens = scan_date_texts(texts.to_numpy(dtype=object))
    left = np.flatnonzero(tokens.formats == UNCLAIMED)
    if len(left):
        _fill(tokens, left, _match_formats(texts.iloc[left]))
    return tokens


def _fill(tokens: Tokens, rows: np.ndarray, found: Tokens) -> None:
    tokens.formats[rows] = found.formats
    tokens.values[:, rows] = found.values
    tokens.lengths[:, rows] = found.lengths


def _without_time(texts: pd.Series) -> pd.Series:
    """Drop a time of day after the date ("2020-01-01 00:00:00" -> "2020-01-01")."""
    timed = texts.str.contains(":", regex=False).fillna(False).to_numpy(dtype=bool)
    if timed.any():
        texts = texts.copy()
        texts[timed] = texts[timed].str.replace(_TIME_PART, "", regex=True)
    return texts


def _match_formats(texts: pd.Series) -> Tokens:
    """The reference reading: the regex formats, in order, as tokens in order of appearance."""
    parts = texts.str.extract(_ANY_FORMAT)
    n = len(texts)
    formats = np.full(n, UNCLAIMED, dtype=np.int8)
    values = np.full((MAX_TOKENS, n), -1, dtype=np.int64)
    lengths = np.zeros((MAX_TOKENS, n), dtype=np.int64)
    for format_id, (name, groups) in enumerate(_FORMAT_GROUPS.items()):
        found = parts[f"{name}__{groups[0]}"].notna().to_numpy()
        rows = np.flatnonzero(found & (formats == UNCLAIMED))
        formats[rows] = format_id
        for slot, group in enumerate(groups):
            column = parts[f"{name}__{group}"].iloc[rows]
            values[slot, rows] = _month_numbers(column) if group == "mon" else _ints(column)
            lengths[slot, rows] = column.str.len().to_numpy(dtype=np.int64)
    return Tokens(formats, values, lengths)


def _ints(column: pd.Series) -> np.ndarray:
    """A column of digit strings as int64 (-1 where absent or too long to be a date part)."""
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(numbers) & (numbers < 1e15), numbers, -1).astype(np.int64)


def _month_numbers(words: pd.Series) -> np.ndarray:
    return words.str.casefold().map(MONTH_NUMBERS).fillna(-1).to_numpy(dtype=np.int64)


def _dates_from_tokens(tokens: Tokens, day_first: bool, as_of_year: int) -> tuple[np.ndarray, ...]:
    """(dates, swapped, from_number) from each text's format and its runs."""
    n = len(tokens.formats)
    dates = np.full(n, _NAT, dtype="datetime64[D]")
    swapped = np.zeros(n, dtype=bool)
    from_number = np.zeros(n, dtype=bool)
    for format_id in range(len(FORMAT_NAMES)):
        rows = np.flatnonzero(tokens.formats == format_id)
        if not len(rows):
            continue
        (t0, t1, t2), (l0, l2) = tokens.values[:, rows], tokens.lengths[[0, 2]][:, rows]
        if format_id == DIGITS:
            dates[rows], from_number[rows] = _digits_as_date(t0, l0)
        elif format_id == YEAR_MONTH_DAY:
            dates[rows] = _compose(t0, t1, t2)
        elif format_id == DAY_MONTH_YEAR:
            dates[rows], swapped[rows] = _day_month_either_way(
                t0, t1, _pivot_years(t2, l2, as_of_year), day_first
            )
        elif format_id == DAY_NAME_YEAR:
            dates[rows] = _compose(_pivot_years(t2, l2, as_of_year), t1, t0)
        elif format_id == NAME_DAY_YEAR:
            dates[rows] = _compose(_pivot_years(t2, l2, as_of_year), t0, t1)
        else:  # YEAR_NAME_DAY
            dates[rows] = _compose(t0, t1, t2)
    return dates, swapped, from_number


def _digits_as_date(number: np.ndarray, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eight digits that make a real day are YYYYMMDD; otherwise a whole number 1..80,000 is a serial."""
    compact = _compose(number // 10_000, number // 100 % 100, number % 100)
    compact = np.where(digits == 8, compact, _NAT)
    serials = _serials(np.where(np.isnat(compact), number, -1))
    return np.where(np.isnat(compact), serials, compact), ~np.isnat(serials)


def _day_month_either_way(first: np.ndarray, second: np.ndarray, years: np.ndarray, day_first: bool):
    """Read in the preferred order; a value that only makes sense the other way round is read so and flagged."""
    as_day_first, as_month_first = _compose(years, second, first), _compose(years, first, second)
    preferred, other = (as_day_first, as_month_first) if day_first else (as_month_first, as_day_first)
    swapped = np.isnat(preferred) & ~np.isnat(other)
    return np.where(swapped, other, preferred), swapped

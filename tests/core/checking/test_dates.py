"""The date reader: spreadsheet cells, serials, every supported text format, day-first with month-first flagged,
two-digit years, and the edges (29 Feb, 31/04, 1 Jan 1900). Property tests write random dates every supported
way and read them back, and check that the numpy scanner and the reference regex formats agree."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.checking.date_text_scan import UNCLAIMED, scan_date_texts
from core.checking.dates import _match_formats, parse_dates
from core.errors import InputError
from core.reading.table import CellKind

AS_OF = datetime.date(2026, 11, 1)
APRIL_3_1985 = datetime.date(1985, 4, 3)
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


def kind_of(value: object) -> CellKind:
    if value is None:
        return CellKind.EMPTY
    if isinstance(value, str):
        return CellKind.TEXT
    if isinstance(value, bool):
        return CellKind.BOOL
    if isinstance(value, (int, float)):
        return CellKind.NUMBER
    return CellKind.DATE


def read(*values: object, date_order: str = "day_first", as_of: datetime.date = AS_OF):
    kinds = np.array([kind_of(v) for v in values], dtype=np.uint8)
    return parse_dates(np.array(values, dtype=object), kinds, date_order=date_order, as_of=as_of)


def day(result, row: int = 0) -> datetime.date | None:
    value = result.dates[row]
    return None if np.isnat(value) else value.astype(datetime.date)


# --- text formats -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3/4/1985", "03/04/1985", "03-04-85", "3.4.1985", "3 Apr 1985", "3 April 1985", "3-Apr-1985",
        "1985-04-03", "1985/04/03", "3 Apr 85", "  3 apr 1985  ", "3 APRIL 1985", "03-APR-85", "3rd April 1985",
        "April 3, 1985", "Apr 3 1985", "1985-Apr-03", "1985 April 3", "19850403", "3 / 4 / 1985", "3Apr1985", "3rdApr1985",
    ],
)  # fmt: skip
def test_supported_text_formats_read_day_first(text: str) -> None:
    result = read(text)
    assert day(result) == APRIL_3_1985
    assert not (result.unreadable[0] or result.month_first[0] or result.from_number[0] or result.empty[0])


@pytest.mark.parametrize(
    "text",
    [
        "2020-01-01 00:00:00",
        "2020-01-01T10:30:00Z",
        "1/1/2020 12:00",
        "01/01/2020 9:15 pm",
        "1 Jan 2020, 10:00",
    ],
)
def test_text_with_a_time_part_reads_as_the_date(text: str) -> None:
    assert day(read(text)) == datetime.date(2020, 1, 1)


def test_iso_dates_are_never_swapped() -> None:
    assert day(read("2015-04-09")) == datetime.date(2015, 4, 9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12/25/2001", (2001, 12, 25)), ("05/13/2015", (2015, 5, 13)), ("11/14/1984", (1984, 11, 14))],
)
def test_date_that_only_makes_sense_month_first_is_read_so_and_flagged(text: str, expected: tuple) -> None:
    result = read(text)
    assert day(result) == datetime.date(*expected)
    assert result.month_first[0] and not result.unreadable[0]


def test_day_over_twelve_first_is_plain_day_first() -> None:
    result = read("13/05/1990")
    assert day(result) == datetime.date(1990, 5, 13) and not result.month_first[0]


@pytest.mark.parametrize(
    "text", ["29/02/1900", "29/02/2023", "31/04/2020", "32/01/2001", "31/02/1990", "1990-13-05", "00/01/2000"]
)
def test_days_that_do_not_exist_are_unreadable(text: str) -> None:
    result = read(text)
    assert result.unreadable[0] and np.isnat(result.dates[0]) and not result.month_first[0]


@pytest.mark.parametrize(
    "text", ["abc", "3 Abc 1985", "Apr 1985", "3/4-1985", "1/2/345", "3/4/1985.", "-3/4/1985", "1/1/0001"]
)
def test_text_that_is_no_date_is_unreadable(text: str) -> None:
    assert read(text).unreadable[0]


def test_leap_day_of_a_leap_year_reads() -> None:
    assert day(read("29/02/2000")) == datetime.date(2000, 2, 29)


def test_first_of_january_1900_reads() -> None:
    assert day(read("1 Jan 1900")) == datetime.date(1900, 1, 1)


def test_date_before_1900_reads() -> None:
    assert day(read("04/02/1899")) == datetime.date(1899, 2, 4)


@pytest.mark.parametrize(
    ("text", "year"),
    [("1/1/26", 2026), ("31/12/26", 2026), ("1/1/27", 1927), ("3 Apr 85", 1985), ("3-4-00", 2000)],
)
def test_two_digit_years_are_never_after_the_as_of_year(text: str, year: int) -> None:
    assert day(read(text)).year == year


def test_month_first_order_reads_ambiguous_dates_month_first() -> None:
    result = read("03/04/1985", "3 Apr 1985", "1985-04-03", date_order="month_first")
    assert [day(result, i) for i in range(3)] == [datetime.date(1985, 3, 4), APRIL_3_1985, APRIL_3_1985]
    assert not result.month_first.any()


def test_month_first_order_flags_a_date_that_only_makes_sense_day_first() -> None:
    result = read("13/05/1990", date_order="month_first")
    assert day(result) == datetime.date(1990, 5, 13) and result.month_first[0]


def test_unknown_date_order_is_an_input_error() -> None:
    with pytest.raises(InputError, match="day_first or month_first"):
        read("3/4/1985", date_order="year_first")


# --- cells of other kinds ---------------------------------------------------------------------------------


def test_date_cells_are_taken_as_they_are() -> None:
    result = read(
        datetime.date(1985, 4, 3), datetime.datetime(1950, 1, 1, 23, 59), datetime.datetime(2030, 6, 1)
    )
    assert [day(result, i) for i in range(3)] == [
        APRIL_3_1985,
        datetime.date(1950, 1, 1),
        datetime.date(2030, 6, 1),
    ]
    assert not (result.unreadable | result.month_first | result.from_number).any()


def test_date_column_with_a_time_of_day_cell_reads_the_dates_and_not_the_time() -> None:
    result = read(datetime.date(1985, 4, 3), datetime.time(10, 30))
    assert day(result, 0) == APRIL_3_1985 and result.unreadable[1]


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, (1900, 1, 1)),
        (59, (1900, 2, 28)),
        (61, (1900, 3, 1)),
        (35181.0, (1996, 4, 26)),
    ],
)
def test_whole_numbers_read_as_1900_system_serials(serial: float, expected: tuple) -> None:
    result = read(serial)
    assert day(result) == datetime.date(*expected)
    assert result.from_number[0] and not result.unreadable[0]


def test_serial_agrees_with_counting_days_from_30_december_1899() -> None:
    result = read(*[float(n) for n in range(61, 80_001, 997)])
    expected = [datetime.date(1899, 12, 30) + datetime.timedelta(days=n) for n in range(61, 80_001, 997)]
    assert [day(result, i) for i in range(len(expected))] == expected


def test_80000_is_the_last_number_read_as_a_serial() -> None:
    result = read(80_000, 80_001)
    assert list(result.from_number) == [True, False] and list(result.unreadable) == [False, True]


def test_serial_60_the_fake_29_february_1900_is_unreadable() -> None:
    result = read(60)
    assert result.unreadable[0] and not result.from_number[0]


@pytest.mark.parametrize("number", [0, -5.0, 35181.5, 80_001, float("nan"), float("inf"), 1e300])
def test_numbers_that_are_no_serial_are_unreadable(number: float) -> None:
    result = read(number)
    assert result.unreadable[0] and not result.from_number[0]


def test_digits_only_text_reads_as_a_serial_and_is_flagged() -> None:
    result = read("35181")
    assert day(result) == datetime.date(1996, 4, 26) and result.from_number[0]


@pytest.mark.parametrize("value", ["19850403", 19850403.0, 19850403])
def test_eight_digit_yyyymmdd_reads_without_the_number_note(value: object) -> None:
    result = read(value)
    assert day(result) == APRIL_3_1985 and not result.from_number[0]


def test_eight_digit_value_that_is_no_day_is_unreadable() -> None:
    assert read("19851303").unreadable[0] and read(19851303.0).unreadable[0]


def test_empty_and_blank_cells_are_empty_not_unreadable() -> None:
    result = read(None, "", "   ")
    assert result.empty.all() and not result.unreadable.any()


@pytest.mark.parametrize("value", [True, "#N/A"])
def test_boolean_and_error_cells_are_unreadable(value: object) -> None:
    kinds = np.array([CellKind.ERROR if value == "#N/A" else CellKind.BOOL], dtype=np.uint8)
    result = parse_dates(np.array([value], dtype=object), kinds, as_of=AS_OF)
    assert result.unreadable[0]


def test_repeated_values_get_the_same_reading_on_every_row() -> None:
    result = read("12/25/2001", "3/4/1985", "12/25/2001", None, "3/4/1985")
    assert list(result.month_first) == [True, False, True, False, False]
    assert day(result, 2) == datetime.date(2001, 12, 25) and day(result, 4) == APRIL_3_1985


def test_empty_column_gives_empty_arrays() -> None:
    result = parse_dates(np.array([], dtype=object), np.array([], dtype=np.uint8), as_of=AS_OF)
    assert result.dates.dtype == np.dtype("datetime64[D]") and len(result.unreadable) == 0


# --- properties -------------------------------------------------------------------------------------------

dates_st = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))


def pad(number: int, padded: bool) -> str:
    return f"{number:02d}" if padded else str(number)


def month_word(d: datetime.date, full: bool, case: str) -> str:
    word = MONTHS[d.month - 1] if full else MONTHS[d.month - 1][:3]
    return {"lower": word.lower(), "upper": word.upper(), "title": word}[case]


def two_digit_year_reads_back(d: datetime.date) -> bool:
    return AS_OF.year - 99 <= d.year <= AS_OF.year


@st.composite
def written_dates(draw) -> tuple[datetime.date, str]:
    """A date and one way of writing it that the reader supports (day-first where the order matters)."""
    d = draw(dates_st)
    pd_, pm = draw(st.booleans()), draw(st.booleans())
    short_year = draw(st.booleans()) and two_digit_year_reads_back(d)
    year = f"{d.year % 100:02d}" if short_year else str(d.year)
    word = month_word(d, draw(st.booleans()), draw(st.sampled_from(["lower", "upper", "title"])))
    sep = draw(st.sampled_from("/-."))
    shape = draw(st.sampled_from(["dmy", "iso", "day_name", "name_day", "year_name", "compact"]))
    text = {
        "dmy": f"{pad(d.day, pd_)}{sep}{pad(d.month, pm)}{sep}{year}",
        "iso": f"{d.year}{sep}{pad(d.month, pm)}{sep}{pad(d.day, pd_)}",
        "day_name": f"{pad(d.day, pd_)}{draw(st.sampled_from([' ', '-', '']))}{word}{draw(st.sampled_from([' ', '-']))}{year}",
        "name_day": f"{word} {pad(d.day, pd_)}{draw(st.sampled_from([', ', ' ']))}{year}",
        "year_name": f"{d.year} {word} {pad(d.day, pd_)}",
        "compact": d.strftime("%Y%m%d"),
    }[shape]
    suffix = draw(st.sampled_from(["", "", " 00:00:00", " 12:30", "T08:00:00"])) if shape == "iso" else ""
    spaces = draw(st.sampled_from(["", " ", "  "]))
    return d, f"{spaces}{text}{suffix}{spaces}"


@settings(max_examples=300, deadline=None)
@given(st.lists(written_dates(), min_size=1, max_size=30))
def test_any_date_written_any_supported_way_reads_back_as_itself(
    written: list[tuple[datetime.date, str]],
) -> None:
    result = read(*[text for _, text in written])
    assert [day(result, i) for i in range(len(written))] == [d for d, _ in written]
    assert not (result.unreadable | result.month_first | result.from_number).any()


@settings(max_examples=60, deadline=None)
@given(dates_st, st.sampled_from("/-."))
def test_month_first_date_with_day_over_twelve_reads_back_flagged(d: datetime.date, sep: str) -> None:
    assume(d.day > 12)
    result = read(f"{d.month}{sep}{d.day}{sep}{d.year}")
    assert day(result) == d and result.month_first[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(dates_st, min_size=1, max_size=30))
def test_any_date_cell_and_its_serial_read_back_as_itself(dates: list[datetime.date]) -> None:
    serials = [float((d - datetime.date(1899, 12, 30)).days) for d in dates if d >= datetime.date(1900, 3, 1)]
    as_cells = read(*dates)
    assert [day(as_cells, i) for i in range(len(dates))] == dates
    if serials:
        as_serials = read(*serials)
        assert [day(as_serials, i) for i in range(len(serials))] == [
            d for d in dates if d >= datetime.date(1900, 3, 1)
        ]


date_like_text = st.text(alphabet="0123456789/-., :\tJanFebMrApyulgSpOctNovDchsdTZ", max_size=20)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(written_dates().map(lambda pair: pair[1].strip()), date_like_text), min_size=1, max_size=40
    )
)
def test_numpy_scanner_agrees_with_the_regex_formats_wherever_it_claims_a_text(texts: list[str]) -> None:
    tokens = scan_date_texts(np.array(texts, dtype=object))
    claimed = np.flatnonzero(tokens.formats != UNCLAIMED)
    reference = _match_formats(pd.Series(texts, dtype=object))
    assert list(tokens.formats[claimed]) == list(reference.formats[claimed])
    for slot in range(tokens.values.shape[0]):
        used = claimed[tokens.lengths[slot, claimed] > 0]
        assert list(tokens.values[slot, used]) == list(reference.values[slot, used])
        assert list(tokens.lengths[slot, used]) == list(reference.lengths[slot, used])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=25), min_size=1, max_size=30))
def test_any_text_is_either_a_date_blank_or_unreadable(texts: list[str]) -> None:
    result = read(*texts)
    has_date = ~np.isnat(result.dates)
    assert ((has_date.astype(int) + result.empty + result.unreadable) == 1).all()

"""The rule groups of one field each: identifier, names, dates and gender, each over whole columns.

Each takes the `Check` that `run_check` made, reports its rules on it and returns the field's cleaned values
and which rows it makes usable for linking. Kept apart from `check`, which runs them and gathers the result,
so that neither grows past a few hundred lines; the rules that compare rows with each other are in
`between_rows`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.checking.normalise import (
    DateColumn,
    DistinctTexts,
    birth_years,
    clean_names,
    fold_for_comparison,
    normalise_genders,
    parse_dates,
    row_of_each,
    split_full_names,
)
from core.reading.header_words import fold_header, spelt_out
from core.reading.table import CellKind

if TYPE_CHECKING:
    from core.checking.check_state import Check

DATE_FIELDS = ("date_of_birth", "start_date", "end_date")
NAME_FIELDS = ("first_name", "last_name")
PLACEHOLDER_BIRTH_DATES = np.array(
    ["1800-01-01", "1899-12-30", "1899-12-31", "1900-01-01", "1901-01-01", "1970-01-01"],
    dtype="datetime64[D]",
)
LINKING_GENDERS = ("male", "female", "another")
OLDEST_AGE_YEARS = 110


def check_identifier(check: Check) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Identifier rules; returns (normalised ids or None, valid mask, well-formed mask)."""
    if "identifier" not in check.columns:
        return None, np.zeros(check.count, dtype=bool), np.zeros(check.count, dtype=bool)
    ids, check.ids = check.ids, None
    errors = check.error_cells["identifier"]
    check.packed = (ids.packed, ids.packed_whole & ~errors)
    check.report(ids.empty, "id_missing", "identifier")
    check.report(ids.invalid_format, "id_invalid_format", "identifier")
    check.report(ids.bad_check, "id_bad_check_digit", "identifier")
    check.report(ids.test_number, "id_test_number", "identifier")
    check.report(ids.reformatted, "id_reformatted", "identifier")
    well_formed = ~ids.empty & ~ids.invalid_format & ~errors
    normalised = np.where(errors, None, ids.normalised)
    check.id_codes = np.where(errors, -1, ids.codes)
    return normalised, ids.valid & ~errors, well_formed


def check_names(check: Check) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Name rules on first/last (a full name is split first); returns cleaned names and 'usable name'."""
    parts: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    if "full_name" in check.columns:
        split = split_full_names(
            check.values["full_name"], check.kinds["full_name"], check.distinct.pop("full_name")
        )
        check.report(split.whole_placeholder, "name_placeholder", "full_name")
        check.report(split.whitespace, "name_whitespace", "full_name")  # the parts come out trimmed
        # An empty full name is one problem on its cell, "Name is empty.", not "First name is empty." and
        # "Last name is empty." of columns the sheet does not have.
        whole_missing = (split.first_kinds == CellKind.EMPTY) & (split.last_kinds == CellKind.EMPTY)
        check.report(whole_missing, "name_missing", "full_name")
        parts["first_name"] = (split.first, split.first_kinds, "full_name")
        parts["last_name"] = (split.last, split.last_kinds, "full_name")
    for field_name in NAME_FIELDS:
        if field_name in check.columns:
            parts[field_name] = (check.values[field_name], check.kinds[field_name], field_name)
    cleaned: dict[str, np.ndarray] = {}
    usable = np.zeros(check.count, dtype=bool)
    for field_name, (values, kinds, source_field) in parts.items():
        # A name read straight from its column has its distinct texts made already; a split part has not.
        distinct = check.distinct.pop(field_name) if source_field == field_name else None
        names = clean_names(values, kinds, distinct)
        errors = check.error_cells[source_field]
        placeholder = names.placeholder
        missing = names.missing
        if source_field == "full_name":
            placeholder = placeholder & ~split.whole_placeholder
            missing = missing & ~whole_missing
        for rule_id, mask in (
            ("name_missing", missing),
            ("name_placeholder", placeholder),
            ("name_bad_character", names.bad_character),
            ("name_initial_only", names.initial_only),
            ("name_whitespace", names.whitespace),
        ):
            check.report(mask, rule_id, field_name, source_field)
        cleaned[field_name] = np.where(errors, None, names.cleaned)
        check.folded[field_name], check.folded_names[field_name] = _folded_codes(
            names.cleaned, errors, distinct
        )
        usable |= ~names.missing & ~names.placeholder & ~errors
    if "full_name" in check.columns:
        usable &= ~split.whole_placeholder
    return cleaned, usable


def check_dates(check: Check) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Date reading rules and the date-of-birth, start and end rules; returns dates and 'usable birth date'."""
    dates: dict[str, np.ndarray] = {}
    as_of = np.datetime64(check.as_of, "D")
    for field_name in DATE_FIELDS:
        if field_name not in check.columns:
            continue
        parsed = parse_dates(
            check.values[field_name],
            check.kinds[field_name],
            date_order=check.profile.date_order,
            as_of=check.as_of,
        )
        if field_name == "date_of_birth":
            parsed = _years_of_birth(check, parsed)
        check.report(parsed.unreadable, "date_unreadable", field_name)
        check.report(parsed.month_first, "date_month_first", field_name)
        check.report(parsed.from_number, "date_from_number", field_name)
        dates[field_name] = np.where(check.error_cells[field_name], np.datetime64("NaT"), parsed.dates)
        if field_name == "date_of_birth":
            check.report(parsed.empty, "dob_missing", field_name)
        elif field_name == "start_date":
            check.report(parsed.empty, "start_missing", field_name)
    usable_dob = np.zeros(check.count, dtype=bool)
    dob = dates.get("date_of_birth")
    start = dates.get("start_date")
    end = dates.get("end_date")
    if dob is not None:
        placeholder = np.isin(dob, PLACEHOLDER_BIRTH_DATES)
        oldest = np.datetime64(_years_before(check.as_of, OLDEST_AGE_YEARS), "D")
        check.report(dob > as_of, "dob_in_future", "date_of_birth")
        check.report((dob < oldest) & ~placeholder, "dob_too_old", "date_of_birth")
        check.report(placeholder, "dob_placeholder", "date_of_birth")
        usable_dob = ~np.isnat(dob) & (dob <= as_of) & ~placeholder
        if start is not None:
            check.report(dob > start, "dob_after_start", "date_of_birth")
    if start is not None:
        check.report(start > as_of, "start_in_future", "start_date")
        if end is not None:
            check.report(end < start, "end_before_start", "end_date")
    if end is not None:
        check.report(end > as_of, "end_in_future", "end_date")
    return dates, usable_dob


def _years_of_birth(check: Check, parsed: DateColumn) -> DateColumn:
    """A date-of-birth column of years only: each year reported as such (and when it is in the future or too
    long ago), and no date read from it: as date serials the years would all be days in 1905-1907."""
    words = spelt_out(fold_header(check.columns["date_of_birth"].header)).split()
    says_year = "year" in words or "yob" in words
    years = birth_years(
        check.values["date_of_birth"],
        check.kinds["date_of_birth"],
        header_says_year=says_year,
        as_of=check.as_of,
    )
    if years is None:
        return parsed
    year_rows = years > 0
    check.report(year_rows, "dob_year_only", "date_of_birth")
    check.report(year_rows & (years > check.as_of.year), "dob_in_future", "date_of_birth")
    check.report(year_rows & (years < check.as_of.year - OLDEST_AGE_YEARS), "dob_too_old", "date_of_birth")
    return DateColumn(
        dates=np.where(year_rows, np.datetime64("NaT"), parsed.dates).astype("datetime64[D]"),
        empty=parsed.empty,
        unreadable=parsed.unreadable & ~year_rows,
        month_first=parsed.month_first & ~year_rows,
        from_number=parsed.from_number & ~year_rows,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_gender(check: Check) -> tuple[np.ndarray | None, np.ndarray]:
    if "gender" not in check.columns:
        return None, np.zeros(check.count, dtype=bool)
    genders = normalise_genders(
        check.values["gender"],
        check.kinds["gender"],
        check.profile.gender_values,
        check.distinct.pop("gender"),
    )
    check.report(genders.missing, "gender_missing", "gender")
    check.report(genders.unrecognised, "gender_unrecognised", "gender")
    codes = np.where(check.error_cells["gender"], None, genders.codes)
    check.genders = codes
    check.gender_numbers = np.where(check.error_cells["gender"], 0, genders.numbers).astype(np.uint8)
    return codes, pd.Series(codes, dtype=object).isin(LINKING_GENDERS).to_numpy()


def _folded_codes(
    cleaned: np.ndarray, errors: np.ndarray, distinct: DistinctTexts | None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of cleaned names compared case- and accent-insensitively (-1 where none or an error cell), and
    the folded name of each code.

    Each distinct name is folded once. `distinct` is the column's distinct texts when the names were cleaned
    from them: rows with one text have one cleaned name, so the names are found through the texts' codes
    rather than by hashing every row again.
    """
    if distinct is None:
        codes, uniques = pd.factorize(np.where(errors, None, cleaned))
    else:
        codes = np.where(errors, -1, distinct.codes)
        uniques = cleaned[row_of_each(distinct.codes, len(distinct.uniques))]
    if not len(uniques):
        return codes.astype(np.int64), np.array([], dtype=object)
    folded_codes, folded = pd.factorize(fold_for_comparison(np.asarray(uniques, dtype=object)))
    return np.where(codes >= 0, folded_codes[codes], -1).astype(np.int64), np.asarray(folded, dtype=object)

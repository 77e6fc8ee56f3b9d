"""run_check: every rule of the catalogue over a whole table, vectorised, into one CheckResult.

Data flows one way: SourceTable + SupplyProfile -> CheckResult. The result holds the canonical values
(what would be sent), every issue (row, field, column, rule, severity, value, message), which rows can be
linked and which carry an error. The GUI, the report workbook, the extract and `check --json` all read
this one result, so they can never disagree. Each rule group is a function over whole columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from core.checking.identifiers import IdentifierColumn, check_identifiers
from core.checking.normalise import (
    DateColumn,
    DistinctTexts,
    birth_years,
    clean_names,
    display_value,
    distinct_texts,
    error_code_texts,
    fold_for_comparison,
    normalise_genders,
    parse_dates,
    row_of_each,
    split_full_names,
)
from core.checking.rules import RULES, SEVERITY_ORDER, plural
from core.errors import InputError
from core.profile import SupplyProfile
from core.reading.header_words import fold_header, spelt_out
from core.reading.table import CellKind, SourceColumn, SourceTable

DATE_FIELDS = ("date_of_birth", "start_date", "end_date")
NAME_FIELDS = ("first_name", "last_name")
# Fields whose normaliser works once per distinct cell text: their columns are factorized once, up front.
DISTINCT_TEXT_FIELDS = ("first_name", "last_name", "full_name", "gender")
PLACEHOLDER_BIRTH_DATES = np.array(
    ["1800-01-01", "1899-12-30", "1899-12-31", "1900-01-01", "1901-01-01", "1970-01-01"],
    dtype="datetime64[D]",
)
LINKING_GENDERS = ("male", "female", "another")
AS_READ_FIELDS = ("record_id", "service")  # sent as they are: no rule reads them
ISSUE_COLUMNS = ["row", "position", "field", "column", "rule", "severity", "value", "message"]
OLDEST_AGE_YEARS = 110


@dataclass(frozen=True)
class Identity:
    """Per checked row, the values that say who a person is, as the check compared them (no copies).

    Kept so that "what changed since the last supply" needs no second pass over the sheet.
    """

    identifiers: np.ndarray | None  # normalised text, None where empty or an error cell
    packed: np.ndarray | None  # int64: the identifier packed into a number (identifiers.value_codes)
    packed_whole: np.ndarray | None  # bool: that number is the whole identifier
    well_formed: np.ndarray  # bool: the identifier has the right shape (a person can be keyed by it)
    folded: dict[str, np.ndarray]  # first_name / last_name: codes of the names compared case-insensitively
    folded_names: dict[str, np.ndarray]  # first_name / last_name: the folded name of each code
    date_of_birth: np.ndarray | None  # datetime64, NaT where none
    genders: np.ndarray | None  # uint8: 1 + index in genders.GENDER_CODES, 0 where none


@dataclass
class CheckResult:
    """Everything a check found. Arrays are per checked row (blank rows excluded), in sheet order."""

    table: SourceTable
    profile: SupplyProfile
    as_of: dt.date
    positions: np.ndarray  # index into the table's rows, per checked row
    build_canonical: Callable[[], pd.DataFrame] = field(repr=False)  # makes `canonical` when first asked
    issues: pd.DataFrame  # ISSUE_COLUMNS, sorted by row then severity
    linkable: np.ndarray  # bool per checked row
    has_error: np.ndarray  # bool per checked row: an error-severity issue is on it
    skipped_blank_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> header used
    identifier_type: str | None = None
    identity: Identity | None = field(
        default=None, repr=False
    )  # what tells people apart (core.checking.fingerprints)

    @property
    def rows(self) -> int:
        return len(self.positions)

    @cached_property
    def canonical(self) -> pd.DataFrame:
        """ "row" + one column per mapped field (cleaned values) + extra columns as read.

        Made on first use: only the extract needs it, and a check of 100,000 rows spends ~10 ms making it.
        """
        return self.build_canonical()

    @property
    def linkable_rows(self) -> int:
        return int(self.linkable.sum())

    def summary(self) -> dict[str, Any]:
        counts = self.issues["severity"].value_counts()
        by_rule = self.issues["rule"].value_counts()
        return {
            "error": int(counts.get("error", 0)),
            "warning": int(counts.get("warning", 0)),
            "info": int(counts.get("info", 0)),
            "by_rule": {rule_id: int(by_rule[rule_id]) for rule_id in RULES if rule_id in by_rule},
        }

    def headline(self) -> str:
        if self.rows == 0:
            return "There are no people in this sheet."
        people = "person" if self.rows == 1 else "people"
        must_fix = int(self.has_error.sum())
        ready = self.rows - must_fix
        verb = "is" if ready == 1 else "are"
        if not must_fix:
            return f"All {self.rows:,} {people} {verb} ready to send."
        return f"{ready:,} of {self.rows:,} {people} {verb} ready to send; {must_fix:,} must be fixed."

    def summary_sentence(self) -> str:
        """Under the headline: what must be fixed before sending (in rows), then what else was found."""
        if self.issues.empty:
            return "No problems found."
        summary = self.summary()
        error_rows = int(self.has_error.sum())
        others = []
        if summary["warning"]:
            others.append(f"{plural(summary['warning'], 'thing')} to check")
        if summary["info"]:
            others.append(f"{plural(summary['info'], 'value')} tidied for you")
        text = (
            f"Before sending: {plural(error_rows, 'row')} with a problem that must be fixed."
            if error_rows
            else "Nothing must be fixed before sending."
        )
        return text + (f" Also {' and '.join(others)}." if others else "")


class _Check:
    """The state of one check: the mapped columns cut to the checked rows, and the issues found so far."""

    def __init__(self, table: SourceTable, profile: SupplyProfile, as_of: dt.date) -> None:
        self.table, self.profile, self.as_of = table, profile, as_of
        self.columns = resolve_columns(table, profile)
        filled = np.zeros(table.row_count, dtype=bool)
        for column in self.columns.values():
            filled |= column.kinds != CellKind.EMPTY
        self.positions = np.flatnonzero(filled)
        self.count = len(self.positions)
        self.row_numbers = table.row_numbers[self.positions]
        every_row = self.count == table.row_count  # the usual case: no copies needed
        self.values = {
            f: c.values if every_row else c.values[self.positions] for f, c in self.columns.items()
        }
        self.kinds = {f: c.kinds if every_row else c.kinds[self.positions] for f, c in self.columns.items()}
        self.id_type = profile.identifier_type or ("OTHER" if "identifier" in self.columns else None)
        # Normalisers whose work also tells which cells hold an error code run first, once. Their results
        # are handed over to their rule group, which lets them go (a million rows' codes are 8 MB a column).
        self.ids: IdentifierColumn | None = None
        if "identifier" in self.columns:
            self.ids = check_identifiers(self.values["identifier"], self.kinds["identifier"], self.id_type)
        self.distinct = {
            f: distinct_texts(self.values[f], self.kinds[f])
            for f in self.columns
            if f in DISTINCT_TEXT_FIELDS
        }
        self.error_cells = {f: self._error_cells(f) for f in self.columns}
        self.blocks: list[pd.DataFrame] = []
        self.genders: np.ndarray = np.full(self.count, None, dtype=object)  # cleaned codes, once known
        self.gender_numbers: np.ndarray | None = None  # the same as numbers (Identity), once known
        self.packed: tuple[np.ndarray | None, np.ndarray | None] = (None, None)  # (Identity), once known
        self.id_codes: np.ndarray | None = None  # equal normalised identifiers, equal codes; once known
        self.folded: dict[str, np.ndarray] = {}  # name field -> codes of names compared folded; once known
        self.folded_names: dict[str, np.ndarray] = {}  # name field -> the folded name of each code

    def _error_cells(self, field_name: str) -> np.ndarray:
        """The field's error cells; the identifier's normaliser has found its error-code text already."""
        kinds = self.kinds[field_name]
        if field_name == "identifier" and self.ids is not None:
            return (kinds == CellKind.ERROR) | self.ids.error_code
        return error_cells(self.values[field_name], kinds, self.distinct.get(field_name))

    def report(
        self, mask: np.ndarray, rule_id: str, field_name: str | None = None, source: str | None = None
    ) -> None:
        """Record `rule_id` on every row where mask is true, never on a cell that holds a spreadsheet error.

        `source` is the mapped field whose cell is reported when it differs from `field_name` (a first name
        taken from a full-name column).
        """
        source = source or field_name
        if source in self.error_cells and rule_id != "cell_error_value":
            mask = mask & ~self.error_cells[source]
        where = np.flatnonzero(mask)
        if not len(where):
            return
        rule = RULES[rule_id]
        shown = None
        if source in self.values:
            shown = shown_values(self.values[source][where], self.kinds[source][where])
        column = self.columns.get(source) if source else None
        self.blocks.append(
            pd.DataFrame(
                {
                    "row": self.row_numbers[where],
                    "position": self.positions[where],
                    "field": field_name,
                    "column": column.header if column else None,
                    "rule": rule_id,
                    "severity": rule.severity,
                    "value": shown,
                    "message": rule.message_for(field_name, self.id_type),
                }
            )
        )

    def issues(self) -> pd.DataFrame:
        """All issues, by row, errors before warnings before info within a row (stable otherwise)."""
        if not self.blocks:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in ISSUE_COLUMNS})
        issues = pd.concat(self.blocks, ignore_index=True)
        severity = issues["severity"].map(SEVERITY_ORDER).to_numpy()
        order = np.lexsort((severity, issues["row"].to_numpy()))
        return issues.take(order).reset_index(drop=True)


def resolve_columns(table: SourceTable, profile: SupplyProfile) -> dict[str, SourceColumn]:
    """Field -> column, as the profile says; a column the profile names but the sheet lacks is an InputError."""
    resolved: dict[str, SourceColumn] = {}
    for field_name, header in profile.mapping.items():
        column = table.find_column(header)
        if column is None:
            raise InputError(
                f'The profile matches {field_name.replace("_", " ")} to a column "{header}", but the sheet '
                f'"{table.sheet}" has no such column (it has: {", ".join(table.headers)}). Match the '
                "columns again, or pick the right sheet."
            )
        resolved[field_name] = column
    for header in profile.extra_columns:
        if table.find_column(header) is None:
            raise InputError(
                f'The profile sends an extra column "{header}", but the sheet "{table.sheet}" has no such '
                "column. Remove it from the profile's extra columns, or give the column its old name back."
            )
    if not resolved:
        raise InputError(
            "No column is matched to a field, so there is nothing to check. Match the columns first."
        )
    return resolved


def error_cells(values: np.ndarray, kinds: np.ndarray, distinct: DistinctTexts | None = None) -> np.ndarray:
    """Spreadsheet error cells, or text that is exactly an error code (#N/A, #REF!, ...), spaces aside.

    `distinct` is the column's `distinct_texts` when the check has it: then only the distinct texts are
    looked at, not every cell.
    """
    errors = kinds == CellKind.ERROR
    text = kinds == CellKind.TEXT
    if distinct is not None:
        return errors | (text & distinct.spread(error_code_texts(distinct.uniques), False))
    rows = np.flatnonzero(text)
    if len(rows):
        errors[rows] = error_code_texts(values if len(rows) == len(values) else values[rows])
    return errors


def shown_values(values: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Cells as the short text issues show; text cells (nearly all) as they are, the rest through display_value."""
    shown = values.astype(object, copy=True)
    other = np.flatnonzero((kinds != CellKind.TEXT) & (kinds != CellKind.EMPTY))
    shown[other] = [display_value(v) for v in values[other]]
    return shown


def _check_identifier(check: _Check) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
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


def _check_names(check: _Check) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Name rules on first/last (a full name is split first); returns cleaned names and 'usable name'."""
    parts: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    if "full_name" in check.columns:
        split = split_full_names(
            check.values["full_name"], check.kinds["full_name"], check.distinct.pop("full_name")
        )
        check.report(split.whole_placeholder, "name_placeholder", "full_name")
        check.report(split.whitespace, "name_whitespace", "full_name")  # the parts come out trimmed
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
        if source_field == "full_name":
            placeholder = placeholder & ~split.whole_placeholder
        for rule_id, mask in (
            ("name_missing", names.missing),
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


def _check_dates(check: _Check) -> tuple[dict[str, np.ndarray], np.ndarray]:
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


def _years_of_birth(check: _Check, parsed: DateColumn) -> DateColumn:
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


def _check_gender(check: _Check) -> tuple[np.ndarray | None, np.ndarray]:
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


def _check_between_rows(check: _Check, well_formed: np.ndarray, dates: dict) -> None:
    """id_conflict, person_duplicate and row_duplicate: rows compared with each other, as integer codes."""
    folded, check.folded = check.folded, {}
    missing = np.full(check.count, -1, dtype=np.int64)
    first, last = folded.get("first_name", missing), folded.get("last_name", missing)
    date_codes = {f: _date_codes(values) for f, values in dates.items()}
    dob = date_codes.get("date_of_birth", missing)
    all_id_codes = check.id_codes  # None when no column is mapped to the identifier
    if all_id_codes is not None:
        id_codes = np.where(well_formed, all_id_codes, -1)
        differs = _groups_with_several(id_codes, dob) | _groups_with_several(id_codes, first)
        differs |= _groups_with_several(id_codes, last)
        check.report(differs, "id_conflict", "identifier")
        person = _combine([first, last, dob])
        check.report(_groups_with_several(person, id_codes), "person_duplicate", "identifier")
    keys = _row_keys(check, all_id_codes, folded, date_codes)
    check.report(_repeated(keys), "row_duplicate")


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer codes (equal values, equal codes); -1 where there is no value."""
    return pd.factorize(values)[0].astype(np.int64)


def _date_codes(dates: np.ndarray) -> np.ndarray:
    """Days as codes from 0 (no hashing needed: equal dates, equal days); -1 where there is no date."""
    days = dates.astype("datetime64[D]").view(np.int64)
    present = ~np.isnat(dates)
    if not present.any():
        return np.full(len(dates), -1, dtype=np.int64)
    return np.where(present, days - days[present].min(), -1)


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


def _combine(columns: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the columns' codes; -1 where any of them is missing."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    absent = np.zeros(len(columns[0]), dtype=bool)
    for codes in columns:
        absent |= codes < 0
        combined = _codes(combined * (int(codes.max(initial=0)) + 2) + codes + 1)
    return np.where(absent, -1, combined)


def _groups_with_several(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows whose group (code >= 0) holds two or more distinct values (codes >= 0) among its rows."""
    present = (groups >= 0) & (values >= 0)
    if not present.any():
        return np.zeros(len(groups), dtype=bool)
    # Only a group of two or more rows can hold two values, and most groups (one person's id) have one row.
    rows = np.bincount(groups[present], minlength=int(groups.max()) + 1)
    present &= rows[np.maximum(groups, 0)] > 1
    pairs = pd.unique(groups[present] * (int(values.max()) + 1) + values[present])
    group_of_pair = pairs // (int(values.max()) + 1)
    several = np.bincount(group_of_pair, minlength=int(groups.max()) + 1) > 1
    return (groups >= 0) & several[np.maximum(groups, 0)]


def _with_raw_fallback(check: _Check, field_name: str, codes: np.ndarray) -> np.ndarray:
    """Where cleaning gave nothing but the cell held something (unreadable, error), compare the raw text."""
    raw_rows = np.flatnonzero((codes == -1) & (check.kinds[field_name] != CellKind.EMPTY))
    if len(raw_rows):
        texts = [str(display_value(v)).strip().casefold() for v in check.values[field_name][raw_rows]]
        codes = codes.copy()
        codes[raw_rows] = -2 - _codes(np.asarray(texts, dtype=object))
    return codes


def _row_keys(check: _Check, id_codes: np.ndarray | None, folded: dict, date_codes: dict) -> list[np.ndarray]:
    """Per mapped field, the codes row_duplicate compares: cleaned values, raw text where cleaning failed."""
    keys: list[np.ndarray] = []
    for field_name in check.columns:
        if field_name == "full_name":
            keys += [folded["first_name"], folded["last_name"]]
            continue
        if field_name in folded:
            codes = folded[field_name]
        elif field_name == "identifier" and id_codes is not None:
            codes = id_codes
        elif field_name in date_codes:
            codes = date_codes[field_name]
        elif field_name == "gender":
            codes = _codes(check.genders)
        else:
            codes = np.full(check.count, -1, dtype=np.int64)
        keys.append(_with_raw_fallback(check, field_name, codes))
    return keys


def _repeated(keys: list[np.ndarray]) -> np.ndarray:
    """Rows equal to an earlier row on every key. Narrowed key by key to rows that could still repeat
    (most rows differ on the first key), then compared in full."""
    candidates = np.arange(len(keys[0]))
    for codes in keys:
        if not len(candidates):
            break
        candidates = candidates[pd.Series(codes[candidates]).duplicated(keep=False).to_numpy()]
    repeated = np.zeros(len(keys[0]), dtype=bool)
    if len(candidates):
        subset = pd.DataFrame({i: codes[candidates] for i, codes in enumerate(keys)})
        repeated[candidates[subset.duplicated(keep="first").to_numpy()]] = True
    return repeated


def run_check(table: SourceTable, profile: SupplyProfile, as_of: dt.date | None = None) -> CheckResult:
    """Run every rule over the mapped columns of the table and return the result."""
    check = _Check(table, profile, as_of or dt.date.today())
    for field_name in check.columns:
        check.report(check.error_cells[field_name], "cell_error_value", field_name)
    ids, valid_id, well_formed = _check_identifier(check)
    names, usable_name = _check_names(check)
    dates, usable_dob = _check_dates(check)
    genders, usable_gender = _check_gender(check)
    identity = Identity(
        ids,
        *check.packed,
        well_formed,
        dict(check.folded),
        check.folded_names,
        dates.get("date_of_birth"),
        check.gender_numbers,
    )
    _check_between_rows(check, well_formed, dates)
    linkable = valid_id | (usable_name & usable_dob & usable_gender)
    check.report(~linkable, "row_unlinkable")
    issues = check.issues()
    has_error = np.zeros(check.count, dtype=bool)
    error_positions = issues.loc[issues["severity"] == "error", "position"].to_numpy(dtype=np.int64)
    has_error[np.searchsorted(check.positions, error_positions)] = True
    return CheckResult(
        table=table,
        profile=profile,
        as_of=check.as_of,
        positions=check.positions,
        build_canonical=partial(
            _canonical_frame, check.row_numbers, _sent_as_read(check), ids, names, dates, genders
        ),
        issues=issues,
        linkable=linkable,
        has_error=has_error,
        skipped_blank_rows=table.skipped_blank_rows + (table.row_count - check.count),
        columns={f: c.header for f, c in check.columns.items()},
        identifier_type=check.id_type,
        identity=identity,
    )


def _sent_as_read(check: _Check) -> dict[str, np.ndarray]:
    """The cells sent as they were read, per checked row: record id, service and the profile's extra columns."""
    cells = {f: check.values[f] for f in AS_READ_FIELDS if f in check.columns}
    for header in check.profile.extra_columns:
        cells[header] = check.table.find_column(header).values[check.positions]
    return cells


def _canonical_frame(
    row_numbers: np.ndarray, as_read: dict[str, np.ndarray], ids, names: dict, dates: dict, genders
) -> pd.DataFrame:
    """What would be sent, before output formatting: cleaned values per field, extra columns as read.

    Text columns stay object dtype so an absent value is None, never a NaN that could be sent as "nan".
    """
    text: dict[str, Any] = {}
    if ids is not None:
        text["identifier"] = ids
    text.update(names)
    if genders is not None:
        text["gender"] = genders
    for name, cells in as_read.items():
        text[name] = [display_value(v) for v in cells]
    frame: dict[str, Any] = {"row": row_numbers}
    frame.update({name: pd.Series(values, dtype=object) for name, values in text.items()})
    frame.update(dates)
    return pd.DataFrame(frame)

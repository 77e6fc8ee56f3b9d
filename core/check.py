"""run_check: every rule of the catalogue over a whole table, vectorised, into one CheckResult.

Data flows one way: SourceTable + SupplyProfile -> CheckResult. The result holds the canonical values
(what would be sent), every issue (row, field, column, rule, severity, value, message), which rows can be
linked and which carry an error. The GUI, the report workbook, the extract and `check --json` all read
this one result, so they can never disagree. Each rule group is a function over whole columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.errors import InputError
from core.identifiers import check_identifiers
from core.normalise import clean_names, fold_for_comparison, normalise_genders, parse_dates, split_full_names
from core.profile import SupplyProfile
from core.rules import RULES
from core.table import ERROR_CODES, CellKind, SourceColumn, SourceTable

DATE_FIELDS = ("date_of_birth", "start_date", "end_date")
NAME_FIELDS = ("first_name", "last_name")
PLACEHOLDER_BIRTH_DATES = np.array(
    ["1800-01-01", "1899-12-30", "1899-12-31", "1900-01-01", "1901-01-01", "1970-01-01"],
    dtype="datetime64[D]",
)
LINKING_GENDERS = ("male", "female", "another")
ISSUE_COLUMNS = ["row", "position", "field", "column", "rule", "severity", "value", "message"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
OLDEST_AGE_YEARS = 110


@dataclass
class CheckResult:
    """Everything a check found. Arrays are per checked row (blank rows excluded), in sheet order."""

    table: SourceTable
    profile: SupplyProfile
    as_of: dt.date
    positions: np.ndarray  # index into the table's rows, per checked row
    canonical: pd.DataFrame  # "row" + one column per mapped field (cleaned values) + extra columns as read
    issues: pd.DataFrame  # ISSUE_COLUMNS, sorted by row then severity
    linkable: np.ndarray  # bool per checked row
    has_error: np.ndarray  # bool per checked row: an error-severity issue is on it
    skipped_blank_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> header used
    identifier_type: str | None = None

    @property
    def rows(self) -> int:
        return len(self.positions)

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
        return f"{self.linkable_rows:,} of {self.rows:,} {people} can be linked."


def display_value(value: Any) -> str | None:
    """A cell as short text for messages and JSON: dates as ISO, whole floats without '.0'."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        self.values = {f: c.values[self.positions] for f, c in self.columns.items()}
        self.kinds = {f: c.kinds[self.positions] for f, c in self.columns.items()}
        self.error_cells = {f: error_cells(self.values[f], self.kinds[f]) for f in self.columns}
        self.id_type = profile.identifier_type or ("OTHER" if "identifier" in self.columns else None)
        self.blocks: list[pd.DataFrame] = []

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
        shown = self.values.get(source) if source else None
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
                    "value": [display_value(v) for v in shown[where]] if shown is not None else None,
                    "message": rule.message_for(field_name, self.id_type),
                }
            )
        )

    def issues(self) -> pd.DataFrame:
        if not self.blocks:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in ISSUE_COLUMNS})
        issues = pd.concat(self.blocks, ignore_index=True)
        order = issues["severity"].map(SEVERITY_ORDER)
        issues = issues.assign(_order=order).sort_values(["row", "_order"], kind="stable")
        issues = issues.drop(columns="_order").reset_index(drop=True).astype(object)
        return issues.where(issues.notna(), None)


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


def error_cells(values: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Spreadsheet error cells, or text that is exactly an error code (#N/A, #REF!, ...)."""
    errors = kinds == CellKind.ERROR
    text = np.flatnonzero(kinds == CellKind.TEXT)
    if len(text):
        stripped = pd.Series(values[text], dtype=object).str.strip()
        errors[text[stripped.isin(ERROR_CODES).to_numpy()]] = True
    return errors


def _check_identifier(check: _Check) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Identifier rules; returns (normalised ids or None, valid mask, well-formed mask)."""
    if "identifier" not in check.columns:
        return None, np.zeros(check.count, dtype=bool), np.zeros(check.count, dtype=bool)
    ids = check_identifiers(check.values["identifier"], check.kinds["identifier"], check.id_type or "OTHER")
    errors = check.error_cells["identifier"]
    check.report(ids.empty, "id_missing", "identifier")
    check.report(ids.invalid_format, "id_invalid_format", "identifier")
    check.report(ids.bad_check, "id_bad_check_digit", "identifier")
    check.report(ids.test_number, "id_test_number", "identifier")
    check.report(ids.reformatted, "id_reformatted", "identifier")
    well_formed = ~ids.empty & ~ids.invalid_format & ~errors
    normalised = np.where(errors, None, ids.normalised)
    return normalised, ids.valid & ~errors, well_formed


def _check_names(check: _Check) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Name rules on first/last (a full name is split first); returns cleaned names and 'usable name'."""
    parts: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    if "full_name" in check.columns:
        split = split_full_names(check.values["full_name"], check.kinds["full_name"])
        check.report(split.whole_placeholder, "name_placeholder", "full_name")
        parts["first_name"] = (split.first, split.first_kinds, "full_name")
        parts["last_name"] = (split.last, split.last_kinds, "full_name")
    for field_name in NAME_FIELDS:
        if field_name in check.columns:
            parts[field_name] = (check.values[field_name], check.kinds[field_name], field_name)
    cleaned: dict[str, np.ndarray] = {}
    usable = np.zeros(check.count, dtype=bool)
    for field_name, (values, kinds, source_field) in parts.items():
        names = clean_names(values, kinds)
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


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _check_gender(check: _Check) -> tuple[np.ndarray | None, np.ndarray]:
    if "gender" not in check.columns:
        return None, np.zeros(check.count, dtype=bool)
    genders = normalise_genders(check.values["gender"], check.kinds["gender"], check.profile.gender_values)
    check.report(genders.missing, "gender_missing", "gender")
    check.report(genders.unrecognised, "gender_unrecognised", "gender")
    codes = np.where(check.error_cells["gender"], None, genders.codes)
    return codes, pd.Series(codes, dtype=object).isin(LINKING_GENDERS).to_numpy()


def _check_between_rows(
    check: _Check, ids: np.ndarray | None, well_formed: np.ndarray, names: dict[str, np.ndarray], dates: dict
) -> None:
    """id_conflict, person_duplicate and row_duplicate: rows compared with each other."""
    first = _folded(names.get("first_name"), check.count)
    last = _folded(names.get("last_name"), check.count)
    dob = dates.get("date_of_birth")
    dob_key = pd.Series(
        dob if dob is not None else np.full(check.count, np.datetime64("NaT"), "datetime64[D]")
    )
    frame = pd.DataFrame({"first": first, "last": last, "dob": dob_key})
    if ids is not None:
        frame["id"] = pd.Series(ids, dtype=object).where(well_formed, None)
        with_id = frame[frame["id"].notna()]
        grouped = with_id.groupby("id", sort=False)
        differs = (grouped["dob"].transform("nunique") > 1) | (
            grouped["first"].transform("nunique") + grouped["last"].transform("nunique") > 2
        )
        conflict = np.zeros(check.count, dtype=bool)
        conflict[with_id.index[differs.to_numpy()]] = True
        check.report(conflict, "id_conflict", "identifier")
        person = frame[
            frame["first"].notna() & frame["last"].notna() & frame["dob"].notna() & frame["id"].notna()
        ]
        distinct_ids = person.groupby(["first", "last", "dob"], sort=False)["id"].transform("nunique")
        duplicate_person = np.zeros(check.count, dtype=bool)
        duplicate_person[person.index[(distinct_ids > 1).to_numpy()]] = True
        check.report(duplicate_person, "person_duplicate", "identifier")
    check.report(_repeated_rows(check, ids, names, dates), "row_duplicate")


def _folded(values: np.ndarray | None, count: int) -> pd.Series:
    if values is None:
        return pd.Series([None] * count, dtype=object)
    return pd.Series(fold_for_comparison(values), dtype=object)


def _repeated_rows(check: _Check, ids: np.ndarray | None, names: dict, dates: dict) -> np.ndarray:
    """Rows equal to an earlier row on every mapped field (cleaned values; raw text where unreadable)."""
    keys: dict[str, Any] = {}
    for field_name in check.columns:
        raw = pd.Series(check.values[field_name], dtype=object).map(display_value, na_action="ignore")
        raw = raw.str.strip().str.casefold() if len(raw) else raw
        if field_name == "identifier" and ids is not None:
            keys[field_name] = pd.Series(ids, dtype=object).fillna(raw)
        elif field_name in dates:
            keys[field_name] = (
                pd.Series(dates[field_name]).astype(object).where(~np.isnat(dates[field_name]), raw)
            )
        elif field_name in names:
            keys[field_name] = _folded(names[field_name], check.count)
        else:
            keys[field_name] = raw
    for field_name in ("first_name", "last_name"):
        if field_name in names and field_name not in keys:
            keys[field_name] = _folded(names[field_name], check.count)
    return pd.DataFrame(keys).duplicated(keep="first").to_numpy()


def run_check(table: SourceTable, profile: SupplyProfile, as_of: dt.date | None = None) -> CheckResult:
    """Run every rule over the mapped columns of the table and return the result."""
    check = _Check(table, profile, as_of or dt.date.today())
    for field_name in check.columns:
        check.report(check.error_cells[field_name], "cell_error_value", field_name)
    ids, valid_id, well_formed = _check_identifier(check)
    names, usable_name = _check_names(check)
    dates, usable_dob = _check_dates(check)
    genders, usable_gender = _check_gender(check)
    _check_between_rows(check, ids, well_formed, names, dates)
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
        canonical=_canonical_frame(check, ids, names, dates, genders),
        issues=issues,
        linkable=linkable,
        has_error=has_error,
        skipped_blank_rows=table.skipped_blank_rows + (table.row_count - check.count),
        columns={f: c.header for f, c in check.columns.items()},
        identifier_type=check.id_type,
    )


def _canonical_frame(check: _Check, ids, names: dict, dates: dict, genders) -> pd.DataFrame:
    """What would be sent, before output formatting: cleaned values per field, extra columns as read.

    Text columns stay object dtype so an absent value is None, never a NaN that could be sent as "nan".
    """
    text: dict[str, Any] = {}
    if ids is not None:
        text["identifier"] = ids
    text.update(names)
    if genders is not None:
        text["gender"] = genders
    if "record_id" in check.columns:
        text["record_id"] = [display_value(v) for v in check.values["record_id"]]
    for header in check.profile.extra_columns:
        column = check.table.find_column(header)
        text[header] = [display_value(v) for v in column.values[check.positions]]
    frame: dict[str, Any] = {"row": check.row_numbers}
    frame.update({name: pd.Series(values, dtype=object) for name, values in text.items()})
    frame.update(dates)
    return pd.DataFrame(frame)

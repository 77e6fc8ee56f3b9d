"""run_check: every rule of the catalogue over a whole table, vectorised, into one CheckResult.

Data flows one way: SourceTable + SupplyProfile -> CheckResult. The result holds the canonical values
(what would be sent), every issue (row, field, column, rule, severity, value, message), which rows can be
linked and which carry an error. The GUI, the report workbook, the extract and `check --json` all read
this one result, so they can never disagree. Each rule group is a function over whole columns.

The state a check carries is a `Check` (core.checking.check_state); the rule groups are in
core.checking.field_checks (one field each) and core.checking.between_rows (rows compared with each other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from core.checking.between_rows import check_between_rows
from core.checking.check_state import Check
from core.checking.field_checks import check_dates, check_gender, check_identifier, check_names
from core.checking.normalise import display_value
from core.checking.rules import RULES, plural
from core.profile import SupplyProfile
from core.reading.table import SourceTable

AS_READ_FIELDS = ("record_id", "service")  # sent as they are: no rule reads them


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


def run_check(table: SourceTable, profile: SupplyProfile, as_of: dt.date | None = None) -> CheckResult:
    """Run every rule over the mapped columns of the table and return the result."""
    check = Check(table, profile, as_of or dt.date.today())
    for field_name in check.columns:
        check.report(check.error_cells[field_name], "cell_error_value", field_name)
    ids, valid_id, well_formed = check_identifier(check)
    names, usable_name = check_names(check)
    dates, usable_dob = check_dates(check)
    genders, usable_gender = check_gender(check)
    identity = Identity(
        ids,
        *check.packed,
        well_formed,
        dict(check.folded),
        check.folded_names,
        dates.get("date_of_birth"),
        check.gender_numbers,
    )
    check_between_rows(check, well_formed, dates)
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


def _sent_as_read(check: Check) -> dict[str, np.ndarray]:
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

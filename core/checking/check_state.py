"""The state of one check: the mapped columns cut to the checked rows, and the issues found so far.

`run_check` (core.checking.check) makes one `Check` and hands it to each rule group
(core.checking.field_checks, core.checking.between_rows), which read its columns and record issues on it. It
sits apart from `check` so that the rule groups can name it without importing the module that calls them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.checking.identifiers import IdentifierColumn, check_identifiers
from core.checking.normalise import DistinctTexts, display_value, distinct_texts, error_code_texts
from core.checking.rules import RULES, SEVERITY_ORDER
from core.errors import InputError
from core.profile import SupplyProfile
from core.reading.table import CellKind, SourceColumn, SourceTable

# Fields whose normaliser works once per distinct cell text: their columns are factorized once, up front.
DISTINCT_TEXT_FIELDS = ("first_name", "last_name", "full_name", "gender")
ISSUE_COLUMNS = ["row", "position", "field", "column", "rule", "severity", "value", "message"]


class Check:
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
                    "message": rule.message_for(field_name, self.id_type, split=source != field_name),
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

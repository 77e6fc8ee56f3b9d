"""A check's issues indexed for the Review table: built once, in the check's worker, with no Qt objects.

Kept apart from gui.table_model so that the window can start without pandas and numpy: only the check's
job (on a worker thread) imports this module, by which time the check has loaded them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.checking.rules import RULES, SEVERITY_ORDER, parts_of_full_name

if TYPE_CHECKING:
    from core.checking.check import CheckResult


@dataclass(frozen=True)
class ProblemGroup:
    """One line of the side list: a rule on one field, and how many rows have it."""

    rule_id: str
    field: str | None
    severity: str
    message: str
    how_to_fix: str
    rows: int


class _KeyIndex:
    """Issues grouped by an integer key (a cell or a row), sorted for binary search; worst severity first."""

    def __init__(self, keys: np.ndarray, ranks: np.ndarray, issue_numbers: np.ndarray) -> None:
        order = np.lexsort((ranks, keys))
        sorted_keys = keys[order]
        self.keys, starts = np.unique(sorted_keys, return_index=True)
        self.starts = starts
        self.ends = np.append(starts[1:], len(sorted_keys)).astype(np.int64)
        self.worst = ranks[order][starts] if len(order) else np.zeros(0, dtype=np.int64)
        self.issue_numbers = issue_numbers[order]

    def find(self, key: int) -> int:
        """Where `key` sits in `keys`, or -1 when nothing is reported there."""
        at = int(np.searchsorted(self.keys, key))
        return at if at < len(self.keys) and self.keys[at] == key else -1

    def issues_at(self, found: int) -> np.ndarray:
        return self.issue_numbers[self.starts[found] : self.ends[found]]


class ProblemIndex:
    """Every issue of a result indexed for the table: built once, in the check's worker (no Qt objects).

    Cell problems are keyed by row * columns + column, whole-row problems by row; both sorted for binary
    search. The side list's groups are counted here too, so the GUI thread only wraps finished arrays.
    """

    def __init__(self, result: CheckResult) -> None:
        table = result.table
        issues = result.issues
        self.id_type = result.identifier_type
        self.split_fields = parts_of_full_name(result.columns)  # said of the full-name column
        self.row_count = table.row_count
        self.column_count = len(table.columns)
        self.rules = issues["rule"].to_numpy(dtype=object)
        self.fields = issues["field"].to_numpy(dtype=object)
        self.no_field = pd.isna(issues["field"]).to_numpy(dtype=bool)
        self.messages = issues["message"].to_numpy(dtype=object)
        self.severities = issues["severity"].to_numpy(dtype=object)
        self.positions = issues["position"].to_numpy(dtype=np.int64)
        ranks = issues["severity"].map(SEVERITY_ORDER).to_numpy(dtype=np.int64)
        column_of = {column.header: number for number, column in enumerate(table.columns)}
        self.columns = issues["column"].map(column_of).fillna(-1).to_numpy(dtype=np.int64)
        numbers = np.arange(len(issues), dtype=np.int64)
        on_cell = self.columns >= 0
        self.cells = _KeyIndex(
            self.positions[on_cell] * self.column_count + self.columns[on_cell],
            ranks[on_cell],
            numbers[on_cell],
        )
        self.rows = _KeyIndex(self.positions[~on_cell], ranks[~on_cell], numbers[~on_cell])
        self.groups = self._count_groups(issues)

    def _count_groups(self, issues: pd.DataFrame) -> list[ProblemGroup]:
        """The side list: every (rule, field) found, worst severity first, then the most rows first."""
        if issues.empty:
            return []
        frame = pd.DataFrame({"rule": self.rules, "field": self.fields, "position": self.positions})
        frame["field"] = frame["field"].fillna("")
        counts = frame.groupby(["rule", "field"], sort=False)["position"].nunique()
        groups = []
        for (rule_id, field_key), rows in counts.items():
            field = field_key or None
            rule = RULES[rule_id]
            groups.append(
                ProblemGroup(
                    rule_id=rule_id,
                    field=field,
                    severity=rule.severity,
                    message=rule.message_for(field, self.id_type, field in self.split_fields),
                    how_to_fix=rule.how_to_fix_for(field, self.id_type, field in self.split_fields),
                    rows=int(rows),
                )
            )
        return sorted(groups, key=lambda g: (SEVERITY_ORDER[g.severity], -g.rows, g.message))

    def issues_of(self, rule_id: str, field: str | None) -> np.ndarray:
        """Per issue: is it this rule on this field (field None: a rule on the whole row)?"""
        same_field = self.no_field if field is None else self.fields == field
        return (self.rules == rule_id) & same_field

    def rows_with(self, rule_id: str, field: str | None) -> np.ndarray:
        """The table rows that have this problem, in sheet order."""
        return np.unique(self.positions[self.issues_of(rule_id, field)])

    def first_cell(self, rule_id: str, field: str | None) -> tuple[int, int]:
        """(row, column) of the first cell with this problem; column 0 for a problem on the whole row."""
        chosen = np.flatnonzero(self.issues_of(rule_id, field))
        if not len(chosen):
            return -1, -1
        first = chosen[np.argmin(self.positions[chosen])]
        return int(self.positions[first]), max(int(self.columns[first]), 0)

"""The issues of a check as the quality report lays them out, in plain values (no openpyxl here).

Issues ordered by row a slice at a time, grouped per Data cell with the comment that goes on it, one line per
problem for the Problems sheet, and counted per rule and field for the Summary. The sheets
(core.checking.report_sheets) write these lines; the specification document (core.sending.specification)
lists the same counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.checking.check import CheckResult
from core.checking.rules import RULES, SEVERITIES, SEVERITY_ORDER, parts_of_full_name

WHOLE_ROW = "(whole row)"


@dataclass(frozen=True)
class CellNote:
    """The worst severity on one Data cell, and the comment that lists every problem on it."""

    severity: str
    text: str


_FIX_CACHE: dict[tuple[str, str | None, str | None, bool], str] = {}


def how_to_fix(rule_id: str, field_name: str | None, id_type: str | None, split: bool = False) -> str:
    """The catalogue's hint for this rule on this field (cached: it is asked once per issue); `split`: the
    field is a part of the full name (rules.parts_of_full_name)."""
    key = (rule_id, field_name, id_type, split)
    if key not in _FIX_CACHE:
        _FIX_CACHE[key] = RULES[rule_id].how_to_fix_for(field_name, id_type, split)
    return _FIX_CACHE[key]


ISSUES_PER_SLICE = 20_000  # issues turned into Python objects at a time, so a million never are at once


def _issue_slices(result: CheckResult, keys: tuple[str, ...]) -> Iterator[tuple[list[Any], ...]]:
    """The issues by row, errors first within a row, as lists of plain values a slice at a time.

    Only the order (8 bytes an issue) is held for the whole check: a million issues as tuples or dicts took
    hundreds of megabytes while the report was written.
    """
    issues = result.issues
    if not len(issues):
        return
    rank = issues["severity"].map(SEVERITY_ORDER).to_numpy()
    order = np.lexsort((rank, issues["row"].to_numpy()))
    for start in range(0, len(order), ISSUES_PER_SLICE):
        part = issues.take(order[start : start + ISSUES_PER_SLICE])
        yield tuple(part[key].tolist() for key in keys)


def cell_notes(result: CheckResult, headers: list[str]) -> Iterator[tuple[int, list[tuple[int, CellNote]]]]:
    """(checked-row index, [(index in the Data line, note)]) in row order; index 0 is the Row cell (row-level
    issues). Made one row at a time as the Data sheet is written."""
    column_index = {header: index for index, header in enumerate(headers, 1)}
    split = parts_of_full_name(result.columns)
    current, grouped = -1, defaultdict(list)
    for positions, headers_of, rule_ids, fields, severities, messages in _issue_slices(
        result, ("position", "column", "rule", "field", "severity", "message")
    ):
        where = np.searchsorted(result.positions, np.asarray(positions, dtype=np.int64)).tolist()
        for row_index, header, rule_id, field_name, severity, message in zip(
            where, headers_of, rule_ids, fields, severities, messages, strict=True
        ):
            if row_index != current:
                if grouped:
                    yield current, _notes_of_row(grouped)
                current, grouped = row_index, defaultdict(list)
            fix = how_to_fix(rule_id, field_name, result.identifier_type, field_name in split)
            text = f"{SEVERITIES[severity].label}: {message}\nHow to fix: {fix}"
            grouped[column_index.get(header, 0)].append((SEVERITY_ORDER[severity], severity, text))
    if grouped:
        yield current, _notes_of_row(grouped)


def _notes_of_row(grouped: dict[int, list[tuple[int, str, str]]]) -> list[tuple[int, CellNote]]:
    notes = []
    for column, found in grouped.items():
        found.sort(key=lambda entry: entry[0])
        text = "\n\n".join(dict.fromkeys(entry[2] for entry in found))
        notes.append((column, CellNote(severity=found[0][1], text=text)))
    return notes


def problem_lines(result: CheckResult, limit: int | None = None) -> Iterator[tuple[Any, ...]]:
    """Every issue as (row, severity, problem, column, value, how to fix, rule id): by row, errors first,
    at most `limit` of them, made a slice at a time.

    The value is the cell as read (a date stays a date), or the check's text of it when there is no cell.
    """
    columns = {column.header: column for column in result.table.columns}
    split = parts_of_full_name(result.columns)
    made = 0
    for rows, positions, severities, messages, headers, values, rule_ids, fields in _issue_slices(
        result, ("row", "position", "severity", "message", "column", "value", "rule", "field")
    ):
        for row, position, severity, message, header, value, rule_id, field_name in zip(
            rows, positions, severities, messages, headers, values, rule_ids, fields, strict=True
        ):
            if limit is not None and made >= limit:
                return
            column = columns.get(header) if header is not None else None
            cell = (column.values[position], column.kinds[position]) if column is not None else (value, None)
            fix = how_to_fix(rule_id, field_name, result.identifier_type, field_name in split)
            yield (int(row), severity, message, header or WHOLE_ROW, cell, fix, rule_id)
            made += 1


def rule_lines(result: CheckResult) -> list[tuple[str, int, str, str, str]]:
    """(severity, count, problem, how to fix, rule id) per rule and field that fired.

    One line per field rather than per rule, because the words differ ("Date of birth is not a date that
    can be read" / "Service start date is ..."). Errors first, then in the catalogue's order.
    """
    issues = result.issues
    if not len(issues):
        return []
    catalogue_order = {rule_id: index for index, rule_id in enumerate(RULES)}
    split = parts_of_full_name(result.columns)
    keyed = issues.assign(field=issues["field"].fillna(""))
    counts = keyed.groupby(["rule", "field", "message"], sort=False).size()
    ranked = []
    for (rule_id, field_name, message), count in counts.items():
        severity = RULES[rule_id].severity
        fix = how_to_fix(rule_id, field_name or None, result.identifier_type, field_name in split)
        rank = (SEVERITY_ORDER[severity], catalogue_order[rule_id], message)
        ranked.append((rank, (severity, int(count), message, fix, rule_id)))
    return [line for _, line in sorted(ranked, key=lambda entry: entry[0])]

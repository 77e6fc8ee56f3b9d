"""Readiness: the questions Stats NZ asks an organisation before its first supply, answered where we can.

Before an organisation supplies anything it documents how it records people, dates and services, which
tool it exports from and how the data will travel (the SIA primer's steps 1 to 4). Small NGOs find this
paperwork hard, yet a check already knows most of the answers: how many people carry a valid ID, how many
could only be linked by name, date of birth and gender, how often start and end dates are filled in,
whether a column records the service. `assess` turns a CheckResult into those answers, each with what it
means for linking and what to do next, in our own words. The questions no spreadsheet can answer (how
people sign up, the export route, direct or through someone else) are kept as data, with their choices and
the wording of every answer, in core.checking.readiness_questions; the answers people give are saved in the
supply profile under `readiness` by core.checking.readiness_answers.

Only counts and percentages leave this module: never a value from a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.checking.readiness_answers import saved_answers
from core.checking.readiness_questions import (
    ASKED,
    DATES_CHOICES,
    DATES_QUESTION,
    ID_CHOICES,
    ID_QUESTION,
    SERVICE_CHOICES,
    SERVICE_QUESTION,
    Finding,
    Question,
)
from core.checking.rules import ID_TYPE_NAMES
from core.profile import SupplyProfile
from core.reading.header_words import fold_header
from core.reading.table import CellKind, SourceTable

if TYPE_CHECKING:  # the window shows the questions and saved answers before any check: numpy waits till then
    import numpy as np

    from core.checking.check import CheckResult

# The rules that leave a row without an ID number Stats NZ can link by.
ID_NOT_VALID_RULES = ("id_missing", "id_invalid_format", "id_bad_check_digit", "id_test_number")
LINKING_ID_TYPES = ("NHI", "SWN", "IRD")
ALL_BUT_A_FEW = 95.0  # per cent: "for everyone", allowing for a few records still to fix
SERVICE_HEADER_WORDS = ("service", "services", "programme", "program", "programmes", "initiative", "activity")
SERVICE_VALUES_SHOWN = 12


@dataclass
class Readiness:
    """The data's answers and the questions left for people, with any answers already given."""

    findings: list[Finding]
    questions: tuple[Question, ...]
    answers: dict[str, str]  # question id -> choice id, or the written answer for an open question

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [
                {
                    "id": f.id,
                    "question": f.text,
                    "answer": f.answer,
                    "choice": f.choice.id,
                    "meaning": f.choice.meaning,
                    "next_step": f.choice.next_step,
                    "figures": f.figures,
                }
                for f in self.findings
            ],
            "questions": [
                {
                    "id": q.id,
                    "question": q.text,
                    "choices": [{"id": c.id, "answer": c.answer} for c in q.choices],
                    "answer": self.answers.get(q.id),
                }
                for q in self.questions
            ],
        }


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _shown(value: float) -> str:
    """94.0 -> "94%", 99.5 -> "99.5%": whole numbers without a decimal."""
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def rows_with_valid_identifier(result: CheckResult) -> np.ndarray:
    """Bool per checked row: an NHI, SWN or IRD number Stats NZ can link by (right shape and check, no test)."""
    import numpy as np

    valid = np.zeros(result.rows, dtype=bool)
    if "identifier" not in result.columns or result.identifier_type not in LINKING_ID_TYPES:
        return valid
    issues = result.issues
    spoilt = issues["field"].eq("identifier") & (
        issues["rule"].isin(ID_NOT_VALID_RULES) | issues["rule"].eq("cell_error_value")
    )
    bad_positions = issues.loc[spoilt, "position"].to_numpy(dtype=np.int64)
    valid[:] = True
    valid[np.searchsorted(result.positions, bad_positions)] = False
    return valid


def identifier_finding(result: CheckResult) -> Finding:
    rows = result.rows
    valid = int(rows_with_valid_identifier(result).sum())
    unlinkable = rows - result.linkable_rows
    by_details = result.linkable_rows - valid
    figures = {
        "rows": rows,
        "identifier_type": result.identifier_type if "identifier" in result.columns else None,
        "valid_identifier": valid,
        "valid_identifier_percent": percent(valid, rows),
        "linkable_by_details_only": by_details,
        "unlinkable": unlinkable,
        "unlinkable_percent": percent(unlinkable, rows),
    }
    sentences = []
    if "identifier" not in result.columns:
        sentences.append(
            "No column holds an ID number, so every person is linked by name, date of birth and gender."
        )
    elif result.identifier_type not in LINKING_ID_TYPES:
        sentences.append(
            "The ID column is not an NHI, SWN or IRD number, so Stats NZ cannot link by it: every person is "
            "linked by name, date of birth and gender."
        )
    else:
        id_name = ID_TYPE_NAMES[result.identifier_type]
        sentences.append(
            f"A valid {id_name} is present for {_shown(percent(valid, rows))} of people ({valid:,} of {rows:,})."
        )
        if by_details:
            sentences.append(f"{by_details:,} more can be linked by name, date of birth and gender.")
    people = "person has" if unlinkable == 1 else "people have"
    sentences.append(
        f"{unlinkable:,} {people} neither a valid ID number nor a name, date of birth and gender."
        if unlinkable
        else "Everyone has a valid ID number or a name, date of birth and gender."
    )
    if percent(valid, rows) >= ALL_BUT_A_FEW:
        choice = ID_CHOICES["agency_id"]
    elif percent(unlinkable, rows) <= 100 - ALL_BUT_A_FEW:
        choice = ID_CHOICES["biographical"]
    else:
        choice = ID_CHOICES["not_everyone"]
    return Finding("identifiers", ID_QUESTION, " ".join(sentences), choice, figures)


def _recorded(result: CheckResult, field_name: str) -> int | None:
    """Rows whose date in this field was read (None when the field is not matched)."""
    if field_name not in result.columns:
        return None
    return int(result.canonical[field_name].notna().sum())


def dates_finding(result: CheckResult) -> Finding:
    rows = result.rows
    start, end = _recorded(result, "start_date"), _recorded(result, "end_date")
    figures = {
        "rows": rows,
        "start_recorded": start,
        "start_recorded_percent": None if start is None else percent(start, rows),
        "end_recorded": end,
        "end_recorded_percent": None if end is None else percent(end, rows),
    }
    parts = []
    parts.append(
        "No column holds a service start date."
        if start is None
        else f"A service start date is recorded for {_shown(percent(start, rows))} of people"
    )
    if end is None:
        parts.append("no column holds an end date.")
    else:
        parts.append(f"an end date for {_shown(percent(end, rows))}.")
    answer = parts[0] + ("; " if start is not None else " And ") + parts[1]
    if start is None or percent(start, rows) < 50:
        choice = DATES_CHOICES["no"]
    elif end is None or percent(end, rows) < ALL_BUT_A_FEW:
        choice = DATES_CHOICES["start_only"]
    else:
        choice = DATES_CHOICES["yes"]
    return Finding("dates", DATES_QUESTION, answer, choice, figures)


def service_candidates(table: SourceTable) -> list[str]:
    """Headers that look like a service or programme column ("Programme", "Service type")."""
    found = []
    for column in table.columns:
        words = fold_header(column.header).split()
        if any(word in SERVICE_HEADER_WORDS for word in words) and not {"start", "end", "date"} & set(words):
            found.append(column.header)
    return found


def service_values(table: SourceTable, header: str, positions: np.ndarray) -> list[tuple[str, int]]:
    """The distinct values of the service column among the checked rows, most common first, with counts."""
    column = table.find_column(header)
    if column is None:
        return []
    cells = column.values[positions][column.kinds[positions] != CellKind.EMPTY]
    counts: dict[str, int] = {}
    for cell in cells:
        text = str(cell).strip()
        if text:
            counts[text] = counts.get(text, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def service_finding(result: CheckResult) -> Finding:
    header = result.columns.get("service")
    candidates = [h for h in service_candidates(result.table) if h != header]
    figures: dict[str, Any] = {"column": header, "candidates": candidates}
    if header is not None:
        values = service_values(result.table, header, result.positions)
        recorded = sum(count for _, count in values)
        figures.update(values=dict(values[:SERVICE_VALUES_SHOWN]), recorded=recorded)
        listed = ", ".join(f"{name} ({count:,})" for name, count in values[:SERVICE_VALUES_SHOWN])
        more = (
            f" and {len(values) - SERVICE_VALUES_SHOWN:,} more" if len(values) > SERVICE_VALUES_SHOWN else ""
        )
        answer = (
            f'The column "{header}" is sent as the service or programme; it is filled in for '
            f"{_shown(percent(recorded, result.rows))} of people. Values: {listed or 'none'}{more}."
        )
        return Finding("service", SERVICE_QUESTION, answer, SERVICE_CHOICES["chosen"], figures)
    if candidates:
        named = ", ".join(f'"{h}"' for h in candidates)
        answer = f"{named} seems to record the service or programme, but it is not chosen, so it is not sent."
        return Finding("service", SERVICE_QUESTION, answer, SERVICE_CHOICES["found"], figures)
    answer = "No column records the service or programme."
    return Finding("service", SERVICE_QUESTION, answer, SERVICE_CHOICES["none"], figures)


def assess(result: CheckResult, profile: SupplyProfile | None = None) -> Readiness:
    """The data's answers for this check, and the people's questions with the answers saved in the profile."""
    profile = profile or result.profile
    findings = [identifier_finding(result), dates_finding(result), service_finding(result)]
    return Readiness(findings=findings, questions=ASKED, answers=saved_answers(profile))

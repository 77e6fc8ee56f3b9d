"""Readiness: the questions Stats NZ asks an organisation before its first supply, answered where we can.

Before an organisation supplies anything it documents how it records people, dates and services, which
tool it exports from and how the data will travel (the SIA primer's steps 1 to 4). Small NGOs find this
paperwork hard, yet a check already knows most of the answers: how many people carry a valid ID, how many
could only be linked by name, date of birth and gender, how often start and end dates are filled in,
whether a column records the service. `assess` turns a CheckResult into those answers, each with what it
means for linking and what to do next, in our own words. The questions no spreadsheet can answer (how
people sign up, the export route, direct or through someone else) are kept here as data, with their
choices, and the answers people give are saved in the supply profile under `readiness`.

Only counts and percentages leave this module: never a value from a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.checking.rules import ID_TYPE_NAMES
from core.errors import InputError
from core.profile import SupplyProfile, save_profile
from core.reading.header_words import fold_header
from core.reading.table import CellKind, SourceTable

if TYPE_CHECKING:  # the window shows the questions and saved answers before any check: numpy waits till then
    import numpy as np

    from core.checking.check import CheckResult

PROFILE_KEY = "readiness"
# The rules that leave a row without an ID number Stats NZ can link by.
ID_NOT_VALID_RULES = ("id_missing", "id_invalid_format", "id_bad_check_digit", "id_test_number")
LINKING_ID_TYPES = ("NHI", "SWN", "IRD")
ALL_BUT_A_FEW = 95.0  # per cent: "for everyone", allowing for a few records still to fix
SERVICE_HEADER_WORDS = ("service", "services", "programme", "program", "programmes", "initiative", "activity")
SERVICE_VALUES_SHOWN = 12


@dataclass(frozen=True)
class Choice:
    """One answer to a question, with what it means for the organisation and what to do next."""

    id: str
    answer: str
    meaning: str
    next_step: str


@dataclass(frozen=True)
class Question:
    """A question people answer (the data cannot); `choices` empty means a short written answer."""

    id: str
    step: str  # where it sits in Stats NZ's process, in a few words
    text: str
    hint: str
    choices: tuple[Choice, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Finding:
    """A question the data answers: the answer in a sentence, the matching choice, and the figures behind it."""

    id: str
    text: str  # the question
    answer: str  # what the data says, one or two sentences of counts and percentages
    choice: Choice
    figures: dict[str, Any] = field(default_factory=dict)


# ---- The questions people answer ---------------------------------------------------------------------

ASKED: tuple[Question, ...] = (
    Question(
        "sign_up",
        "1. How people are recorded",
        "How do people come to be recorded by you?",
        "For example: everyone who comes in fills in a paper or online form, and staff type it into the "
        "spreadsheet or client system. A few sentences are enough.",
    ),
    Question(
        "id_source",
        "2. What you record about people",
        "Where do the ID numbers come from, and does anyone check them?",
        "For example: the NHI comes from the referral letter and staff look it up before entering it.",
    ),
    Question(
        "dates_source",
        "3. Dates of support",
        "Where and how are the start and end dates recorded?",
        "For example: the start date is filled in when a person is enrolled; staff type the end date when "
        "the case is closed or the person moves on.",
    ),
    Question(
        "services_recorded",
        "4. Services you provide",
        "Do you record which of your services or programmes each person takes part in?",
        "Think of every initiative you run, not only the one in this list.",
        (
            Choice(
                "no",
                "No",
                "That is fine: the IDI still gives useful insights about the people you work with. If you "
                "run more than one service, you may later want to tell them apart.",
                "Think about whether recording it would be worth the extra work, and whether it would suit "
                "the people you support.",
            ),
            Choice(
                "some",
                "Yes, for some of our services",
                "Good: those services can be compared. The others could be recorded too.",
                "Write down which services are recorded, and how.",
            ),
            Choice(
                "all",
                "Yes, for all of our services",
                "Very good: your services can be compared with each other.",
                "Write down briefly how services are recorded.",
            ),
        ),
    ),
    Question(
        "export_tool",
        "Getting the data out",
        "Where does this list come from?",
        "IDI Share reads a spreadsheet or an export file. What matters is who can produce that file each time.",
        (
            Choice(
                "spreadsheet",
                "We keep the list ourselves in a spreadsheet",
                "You can produce the file yourselves each supply period.",
                "Keep the column headings the same from one period to the next, so the saved matches fit.",
            ),
            Choice(
                "own_queries",
                "Our client system lets us write our own queries and export them",
                "You have everything you need to produce the file.",
                "Save the query, so the same export can be run each period.",
            ),
            Choice(
                "predefined_queries",
                "Our client system has ready-made reports we can export",
                "One of those reports, or a few together, may already hold what is needed; if not, the "
                "supplier may need to add one.",
                "Check whether the ready-made reports cover the ID number, names, date of birth, gender and "
                "the service dates.",
            ),
            Choice(
                "vendor",
                "Our client system comes from a supplier and we cannot export from it ourselves",
                "You will need the supplier to make the export for you, or to give you a way to make it.",
                "Ask the supplier; the government agency that funds you may be able to help.",
            ),
            Choice(
                "built_no_capability",
                "We built our own system, but no one can change it any more",
                "You will need a way to get that skill back, or someone who has it.",
                "Look into how this could be done; the government agency that funds you may be able to help.",
            ),
        ),
    ),
    Question(
        "route",
        "How the data travels",
        "Who will send the data to Stats NZ?",
        "The route decides who signs an agreement with whom.",
        (
            Choice(
                "direct",
                "We send it to Stats NZ ourselves",
                "You need a data sharing agreement with Stats NZ.",
                "Stats NZ will go through the agreement, a confidentiality agreement and the data "
                "specification with you.",
            ),
            Choice(
                "vendor",
                "Our system's supplier sends it for us",
                "You still need a data sharing agreement with Stats NZ, and you need to be sure the supplier "
                "sends exactly what you agreed.",
                "Stats NZ will go through the agreement with you; check what the supplier will send.",
            ),
            Choice(
                "intermediary",
                "It goes through another organisation (head office, a data broker, the agency that funds us)",
                "You need a data sharing agreement with Stats NZ, and may also need one with that "
                "organisation.",
                "Talk with the other organisation about an agreement between you.",
            ),
        ),
    ),
)
QUESTIONS = {question.id: question for question in ASKED}

# ---- The questions the data answers ------------------------------------------------------------------

ID_QUESTION = "Do you record an ID number, or name, date of birth and gender, for everyone?"
DATES_QUESTION = "Do you record when each person started with you and when they stopped?"
SERVICE_QUESTION = "Does the list say which service or programme each person is in?"

ID_CHOICES = {
    "agency_id": Choice(
        "agency_id",
        "An ID number (NHI, SWN or IRD) for everyone",
        "Linking is straightforward: Stats NZ links most people by their ID number.",
        "Write down where the ID numbers come from and whether staff check them.",
    ),
    "biographical": Choice(
        "biographical",
        "Name, date of birth and gender for everyone (an ID number for some)",
        "Where there is no ID number, Stats NZ links by name, date of birth and gender, so those need to be "
        "complete and correct.",
        "Fix the rows IDI Share marks, and write down how these details are collected.",
    ),
    "not_everyone": Choice(
        "not_everyone",
        "Not for everyone",
        "People with neither a valid ID number nor a name, date of birth and gender cannot be linked, so "
        "they drop out of what you learn back.",
        "Fill in the missing details in your records, starting with the rows IDI Share marks as "
        "impossible to link. If you collect neither for most people, you will need to start.",
    ),
}
DATES_CHOICES = {
    "yes": Choice(
        "yes",
        "Yes, start and end dates are recorded",
        "Good: with dates, the people you support can be compared with people you did not support, and "
        "the effect of your support can be estimated.",
        "Write down where each date is recorded and who enters it.",
    ),
    "start_only": Choice(
        "start_only",
        "Start dates are recorded; end dates only sometimes",
        "Start dates are what matter most. End dates are usually blank for people still with you, but "
        "if people who left have no end date, their time with you looks longer than it was.",
        "Check that an end date is entered when someone leaves, and write down where both are recorded.",
    ),
    "no": Choice(
        "no",
        "No, or rarely",
        "Without dates, the time each person was supported is unknown, which limits what can be learned.",
        "Think about how you could record when people start and stop.",
    ),
}
SERVICE_CHOICES = {
    "chosen": Choice(
        "chosen",
        "Yes, and it is sent",
        "Your services can be told apart in the results.",
        "Check the service names listed, and write down what each one means.",
    ),
    "found": Choice(
        "found",
        "A column seems to record it, but it is not chosen",
        "Nothing about services is sent unless you choose it. Sending it lets your services be compared.",
        'If you agreed to send it, choose the column as "Service or programme" when matching columns.',
    ),
    "none": Choice(
        "none",
        "No column records it",
        "That is fine: the IDI still gives useful insights without it.",
        "If you run more than one service, think about whether to record which one each person is in.",
    ),
}


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


def saved_answers(profile: SupplyProfile) -> dict[str, str]:
    """The answers kept in the profile, only those that still fit a question (a hand edit is not trusted)."""
    stored = profile.raw.get(PROFILE_KEY)
    answers = stored.get("answers") if isinstance(stored, dict) else None
    if not isinstance(answers, dict):
        return {}
    kept = {}
    for question_id, answer in answers.items():
        question = QUESTIONS.get(question_id)
        if question is None or not isinstance(answer, str):
            continue
        if not question.choices or question.choice(answer) is not None:
            kept[question_id] = answer
    return kept


def record_answers(profile: SupplyProfile, answers: dict[str, str], today: dt.date | None = None) -> None:
    """Put answers into the profile (merged with earlier ones); an unknown question or choice is refused."""
    for question_id, answer in answers.items():
        question = QUESTIONS.get(question_id)
        if question is None:
            raise InputError(
                f'There is no readiness question "{question_id}" (known: {", ".join(QUESTIONS)}).'
            )
        if question.choices and question.choice(answer) is None:
            known = ", ".join(c.id for c in question.choices)
            raise InputError(f'"{answer}" is not an answer to "{question.text}" (choose one of: {known}).')
        if not question.choices and not (isinstance(answer, str) and answer.strip()):
            raise InputError(f'Write a few words to answer "{question.text}", or leave it out.')
    merged = {**saved_answers(profile), **{k: v.strip() for k, v in answers.items()}}
    profile.raw[PROFILE_KEY] = {"answers": merged, "updated": (today or dt.date.today()).isoformat()}


def save_answers(profile: SupplyProfile, answers: dict[str, str], path: Path | None = None) -> None:
    """Record the answers and save the profile where it came from (or to `path`)."""
    record_answers(profile, answers)
    target = path or profile.path
    if target is None:
        raise InputError(
            "The supply settings have not been saved yet, so the answers cannot be saved with them."
        )
    save_profile(profile, target)

"""The rule catalogue (docs/rules.md): every problem the app can report, with its id, severity and the
plain words shown to staff. This is the only place those words live; the table, the report workbook and
`check --json` all take them from here. Ids are a public interface: add rules, never rename or drop one.

`{field}` in a text becomes the field's plain name ("Date of birth"), `{id_type}` the identifier's name.
Severities have one label and one meaning, used by the window, the report and the CLI alike, so a
coordinator who reads "Must be fixed" on screen finds the same words in the printed report.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

FIELD_NAMES = {
    "identifier": "ID number",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "start_date": "Service start date",
    "end_date": "Service end date",
    "record_id": "Record id",
    "service": "Service or programme",
}
ID_TYPE_NAMES = {"NHI": "NHI number", "SWN": "SWN (MSD client number)", "IRD": "IRD number", "OTHER": "ID"}
ID_SHAPE_HINTS = {
    "NHI": "An NHI number is 3 letters (no I or O) then 4 digits, like ABC1234, or the newer form like ABC12DE.",
    "SWN": "An SWN (MSD client number) is 9 digits.",
    "IRD": "An IRD number is 8 or 9 digits, like 49-091-850 or 136-410-132.",
    "OTHER": "",
}


@dataclass(frozen=True)
class Severity:
    """How serious a problem is, in the words people read. The id is what JSON and code use; it never changes."""

    id: str  # "error", "warning" or "info" (docs/rules.md)
    label: str  # a few words shown beside every problem: window, report and CLI
    meaning: str  # one sentence: what it means for the person and for linking, and what to do


SEVERITIES: dict[str, Severity] = {
    severity.id: severity
    for severity in (  # worst first: the order problems are listed in
        Severity(
            "error",
            "Must be fixed",
            "This person cannot be linked, or a value is certainly wrong: the row is not sent until you fix it.",
        ),
        Severity(
            "warning",
            "Please check",
            "The row is sent, but linking may fail or match the wrong person: please look at it.",
        ),
        Severity(
            "info",
            "Tidied for you",
            "IDI Share tidied the value itself and sends the tidied value: nothing to do.",
        ),
    )
}
SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(SEVERITIES)}  # worst first, as listed


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    message: str  # what is wrong, one sentence
    how_to_fix: str  # what to do about it, in the system the organisation keeps
    # The same, said of a first or last name split from a full-name column, where the sheet has no column of
    # that name and "Last name is empty." would stand next to a cell that is not empty ("Hone").
    split_message: str = ""
    split_how_to_fix: str = ""

    def message_for(self, field: str | None, id_type: str | None = None, split: bool = False) -> str:
        """`split`: the field is a part of a full name (`parts_of_full_name`)."""
        return _fill(self.split_message if split and self.split_message else self.message, field, id_type)

    def how_to_fix_for(self, field: str | None, id_type: str | None = None, split: bool = False) -> str:
        text = self.split_how_to_fix if split and self.split_how_to_fix else self.how_to_fix
        return _fill(text, field, id_type)


def parts_of_full_name(columns: Collection[str]) -> frozenset[str]:
    """The name fields split from the full-name column, given the mapped fields: their problems are said of
    that column (`split=True` above)."""
    if "full_name" not in columns:
        return frozenset()
    return frozenset(part for part in ("first_name", "last_name") if part not in columns)


def _fill(text: str, field: str | None, id_type: str | None) -> str:
    id_name = ID_TYPE_NAMES.get(id_type or "OTHER", "ID")
    filled = text.replace("{field}", FIELD_NAMES.get(field or "", "Value")).replace("{id_type}", id_name)
    filled = filled.replace("{field_lower}", FIELD_NAMES.get(field or "", "value").lower())
    filled = filled.replace("{shape_hint}", ID_SHAPE_HINTS.get(id_type or "OTHER", ""))
    return " ".join(filled.split())


_CATALOGUE = (
    # Identifier
    Rule("id_missing", "warning", "No {id_type} on this row.",
         "Add the person's {id_type} if you have it. Without it Stats NZ has to link on name, date of birth and gender."),
    Rule("id_invalid_format", "error", "The {id_type} is not in the right format.",
         "Check the number against the person's card or letter and correct it. {shape_hint}"),
    Rule("id_bad_check_digit", "error", "The {id_type} fails its check digit, so one character is probably mistyped.",
         "Compare each character with the person's card or letter and correct the typo."),
    Rule("id_test_number", "warning", "This NHI number starts with Z: it is a test number, not a real person's.",
         "Replace it with the person's real NHI number, or delete the row if it is a test record."),
    Rule("id_reformatted", "info", "Spaces, dashes or lower-case letters were tidied in the {id_type}.",
         "Nothing to do: the tidied number is sent. You may tidy it in your records too."),
    Rule("id_conflict", "error", "The same {id_type} is on other rows with a different name or date of birth.",
         "Find out which person the number belongs to and correct the other rows."),
    Rule("person_duplicate", "warning",
         "Another row has the same name and date of birth but a different {id_type}.",
         "Check whether this is one person recorded twice; keep the right number on both rows."),
    # Names
    Rule("name_missing", "warning", "{field} is empty.",
         "Add the person's {field_lower}. Names help Stats NZ link people who have no ID number.",
         "The name has one word, so there is no {field_lower}.",
         "Write the person's first and last names, for example \u201cAroha Ngata\u201d. Names help Stats NZ "
         "link people who have no ID number."),
    Rule("name_placeholder", "warning", "{field} is a stand-in such as \u201cUnknown\u201d or \u201cBaby of\u201d, not a real name.",
         "Enter the person's real name when you know it."),
    Rule("name_bad_character", "warning",
         "{field} has characters names do not have: a digit, a symbol, or \ufffd where a macron was lost.",
         "Correct the name in your records; if a macron turned into \ufffd, type the letter again (for example \u0101)."),
    Rule("name_initial_only", "warning", "{field} is only an initial.",
         "Enter the full name if you have it: initials make linking less certain."),
    Rule("name_whitespace", "info", "Extra spaces were removed from the {field_lower}.",
         "Nothing to do: the tidied name is sent."),
    # Dates
    Rule("date_unreadable", "error", "{field} is not a date that can be read.",
         "Type the date as day/month/year, for example 03/04/1985, and check the day exists (there is no 31 April)."),
    Rule("date_month_first", "warning",
         "{field} only makes sense month first (like 12/25/2001), so it was read that way.",
         "Check the date with the person's records and type it day first, for example 25/12/2001."),
    Rule("date_from_number", "info", "{field} was a plain number and was read as a spreadsheet date.",
         "Check the date shown is right, and format the cell as a date in your spreadsheet."),
    Rule("dob_missing", "warning", "Date of birth is missing.",
         "Add the date of birth. Without it, a person with no ID number cannot be linked."),
    Rule("dob_in_future", "error", "Date of birth is in the future.",
         "Correct the date of birth; the year is often mistyped."),
    Rule("dob_too_old", "warning", "Date of birth is more than 110 years ago.",
         "Check the year of birth; it is probably mistyped."),
    Rule("dob_placeholder", "warning", "Date of birth looks like a stand-in date (such as 1 January 1900), not a real birthday.",
         "Enter the real date of birth, or leave it empty if you do not know it."),
    Rule("dob_year_only", "warning", "Only the year of birth is recorded, not the full date.",
         "Record the full date of birth if you have it. Stats NZ links a person without an ID number by name, "
         "gender and full date of birth, so with only the year this person can be linked only by their ID number."),
    Rule("dob_after_start", "error", "Date of birth is after the service start date.",
         "Check both dates: one of them is wrong."),
    Rule("start_missing", "warning", "Service start date is missing.",
         "Add the date this person started with your service."),
    Rule("start_in_future", "warning", "Service start date is in the future.",
         "Check the start date; if the person has not started yet, leave them out of this supply."),
    Rule("end_before_start", "error", "Service end date is before the start date.",
         "Check both dates and correct the one that is wrong."),
    Rule("end_in_future", "info", "Service end date is in the future (a planned end).",
         "Nothing to do if the end is planned."),
    # Gender
    Rule("gender_missing", "warning", "Gender is missing or recorded as unknown.",
         "Record the person's gender (male, female or another gender) if they have told you."),
    Rule("gender_unrecognised", "warning", "This gender value is not one IDI Share recognises.",
         "Use male, female or another gender, or tell IDI Share what this code means in the column matches."),
    # Cells and rows
    Rule("cell_error_value", "error", "The {field_lower} cell holds a spreadsheet error (like #N/A or #REF!) instead of a value.",
         "Fix the formula in the spreadsheet, or type the value in."),
    Rule("row_duplicate", "warning",
         "This row repeats an earlier row in every matched column (columns that are not matched are not compared).",
         "If it is the same person recorded twice, delete one of the rows; if they are two people, check their details."),
    Rule("row_unlinkable", "error",
         "This person cannot be linked: there is no valid ID number, and name, date of birth or gender is missing or unusable.",
         "Add a valid NHI, SWN or IRD number, or complete the name, date of birth and gender."),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}


def unsure_identifier(column: str, id_type: str | None, confidence: float) -> str:
    """Said when the ID number column was matched from weak evidence: a check is then never all clear."""
    id_name = ID_TYPE_NAMES.get(id_type or "OTHER", "ID")
    return (
        f'The ID number column "{column}" was matched from its values, not from a heading that says so '
        f"({round(100 * confidence)}% sure): make sure it holds each person's {id_name}, then save the "
        "matches (in the window, or as a profile) and check again with them."
    )


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 row", "2 rows", "1,204 people": counts as people read them."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"

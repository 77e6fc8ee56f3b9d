"""Readiness answers on the shared samples, against figures worked out here from the cells themselves."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.checking.check import run_check
from core.checking.identifiers import clean_identifier, nhi_passes_check, swn_is_valid
from core.checking.readiness import assess
from core.checking.readiness_answers import record_answers, save_answers, saved_answers
from core.checking.readiness_questions import ASKED
from core.errors import InputError
from core.profile import load_profile, profile_from_dict
from core.reading.sources import read_table
from core.reading.table import CellKind

SAMPLES = ("whanau_register.xlsx", "referrals_export.csv")
TEXT_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y")


def checked(data_dir, expected, name, **extra):
    spec = expected["files"][name]
    data = {
        "format": 1,
        "name": name,
        "mapping": spec["mapping"],
        "identifier_type": spec["id_type"],
        **extra,
    }
    table = read_table(data_dir / name)
    return run_check(table, profile_from_dict(data), dt.date.fromisoformat(expected["as_of"])), spec


def people_rows(table, mapping) -> list[int]:
    """Indexes of rows with any mapped cell filled: the people the check counts."""
    columns = [table.find_column(header) for header in mapping.values()]
    return [i for i in range(table.row_count) if any(c.kinds[i] != CellKind.EMPTY for c in columns)]


def valid_identifier(cell, id_type: str) -> bool:
    text = clean_identifier(str(cell).strip()) if cell is not None else ""
    if id_type == "NHI":
        return nhi_passes_check(text) and not text.startswith("Z")
    return swn_is_valid(text)


def readable_date(cell) -> bool:
    if isinstance(cell, dt.date):
        return True
    if not isinstance(cell, str) or not cell.strip():
        return False
    for pattern in TEXT_DATE_FORMATS:
        try:
            dt.datetime.strptime(cell.strip(), pattern)
            return True
        except ValueError:
            continue
    return False


@pytest.mark.parametrize("name", SAMPLES)
def test_the_identifier_answer_counts_valid_ids_and_people_who_cannot_be_linked(
    data_dir, expected, name
) -> None:
    result, spec = checked(data_dir, expected, name)
    rows = people_rows(result.table, spec["mapping"])
    ids = result.table.find_column(spec["mapping"]["identifier"]).values
    valid = sum(valid_identifier(ids[i], spec["id_type"]) for i in rows)
    unlinkable = sum(1 for item in spec["expected"] if item["rule"] == "row_unlinkable")

    finding = assess(result).findings[0]

    assert finding.figures["rows"] == len(rows)
    assert finding.figures["valid_identifier"] == valid
    assert finding.figures["valid_identifier_percent"] == round(100 * valid / len(rows), 1)
    assert finding.figures["unlinkable"] == unlinkable
    assert f"({valid:,} of {len(rows):,})" in finding.answer
    assert f"{unlinkable:,} {'person has' if unlinkable == 1 else 'people have'} neither" in finding.answer


@pytest.mark.parametrize("name", SAMPLES)
def test_the_dates_answer_gives_the_share_of_start_and_end_dates_recorded(data_dir, expected, name) -> None:
    result, spec = checked(data_dir, expected, name)
    rows = people_rows(result.table, spec["mapping"])
    shares = {}
    for field_name in ("start_date", "end_date"):
        cells = result.table.find_column(spec["mapping"][field_name]).values
        shares[field_name] = sum(readable_date(cells[i]) for i in rows)

    figures = assess(result).findings[1].figures

    assert figures["start_recorded"] == shares["start_date"]
    assert figures["end_recorded"] == shares["end_date"]
    assert figures["end_recorded_percent"] == round(100 * shares["end_date"] / len(rows), 1)


def test_the_register_answers_read_as_plain_sentences(data_dir, expected) -> None:
    result, _ = checked(data_dir, expected, "whanau_register.xlsx")
    identifiers, dates, service = assess(result).findings
    assert identifiers.answer.startswith("A valid NHI number is present for 93.5% of people (289 of 309).")
    assert dates.answer == "A service start date is recorded for 99% of people; an end date for 46.6%."
    assert service.answer.startswith('"Programme" seems to record the service or programme')
    assert service.choice.id == "found"


def test_a_chosen_service_column_lists_its_values_with_counts(data_dir, expected) -> None:
    spec = expected["files"]["whanau_register.xlsx"]
    mapping = {**spec["mapping"], "service": "Programme"}
    profile = profile_from_dict({"format": 1, "name": "q", "mapping": mapping, "identifier_type": "NHI"})
    result = run_check(read_table(data_dir / "whanau_register.xlsx"), profile, dt.date(2026, 11, 1))
    column = result.table.find_column("Programme")
    rows = people_rows(result.table, mapping)
    counted: dict[str, int] = {}
    for i in rows:
        text = str(column.values[i] or "").strip()
        if text:
            counted[text] = counted.get(text, 0) + 1

    finding = assess(result).findings[2]

    assert finding.choice.id == "chosen"
    assert finding.figures["values"] == counted
    assert "service" in result.canonical.columns


def test_a_sheet_without_a_service_column_says_so(data_dir, expected) -> None:
    result, _ = checked(data_dir, expected, "referrals_export.csv")
    finding = assess(result).findings[2]
    assert (finding.answer, finding.choice.id) == ("No column records the service or programme.", "none")


def test_every_question_people_answer_has_an_id_and_its_choices_have_meaning_and_next_step() -> None:
    for question in ASKED:
        assert question.id and question.text.endswith("?")
        for choice in question.choices:
            assert choice.answer and choice.meaning and choice.next_step


def test_answers_are_saved_in_the_profile_and_read_back(tmp_path, data_dir, expected) -> None:
    path = tmp_path / "supply.idiprofile.json"
    profile = profile_from_dict({"format": 1, "name": "Quarterly", "mapping": {"identifier": "NHI Number"},
                                 "someone_elses_key": [1, 2]})  # fmt: skip
    profile.path = path
    save_answers(profile, {"route": "intermediary", "sign_up": "A paper form, typed in weekly."})
    save_answers(load_profile(path), {"export_tool": "spreadsheet"})

    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["readiness"]["answers"] == {
        "route": "intermediary",
        "sign_up": "A paper form, typed in weekly.",
        "export_tool": "spreadsheet",
    }
    assert stored["someone_elses_key"] == [1, 2]
    assert saved_answers(load_profile(path))["route"] == "intermediary"


def test_an_answer_that_is_not_one_of_the_choices_is_refused() -> None:
    profile = profile_from_dict({"format": 1, "name": "Quarterly", "mapping": {"identifier": "NHI"}})
    with pytest.raises(InputError, match="not an answer"):
        record_answers(profile, {"route": "carrier pigeon"})
    assert "readiness" not in profile.raw

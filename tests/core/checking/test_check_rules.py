"""Each rule of the catalogue, and its edges, on small real workbooks read by the real reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.checking.check import run_check
from core.checking.identifiers import nhi_check_character
from core.checking.rules import RULES, SEVERITIES, SEVERITY_ORDER
from core.profile import profile_from_dict
from core.reading.sources import read_table
from tests.builders import write_csv, write_xlsx

AS_OF = dt.date(2026, 11, 1)
HEADER = ["NHI", "First Name", "Surname", "DOB", "Gender", "Start", "End"]
MAPPING = {
    "identifier": "NHI",
    "first_name": "First Name",
    "last_name": "Surname",
    "date_of_birth": "DOB",
    "gender": "Gender",
    "start_date": "Start",
    "end_date": "End",
}
FIRST_DATA_ROW = 2  # the header is row 1


def valid_nhi(number: int) -> str:
    """A distinct valid (non-test) old-format NHI for each number."""
    for tail in range(100):
        body = f"ABC{(number * 7 + tail) % 1000:03d}"
        check = nhi_check_character(body)
        if check is not None:
            return body + check
    raise AssertionError("no NHI")


def person(number: int, **changes: object) -> list[object]:
    row = {
        "NHI": valid_nhi(number),
        "First Name": f"Aroha{'abcdefghij'[number % 10]}",
        "Surname": "Ngata",
        "DOB": dt.date(1980, 1, 1) + dt.timedelta(days=number * 97),
        "Gender": "F",
        "Start": "12/01/2021",
        "End": "",
    }
    row.update(changes)
    return [row[h] for h in HEADER]


def check_rows(tmp_path: Path, rows: list[list[object]], **profile_changes: object):
    path = write_xlsx(tmp_path / "people.xlsx", HEADER, rows)
    profile = profile_from_dict(
        {"format": 1, "name": "t", "mapping": MAPPING, "identifier_type": "NHI", **profile_changes}
    )
    return run_check(read_table(path), profile, AS_OF)


def found(result) -> set[tuple[int, str]]:
    return set(zip(result.issues["row"], result.issues["rule"], strict=True))


def rules_on(result, row: int) -> set[str]:
    return {rule for r, rule in found(result) if r == row}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, set()),
        ({"NHI": ""}, {"id_missing"}),
        ({"NHI": "ZZI0016"}, {"id_invalid_format"}),
        ({"NHI": "ZZZ001"}, {"id_invalid_format"}),
        ({"NHI": "JBX3657"}, {"id_bad_check_digit"}),
        ({"NHI": "DAB8233"}, {"id_bad_check_digit"}),
        ({"NHI": "ZZZ00AA"}, {"id_bad_check_digit"}),
        ({"NHI": "ZZZ0016"}, {"id_test_number"}),
        ({"NHI": "ZZZ00AC"}, {"id_test_number"}),
        ({"NHI": "jbx 3656"}, {"id_reformatted"}),
        ({"NHI": "AAA01AY"}, set()),
        ({"First Name": ""}, {"name_missing"}),
        ({"First Name": "Unknown"}, {"name_placeholder"}),
        ({"First Name": "Baby of Mere"}, {"name_placeholder"}),
        ({"First Name": "?"}, {"name_placeholder"}),
        ({"First Name": "Ng\ufffdio"}, {"name_bad_character"}),
        ({"First Name": "J0hn"}, {"name_bad_character"}),
        ({"First Name": "J."}, {"name_initial_only"}),
        ({"First Name": "  Aroha  "}, {"name_whitespace"}),
        ({"First Name": "Hineʻāwhina", "Surname": "O'Neill-Te Kanawa"}, set()),
        ({"DOB": "31/04/2020"}, {"date_unreadable"}),
        ({"DOB": "29/02/2023"}, {"date_unreadable"}),
        ({"DOB": "29/02/2000"}, set()),
        ({"DOB": "abc"}, {"date_unreadable"}),
        ({"DOB": -5}, {"date_unreadable"}),
        ({"DOB": "12/25/2001"}, {"date_month_first"}),
        ({"DOB": 35181}, {"date_from_number"}),
        ({"DOB": "19850403"}, set()),
        ({"DOB": "03-04-85"}, set()),
        ({"DOB": "3 April 1985"}, set()),
        ({"DOB": "1985-04-03"}, set()),
        ({"DOB": ""}, {"dob_missing"}),
        ({"DOB": "01/01/2030", "Start": "01/02/2030"}, {"dob_in_future", "start_in_future"}),
        ({"DOB": "02/01/1910"}, {"dob_too_old"}),
        ({"DOB": "1 Jan 1900"}, {"dob_placeholder"}),
        ({"DOB": "1970-01-01"}, {"dob_placeholder"}),
        ({"DOB": "01/06/2022"}, {"dob_after_start"}),
        ({"Start": ""}, {"start_missing"}),
        ({"Start": "01/12/2026"}, {"start_in_future"}),
        ({"End": "01/01/2020"}, {"end_before_start"}),
        ({"End": "01/01/2027"}, {"end_in_future"}),
        ({"Gender": ""}, {"gender_missing"}),
        ({"Gender": "Prefer not to say"}, {"gender_missing"}),
        ({"Gender": "7"}, {"gender_unrecognised"}),
        ({"Gender": "wāhine"}, set()),
        ({"Gender": "Non-binary"}, set()),
        ({"DOB": "#N/A"}, {"cell_error_value"}),
        ({"Surname": " #REF! "}, {"cell_error_value"}),
    ],
)
def test_one_value_raises_exactly_its_rules(tmp_path: Path, changes: dict, expected: set[str]) -> None:
    result = check_rows(tmp_path, [person(1), person(2, **changes), person(3)])
    assert rules_on(result, FIRST_DATA_ROW + 1) == expected
    assert rules_on(result, FIRST_DATA_ROW) == set()
    assert rules_on(result, FIRST_DATA_ROW + 2) == set()


def test_an_error_cell_in_a_workbook_is_reported_as_cell_error_value_only(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(person(1))
    sheet.append(person(2))
    sheet["D3"] = "#DIV/0!"  # openpyxl writes this as an error cell (t="e")
    book.save(tmp_path / "errors.xlsx")
    profile = profile_from_dict({"format": 1, "name": "t", "mapping": MAPPING, "identifier_type": "NHI"})
    result = run_check(read_table(tmp_path / "errors.xlsx"), profile, AS_OF)
    assert found(result) == {(3, "cell_error_value")}
    assert result.issues.iloc[0]["value"] == "#DIV/0!"


def test_a_profile_code_maps_an_unknown_gender_value(tmp_path: Path) -> None:
    result = check_rows(
        tmp_path,
        [person(1, Gender="7"), person(2, Gender="W")],
        gender_values={"7": "unknown", "W": "female"},
    )
    assert rules_on(result, 2) == {"gender_missing"}
    assert rules_on(result, 3) == set()


def test_the_same_identifier_with_another_birth_date_conflicts_on_every_row(tmp_path: Path) -> None:
    rows = [person(1), person(2, NHI=valid_nhi(1), DOB=dt.date(1999, 9, 9)), person(3)]
    result = check_rows(tmp_path, rows)
    assert found(result) == {(2, "id_conflict"), (3, "id_conflict")}


def test_the_same_identifier_on_the_same_person_twice_is_no_conflict(tmp_path: Path) -> None:
    same = dict(zip(HEADER, person(1), strict=True), Start="01/02/2022")
    rows = [person(1), person(2, **same)]
    assert found(check_rows(tmp_path, rows)) == set()


def test_malformed_identifiers_never_conflict(tmp_path: Path) -> None:
    rows = [person(1, NHI="ZZI0016"), person(2, NHI="ZZI0016")]
    assert {rule for _, rule in found(check_rows(tmp_path, rows))} == {"id_invalid_format"}


def test_same_person_typed_with_and_without_a_macron_and_two_numbers_is_a_duplicate(tmp_path: Path) -> None:
    rows = [
        person(1, **{"First Name": "Rāwiri", "Surname": "Tūhoe", "DOB": "03/04/1985"}),
        person(2),
        person(3, **{"First Name": "RAWIRI", "Surname": "tuhoe", "DOB": dt.date(1985, 4, 3)}),
    ]
    assert found(check_rows(tmp_path, rows)) == {(2, "person_duplicate"), (4, "person_duplicate")}


def test_a_repeated_row_is_reported_on_the_later_copies_only(tmp_path: Path) -> None:
    rows = [person(1), person(2), person(1), person(1, **{"First Name": " ARoHAb "})]
    result = check_rows(tmp_path, rows)
    assert {row for row, rule in found(result) if rule == "row_duplicate"} == {4, 5}


def test_a_row_with_no_identifier_and_no_birth_date_cannot_be_linked(tmp_path: Path) -> None:
    result = check_rows(tmp_path, [person(1), person(2, NHI="", DOB="")])
    assert rules_on(result, 3) == {"id_missing", "dob_missing", "row_unlinkable"}
    assert result.linkable.tolist() == [True, False]
    assert result.has_error.tolist() == [False, True]


def test_a_valid_identifier_links_a_row_even_without_name_or_birth_date(tmp_path: Path) -> None:
    result = check_rows(tmp_path, [person(1, **{"First Name": "", "Surname": "", "DOB": ""})])
    assert "row_unlinkable" not in rules_on(result, 2)
    assert result.linkable.tolist() == [True]


def test_a_test_number_does_not_link_a_row_that_lacks_a_birth_date(tmp_path: Path) -> None:
    result = check_rows(tmp_path, [person(1, NHI="ZZZ0016", DOB="")])
    assert rules_on(result, 2) == {"id_test_number", "dob_missing", "row_unlinkable"}


def test_rows_whose_mapped_cells_are_all_empty_are_skipped_and_counted(tmp_path: Path) -> None:
    blank_mapped = ["", "", "", "", "", "", ""]
    result = check_rows(tmp_path, [person(1), blank_mapped, person(2)])
    assert result.rows == 2
    assert result.skipped_blank_rows == 1
    assert found(result) == set()


def test_a_full_name_column_is_split_family_comma_given_or_by_last_word(tmp_path: Path) -> None:
    rows = [
        ["ZAA0067", "Ngata, Aroha Mere", "03/04/1985", "F"],
        ["JBX3656", "Hemi te Kanawa", "03/04/1986", "M"],
        ["EPT6335", "Hone", "03/04/1987", "M"],
        ["CGC2720", "Baby of Mere", "03/04/1988", "F"],
        ["ABC1235", "  Mere   Walker ", "03/04/1989", "F"],
    ]
    path = write_csv(tmp_path / "full.csv", ["NHI", "Client Name", "DOB", "Sex"], rows)
    mapping = {"identifier": "NHI", "full_name": "Client Name", "date_of_birth": "DOB", "gender": "Sex"}
    profile = profile_from_dict({"format": 1, "name": "t", "mapping": mapping, "identifier_type": "NHI"})
    result = run_check(read_table(path), profile, AS_OF)
    assert result.canonical["first_name"].tolist()[:3] == ["Aroha Mere", "Hemi", "Hone"]
    assert result.canonical["last_name"].tolist()[:3] == ["Ngata", "te Kanawa", None]
    assert rules_on(result, 4) == {"name_missing"}
    assert "name_placeholder" in rules_on(result, 5)
    assert rules_on(result, 6) == {"name_whitespace"}
    assert (result.canonical["first_name"][4], result.canonical["last_name"][4]) == ("Mere", "Walker")


def test_an_empty_full_name_is_one_problem_on_its_own_cell(tmp_path: Path) -> None:
    """Not "First name is empty." and "Last name is empty.": the sheet has neither column."""
    rows = [["ZAA0067", "", "03/04/1985", "F"], ["JBX3656", "Hone", "03/04/1986", "M"]]
    path = write_csv(tmp_path / "full.csv", ["NHI", "Client Name", "DOB", "Sex"], rows)
    mapping = {"identifier": "NHI", "full_name": "Client Name", "date_of_birth": "DOB", "gender": "Sex"}
    profile = profile_from_dict({"format": 1, "name": "t", "mapping": mapping, "identifier_type": "NHI"})
    issues = run_check(read_table(path), profile, AS_OF).issues
    missing = issues[issues["rule"] == "name_missing"]
    empty = missing[missing["row"] == 2]
    assert empty[["field", "column", "message"]].values.tolist() == [
        ["full_name", "Client Name", "Name is empty."]
    ]
    one_word = missing[missing["row"] == 3]
    assert one_word[["field", "column"]].values.tolist() == [["last_name", "Client Name"]]
    assert one_word["message"].tolist() == ["The name has one word, so there is no last name."]


def test_a_name_part_split_from_a_full_name_is_said_of_that_column(tmp_path: Path) -> None:
    """Where the sheet has a Last name column, "Last name is empty." is right; where the last name comes
    from a one-word full name, the words say so, in the table, the report and the command line alike."""
    from core.checking.report_issues import how_to_fix, rule_lines
    from core.checking.rules import parts_of_full_name

    rows = [["JBX3656", "Hone", "03/04/1986", "M"]]
    path = write_csv(tmp_path / "full.csv", ["NHI", "Client Name", "DOB", "Sex"], rows)
    mapping = {"identifier": "NHI", "full_name": "Client Name", "date_of_birth": "DOB", "gender": "Sex"}
    profile = profile_from_dict({"format": 1, "name": "t", "mapping": mapping, "identifier_type": "NHI"})
    result = run_check(read_table(path), profile, AS_OF)
    assert parts_of_full_name(result.columns) == {"first_name", "last_name"}
    (line,) = [line for line in rule_lines(result) if line[4] == "name_missing"]
    assert line[2] == "The name has one word, so there is no last name."
    assert line[3].startswith("Write the person's first and last names")
    assert how_to_fix("name_missing", "last_name", "NHI") == (
        "Add the person's last name. Names help Stats NZ link people who have no ID number."
    )
    assert parts_of_full_name({"full_name": "Name", "last_name": "Surname"}) == {"first_name"}
    assert parts_of_full_name({"first_name": "Given", "last_name": "Surname"}) == frozenset()


def test_every_rule_in_the_catalogue_has_a_message_and_a_fix() -> None:
    for rule in RULES.values():
        assert rule.severity in SEVERITIES
        for text in (
            rule.message_for("date_of_birth", "NHI"),
            rule.how_to_fix_for("date_of_birth", "NHI"),
            rule.message_for("last_name", "NHI", split=True),
            rule.how_to_fix_for("last_name", "NHI", split=True),
        ):
            assert text.endswith(".") and "{" not in text and text[0].isupper()


def test_each_severity_has_one_plain_label_and_meaning_worst_first() -> None:
    assert list(SEVERITIES) == ["error", "warning", "info"] == sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get)
    assert len({severity.label for severity in SEVERITIES.values()}) == 3
    for severity_id, severity in SEVERITIES.items():
        assert severity.id == severity_id and severity.label[0].isupper() and not severity.label.endswith(".")
        assert severity.meaning[0].isupper() and severity.meaning.endswith(".")


def test_the_summary_sentence_counts_rows_to_fix_then_the_rest(tmp_path: Path) -> None:
    clean = check_rows(tmp_path, [person(1), person(2)])
    assert clean.summary_sentence() == "No problems found."
    tidied = check_rows(tmp_path, [person(1, **{"First Name": " Aroha "}), person(2)])
    assert tidied.summary_sentence() == "Nothing must be fixed before sending. Also 1 value tidied for you."
    broken = check_rows(tmp_path, [person(1, DOB="31/04/1985"), person(2, DOB="2/30/1985"), person(3)])
    assert broken.summary_sentence().startswith("Before sending: 2 rows with a problem that must be fixed.")

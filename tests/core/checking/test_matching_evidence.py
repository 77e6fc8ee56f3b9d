"""What real files taught the matcher: no ID number from weak evidence, and more of the headings people write.

A birthday column of date cells was once taken for IRD numbers (the digits happened to pass the check), ZIP+4
postcodes and a club's nine-digit member numbers for SWNs. An identifier now needs a heading that says so, or
values that pass their check character at a high rate over enough rows; even then it is only "check this".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.checking.matching import SURE, header_score, suggest_mapping
from core.reading.sources import read_table
from tests.builders import write_csv

VALID_NHIS = ["ZZZ0016", "ZZZ0024", "ZAA0067", "JBX3656", "EPT6335", "CGC2720"]
VALID_IRDS = ["49091850", "35901981", "49098576", "136410132", "49091850", "35901981"]
NAMES = [
    ("Aroha", "Ngata"),
    ("Tama", "Rāwiri"),
    ("Mere", "Walker"),
    ("Hemi", "Parata"),
    ("Ana", "Lee"),
    ("Io", "Tu"),
]


def suggestion_for(tmp_path: Path, header: list[str], rows: list[list[object]]):
    return suggest_mapping(read_table(write_csv(tmp_path / "people.csv", header, rows)))


def test_a_column_of_date_cells_is_never_the_identifier(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "First name", "Surname"])
    for n, (first, last) in enumerate(NAMES * 5):
        sheet.append([dt.datetime(1950 + n, 1 + n % 12, 1 + n % 28), first, last])
    book.save(tmp_path / "birthdays.xlsx")
    suggestion = suggest_mapping(read_table(tmp_path / "birthdays.xlsx"))
    assert "identifier" not in suggestion.mapping
    assert suggestion.mapping["date_of_birth"] == "ID"


def test_date_text_is_never_the_identifier_even_under_an_id_heading(tmp_path: Path) -> None:
    rows = [[f"{1 + n}/0{1 + n % 9}/19{50 + n}", f, s] for n, (f, s) in enumerate(NAMES)]
    assert "identifier" not in suggestion_for(tmp_path, ["NHI", "First", "Surname"], rows).mapping


@pytest.mark.parametrize("heading", ["Zip", "ZIP code", "Postcode", "Phone", "Mobile", "Account number"])
def test_headings_for_codes_and_phone_numbers_veto_an_identifier(tmp_path: Path, heading: str) -> None:
    rows = [[number, f, s] for number, (f, s) in zip(VALID_IRDS, NAMES, strict=True)]
    assert "identifier" not in suggestion_for(tmp_path, [heading, "First", "Surname"], rows).mapping


def test_zip_plus_four_codes_are_not_swns(tmp_path: Path) -> None:
    rows = [[f"9{n}210-00{n}{n}", f, s] for n, (f, s) in enumerate(NAMES)]
    assert "identifier" not in suggestion_for(tmp_path, ["Code", "First", "Surname"], rows).mapping


def test_nine_digits_are_an_swn_only_under_a_heading_that_says_so(tmp_path: Path) -> None:
    numbers = ["292043640", "718845520", "722535146", "296161322", "318845520", "922535146"]
    rows = [[number, f, s] for number, (f, s) in zip(numbers, NAMES, strict=True)]
    assert "identifier" not in suggestion_for(tmp_path, ["Member ID", "First", "Surname"], rows).mapping
    named = suggestion_for(tmp_path, ["MSD number", "First", "Surname"], rows)
    assert named.mapping["identifier"] == "MSD number"
    assert named.identifier_type == "SWN"


def test_values_alone_make_an_identifier_only_with_enough_passing_values(tmp_path: Path) -> None:
    rows = [[nhi, f, s] for nhi, (f, s) in zip(VALID_NHIS[:3], NAMES, strict=False)]
    assert "identifier" not in suggestion_for(tmp_path, ["Ref", "First", "Surname"], rows).mapping


def test_values_that_mostly_fail_their_check_character_make_no_identifier(tmp_path: Path) -> None:
    shaped = ["ABC1234", "DEF5678", "GHJ9012", "KLM3456", "NPQ7890", "ZZZ0016"]  # NHI-shaped, one passes
    rows = [[value, f, s] for value, (f, s) in zip(shaped, NAMES, strict=True)]
    assert "identifier" not in suggestion_for(tmp_path, ["Ref", "First", "Surname"], rows).mapping


def test_an_identifier_found_from_its_values_alone_is_never_sure(tmp_path: Path) -> None:
    rows = [[nhi, f, s] for nhi, (f, s) in zip(VALID_NHIS, NAMES, strict=True)]
    suggestion = suggestion_for(tmp_path, ["Ref", "First", "Surname"], rows)
    assert suggestion.mapping["identifier"] == "Ref"
    assert suggestion.confidence["identifier"] < SURE
    assert suggestion.identifier_unsure
    headed = suggestion_for(tmp_path, ["NHI", "First", "Surname"], rows)
    assert headed.confidence["identifier"] >= SURE
    assert not headed.identifier_unsure


@pytest.mark.parametrize(
    "heading",
    ["Employee Name", "Employee_Name", "Member name", "Client name", "Customer Name", "Whānau member name"],
)
def test_anything_name_is_a_full_name(tmp_path: Path, heading: str) -> None:
    rows = [[f"{f} {s}", "F"] for f, s in NAMES]
    assert suggestion_for(tmp_path, [heading, "Gender"], rows).mapping.get("full_name") == heading


@pytest.mark.parametrize(
    "heading", ["Team name", "File name", "Club Name", "Company name", "Key worker name"]
)
def test_the_name_of_something_else_is_not_a_person(heading: str) -> None:
    assert header_score(heading, "full_name") == 0.0


@pytest.mark.parametrize(
    ("heading", "field_name"),
    [
        ("FRST_NM", "first_name"),
        ("GIVEN_NM", "first_name"),
        ("LAST_NM", "last_name"),
        ("DOB_DT", "date_of_birth"),
        ("FirstName", "first_name"),
        ("DateOfBirth", "date_of_birth"),
        ("Ingoa", "full_name"),
        ("Ingoa whānau", "last_name"),
        ("Rā whānau", "date_of_birth"),
        ("Ira", "gender"),
    ],
)
def test_abbreviations_camel_case_and_te_reo_headings_are_understood(heading: str, field_name: str) -> None:
    assert header_score(heading, field_name) >= 0.85


def test_database_export_headings_are_matched(tmp_path: Path) -> None:
    rows = [[f, s, f"0{1 + n}/02/19{60 + n}", "F"] for n, (f, s) in enumerate(NAMES)]
    mapping = suggestion_for(tmp_path, ["FRST_NM", "LAST_NM", "DOB_DT", "GNDR_CD"], rows).mapping
    assert mapping == {
        "first_name": "FRST_NM",
        "last_name": "LAST_NM",
        "date_of_birth": "DOB_DT",
        "gender": "GNDR_CD",
    }


def test_a_year_of_birth_column_of_whole_numbers_is_the_date_of_birth(tmp_path: Path) -> None:
    years = [1880, 1931, 1956, 1977, 1990, 2014]
    rows = [[f, s, year] for (f, s), year in zip(NAMES, years, strict=True)]
    mapping = suggestion_for(tmp_path, ["First", "Surname", "YearOfBirth"], rows).mapping
    assert mapping["date_of_birth"] == "YearOfBirth"


def test_a_plain_year_heading_over_recent_years_is_not_a_date_of_birth(tmp_path: Path) -> None:
    years = [2019, 2020, 2021, 2022, 2023, 2024]
    rows = [[f, s, year] for (f, s), year in zip(NAMES, years, strict=True)]
    assert "date_of_birth" not in suggestion_for(tmp_path, ["First", "Surname", "Year"], rows).mapping


def test_years_of_birth_are_reported_as_years_never_read_as_date_serials(tmp_path: Path) -> None:
    from core.checking.check import run_check
    from core.profile import SupplyProfile

    years = [1880, 1931, 1956, 1977, 1990, 2014]
    rows = [[f, s, year, "F"] for (f, s), year in zip(NAMES, years, strict=True)]
    table = read_table(write_csv(tmp_path / "people.csv", ["First", "Surname", "YearOfBirth", "Sex"], rows))
    mapping = {"first_name": "First", "last_name": "Surname", "date_of_birth": "YearOfBirth", "gender": "Sex"}
    result = run_check(table, SupplyProfile(name="t", mapping=mapping), dt.date(2026, 11, 1))
    rules = result.issues.groupby("rule")["row"].apply(list).to_dict()
    assert rules["dob_year_only"] == [2, 3, 4, 5, 6, 7]
    assert rules["dob_too_old"] == [2]
    assert "date_from_number" not in rules and "date_unreadable" not in rules
    assert rules["row_unlinkable"] == [2, 3, 4, 5, 6, 7]  # no full date and no ID number: none can be linked
    assert result.canonical["date_of_birth"].isna().all()


def test_whole_names_beside_a_last_name_column_stay_the_full_name(tmp_path: Path) -> None:
    rows = [[f"{f} {s}", s, "F"] for f, s in NAMES]
    mapping = suggestion_for(tmp_path, ["name", "last_name", "gender"], rows).mapping
    assert mapping["full_name"] == "name"
    assert "first_name" not in mapping and "last_name" not in mapping


@pytest.mark.parametrize("values", [[19, 33, 112, 896, 41, 52], [0, 12, 57, 100, 3, 8]])
def test_small_whole_numbers_are_never_a_date_of_birth(tmp_path: Path, values: list[int]) -> None:
    rows = [[f"{f} {s}", value] for (f, s), value in zip(NAMES, values, strict=True)]
    for heading in ("birth_year", "DOB"):
        assert "date_of_birth" not in suggestion_for(tmp_path, ["name", heading], rows).mapping


def test_a_date_of_another_event_is_never_a_date_of_birth(tmp_path: Path) -> None:
    rows = [[f"{f} {s}", f"0{1 + n}/02/19{60 + n}"] for n, (f, s) in enumerate(NAMES)]
    assert "date_of_birth" not in suggestion_for(tmp_path, ["Member", "Resignation Date"], rows).mapping


def test_one_value_is_no_evidence_of_a_gender_column(tmp_path: Path) -> None:
    assert "gender" not in suggestion_for(tmp_path, ["name", "c"], [["Aroha Ngata", "f"]]).mapping


@pytest.mark.parametrize("heading", ["year", "Year"])
def test_a_plain_year_of_an_event_is_not_a_year_of_birth(tmp_path: Path, heading: str) -> None:
    years = [1946, 1960, 1975, 1989, 2001, 2014]  # the year of a suspension or a prize, not of a birth
    rows = [[f"{f} {s}", year] for (f, s), year in zip(NAMES, years, strict=True)]
    assert "date_of_birth" not in suggestion_for(tmp_path, ["name", heading], rows).mapping


def test_a_character_name_is_not_the_persons_name() -> None:
    assert header_score("CHARACTER_NAME", "full_name") == 0.0


def test_typed_years_under_a_plain_dob_heading_are_years_and_a_future_one_is_said(tmp_path: Path) -> None:
    from core.checking.check import run_check
    from core.profile import SupplyProfile

    rows = [
        ["Aroha Ngata", "1985"],
        ["Tama Rāwiri", "1990"],
        ["Mere Walker", "2031"],
        ["Hemi Parata", "1975"],
    ]
    table = read_table(write_csv(tmp_path / "people.csv", ["Name", "Year of birth"], rows))
    profile = SupplyProfile(name="t", mapping={"full_name": "Name", "date_of_birth": "Year of birth"})
    issues = run_check(table, profile, dt.date(2026, 11, 1)).issues
    assert issues.loc[issues["rule"] == "dob_year_only", "row"].tolist() == [2, 3, 4, 5]
    assert issues.loc[issues["rule"] == "dob_in_future", "row"].tolist() == [4]
    assert "date_from_number" not in set(issues["rule"])


def test_real_dates_of_birth_are_not_taken_for_years(tmp_path: Path) -> None:
    from core.checking.check import run_check
    from core.profile import SupplyProfile

    rows = [["Aroha Ngata", "03/04/1985"], ["Tama Rāwiri", "1990"], ["Mere Walker", "01/06/2002"]]
    table = read_table(write_csv(tmp_path / "people.csv", ["Name", "DOB"], rows))
    profile = SupplyProfile(name="t", mapping={"full_name": "Name", "date_of_birth": "DOB"})
    rules = set(run_check(table, profile, dt.date(2026, 11, 1)).issues["rule"])
    assert "dob_year_only" not in rules

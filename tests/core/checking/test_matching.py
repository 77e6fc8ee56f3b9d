"""Column matching: from header words (English and te reo Māori, any spelling) and from the values."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.checking.matching import fold_header, suggest_mapping
from core.reading.sources import read_table
from tests.builders import write_csv

PEOPLE = [
    ["ZAA0067", "Aroha", "Ngata", "03/04/1985", "F", "12/01/2021", "", "Lives with nan"],
    ["JBX3656", "Tama", "Rāwiri", "17/11/1990", "M", "02/02/2022", "03/03/2023", "Key worker: Sam"],
    ["EPT6335", "Mere", "Walker", "1/6/2002", "Wahine", "2023-05-13", "", ""],
    ["CGC2720", "Hemi", "Parata", "28/2/1975", "Tāne", "17/5/2018", "", "Court date"],
]


def mapping_for(tmp_path: Path, header: list[str], rows: list[list[str]] = PEOPLE) -> dict[str, str]:
    return suggest_mapping(read_table(write_csv(tmp_path / "people.csv", header, rows))).mapping


def test_headers_are_folded_for_case_macrons_and_punctuation() -> None:
    assert fold_header("D.O.B.") == "d o b"
    assert fold_header("  Whānau   Name ") == "whanau name"
    assert fold_header("Given Name(s)") == "given name s"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["NHI No.", "Given Name(s)", "Surname", "D.O.B.", "Sex", "Date Enrolled", "Exit Date", "Notes"],
            {
                "identifier": "NHI No.",
                "first_name": "Given Name(s)",
                "last_name": "Surname",
                "date_of_birth": "D.O.B.",
                "gender": "Sex",
                "start_date": "Date Enrolled",
                "end_date": "Exit Date",
            },
        ),
        (
            [
                "NHI",
                "Ingoa",
                "Whānau name",
                "Birth Date",
                "Ira tangata",
                "Referral Date",
                "Closed Date",
                "Kōrero",
            ],
            {
                "identifier": "NHI",
                "first_name": "Ingoa",
                "last_name": "Whānau name",
                "date_of_birth": "Birth Date",
                "gender": "Ira tangata",
                "start_date": "Referral Date",
                "end_date": "Closed Date",
            },
        ),
        (
            ["nhi_number", "FIRST NAME", "last name", "dob", "GENDER", "start", "end", "Key worker name"],
            {
                "identifier": "nhi_number",
                "first_name": "FIRST NAME",
                "last_name": "last name",
                "date_of_birth": "dob",
                "gender": "GENDER",
                "start_date": "start",
                "end_date": "end",
            },
        ),
    ],
)
def test_header_words_in_english_and_te_reo_are_matched(
    tmp_path: Path, header: list[str], expected: dict
) -> None:
    assert mapping_for(tmp_path, header) == expected


def test_a_column_of_nhi_shaped_values_is_the_identifier_even_when_headed_id(tmp_path: Path) -> None:
    table = read_table(
        write_csv(tmp_path / "p.csv", ["ID", "First", "Surname", "DOB"], [r[:4] for r in PEOPLE])
    )
    suggestion = suggest_mapping(table)
    assert suggestion.mapping["identifier"] == "ID"
    assert suggestion.identifier_type == "NHI"


def test_a_client_code_that_is_no_known_identifier_is_not_mapped(tmp_path: Path) -> None:
    rows = [[f"W{n:05d}", *r[1:4]] for n, r in enumerate(PEOPLE)]
    mapping = mapping_for(tmp_path, ["Client ID", "First Name", "Surname", "DOB"], rows)
    assert "identifier" not in mapping


def test_a_column_of_birth_era_dates_is_the_date_of_birth_even_with_a_vague_header(tmp_path: Path) -> None:
    rows = [[r[1], r[2], r[3], r[5]] for r in PEOPLE]
    mapping = mapping_for(tmp_path, ["First Name", "Surname", "Column C", "Start Date"], rows)
    assert mapping["date_of_birth"] == "Column C"
    assert mapping["start_date"] == "Start Date"


def test_recent_dates_under_a_vague_header_are_not_taken_for_dates_of_birth(tmp_path: Path) -> None:
    rows = [[r[1], r[2], r[5]] for r in PEOPLE]
    mapping = mapping_for(tmp_path, ["First Name", "Surname", "Column C"], rows)
    assert "date_of_birth" not in mapping


def test_one_name_column_is_matched_as_the_full_name(tmp_path: Path) -> None:
    rows = [[r[0], f"{r[1]} {r[2]}", r[3], r[4]] for r in PEOPLE]
    mapping = mapping_for(tmp_path, ["NHI", "Client Name", "DOB", "Gender"], rows)
    assert mapping["full_name"] == "Client Name"
    assert "first_name" not in mapping and "last_name" not in mapping


def test_notes_and_key_worker_columns_are_never_mapped(tmp_path: Path) -> None:
    rows = [[r[1], r[2], r[7], "Sam Smith"] for r in PEOPLE]
    mapping = mapping_for(tmp_path, ["First Name", "Surname", "Notes", "Key worker name"], rows)
    assert set(mapping.values()) == {"First Name", "Surname"}


@pytest.mark.parametrize(
    ("header", "values", "expected_type"),
    [
        ("Client SWN", ["292043640", "718845520", "722535146", "296161322"], "SWN"),
        ("IRD number", ["49091850", "35901981", "49098576", "136410132"], "IRD"),
        ("Number", ["49-091-850", "35-901-981", "49-098-576", "136-410-132"], "IRD"),
        ("Number", ["292043640", "718845520", "722535146", "296161322"], "SWN"),
        ("Reference", ["ABC12DE", "ZZZ00AC", "ZBN77VL", "ZHW58CV"], "NHI"),
    ],
)
def test_the_identifier_type_comes_from_the_header_or_the_values(
    tmp_path: Path, header: str, values: list[str], expected_type: str
) -> None:
    rows = [[v, r[1], r[2], r[3]] for v, r in zip(values, PEOPLE, strict=True)]
    suggestion = suggest_mapping(
        read_table(write_csv(tmp_path / "p.csv", [header, "First", "Surname", "DOB"], rows))
    )
    assert suggestion.mapping["identifier"] == header
    assert suggestion.identifier_type == expected_type


def test_confidence_is_lower_when_the_values_do_not_fit_the_header(tmp_path: Path) -> None:
    rows = [[r[1], r[2], "see file", r[4]] for r in PEOPLE]
    suggestion = suggest_mapping(
        read_table(write_csv(tmp_path / "p.csv", ["First", "Surname", "DOB", "Sex"], rows))
    )
    assert suggestion.confidence["gender"] > suggestion.confidence.get("date_of_birth", 0)

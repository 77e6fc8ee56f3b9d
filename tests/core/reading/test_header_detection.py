"""Finding the header row by what lies under it, and ending the table where notes below it begin.

People type notes above their lists ("the classic layout": lines of text, then Name / Profession / Age /
Date of birth) and below them. A note can fill several cells (a sentence with commas is several CSV fields),
so the header is the candidate row with a table under it: columns that go on being filled, text headings
over numbers and dates, words people head columns with.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from core.reading.grid import find_header_index
from core.reading.sources import read_table
from core.reading.table import CellKind

NOTES_ABOVE = [
    ["This sheet lists everyone who came to the programme this year."],
    ["Please keep it up to date", "and tell the office", "when someone leaves."],
    ["Ages are as at 1 July."],
    [],
    ["Updated by", "Mere", "on", "Friday"],
]
HEADER = ["Name", "Profession", "Age", "Date of birth", "Town"]
PEOPLE = [
    ["Aroha Ngata", "Nurse", 41, dt.datetime(1985, 4, 3), "Ōtaki"],
    ["Tama Rāwiri", "Builder", 35, dt.datetime(1990, 11, 17), "Levin"],
    ["Mere Walker", "Student", 24, dt.datetime(2002, 6, 1), "Foxton"],
    ["Hemi Parata", "Retired", 51, dt.datetime(1975, 2, 28), "Shannon"],
]
NOTES_BELOW = [[], ["Total: 4 people"], ["Source: our sign-in sheets"]]


def write_rows(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_the_header_under_notes_is_the_row_with_a_table_under_it(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "list.xlsx", [*NOTES_ABOVE, HEADER, *PEOPLE, *NOTES_BELOW])
    table = read_table(path)
    assert table.header_row == 6
    assert table.headers == HEADER
    assert table.row_count == 4
    assert set(table.find_column("Date of birth").kinds.tolist()) == {CellKind.DATE}


def test_notes_below_the_table_end_it_and_are_said(tmp_path: Path) -> None:
    table = read_table(write_rows(tmp_path / "list.xlsx", [*NOTES_ABOVE, HEADER, *PEOPLE, *NOTES_BELOW]))
    assert table.row_numbers.tolist() == [7, 8, 9, 10]
    assert any("Rows 12 to 13" in note and "notes" in note for note in table.notes)


def test_a_csv_note_split_into_fields_by_its_commas_is_not_the_header(tmp_path: Path) -> None:
    lines = [
        "Members list, kept by the secretary, updated monthly",
        "",
        "Member name,Occupation,Age,Date of birth,Suburb",
        "Aroha Ngata,Nurse,41,03/04/1985,Ōtaki",
        "Tama Rāwiri,Builder,35,17/11/1990,Levin",
        "Mere Walker,Student,24,01/06/2002,Foxton",
    ]
    path = tmp_path / "members.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    table = read_table(path)
    assert table.header_row == 3
    assert table.headers[0] == "Member name"
    assert table.row_count == 3


def test_a_header_on_the_first_row_over_text_only_rows_stays_the_first_row() -> None:
    rows = [
        ["Whānau", "Marae", "Rohe"],
        ["Ngata", "Hiruharama", "Tairāwhiti"],
        ["Walker", "Rangiātea", "Ōtaki"],
    ]
    assert find_header_index(rows) == 0


def test_a_title_row_and_a_blank_row_above_a_header_are_passed_over() -> None:
    rows = [["Whānau register 2026"], [], ["NHI", "First name", "Surname"], ["ZZZ0016", "Aroha", "Ngata"]]
    assert find_header_index(rows) == 2


def test_a_last_row_with_one_cell_straight_under_the_table_is_still_a_person(tmp_path: Path) -> None:
    rows = [HEADER, *PEOPLE, ["Ana Lee"]]
    table = read_table(write_rows(tmp_path / "list.xlsx", rows))
    assert table.row_count == 5
    assert not any("notes" in note for note in table.notes)


def test_a_header_row_chosen_by_hand_is_used(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "list.xlsx", [*NOTES_ABOVE, HEADER, *PEOPLE])
    table = read_table(path, header_row=5)
    assert table.header_row == 5
    assert table.headers[:2] == ["Updated by", "Mere"]


def test_nine_thousand_columns_of_one_name_are_made_unique_in_one_pass() -> None:
    from core.reading.grid import unique_headers

    names = unique_headers(["ID", "Value", "value (3)", *["Value"] * 9_000])
    assert names[:5] == ["ID", "Value", "value (3)", "Value (2)", "Value (4)"]
    assert len({name.casefold() for name in names}) == len(names)


def test_a_sheet_that_is_no_table_keeps_its_first_row_rather_than_one_far_down() -> None:
    one_column = [["Mô tả"], ["BÙN SÉT"], ["SÉT lẫn sạn"], ["CÁT THÔ"], ["CÁT MỊN"], ["CÁT TRUNG"]]
    assert find_header_index(one_column) == 0
    sparse = [
        ["A", "B", "C"],
        ["stuff", "more stuff", ""],
        ["things", "more", "even more"],
        ["a", "b", ""],
        [1, 2, 3],
    ]
    assert find_header_index(sparse) == 0


def test_percentages_and_amounts_are_data_not_headings() -> None:
    rows = [
        ["Answer", "Men", "Women"],
        ["Very", "37%", "$20"],
        ["Somewhat", "46%", "$25"],
        ["Not at all", "5%", "$5"],
    ]
    assert find_header_index(rows) == 0

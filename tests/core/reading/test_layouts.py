"""The layouts people really send: title rows, cover sheets, blank gaps, hidden columns, odd CSV exports.

Workbooks are written with openpyxl in each test and CSVs as bytes, the way the exporting program writes
them; the .ods and .xls files were converted by LibreOffice (tests/data/layouts/make_layouts.py).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.errors import InputError
from core.reading import ods_extras, sheet_extras, xlsx_extras
from core.reading.sources import list_sheets, read_table
from core.reading.table import CellKind, SourceColumn

LAYOUTS = Path(__file__).resolve().parents[2] / "data" / "layouts"
E, T, N, D, X, B = (
    CellKind.EMPTY,
    CellKind.TEXT,
    CellKind.NUMBER,
    CellKind.DATE,
    CellKind.ERROR,
    CellKind.BOOL,
)


def cells(column: SourceColumn) -> list[tuple[CellKind, object]]:
    return [(CellKind(k), v) for k, v in zip(column.kinds.tolist(), column.values.tolist(), strict=True)]


def write_book(
    path: Path, sheets: dict[str, list[list[object]]], hidden_sheets: tuple[str, ...] = ()
) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden_sheets:
            sheet.sheet_state = "hidden"
    book.save(path)
    return book


PEOPLE = [
    ["NHI", "First Name", "Surname", "Date of Birth", "Gender"],
    ["ZZZ0016", "Aroha", "Ngata", dt.date(1980, 5, 17), "F"],
    ["ZZZ0024", "Mere", "Smith", dt.date(1975, 1, 2), "Female"],
    ["ZZZ0032", "Tama", "Kingi", dt.date(2001, 11, 30), "M"],
]


# --- workbooks --------------------------------------------------------------------------------------------


def test_header_on_row_1(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    write_book(path, {"People": PEOPLE})
    table = read_table(path)
    assert (table.sheet, table.header_row) == ("People", 1)
    assert table.headers == PEOPLE[0]
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert [c.letter for c in table.columns] == ["A", "B", "C", "D", "E"]
    assert cells(table.find_column("Date of Birth")) == [(D, row[3]) for row in PEOPLE[1:]]


def test_header_on_row_6_under_title_rows(tmp_path: Path) -> None:
    path = tmp_path / "titled.xlsx"
    titles = [
        ["Te Puna Whānau register"],
        ["Exported 1/11/2026 by Hine", None, "Page 1"],
        [],
        ["Confidential"],
        [],
    ]
    write_book(path, {"Register": titles + PEOPLE})
    table = read_table(path)
    assert table.header_row == 6
    assert table.headers == PEOPLE[0]
    assert table.row_numbers.tolist() == [7, 8, 9]
    assert table.skipped_blank_rows == 0
    assert table.dropped_blank_columns == 0


def test_a_table_that_starts_right_of_column_a_keeps_its_letters(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    write_book(path, {"People": [[None, None, *row] for row in [[], [], *PEOPLE]]})
    table = read_table(path)
    assert table.header_row == 3
    assert [c.letter for c in table.columns] == ["C", "D", "E", "F", "G"]
    assert table.row_numbers.tolist() == [4, 5, 6]


def test_a_cover_sheet_first_then_the_data_sheet(tmp_path: Path) -> None:
    path = tmp_path / "cover.xlsx"
    cover = [
        ["About this workbook"],
        [],
        ["The People sheet holds everyone enrolled."],
        ["Prepared by", "Hine"],
    ]
    write_book(path, {"Read me": cover, "People": [["People enrolled 2026"], [], *PEOPLE]})
    assert list_sheets(path) == ["Read me", "People"]
    table = read_table(path)
    assert table.sheets == ["Read me", "People"]
    assert (table.sheet, table.header_row) == ("People", 3)
    assert any("People" in note for note in table.notes)


def test_a_visible_sheet_is_preferred_to_a_bigger_hidden_one(tmp_path: Path) -> None:
    path = tmp_path / "hidden_sheet.xlsx"
    old = [PEOPLE[0], *PEOPLE[1:] * 20]
    write_book(path, {"Old list": old, "People": PEOPLE}, hidden_sheets=("Old list",))
    assert read_table(path).sheet == "People"
    assert read_table(path, sheet="Old list").row_count == 60


def test_the_user_can_choose_the_sheet_and_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "choose.xlsx"
    write_book(path, {"Read me": [["Notes"], ["first"], ["second"]], "People": [["Title"], *PEOPLE]})
    table = read_table(path, sheet="Read me", header_row=2)
    assert (table.sheet, table.header_row, table.headers) == ("Read me", 2, ["first"])
    assert table.row_numbers.tolist() == [3]
    assert read_table(path, sheet="People", header_row=3).headers == [*PEOPLE[1][:3], "1980-05-17", "F"]


def test_blank_rows_and_columns_in_the_middle_are_dropped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "gaps.xlsx"
    rows = [
        ["NHI", "First Name", None, "Surname", None, None, "Gender"],
        ["ZZZ0016", "Aroha", None, "Ngata", None, None, "F"],
        [],
        [None, None, None, None, None, None, None],
        ["ZZZ0024", "Mere", None, "Smith", None, None, "Female"],
        [],
        ["ZZZ0032", None, None, None, None, None, None],
    ]
    write_book(path, {"People": rows})
    table = read_table(path)
    assert table.headers == ["NHI", "First Name", "Surname", "Gender"]
    assert [c.letter for c in table.columns] == ["A", "B", "D", "G"]
    assert table.dropped_blank_columns == 3
    assert table.row_numbers.tolist() == [2, 5, 7]
    assert table.skipped_blank_rows == 3
    assert cells(table.find_column("Gender")) == [(T, "F"), (T, "Female"), (E, None)]


def test_dates_typed_as_text_stay_text_beside_real_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "dates.xlsx"
    rows = [
        ["Name", "Date of Birth", "Start Date"],
        ["Aroha", dt.date(1980, 5, 17), dt.datetime(2020, 1, 1, 9, 30)],
        ["Mere", "17/05/1980", "2020-01-01"],
        ["Tama", "17 May 1980", "1/1/2020"],
        ["Hine", 29358, None],
    ]
    write_book(path, {"People": rows})
    table = read_table(path)
    assert cells(table.find_column("Date of Birth")) == [
        (D, dt.date(1980, 5, 17)),
        (T, "17/05/1980"),
        (T, "17 May 1980"),
        (N, 29358),
    ]
    assert cells(table.find_column("Start Date")) == [
        (D, dt.datetime(2020, 1, 1, 9, 30)),
        (T, "2020-01-01"),
        (T, "1/1/2020"),
        (E, None),
    ]


def test_a_hidden_column_is_read_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xlsx"
    book = Workbook()
    sheet = book.active
    for row in [[*PEOPLE[0], "Case notes"], *[[*r, "private"] for r in PEOPLE[1:]]]:
        sheet.append(row)
    sheet.column_dimensions["F"].hidden = True
    book.save(path)
    table = read_table(path)
    hidden = [c.header for c in table.columns if c.hidden]
    assert hidden == ["Case notes"]
    assert any("Case notes" in note for note in table.notes)


def test_error_cells_keep_their_code(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    rows = [
        ["Name", "Gender", "Visits"],
        ["Aroha", "#N/A", 3],
        ["Mere", "F", "#DIV/0!"],
        ["Tama", "#REF!", None],
    ]
    write_book(path, {"People": rows})  # openpyxl writes these codes as error cells (t="e")
    table = read_table(path)
    assert cells(table.find_column("Gender")) == [(X, "#N/A"), (T, "F"), (X, "#REF!")]
    assert cells(table.find_column("Visits")) == [(N, 3), (X, "#DIV/0!"), (E, None)]


def test_headers_are_made_unique_and_nameless_columns_get_their_letter(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    rows = [["Name", "DOB", "name", None, "Name (2)"], ["Aroha", "1/2/1990", "Ngata", "extra", "x"]]
    write_book(path, {"People": rows})
    table = read_table(path)
    assert table.headers == ["Name", "DOB", "name (3)", "Column D", "Name (2)"]
    assert cells(table.find_column("Column D")) == [(T, "extra")]


def test_whitespace_only_cells_are_empty_and_other_text_is_not_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "spaces.xlsx"
    rows = [["Name", "Notes"], [" Aroha ", "  "], ["Mere", "\u00a0"], ["Tama", "\t"], ["Hine", "x\ny"]]
    write_book(path, {"People": rows})
    table = read_table(path)
    assert cells(table.find_column("Name")) == [(T, " Aroha "), (T, "Mere"), (T, "Tama"), (T, "Hine")]
    assert cells(table.find_column("Notes")) == [(E, None), (E, None), (E, None), (T, "x\ny")]


def test_numbers_booleans_and_times_keep_their_kind(tmp_path: Path) -> None:
    path = tmp_path / "kinds.xlsx"
    rows = [
        ["Name", "Count", "Active", "Time"],
        ["Aroha", 3, True, dt.time(9, 30)],
        ["Mere", 2.5, False, "10am"],
    ]
    write_book(path, {"People": rows})
    table = read_table(path)
    count = table.find_column("Count")
    assert cells(count) == [(N, 3), (N, 2.5)]
    assert type(count.values[0]) is int
    assert cells(table.find_column("Active")) == [(B, True), (B, False)]
    assert cells(table.find_column("Time")) == [(T, "09:30:00"), (T, "10am")]


@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_libreoffice_files_with_a_cover_sheet_errors_and_a_hidden_column(suffix: str) -> None:
    table = read_table(LAYOUTS / f"cover_sheet.{suffix}")
    assert table.file_format == suffix
    assert table.sheets == ["Read me", "Participants"]
    assert (table.sheet, table.header_row) == ("Participants", 4)
    assert table.headers == [
        "Whānau ID",
        "NHI",
        "Given Name(s)",
        "Family Name",
        "D.O.B.",
        "Sex",
        "Date Enrolled",
        "Case notes",
        "Visits",
    ]
    assert [c.letter for c in table.columns] == ["A", "B", "C", "D", "E", "F", "H", "I", "J"]
    assert table.row_numbers.tolist() == [5, 6, 8, 9]
    assert (table.skipped_blank_rows, table.dropped_blank_columns) == (1, 1)
    assert cells(table.find_column("D.O.B.")) == [
        (D, dt.date(1980, 5, 17)),
        (T, "03/04/1985"),
        (X, "#N/A"),
        (D, dt.date(1990, 12, 31)),
    ]
    assert cells(table.find_column("Date Enrolled")) == [
        (D, dt.date(2020, 1, 1)),
        (D, dt.date(2021, 2, 3)),
        (T, "2019-02-01"),
        (D, dt.date(2022, 6, 30)),
    ]
    assert cells(table.find_column("Visits")) == [(N, 3), (N, 4), (X, "#DIV/0!"), (N, 2.5)]
    assert cells(table.find_column("Case notes")) == [
        (T, "Lives with nan"),
        (E, None),
        (T, "Court date"),
        (E, None),
    ]
    assert [c.header for c in table.columns if c.hidden] == ["Case notes"]


# --- the sheet XML pass ---------------------------------------------------------------------------------


SHEET_XML = (
    b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<x:cols><x:col min="2" max="3" width="9" hidden="1"/><x:col hidden="true" max="5" min="5"/>'
    b'<x:col min="6" max="6" hidden="0"/></x:cols><x:sheetData>'
    b'<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c t="e" r="B1" s="1"><x:f>1/0</x:f>'
    b"<x:v>#DIV/0!</x:v></x:c></x:row><x:row r=\"2\"><x:c s='2' t='e' r='C2'><x:v>#N/A</x:v></x:c>"
    b'<x:c r="D2" t="inlineStr"><x:is><x:t>t="e" is only text here</x:t></x:is></x:c>'
    b'<x:c r="E2" t="e"/><x:c r="AB17" t="e"><x:v>#REF!</x:v></x:c></x:row></x:sheetData>'
    b'<x:mergeCells count="0"/></x:worksheet>'
)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_the_sheet_xml_pass_finds_error_cells_in_any_attribute_order(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(sheet_extras, "_CHUNK", chunk)  # small chunks cut cells and tags in two
    extras = xlsx_extras.scan_xlsx_sheet_xml(io.BytesIO(SHEET_XML))
    assert extras.errors == {(0, 1): "#DIV/0!", (1, 2): "#N/A", (16, 27): "#REF!"}
    assert extras.hidden_columns == {1, 2, 4}


# --- CSV and text exports ---------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_semicolon_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "semicolon.csv", b"Name;Hours;DOB\r\nAroha;3,5;17/05/1980\r\nMere;12;1/2/1975\r\n"
    )
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.headers == ["Name", "Hours", "DOB"]
    assert cells(table.find_column("Hours")) == [(T, "3,5"), (T, "12")]
    assert table.row_numbers.tolist() == [2, 3]


def test_a_utf16_unicode_text_export(tmp_path: Path) -> None:
    text = "Whānau ID\tGiven Name(s)\tD.O.B.\r\nW001\tĀperahama\t17/05/1980\r\nW002\tMere, Jane\t\r\n"
    path = write(tmp_path / "unicode.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    table = read_table(path)
    assert (table.file_format, table.encoding, table.delimiter) == ("csv", "utf-16", "\t")
    assert table.headers == ["Whānau ID", "Given Name(s)", "D.O.B."]
    assert cells(table.find_column("Given Name(s)")) == [(T, "Āperahama"), (T, "Mere, Jane")]
    assert cells(table.find_column("D.O.B.")) == [(T, "17/05/1980"), (E, None)]
    assert table.row_numbers.tolist() == [2, 3]


def test_a_cp1252_export_that_lost_its_macrons(tmp_path: Path) -> None:
    text = "Name,Iwi,Notes\r\nMaori Ngata,Ngati Porou,O’Brien’s café\r\nZoë,Tuhoe,résumé\r\n"
    data = text.encode("cp1252")
    path = write(tmp_path / "old_export.csv", data)
    table = read_table(path)
    assert table.encoding == "cp1252"
    assert cells(table.find_column("Notes")) == [(T, "O’Brien’s café"), (T, "résumé")]
    assert cells(table.find_column("Name")) == [(T, "Maori Ngata"), (T, "Zoë")]
    assert any("cp1252" in note for note in table.notes)


def test_a_utf8_csv_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.csv", "Name,Iwi\nĀperahama,Ngāti Porou\n".encode())
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    assert cells(table.find_column("Iwi")) == [(T, "Ngāti Porou")]


def test_a_quoted_value_over_several_lines_keeps_later_row_numbers_right(tmp_path: Path) -> None:
    data = (
        b"Name,Notes,DOB\r\n"
        b'Aroha,"first line\r\nsecond line\r\nthird",1/2/1980\r\n'
        b"Mere,short,2/3/1981\r\n"
        b'Tama,"two\nlines",3/4/1982\r\n'
        b"\r\n"
        b"Hine,,4/5/1983\r\n"
    )
    table = read_table(write(tmp_path / "multiline.csv", data))
    assert table.row_numbers.tolist() == [2, 5, 6, 9]
    assert table.skipped_blank_rows == 1
    assert cells(table.find_column("Notes")) == [
        (T, "first line\r\nsecond line\r\nthird"),
        (T, "short"),
        (T, "two\nlines"),
        (E, None),
    ]


def test_csv_title_lines_and_blank_lines_above_the_header(tmp_path: Path) -> None:
    data = (
        b"Referrals export\r\nRun 1/11/2026,,\r\n\r\n"
        b"SWN,Given Names,DOB\r\n123456789,Ana,1/2/1990\r\n,,\r\n987654321,Bo,\r\n"
    )
    table = read_table(write(tmp_path / "titled.csv", data))
    assert table.header_row == 4
    assert table.headers == ["SWN", "Given Names", "DOB"]
    assert table.row_numbers.tolist() == [5, 7]
    assert table.skipped_blank_rows == 1
    assert read_table(tmp_path / "titled.csv", header_row=4).row_numbers.tolist() == [5, 7]


def test_csv_values_stay_text_even_when_they_look_like_errors_or_missing(tmp_path: Path) -> None:
    data = b"Name,Gender,Count\r\nAna,#N/A,007\r\nnan,NULL,1e5\r\nBo,   ,NA\r\n"
    table = read_table(write(tmp_path / "texts.csv", data))
    assert cells(table.find_column("Name")) == [(T, "Ana"), (T, "nan"), (T, "Bo")]
    assert cells(table.find_column("Gender")) == [(T, "#N/A"), (T, "NULL"), (E, None)]
    assert cells(table.find_column("Count")) == [(T, "007"), (T, "1e5"), (T, "NA")]


def test_csv_blank_fields_of_any_width_are_empty(tmp_path: Path) -> None:
    data = "Name,Notes\r\nAna,      \r\nBo,\u00a0\r\nCy,\t\r\nDee, kept \r\n".encode()
    table = read_table(write(tmp_path / "blanks.csv", data))
    assert cells(table.find_column("Notes")) == [(E, None), (E, None), (E, None), (T, " kept ")]


def test_csv_rows_longer_than_the_header_get_named_columns(tmp_path: Path) -> None:
    lines = [b"Name,DOB"] + [b"Ana,1/2/1990"] * 60 + [b"Bo,2/3/1991,stray,more"]
    table = read_table(write(tmp_path / "ragged.csv", b"\r\n".join(lines) + b"\r\n"))
    assert table.headers == ["Name", "DOB", "Column C", "Column D"]
    assert cells(table.find_column("Column D"))[-1] == (T, "more")
    assert table.row_numbers.tolist()[-1] == 62


def test_a_tab_separated_txt_in_utf8(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "tabs.txt", b"Name\tDOB\nAna\t1/2/1990\nBo\t\n"))
    assert (table.delimiter, table.headers) == ("\t", ["Name", "DOB"])
    assert cells(table.find_column("DOB")) == [(T, "1/2/1990"), (E, None)]


def test_a_utf8_csv_with_a_few_broken_bytes_keeps_its_macrons(tmp_path: Path) -> None:
    good = "Name,Iwi\r\nĀperahama,Ngāti Porou\r\nMere,Ngāi Tahu\r\n".encode()
    data = good + b"Tama,Te \xe2\x80 Arawa\r\n"  # a character cut in half
    for name, prefix in (("no_bom.csv", b""), ("bom.csv", b"\xef\xbb\xbf")):
        table = read_table(write(tmp_path / name, prefix + data))
        assert cells(table.find_column("Iwi"))[:2] == [(T, "Ngāti Porou"), (T, "Ngāi Tahu")]
        assert "\ufffd" in table.find_column("Iwi").values[2]
        assert any("\ufffd" in note for note in table.notes)


def test_a_cp1252_csv_with_a_stray_control_character_is_still_read(tmp_path: Path) -> None:
    data = "Name,Notes\r\nZoë,café\r\nBo,fine\r\n".encode("cp1252") + b"\x1a"
    table = read_table(write(tmp_path / "dos.csv", data))
    assert table.encoding == "cp1252"
    assert cells(table.find_column("Notes"))[0] == (T, "café")


def test_the_ods_pass_gives_the_same_cells_however_the_xml_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(LAYOUTS / "cover_sheet.ods")
    whole = ods_extras.ods_sheet_extras(path, "Participants")
    assert whole.errors == {(7, 4): "#N/A", (7, 9): "#DIV/0!"}  # row 8, columns E and J
    assert whole.hidden_columns == {8}
    for chunk in (11, 100, 1000):
        monkeypatch.setattr(sheet_extras, "_CHUNK", chunk)
        assert ods_extras.ods_sheet_extras(path, "Participants") == whole
    assert ods_extras.ods_sheet_extras(path, "Read me") == sheet_extras.SheetExtras()


def test_a_cover_sheet_with_a_stray_far_cell_does_not_stop_the_data_sheet(tmp_path: Path) -> None:
    path = tmp_path / "stray_cover.xlsx"
    book = Workbook()
    cover = book.active
    cover.title = "Read me"
    cover["A1"] = "About"
    cover["XFD1048576"] = "x"
    data = book.create_sheet("People")
    for row in PEOPLE:
        data.append(row)
    book.save(path)
    assert read_table(path).sheet == "People"
    with pytest.raises(InputError, match="1,048,576 rows"):
        read_table(path, sheet="Read me")

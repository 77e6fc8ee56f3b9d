"""Reading the sample files, never changing a source, and a clear InputError for every kind of bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from core.errors import InputError
from core.reading.sources import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, list_sheets, read_table
from core.reading.table import CellKind

LAYOUTS = Path(__file__).resolve().parents[2] / "data" / "layouts"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_error(path: Path, **options: object) -> str:
    with pytest.raises(InputError) as caught:
        read_table(path, **options)
    return caught.value.message


def assert_one_sentence(message: str, path: Path) -> None:
    assert "\n" not in message
    assert message.endswith(".")
    assert path.name in message


def save_rows(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- the samples ----------------------------------------------------------------------------------------


def test_register_sample_is_read_from_its_sheet_and_header_row(data_dir: Path, expected: dict) -> None:
    table = read_table(data_dir / "whanau_register.xlsx")
    wanted = expected["files"]["whanau_register.xlsx"]
    assert table.file_format == "xlsx"
    assert table.sheets == ["Register"]
    assert (table.sheet, table.header_row) == (wanted["sheet"], wanted["header_row"])
    assert len(table.columns) == 10
    assert "Notes" in table.headers
    assert set(wanted["mapping"].values()) <= set(table.headers)


def test_register_error_cells_come_back_as_error_cells(data_dir: Path, expected: dict) -> None:
    table = read_table(data_dir / "whanau_register.xlsx")
    error_rows = sorted(
        e["row"]
        for e in expected["files"]["whanau_register.xlsx"]["expected"]
        if e["rule"] == "cell_error_value"
    )
    gender = table.find_column("Gender")
    is_error = gender.kinds == CellKind.ERROR
    assert table.row_numbers[is_error].tolist() == error_rows == [29, 55, 107, 186]
    with zipfile.ZipFile(data_dir / "whanau_register.xlsx") as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    for row, code in zip(error_rows, gender.values[is_error], strict=True):
        assert f'<c r="F{row}" t="e"><v>{code}</v></c>' in sheet_xml
    others = [c for c in table.columns if c.header != "Gender"]
    assert not any((c.kinds == CellKind.ERROR).any() for c in others)


def test_register_rows_are_numbered_as_excel_shows_them(data_dir: Path) -> None:
    table = read_table(data_dir / "whanau_register.xlsx")
    client_id = table.find_column("Client ID")
    book = load_workbook(data_dir / "whanau_register.xlsx", read_only=True)
    by_row = {row[0].row: row[0].value for row in book["Register"].iter_rows(min_row=4) if row[0].value}
    for row_number, value in zip(table.row_numbers.tolist(), client_id.values.tolist(), strict=True):
        if value is not None:
            assert by_row[row_number] == value
    blank_rows = [
        r for r in range(4, book["Register"].max_row + 1) if r not in set(table.row_numbers.tolist())
    ]
    assert table.skipped_blank_rows == len(blank_rows) > 0


def test_register_keeps_real_dates_apart_from_dates_typed_as_text(data_dir: Path) -> None:
    born = read_table(data_dir / "whanau_register.xlsx").find_column("Date of Birth")
    kinds = set(born.kinds.tolist())
    assert {CellKind.DATE, CellKind.TEXT} <= kinds
    for value, kind in zip(born.values, born.kinds, strict=True):
        if kind == CellKind.DATE:
            assert hasattr(value, "year")
        elif kind == CellKind.TEXT:
            assert isinstance(value, str) and value.strip()
        elif kind == CellKind.EMPTY:
            assert value is None


def test_register_text_is_kept_as_typed(data_dir: Path) -> None:
    notes = read_table(data_dir / "whanau_register.xlsx").find_column("Notes")
    assert "Lives with nan" in notes.values.tolist()  # "nan" is text, never a missing value


def test_referrals_csv_is_read_with_its_bom_and_crlf(data_dir: Path, expected: dict) -> None:
    path = data_dir / "referrals_export.csv"
    table = read_table(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert table.file_format == "csv"
    assert table.sheets == [path.stem] == [table.sheet]
    assert table.header_row == expected["files"]["referrals_export.csv"]["header_row"]
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ","
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert table.headers == records[0]
    kept = [
        (line, record) for line, record in enumerate(records[1:], start=2) if any(f.strip() for f in record)
    ]
    assert table.row_numbers.tolist() == [line for line, _ in kept]
    for j, column in enumerate(table.columns):
        assert column.values.tolist() == [r[j] if r[j].strip() else None for _, r in kept]
        assert set(column.kinds.tolist()) <= {CellKind.TEXT, CellKind.EMPTY}


def test_list_sheets_gives_sheet_names_or_the_csv_stem(data_dir: Path) -> None:
    assert list_sheets(data_dir / "whanau_register.xlsx") == ["Register"]
    assert list_sheets(data_dir / "referrals_export.csv") == ["referrals_export"]
    assert list_sheets(LAYOUTS / "cover_sheet.ods") == ["Read me", "Participants"]


@pytest.mark.parametrize("name", ["whanau_register.xlsx", "referrals_export.csv"])
def test_reading_never_changes_the_source(sample_copy, name: str) -> None:
    path = sample_copy(name)
    before, modified = sha256(path), path.stat().st_mtime_ns
    list_sheets(path)
    read_table(path)
    read_table(path, header_row=1)
    assert sha256(path) == before
    assert path.stat().st_mtime_ns == modified


def test_a_read_only_source_can_be_read(sample_copy) -> None:
    path = sample_copy("whanau_register.xlsx")
    path.chmod(0o444)
    assert read_table(path).row_count > 0


def test_supported_suffixes_are_the_documented_ones() -> None:
    assert SUPPORTED_SUFFIXES == (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")


def test_an_xlsm_and_an_uppercase_suffix_read_like_xlsx(sample_copy) -> None:
    original = sample_copy("whanau_register.xlsx")
    macro = original.rename(original.with_name("register.XLSM"))
    table = read_table(macro)
    assert (table.file_format, table.sheet, table.header_row) == ("xlsm", "Register", 3)


def test_a_workbook_renamed_to_the_wrong_excel_suffix_is_still_read(sample_copy) -> None:
    original = sample_copy("whanau_register.xlsx")
    renamed = original.rename(original.with_name("register.xls"))
    table = read_table(renamed)
    assert (table.file_format, table.sheet, table.header_row) == ("xlsx", "Register", 3)
    assert (table.find_column("Gender").kinds == CellKind.ERROR).sum() == 4


# --- bad input --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.xlsx"
    message = input_error(path)
    assert "does not exist" in message
    assert_one_sentence(message, path)
    with pytest.raises(InputError):
        list_sheets(path)


def test_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "register.xlsx"
    folder.mkdir()
    message = input_error(folder)
    assert "folder" in message
    assert_one_sentence(message, folder)


@pytest.mark.parametrize("name", ["notes.docx", "scan.pdf", "register"])
def test_a_file_that_is_not_a_spreadsheet_by_its_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"Name,DOB\r\nAna,1/2/1990\r\n")
    message = input_error(path)
    assert "not a spreadsheet" in message and ".xlsx" in message
    assert_one_sentence(message, path)


def test_text_saved_with_a_workbook_name(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"Name,DOB\r\nAna,1/2/1990\r\n")
    message = input_error(path)
    assert "not a spreadsheet" in message
    assert_one_sentence(message, path)


def test_a_web_page_export_named_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>Name</td></tr><tr><td>Ana</td></tr></table></body></html>")
    message = input_error(path)
    assert "web page" in message
    assert_one_sentence(message, path)


def test_a_workbook_named_csv(sample_copy) -> None:
    original = sample_copy("whanau_register.xlsx")
    path = original.rename(original.with_name("register.csv"))
    message = input_error(path)
    assert "workbook" in message and "rename" in message
    assert_one_sentence(message, path)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_xlsx(sample_copy, keep: float) -> None:
    path = sample_copy("whanau_register.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    message = input_error(path)
    assert "damaged or incomplete" in message
    assert_one_sentence(message, path)


def test_a_zip_with_a_corrupted_sheet(sample_copy, tmp_path: Path) -> None:
    source = sample_copy("whanau_register.xlsx")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the XML stops in the middle of a row
            copy.writestr(item, data)
    message = input_error(broken)
    assert "damaged or incomplete" in message
    assert_one_sentence(message, broken)


@pytest.mark.parametrize("name", ["protected.xlsx", "protected.xls", "protected.ods"])
def test_a_password_protected_workbook(name: str) -> None:
    path = LAYOUTS / name
    message = input_error(path)
    assert "password" in message
    assert_one_sentence(message, path)


def test_an_encrypted_xlsx_is_an_ole_file_not_a_zip() -> None:
    data = (LAYOUTS / "protected.xlsx").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert "EncryptedPackage".encode("utf-16-le") in data


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv", "empty.ods"])
def test_an_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    message = input_error(path)
    assert "empty" in message
    assert_one_sentence(message, path)


def test_a_sheet_with_no_header(tmp_path: Path) -> None:
    path = save_rows(tmp_path / "numbers.xlsx", [[1, 2, 3], [4, 5, 6], [7.5, 8, 9]])
    message = input_error(path)
    assert "No table with a header row" in message
    assert_one_sentence(message, path)


def test_an_empty_sheet(tmp_path: Path) -> None:
    path = save_rows(tmp_path / "blank.xlsx", [])
    message = input_error(path)
    assert "header row" in message
    assert_one_sentence(message, path)


def test_a_csv_with_nothing_but_separators(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b",,,\r\n\r\n , ,\r\n")
    message = input_error(path)
    assert "No table with a header row" in message
    assert_one_sentence(message, path)


def test_a_sheet_name_not_found_lists_the_sheets(data_dir: Path) -> None:
    path = data_dir / "whanau_register.xlsx"
    message = input_error(path, sheet="Clients")
    assert '"Clients"' in message and '"Register"' in message
    assert_one_sentence(message, path)


def test_a_sheet_name_differing_only_in_case_is_found(data_dir: Path) -> None:
    assert read_table(data_dir / "whanau_register.xlsx", sheet=" register").sheet == "Register"


def test_a_csv_in_an_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "scrambled.csv"
    path.write_bytes(
        b"Name,DOB\r\n" + bytes(range(0x80, 0x100)) * 8 + b"\x00\x01\x02\x81\x8d\x8f\x90\x9d\r\n"
    )
    message = input_error(path)
    assert "encoding" in message
    assert_one_sentence(message, path)


def test_a_file_over_the_size_limit_says_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    message = input_error(path)
    limit_mb = f"{MAX_FILE_BYTES / 2**20:,.0f} MB"
    assert limit_mb in message and "more than" in message
    assert_one_sentence(message, path)


def test_the_size_limit_is_sensible() -> None:
    assert 50 * 2**20 <= MAX_FILE_BYTES <= 500 * 2**20


def test_a_header_row_below_the_sheet(data_dir: Path) -> None:
    path = data_dir / "whanau_register.xlsx"
    message = input_error(path, header_row=5000)
    assert "Row 5000" in message
    assert_one_sentence(message, path)


def test_a_blank_header_row(tmp_path: Path) -> None:
    path = save_rows(tmp_path / "gap.xlsx", [["Title"], [], ["Name", "DOB"], ["Ana", "1/2/1990"]])
    message = input_error(path, header_row=2)
    assert "Row 2" in message and "empty" in message
    assert_one_sentence(message, path)


def test_a_csv_quote_that_is_never_closed(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_bytes(b'Name,Notes\r\nAna,fine\r\nBo,"starts here\r\nCy,and never ends\r\n')
    message = input_error(path)
    assert "quote" in message
    assert_one_sentence(message, path)


def test_a_csv_sheet_name_must_be_the_file_stem(data_dir: Path) -> None:
    path = data_dir / "referrals_export.csv"
    assert read_table(path, sheet="referrals_export").sheet == "referrals_export"
    message = input_error(path, sheet="Sheet1")
    assert '"referrals_export"' in message
    assert_one_sentence(message, path)


def test_row_numbers_are_int64(data_dir: Path) -> None:
    for name in ("whanau_register.xlsx", "referrals_export.csv"):
        table = read_table(data_dir / name)
        assert table.row_numbers.dtype == np.int64
        assert all(c.kinds.dtype == np.uint8 and c.values.dtype == object for c in table.columns)


def two_rows_and_a_far_cell(path: Path, far_cell: Callable[[Cell], None]) -> Path:
    """A two-row register saved by openpyxl (with a true <dimension>), its cell XFD1048576 set by `far_cell`."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "DOB"])
    sheet.append(["Ana", "1/2/1990"])
    far_cell(sheet["XFD1048576"])
    book.save(path)
    return path


def test_a_sheet_whose_used_range_is_too_big_is_refused_before_reading(tmp_path: Path) -> None:
    def stray_value(cell: Cell) -> None:
        cell.value = "stray"  # python-calamine would try to hold every cell up to here, and abort

    message = input_error(two_rows_and_a_far_cell(tmp_path / "stray.xlsx", stray_value))
    assert "1,048,576 rows and 16,384 columns" in message
    assert_one_sentence(message, tmp_path / "stray.xlsx")


def test_an_ods_cut_off_after_a_row_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    source = LAYOUTS / "cover_sheet.ods"
    cut = tmp_path / "cut.ods"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in original.namelist():
            data = original.read(name)
            if name == "content.xml":  # python-calamine 0.9.1 loops for ever on content that stops here
                data = data[: data.index(b"</table:table-row>") + len(b"</table:table-row>")]
            copy.writestr(name, data)
    script = (
        "import sys\nfrom core.errors import InputError\nfrom core.reading.sources import read_table\n"
        f"try:\n    read_table({str(cut)!r})\nexcept InputError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[3],
    )
    assert "damaged or incomplete" in done.stdout
    assert_one_sentence(done.stdout.strip(), cut)


def rows_added_to_sheet(path: Path, rows: bytes) -> bytes:
    """Add rows at the end of the first sheet's XML, as a hand-edited or odd exporter's file would hold them;
    the XML as it was is returned."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = xml.replace(b"</sheetData>", rows + b"</sheetData>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return xml


def stray_value_without_dimension(path: Path) -> Path:
    """A sheet written the way openpyxl's write-only mode and some exporters write it: no <dimension>."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.append(["Name", "DOB"])
    sheet.append(["Ana", "1/2/1990"])
    book.save(path)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    assert b"<dimension" not in rows_added_to_sheet(path, far)
    return path


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_a_stray_far_value_in_a_sheet_without_dimension_is_refused_not_a_crash(
    tmp_path: Path, command: str
) -> None:
    """python-calamine would ask for hundreds of gigabytes and abort the process; the sheet is sized first."""
    path = stray_value_without_dimension(tmp_path / "no-dimension.xlsx")
    result = subprocess.run(
        [sys.executable, "main.py", command, str(path)],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "1,048,576 rows and 16,384 columns" in result.stderr


def test_a_stray_far_value_behind_a_wrong_dimension_is_refused(tmp_path: Path) -> None:
    path = save_rows(tmp_path / "wrong.xlsx", [["Name", "DOB"], ["Ana", "1/2/1990"]])
    before = rows_added_to_sheet(path, b'<row r="900000"><c r="ZZZ900000"><v>1</v></c></row>')
    assert b'<dimension ref="A1:B2"' in before  # which no longer tells the truth
    assert "900,000 rows and 18,278 columns" in input_error(path)


def test_a_far_cell_that_is_only_formatted_does_not_stop_the_read(tmp_path: Path) -> None:
    """calamine leaves out cells with no value, so a bold but empty XFD1048576 is no reason to refuse."""

    def bold(cell: Cell) -> None:
        cell.font = Font(bold=True)

    table = read_table(two_rows_and_a_far_cell(tmp_path / "formatted.xlsx", bold))
    assert [c.header for c in table.columns] == ["Name", "DOB"]
    assert table.row_count == 1

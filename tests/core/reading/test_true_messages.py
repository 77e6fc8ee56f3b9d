"""Messages that name the true cause (issue 13): what real files were wrongly called "damaged" or "not a
spreadsheet", each built here from bytes."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import python_calamine
from openpyxl import Workbook

from core.errors import InputError
from core.reading import xls_extras
from core.reading.grid import RawColumn, assemble
from core.reading.sources import read_table
from core.reading.table import CellKind

LAYOUTS = Path(__file__).resolve().parents[2] / "data" / "layouts"


def message_for(path: Path) -> str:
    with pytest.raises(InputError) as raised:
        read_table(path)
    return raised.value.message


def with_filepass(kind: bytes) -> bytes:
    """protected.xls (RC4) with its FILEPASS record rewritten in place as another kind of protection."""
    data = bytearray((LAYOUTS / "protected.xls").read_bytes())
    stream = xls_extras._workbook_stream(bytes(data))
    record = next(start - 4 for t, start, _ in xls_extras._records(stream, 0) if t == 0x002F)
    old = stream[record : record + 58]
    at = bytes(data).index(old)
    if kind == b"xor":  # type 0, key, verifier (6 bytes); then a filler record keeps every offset
        new = struct.pack("<HHHHH", 0x002F, 6, 0, 0x1234, 0x5678) + struct.pack("<HH", 0x00EF, 44) + bytes(44)
    else:  # RC4 CryptoAPI: type 1, version 2.2
        new = old[:6] + struct.pack("<HH", 2, 2) + old[10:]
    data[at : at + 58] = new
    return bytes(data)


@pytest.mark.parametrize("kind", [b"xor", b"cryptoapi"])
def test_every_kind_of_xls_password_protection_gets_the_password_message(tmp_path: Path, kind: bytes) -> None:
    path = tmp_path / "protected.xls"
    path.write_bytes(with_filepass(kind))
    assert "protected with a password" in message_for(path)


def people_xlsx_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "People"
    for row in (
        ["NHI", "First name", "Surname"],
        ["ZZZ0016", "Aroha", "Ngata"],
        ["ZZZ0024", "Tama", "Kingi"],
    ):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(
    package: bytes, changes: dict[str, bytes | None], added: dict[str, bytes] | None = None
) -> bytes:
    """The zip package with some members replaced (None drops one) and others added."""
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = changes.get(item.filename, source.read(item.filename))
            if data is not None:
                out.writestr(item.filename, data)
        for name, data in (added or {}).items():
            out.writestr(name, data)
    return buffer.getvalue()


def test_a_valid_package_calamine_refuses_is_read_another_way(tmp_path: Path) -> None:
    """An Excel 4.0 macro sheet beside the list made python-calamine refuse the whole file as damaged."""
    package = people_xlsx_bytes()
    source = zipfile.ZipFile(io.BytesIO(package))
    workbook = source.read("xl/workbook.xml").replace(
        b"<sheets>",
        b'<sheets><sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        b'name="Macro1" sheetId="9" r:id="rId99"/>',
    )
    rels = source.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
        b'Target="macrosheets/sheet1.xml"/></Relationships>',
    )
    path = tmp_path / "with_macro_sheet.xlsx"
    path.write_bytes(rewritten(package, {"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels}))
    with pytest.raises(python_calamine.CalamineError):
        python_calamine.CalamineWorkbook.from_path(str(path))
    table = read_table(path)
    assert table.sheet == "People"
    assert table.headers == ["NHI", "First name", "Surname"]
    assert table.find_column("First name").values.tolist() == ["Aroha", "Tama"]
    assert table.row_numbers.tolist() == [2, 3]


def test_xlsb_content_under_an_xlsx_name_is_named_as_xlsb(tmp_path: Path) -> None:
    binary = {"xl/workbook.bin": b"\x83\x01\x00", "xl/worksheets/sheet1.bin": b"\x81\x01\x00"}
    package = rewritten(
        people_xlsx_bytes(), {"xl/workbook.xml": None, "xl/worksheets/sheet1.xml": None}, binary
    )
    path = tmp_path / "export.xlsx"
    path.write_bytes(package)
    message = message_for(path)
    assert "Excel binary workbook (.xlsb)" in message and "save it as .xlsx" in message


def test_a_word_document_under_an_xlsx_name_is_not_called_an_xls(tmp_path: Path) -> None:
    data = bytearray((LAYOUTS / "cover_sheet.xls").read_bytes())
    at = bytes(data).index("Workbook".encode("utf-16-le"))
    data[at : at + 16] = "WordDocu".encode("utf-16-le")
    path = tmp_path / "letter.xlsx"
    path.write_bytes(bytes(data))
    assert "not a spreadsheet" in message_for(path)


def test_an_xls_workbook_under_an_xlsx_name_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "cover_sheet.xlsx"
    path.write_bytes((LAYOUTS / "cover_sheet.xls").read_bytes())
    assert read_table(path).row_count > 0


def test_an_xlsx_workbook_under_a_csv_name_is_named_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(people_xlsx_bytes())
    assert "is a workbook (.xlsx), not a text file: rename it to end in .xlsx" in message_for(path)


@pytest.mark.parametrize("bof", [b"\x09\x00\x04\x00", b"\x09\x02\x06\x00", b"\x09\x04\x06\x00"])
def test_excel_4_and_earlier_is_named_as_a_very_old_excel(tmp_path: Path, bof: bytes) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(bof + b"\x00\x00\x10\x00\x00\x00" + bytes(200))
    message = message_for(path)
    assert "saved by a very old version of Excel" in message and "save it as .xlsx" in message


def test_control_characters_in_headings_are_removed_and_said() -> None:
    rows = np.array([2], dtype=np.int64)
    columns = [
        RawColumn(
            "N\x00H\x00I", 0, np.array(["ZZZ0016"], dtype=object), np.array([CellKind.TEXT], dtype=np.uint8)
        ),
        RawColumn(
            "Surname\x07", 1, np.array(["Ngata"], dtype=object), np.array([CellKind.TEXT], dtype=np.uint8)
        ),
        RawColumn(
            "Date of\nbirth",
            2,
            np.array(["1/1/1990"], dtype=object),
            np.array([CellKind.TEXT], dtype=np.uint8),
        ),
    ]
    assembled = assemble(columns, rows)
    assert [c.header for c in assembled.columns] == ["NHI", "Surname", "Date of\nbirth"]
    assert assembled.notes == [
        "Hidden control characters (such as NUL) were removed from the headings of columns A, B."
    ]


def test_a_tab_separated_tsv_export_is_read_like_a_txt(tmp_path: Path) -> None:
    path = tmp_path / "presidents.tsv"
    path.write_text("name\tparty\nKate Sheppard\tnone\nÂpirana Ngata\tLiberal\n", encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["name", "party"] and table.delimiter == "\t" and table.row_count == 2


@pytest.mark.parametrize("content", [b"\n", b"\r\n\r\n   \r\n", b"\xef\xbb\xbf\n"])
def test_a_text_file_of_blank_lines_is_said_to_have_no_data(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    assert "has no data in it" in message_for(path)


def test_an_ods_declaring_billions_of_cells_is_too_big_not_damaged(tmp_path: Path) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Sheet1"><table:table-row table:number-rows-repeated='
        '"999999999"><table:table-cell table:number-columns-repeated="999999999" office:value-type="string">'
        "<text:p>X</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    path = tmp_path / "huge.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr("content.xml", content)
    message = message_for(path)
    assert "more rows and columns than this computer can read safely" in message

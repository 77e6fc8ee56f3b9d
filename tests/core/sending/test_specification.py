"""The data specification: written from the profile and the latest check, and holding no personal data."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
from docx import Document

from core.checking.check import run_check
from core.profile import profile_from_dict
from core.reading.sources import read_table
from core.sending.history import Receipt, append_receipt
from core.sending.specification import write_specification
from core.sending.supplies import due_date
from tests.core.checking.test_changes import personal_values

AS_OF = dt.date(2026, 11, 1)


def register(data_dir, expected, **extra):
    spec = expected["files"]["whanau_register.xlsx"]
    profile = profile_from_dict(
        {"format": 1, "name": "Whānau register", "organisation_code": "KWT", "identifier_type": "NHI",
         "mapping": {**spec["mapping"], "service": "Programme"}, "gender_values": {"Wahine": "female"},
         "frequency": "quarterly", "readiness": {"answers": {"route": "intermediary"}}, **extra}
    )  # fmt: skip
    return run_check(read_table(data_dir / "whanau_register.xlsx"), profile, AS_OF)


def document_text(path) -> str:
    """Every XML part of the .docx, unzipped: what Word would show, and everything it would not."""
    with zipfile.ZipFile(
        path
    ) as archive:  # the template's thumbnail is read as Latin-1: any byte is a letter
        parts = [archive.read(name) for name in archive.namelist()]
    return "\n".join(part.decode("utf-8" if part.lstrip().startswith(b"<") else "latin-1") for part in parts)


def test_the_specification_holds_no_name_date_of_birth_or_identifier_from_the_sheet(
    tmp_path, data_dir, expected
) -> None:
    result = register(data_dir, expected)
    path = write_specification(result, tmp_path / "spec.docx")
    text = document_text(path)
    values = personal_values(result)
    assert len(values) > 500
    assert [value for value in values if value in text] == []


def test_the_specification_describes_fields_coding_route_and_the_check(tmp_path, data_dir, expected) -> None:
    result = register(data_dir, expected)
    document = Document(str(write_specification(result, tmp_path / "spec.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"NHI Number", "Date of Birth", "Programme", "dob", "service"} <= cells
    assert any(cell.startswith("Date, YYYY-MM-DD") for cell in cells)
    assert {"Wahine", "Female", "F"} <= cells  # the organisation's own gender code and how it is sent
    assert "Purpose: [To fill in:" in text
    assert "Route: It goes through another organisation" in text
    assert "A valid NHI number is present for 93.5% of people (289 of 309)." in text
    assert {"309", f"{result.linkable_rows} ({100 * result.linkable_rows / 309:.1f}%)"} <= cells


def test_the_next_due_date_follows_the_last_receipt_and_the_frequency(tmp_path, data_dir, expected) -> None:
    append_receipt(
        Receipt(profile="Whānau register", file_name="KWT.csv.gpg", rows_sent=300, rows_left_out=9, sha256="0" * 64,
                recipient_fingerprint="AB", server="", host_key_sha256="", outcome="saved", time="2026-08-31T01:00:00Z")
    )  # fmt: skip
    document = Document(str(write_specification(register(data_dir, expected), tmp_path / "spec.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Last supplied: 31 August 2026" in text
    assert "Next due: 30 November 2026" in text


def test_with_a_first_due_date_the_next_due_date_is_the_one_the_home_page_shows(
    tmp_path, data_dir, expected
) -> None:
    from core.sending.history import load_receipts
    from core.sending.supplies import next_due

    append_receipt(
        Receipt(profile="Whānau register", file_name="KWT.csv.gpg", rows_sent=300, rows_left_out=9, sha256="0" * 64,
                recipient_fingerprint="AB", server="", host_key_sha256="", outcome="saved", time="2026-08-31T01:00:00Z")
    )  # fmt: skip
    result = register(data_dir, expected, first_due="2026-10-31")
    document = Document(str(write_specification(result, tmp_path / "spec.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert next_due(result.profile, load_receipts().receipts) == dt.date(2026, 10, 31)  # the send was early
    assert "Next due: 31 October 2026" in text


@pytest.mark.parametrize(
    ("last", "frequency", "due"),
    [
        (dt.date(2026, 1, 31), "monthly", dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 15), "quarterly", dt.date(2027, 2, 15)),
        (dt.date(2026, 3, 1), "fortnightly", dt.date(2026, 3, 15)),
        (dt.date(2026, 3, 1), "when asked", None),
    ],
)
def test_next_due(last, frequency, due) -> None:
    assert due_date(last, frequency, 1) == due


def test_the_document_is_a_word_file_with_its_title(tmp_path, data_dir, expected) -> None:
    path = write_specification(register(data_dir, expected), tmp_path / "spec.docx")
    document = Document(str(path))
    assert document.core_properties.title == "Data specification: Whānau register"
    assert re.match(r"Data specification: Whānau register", document.paragraphs[0].text)

"""Small real spreadsheets for tests: written with openpyxl or as CSV bytes, then read by the real reader."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

Row = Sequence[object]


def write_xlsx(
    path: Path,
    header: Row,
    rows: Sequence[Row],
    *,
    sheet: str = "People",
    title_rows: Sequence[str] = (),
    cover_sheet: str | None = None,
) -> Path:
    """A workbook with optional title rows above the header and an optional cover sheet in front."""
    book = Workbook()
    first = book.active
    if cover_sheet:
        first.title = cover_sheet
        first["A1"] = "Read me: this workbook lists the people we work with. Do not change the columns."
        first["A3"] = "Questions: the office manager."
        data = book.create_sheet(sheet)
    else:
        first.title = sheet
        data = first
    for title in title_rows:
        data.append([title])
    data.append(list(header))
    for row in rows:
        data.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path,
    header: Row,
    rows: Sequence[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    title_rows: Sequence[str] = (),
) -> Path:
    buffer = io.StringIO(newline="")
    for title in title_rows:
        buffer.write(title + "\r\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path

"""Error cells and hidden columns of an .xlsx/.xlsm sheet, read from its XML part; and the sheet's size.

python-calamine 0.9.1 returns error cells as empty strings (see `sheet_extras`). The sheet's XML part is
streamed once (it can run in a thread beside calamine, whose parsing releases the GIL); only where `t="e"`
occurs is anything parsed, so the cost is the decompression. Hidden columns (`<col hidden="1">`) sit at the
start of the same part. `xlsx_sheet_size` finds, from the same part, the range calamine will allocate, so
that a sheet too big to hold is refused before calamine aborts on it. .ods is read in `ods_extras`.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from core.reading.sheet_extras import (
    MAX_COLUMNS,
    MAX_HEAD,
    SheetExtras,
    attribute,
    find_member,
    read_chunks,
    unescape,
)

# typing.TYPE_CHECKING without loading typing: this module is read before the command line starts the parse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^>]*)>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\s([^>]*)>")
_OFFICE_DOCUMENT = re.compile(rb"/officeDocument\Z")
_COL_TAG = re.compile(rb"<(?:[\w.-]+:)?col\s([^>]*)>")
_CELL_OPEN = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_CELL_CLOSE = re.compile(rb"</(?:[\w.-]+:)?c>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)<")
_REF = re.compile(rb"""\sr=["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_ERROR_MARKERS = (b't="e"', b"t='e'")
_DIMENSION = re.compile(
    rb"<(?:[\w.-]+:)?dimension\s[^>]*?ref=[\"']"
    rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,9})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,9}))?[\"']"
)
_SPACES = b" \t\r\n"
SIZED_FROM_CELLS = 2 << 20  # sheet XML up to this size (~4,000 rows) is sized from its cells: ~30 ms at most
# A cell's reference, its tag closed (not self-closed) and followed at once by a value, an inline string or
# a formula: calamine counts such cells in the sheet's range and leaves out cells that are only formatted.
# Only cell tags carry an attribute named just "r" with letters in it.
_VALUED_CELL_REF = re.compile(
    rb"""\sr=["']([A-Za-z]{1,3})([0-9]{1,7})["'][^>]*(?<!/)>\s*<(?:[\w.-]+:)?(?:v|is|f)[\s/>]"""
)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationship_targets(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved part name) for one part's .rels file."""
    member = find_member(archive, _rels_path(part))
    if member is None:
        return {}
    folder = posixpath.dirname(part)
    result = {}
    for match in _RELATIONSHIP_TAG.finditer(archive.read(member)):
        attributes = match.group(1)
        rel_id, target = attribute(attributes, b"Id"), attribute(attributes, b"Target")
        if rel_id is None or target is None:
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        result[rel_id] = (attribute(attributes, b"Type") or "", posixpath.normpath(resolved))
    return result


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for rel_type, target in _relationship_targets(archive, "").values():
        if _OFFICE_DOCUMENT.search(rel_type.encode()):
            return target
    return "xl/workbook.xml"


def xlsx_sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding a sheet's XML, found through xl/workbook.xml and its relationships."""
    workbook = _workbook_part(archive)
    member = find_member(archive, workbook)
    if member is None:
        return None
    targets = _relationship_targets(archive, workbook)
    for match in _SHEET_TAG.finditer(archive.read(member)):
        attributes = match.group(1)
        if attribute(attributes, b"name") != sheet_name:
            continue
        rel_id = re.search(rb"""(?:^|\s)[\w.-]+:id\s*=\s*["']([^"']*)["']""", attributes)
        if rel_id is None:
            return None
        target = targets.get(rel_id.group(1).decode("utf-8", "replace"))
        return None if target is None else find_member(archive, target[1])
    return None


def xlsx_sheet_extras(path: str, sheet_name: str) -> SheetExtras:
    """Error cells and hidden columns of an .xlsx/.xlsm sheet (the file is only opened for reading)."""
    with zipfile.ZipFile(path, "r") as archive:
        part = xlsx_sheet_part(archive, sheet_name)
        if part is None:
            return SheetExtras()
        with archive.open(part, "r") as stream:
            return scan_xlsx_sheet_xml(stream)


def xlsx_sheet_size(path: str, sheet_name: str) -> tuple[int, int] | None:
    """(rows, columns) calamine will hold for the sheet, found before it parses the sheet; None if unknown.

    calamine allocates one cell for every position between its first and last cell holding a value, all at
    once, so a stray value at, say, XFD1048576 makes it ask for hundreds of gigabytes and abort the whole
    process. A sheet of up to `SIZED_FROM_CELLS` bytes of XML (a few thousand rows) is sized from those cells
    themselves, so a missing or wrong <dimension> cannot hide the stray cell, and a cell that is only
    formatted does not count, as calamine does not count it. A bigger sheet is sized by its <dimension ref=
    "A1:J317">, which Excel, LibreOffice and openpyxl write as the used range, read from the part's head:
    finding every cell of it would take a good part of the time calamine takes to read it.
    """
    with zipfile.ZipFile(path, "r") as archive:
        part = xlsx_sheet_part(archive, sheet_name)
        if part is None:
            return None
        if archive.getinfo(part).file_size <= SIZED_FROM_CELLS:
            return _extent_of_valued_cells(archive.read(part))
        with archive.open(part, "r") as stream:
            head = b""
            for chunk in read_chunks(stream):
                head += chunk
                if b"sheetData" in head or len(head) > MAX_HEAD:
                    break
    match = _DIMENSION.search(head[: max(head.find(b"sheetData"), 0)] or head)
    if match is None:
        return None
    first_column, first_row = _column_index(match.group(1)), int(match.group(2)) - 1
    last_column, last_row = first_column, first_row
    if match.group(3):
        last_column, last_row = _column_index(match.group(3)), int(match.group(4)) - 1
    return abs(last_row - first_row) + 1, abs(last_column - first_column) + 1


def _extent_of_valued_cells(xml: bytes) -> tuple[int, int] | None:
    """(rows, columns) from the first to the last cell holding a value (or a formula), by their references."""
    found = _VALUED_CELL_REF.findall(xml)
    if not found:
        return None
    letters, numbers = zip(*found, strict=True)
    rows = list(map(int, numbers))
    indexes = [_column_index(name) for name in set(letters)]
    return max(rows) - min(rows) + 1, max(indexes) - min(indexes) + 1


def scan_xlsx_sheet_xml(stream: IO[bytes]) -> SheetExtras:
    """Stream a worksheet part: hidden columns from its head, error cells wherever `t="e"` occurs."""
    extras = SheetExtras()
    chunks = read_chunks(stream)
    head = b""
    for chunk in chunks:
        head += chunk
        data_start = head.find(b"sheetData")
        if data_start >= 0 or len(head) > MAX_HEAD:
            extras.hidden_columns = _hidden_columns(head[: max(data_start, 0)])
            break
    else:
        extras.hidden_columns = _hidden_columns(head)
    buffer = head
    while True:
        data_end = _sheet_data_end(buffer)
        if data_end >= 0:  # nothing after </sheetData> holds cells: stop reading there
            _collect_xlsx_errors(buffer, data_end, extras.errors)
            return extras
        chunk = next(chunks, b"")
        if not chunk:
            _collect_xlsx_errors(buffer, len(buffer), extras.errors)
            return extras
        cut = _last_cell_start(buffer)
        _collect_xlsx_errors(buffer, cut, extras.errors)
        buffer = buffer[cut:] + chunk


def _sheet_data_end(buffer: bytes) -> int:
    """Where the closing </sheetData> tag (with or without a namespace prefix) begins, or -1."""
    position = buffer.find(b"sheetData>")
    while position >= 0:
        tag_start = buffer.rfind(b"<", 0, position)
        if tag_start >= 0 and buffer[tag_start + 1 : tag_start + 2] == b"/":
            return tag_start
        position = buffer.find(b"sheetData>", position + 1)
    return -1


def _last_cell_start(buffer: bytes) -> int:
    """Where the last cell element begins: everything before it holds only whole cells.

    The plain `<c ` form is found first, from the end, where it nearly always is; the rarer forms are then
    looked for only after it, so a chunk is not searched end to end for tags it does not hold.
    """
    plain = max(buffer.rfind(b"<c "), 0)
    prefixed = buffer.rfind(b":c ", plain)
    if prefixed > 0:
        prefixed = buffer.rfind(b"<", 0, prefixed)
    return max(plain, prefixed, buffer.rfind(b"<c>", plain))


def _hidden_columns(head: bytes) -> set[int]:
    hidden: set[int] = set()
    for match in _COL_TAG.finditer(head):
        attributes = match.group(1)
        if (attribute(attributes, b"hidden") or "").strip().lower() not in ("1", "true"):
            continue
        try:
            first = int(attribute(attributes, b"min") or "0")
            last = int(attribute(attributes, b"max") or str(first))
        except ValueError:
            continue
        hidden.update(range(max(first, 1) - 1, min(last, MAX_COLUMNS)))
    return hidden


def _collect_xlsx_errors(buffer: bytes, end: int, errors: dict[tuple[int, int], str]) -> None:
    for marker in _ERROR_MARKERS:
        position = buffer.find(marker, 0, end)
        while position >= 0:
            cell = _error_cell_at(buffer, position)
            if cell is not None:
                errors[cell[0]] = cell[1]
            position = buffer.find(marker, position + 1, end)


def _error_cell_at(buffer: bytes, marker: int) -> tuple[tuple[int, int], str] | None:
    """The ((row, column), code) of the error cell whose start tag holds the marker at this position."""
    if marker == 0 or buffer[marker - 1] not in _SPACES:
        return None
    tag_start = buffer.rfind(b"<", 0, marker)
    if tag_start < 0 or not _CELL_OPEN.match(buffer, tag_start):
        return None
    tag_end = buffer.find(b">", marker)
    if tag_end < 0 or buffer[tag_end - 1 : tag_end] == b"/":
        return None
    reference = _REF.search(buffer, tag_start, tag_end)
    close = _CELL_CLOSE.search(buffer, tag_end)
    if reference is None or close is None:
        return None
    value = _VALUE.search(buffer, tag_end, close.start())
    if value is None:
        return None
    code = unescape(value.group(1).decode("utf-8", "replace")).strip()
    return (int(reference.group(2)) - 1, _column_index(reference.group(1))), code or "#N/A"


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + (letter - 64)
    return index - 1

"""What python-calamine does not tell about a sheet, read from the file's XML: error cells, hidden columns.

python-calamine 0.9.1 returns spreadsheet error cells (#N/A, #REF!, ...) as empty strings
(dimastbk/python-calamine#105), so a lookup that failed would look like a blank cell and no check could
report it. For .xlsx/.xlsm the sheet's XML part is streamed once (it can run in a thread beside calamine,
whose parsing releases the GIL); only where `t="e"` occurs is anything parsed, so the cost is the
decompression. Hidden columns (`<col hidden="1">`) sit at the start of the same part. For .ods, LibreOffice
marks error results with `calcext:value-type="error"` and the code as the cell text; positions there have
to be counted, so the count runs only when that marker occurs in the sheet.

Positions are 0-based (row, column) in the whole sheet, the same frame as calamine's `sheet.start`.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator

# typing.TYPE_CHECKING without loading typing: this module is read before the command line starts the parse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_CHUNK = 1 << 20
_MAX_HEAD = 16 << 20  # the <cols> element comes before <sheetData>; stop looking after this much
# XML's named entities, "&amp;" last so that "&amp;lt;" stays "&lt;" (as xml.sax.saxutils.unescape does; that
# module pulls in urllib and http.client, a fifth of the command line's start-up before the parse begins).
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
_MAX_COLUMNS = 16384
_MAX_REPEAT_MARKED = 100_000  # an error cell repeated more than this is a formatting artefact, not data


class SheetExtras:
    """Error cells and hidden columns of one sheet.

    A plain class, not a dataclass: dataclasses loads inspect and ast, about 6 ms that the command line would
    spend before it can start parsing the workbook.
    """

    __slots__ = ("errors", "hidden_columns")

    def __init__(
        self, errors: dict[tuple[int, int], str] | None = None, hidden_columns: set[int] | None = None
    ) -> None:
        self.errors = {} if errors is None else errors  # (row, column) -> "#N/A"
        self.hidden_columns = set() if hidden_columns is None else hidden_columns  # 0-based column indexes

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SheetExtras):
            return NotImplemented
        return (self.errors, self.hidden_columns) == (other.errors, other.hidden_columns)

    def __repr__(self) -> str:
        return f"SheetExtras(errors={self.errors!r}, hidden_columns={self.hidden_columns!r})"


# --- .xlsx / .xlsm ----------------------------------------------------------------------------------------

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


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def _attribute(attributes: bytes, name: bytes) -> str | None:
    """The value of one XML attribute (any quote style), unescaped, or None."""
    match = re.search(rb"(?:^|\s)" + re.escape(name) + rb"""\s*=\s*(["'])(.*?)\1""", attributes, re.S)
    if match is None:
        return None
    return _unescape(match.group(2).decode("utf-8", "replace"))


def _find_member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member with this name, compared case-insensitively as Office does."""
    names = archive.namelist()
    if name in names:
        return name
    folded = name.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationship_targets(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved part name) for one part's .rels file."""
    member = _find_member(archive, _rels_path(part))
    if member is None:
        return {}
    folder = posixpath.dirname(part)
    result = {}
    for match in _RELATIONSHIP_TAG.finditer(archive.read(member)):
        attributes = match.group(1)
        rel_id, target = _attribute(attributes, b"Id"), _attribute(attributes, b"Target")
        if rel_id is None or target is None:
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        result[rel_id] = (_attribute(attributes, b"Type") or "", posixpath.normpath(resolved))
    return result


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for rel_type, target in _relationship_targets(archive, "").values():
        if _OFFICE_DOCUMENT.search(rel_type.encode()):
            return target
    return "xl/workbook.xml"


def xlsx_sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding a sheet's XML, found through xl/workbook.xml and its relationships."""
    workbook = _workbook_part(archive)
    member = _find_member(archive, workbook)
    if member is None:
        return None
    targets = _relationship_targets(archive, workbook)
    for match in _SHEET_TAG.finditer(archive.read(member)):
        attributes = match.group(1)
        if _attribute(attributes, b"name") != sheet_name:
            continue
        rel_id = re.search(rb"""(?:^|\s)[\w.-]+:id\s*=\s*["']([^"']*)["']""", attributes)
        if rel_id is None:
            return None
        target = targets.get(rel_id.group(1).decode("utf-8", "replace"))
        return None if target is None else _find_member(archive, target[1])
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
            for chunk in _chunks(stream):
                head += chunk
                if b"sheetData" in head or len(head) > _MAX_HEAD:
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
    chunks = _chunks(stream)
    head = b""
    for chunk in chunks:
        head += chunk
        data_start = head.find(b"sheetData")
        if data_start >= 0 or len(head) > _MAX_HEAD:
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


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


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
        if (_attribute(attributes, b"hidden") or "").strip().lower() not in ("1", "true"):
            continue
        try:
            first = int(_attribute(attributes, b"min") or "0")
            last = int(_attribute(attributes, b"max") or str(first))
        except ValueError:
            continue
        hidden.update(range(max(first, 1) - 1, min(last, _MAX_COLUMNS)))
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
    code = _unescape(value.group(1).decode("utf-8", "replace")).strip()
    return (int(reference.group(2)) - 1, _column_index(reference.group(1))), code or "#N/A"


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + (letter - 64)
    return index - 1


# --- .ods -------------------------------------------------------------------------------------------------

_ODS_ERROR = b'calcext:value-type="error"'
_ODS_TABLE_START = re.compile(rb"<table:table\s([^>]*)>")
_ODS_TABLE_END = b"</table:table>"
_ODS_TABLE_OPEN = re.compile(rb"<table:table(?:\s[^>]*)?>")
_ODS_DOCUMENT_END = b"</office:document-content>"
_ODS_COLUMN = re.compile(rb"<table:table-column\s([^>]*)>")
_ODS_TOKEN = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>",
)
_ODS_ANNOTATION = re.compile(rb"<office:annotation\b.*?</office:annotation>", re.S)
_ODS_PARAGRAPH = re.compile(rb"<text:p\b[^>]*>(.*?)</text:p>", re.S)
_XML_TAG = re.compile(rb"<[^>]*>")


def ods_content_is_complete(path: str) -> bool:
    """True when content.xml ends its document and closes every table it opens.

    python-calamine 0.9.1 loops for ever on an .ods whose content.xml stops just after a row or a column
    inside a table (it never checks for the end of the input there), so a cut-off file is refused before
    calamine sees it. One streamed pass, counting tags; only the decompression costs anything.
    """
    with zipfile.ZipFile(path, "r") as archive:
        member = _find_member(archive, "content.xml")
        if member is None:
            return False
        opened = closed = 0
        carry = b""
        with archive.open(member, "r") as stream:
            for chunk in _chunks(stream):
                buffer = carry + chunk
                cut = buffer.rfind(b"<")
                whole = buffer if cut < 0 else buffer[:cut]
                opened += sum(1 for m in _ODS_TABLE_OPEN.finditer(whole) if not m.group().endswith(b"/>"))
                closed += whole.count(_ODS_TABLE_END)
                carry = b"" if cut < 0 else buffer[cut:]
    return opened == closed and carry.rstrip().endswith(_ODS_DOCUMENT_END)


def ods_sheet_extras(path: str, sheet_name: str) -> SheetExtras:
    """Hidden columns and error cells of an .ods sheet, from content.xml."""
    with zipfile.ZipFile(path, "r") as archive:
        member = _find_member(archive, "content.xml")
        if member is None:
            return SheetExtras()
        with archive.open(member, "r") as stream:
            extras, has_errors = _scan_ods_table(stream, sheet_name)
        if has_errors:
            with archive.open(member, "r") as stream:
                extras.errors = _ods_error_cells(stream, sheet_name)
    return extras


def _is_table_named(attributes: bytes, sheet_name: str) -> bool:
    return _attribute(attributes, b"table:name") == sheet_name


def _scan_ods_table(stream: IO[bytes], sheet_name: str) -> tuple[SheetExtras, bool]:
    """Find the sheet's table: its hidden columns, and whether any error cell lies in it (cheap search)."""
    extras = SheetExtras()
    carry = b""
    inside = False
    columns_done = False
    for chunk in _chunks(stream):
        buffer = carry + chunk
        if not inside:
            start = _find_named_table(buffer, sheet_name)
            if start is None:
                carry = buffer[buffer.rfind(b"<") :] if b"<" in buffer else b""
                continue
            inside, buffer = True, buffer[start:]
        if not columns_done:
            first_row = buffer.find(b"<table:table-row")
            if first_row < 0 and len(buffer) < _MAX_HEAD:
                carry = buffer
                continue
            extras.hidden_columns = _ods_hidden_columns(buffer[: max(first_row, 0)])
            columns_done = True
        end = buffer.find(_ODS_TABLE_END)
        if _ODS_ERROR in (buffer if end < 0 else buffer[:end]):
            return extras, True
        if end >= 0:
            return extras, False
        carry = buffer[-len(_ODS_ERROR) :]
    if inside and not columns_done:
        extras.hidden_columns = _ods_hidden_columns(carry)
    return extras, inside and _ODS_ERROR in carry


def _find_named_table(buffer: bytes, sheet_name: str) -> int | None:
    for match in _ODS_TABLE_START.finditer(buffer):
        if _is_table_named(match.group(1), sheet_name):
            return match.start()
    return None


def _ods_hidden_columns(head: bytes) -> set[int]:
    hidden: set[int] = set()
    index = 0
    for match in _ODS_COLUMN.finditer(head):
        attributes = match.group(1)
        repeat = _repeat(attributes, b"table:number-columns-repeated")
        if _attribute(attributes, b"table:visibility") in ("collapse", "filter"):
            hidden.update(range(index, min(index + repeat, _MAX_COLUMNS)))
        index += repeat
        if index >= _MAX_COLUMNS:
            break
    return hidden


def _repeat(attributes: bytes, name: bytes) -> int:
    try:
        return max(1, int(_attribute(attributes, name) or "1"))
    except ValueError:
        return 1


def _ods_error_cells(stream: IO[bytes], sheet_name: str) -> dict[tuple[int, int], str]:
    """Walk the sheet's rows and cells, counting repeats, to place every error cell."""
    errors: dict[tuple[int, int], str] = {}
    walker = _OdsWalker(sheet_name, errors)
    carry = b""
    for chunk in _chunks(stream):
        buffer = carry + chunk
        cut = max(buffer.rfind(b"<table:"), buffer.rfind(b"</table:"), 0)
        if walker.feed(buffer, cut):
            return errors
        carry = buffer[cut:]
    walker.feed(carry, len(carry))
    return errors


class _OdsWalker:
    """Counts rows and columns through the tags of one named table, noting error cells as it goes."""

    def __init__(self, sheet_name: str, errors: dict[tuple[int, int], str]) -> None:
        self.sheet_name = sheet_name
        self.errors = errors
        self.inside = False
        self.row = 0
        self.row_repeat = 1
        self.column = 0

    def feed(self, buffer: bytes, end: int) -> bool:
        """Walk the tags that start before `end`; True once the table has ended."""
        for token in _ODS_TOKEN.finditer(buffer, 0, end):
            closing, name, attributes, self_closing = token.groups()
            if name == b"table":
                if not closing and not self.inside:
                    self.inside = _is_table_named(attributes, self.sheet_name)
                elif closing and self.inside:
                    return True
            elif not self.inside:
                continue
            elif name == b"table-row":
                self._row_tag(closing, attributes, self_closing)
            elif not closing:
                self._cell_tag(buffer, token, attributes, self_closing)
        return False

    def _row_tag(self, closing: bytes, attributes: bytes, self_closing: bytes) -> None:
        if not closing:
            self.column = 0
            self.row_repeat = _repeat(attributes, b"table:number-rows-repeated")
        if closing or self_closing:
            self.row += self.row_repeat
            self.row_repeat = 1

    def _cell_tag(
        self, buffer: bytes, token: re.Match[bytes], attributes: bytes, self_closing: bytes
    ) -> None:
        repeat = _repeat(attributes, b"table:number-columns-repeated")
        if not self_closing and _ODS_ERROR in attributes:
            end = buffer.find(b"</table:table-cell>", token.end())
            code = _ods_cell_text(buffer[token.end() : end if end >= 0 else len(buffer)])
            if self.row_repeat * repeat <= _MAX_REPEAT_MARKED:
                for row in range(self.row, self.row + self.row_repeat):
                    for column in range(self.column, self.column + repeat):
                        self.errors[(row, column)] = code or "#N/A"
        self.column += repeat


def _ods_cell_text(content: bytes) -> str:
    content = _ODS_ANNOTATION.sub(b"", content)
    paragraphs = [_XML_TAG.sub(b"", p) for p in _ODS_PARAGRAPH.findall(content)]
    return _unescape(b"\n".join(paragraphs).decode("utf-8", "replace")).strip()

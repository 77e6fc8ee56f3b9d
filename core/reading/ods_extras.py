"""Error cells and hidden columns of an .ods sheet, from content.xml; and the check that it is not cut off.

LibreOffice marks error results with `calcext:value-type="error"` and the code as the cell text; positions
there have to be counted through repeated rows and cells, so the count runs only when that marker occurs in
the sheet. Hidden columns are the table's collapsed or filtered columns. `ods_content_is_complete` guards
python-calamine against a truncated content.xml. Apart from `xlsx_extras` because the two formats share
nothing but the helpers in `sheet_extras`.
"""

from __future__ import annotations

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

_MAX_REPEAT_MARKED = 100_000  # an error cell repeated more than this is a formatting artefact, not data

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
        member = find_member(archive, "content.xml")
        if member is None:
            return False
        opened = closed = 0
        carry = b""
        with archive.open(member, "r") as stream:
            for chunk in read_chunks(stream):
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
        member = find_member(archive, "content.xml")
        if member is None:
            return SheetExtras()
        with archive.open(member, "r") as stream:
            extras, has_errors = _scan_ods_table(stream, sheet_name)
        if has_errors:
            with archive.open(member, "r") as stream:
                extras.errors = _ods_error_cells(stream, sheet_name)
    return extras


def _is_table_named(attributes: bytes, sheet_name: str) -> bool:
    return attribute(attributes, b"table:name") == sheet_name


def _scan_ods_table(stream: IO[bytes], sheet_name: str) -> tuple[SheetExtras, bool]:
    """Find the sheet's table: its hidden columns, and whether any error cell lies in it (cheap search)."""
    extras = SheetExtras()
    carry = b""
    inside = False
    columns_done = False
    for chunk in read_chunks(stream):
        buffer = carry + chunk
        if not inside:
            start = _find_named_table(buffer, sheet_name)
            if start is None:
                carry = buffer[buffer.rfind(b"<") :] if b"<" in buffer else b""
                continue
            inside, buffer = True, buffer[start:]
        if not columns_done:
            first_row = buffer.find(b"<table:table-row")
            if first_row < 0 and len(buffer) < MAX_HEAD:
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
        if attribute(attributes, b"table:visibility") in ("collapse", "filter"):
            hidden.update(range(index, min(index + repeat, MAX_COLUMNS)))
        index += repeat
        if index >= MAX_COLUMNS:
            break
    return hidden


def _repeat(attributes: bytes, name: bytes) -> int:
    try:
        return max(1, int(attribute(attributes, name) or "1"))
    except ValueError:
        return 1


def _ods_error_cells(stream: IO[bytes], sheet_name: str) -> dict[tuple[int, int], str]:
    """Walk the sheet's rows and cells, counting repeats, to place every error cell."""
    errors: dict[tuple[int, int], str] = {}
    walker = _OdsWalker(sheet_name, errors)
    carry = b""
    for chunk in read_chunks(stream):
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
    return unescape(b"\n".join(paragraphs).decode("utf-8", "replace")).strip()

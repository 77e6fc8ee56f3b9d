"""What python-calamine does not tell about a sheet (error cells, hidden columns): the result and shared helpers.

python-calamine 0.9.1 returns spreadsheet error cells (#N/A, #REF!, ...) as empty strings
(dimastbk/python-calamine#105), so a lookup that failed would look like a blank cell and no check could
report it; nor does it say which columns are hidden. Each format's reader recovers them from the file itself
(`xlsx_extras`, `ods_extras`, `xls_extras`) into one `SheetExtras`. This module holds that result and what
the two XML readers share: reading a zip member in chunks and XML attributes without an XML parser.

Positions are 0-based (row, column) in the whole sheet, the same frame as calamine's `sheet.start`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

# typing.TYPE_CHECKING without loading typing: this module is read before the command line starts the parse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_CHUNK = 1 << 20
MAX_HEAD = 16 << 20  # the <cols> element comes before <sheetData>; stop looking after this much
# XML's named entities, "&amp;" last so that "&amp;lt;" stays "&lt;" (as xml.sax.saxutils.unescape does; that
# module pulls in urllib and http.client, a fifth of the command line's start-up before the parse begins).
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
MAX_COLUMNS = 16384


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


def unescape(text: str) -> str:
    if "&" not in text:
        return text
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def attribute(attributes: bytes, name: bytes) -> str | None:
    """The value of one XML attribute (any quote style), unescaped, or None."""
    match = re.search(rb"(?:^|\s)" + re.escape(name) + rb"""\s*=\s*(["'])(.*?)\1""", attributes, re.S)
    if match is None:
        return None
    return unescape(match.group(2).decode("utf-8", "replace"))


def find_member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member with this name, compared case-insensitively as Office does."""
    names = archive.namelist()
    if name in names:
        return name
    folded = name.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def read_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk

"""Error cells and hidden columns of an .xls (BIFF8) sheet, which python-calamine does not report.

python-calamine 0.9.1 returns error cells as empty strings (dimastbk/python-calamine#105). An .xls file is an
OLE compound file whose "Workbook" stream is a list of BIFF records. Error results (FORMULA records whose
cached result is an error, BOOLERR records flagged as errors) are found by their byte pattern within the
sheet's part of the stream rather than by walking every record in Python, so the cost stays far below
calamine's own parse; hidden columns (COLINFO records) come before the cells, so only that head is walked.
Anything unexpected in the container gives no extras rather than an error: calamine has already read the
file, and a missing error code is better than refusing a readable file.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path

from core.reading.sheet_extras import SheetExtras

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_DIRECTORY_ENTRY = 128
_STREAM, _ROOT = 2, 5

_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_COLINFO, _DIMENSIONS, _SST = 0x007D, 0x0200, 0x00FC
_MAX_ROWS = 65536
_CELLS_BEGIN = {0x0200, 0x0208, _EOF, _BOF}  # DIMENSIONS, ROW: the column records are all behind
# A FORMULA record (type 6) whose cached result is an error: result byte 0 is 2 and bytes 6-7 are FFFF; and a
# BOOLERR record (type 0x205, length 8) whose error flag is 1. Searching for these byte patterns is far faster
# than walking every record in Python; a stray match could only mark a cell calamine read as blank.
_FORMULA_ERROR = re.compile(rb"\x06\x00..(....)..\x02.(.)...\xff\xff", re.S)
_BOOLERR_ERROR = re.compile(rb"\x05\x02\x08\x00(....)..(.)\x01", re.S)
_ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}
_MAX_COLUMNS = 256  # BIFF8 sheets have at most 256 columns


class _NotReadable(Exception):
    """The container or the stream is not what BIFF8 reading expects; no extras are given."""


def xls_size_fields_are_sane(data: bytes) -> bool:
    """False when a size field that python-calamine trusts is impossible.

    A damaged DIMENSIONS or SST record can make python-calamine 0.9.1 ask for hundreds of gigabytes, which
    aborts the whole process (Rust's allocation failure cannot be caught), so such files are refused first.
    A file whose container cannot be followed here is left for calamine to judge.
    """
    try:
        stream = _workbook_stream(data)
    except (_NotReadable, struct.error, IndexError, ValueError):
        return True
    try:
        return _size_fields_are_sane(stream)
    except (struct.error, IndexError):
        return False


def xls_has_workbook_stream(data: bytes) -> bool:
    """True when an OLE compound file holds an Excel workbook stream (and not, say, a Word document)."""
    try:
        _workbook_stream(data)
    except (_NotReadable, struct.error, IndexError, ValueError):
        return False
    return True


def xls_is_encrypted(data: bytes) -> bool:
    """True when the workbook globals hold a FILEPASS record: the file is protected with a password.

    Every kind of .xls protection (XOR obfuscation, RC4, RC4 CryptoAPI) starts with this record, but
    python-calamine 0.9.1 reports only some of them as password errors and calls the others damaged.
    """
    try:
        stream = _workbook_stream(data)
        for record_type, _start, _length in _records(stream, 0):
            if record_type == _FILEPASS:
                return True
            if record_type == _EOF:
                return False
    except (_NotReadable, struct.error, IndexError, ValueError):
        return False
    return False


def _size_fields_are_sane(stream: bytes) -> bool:
    for record_type, start, length in _records(stream, 0):
        if start + length > len(stream):
            return False
        if record_type == _FILEPASS:
            return True  # encrypted: calamine reports the password, nothing after this can be read
        if record_type == _DIMENSIONS and length >= 12:
            first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", stream, start)
            if not (first_row <= last_row <= _MAX_ROWS and first_column <= last_column <= _MAX_COLUMNS):
                return False
        elif record_type == _SST and length >= 8:
            total, unique = struct.unpack_from("<II", stream, start)
            if unique > len(stream) or total > _MAX_ROWS * _MAX_COLUMNS:
                return False
    return True


def xls_sheet_extras(path: str, sheet_name: str) -> SheetExtras:
    """Error cells and hidden columns of one sheet of an .xls file (read-only; never raises on odd input)."""
    try:
        stream = _workbook_stream(Path(path).read_bytes())
        bounds = _sheet_bounds(stream, sheet_name)
        return SheetExtras() if bounds is None else _sheet_extras(stream, *bounds)
    except (_NotReadable, struct.error, IndexError, ValueError, MemoryError):
        return SheetExtras()


# --- the OLE compound file ------------------------------------------------------------------------------


def _workbook_stream(data: bytes) -> bytes:
    if not data.startswith(_CFB_MAGIC) or len(data) < 512:
        raise _NotReadable
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector_size not in (512, 4096) or mini_size != 64:
        raise _NotReadable
    fat = _fat(data, sector_size)
    directory = _chain(data, fat, struct.unpack_from("<I", data, 0x30)[0], sector_size)
    cutoff = struct.unpack_from("<I", data, 0x38)[0]
    root_start, root_size, wanted = None, 0, None
    for at in range(0, len(directory) - _DIRECTORY_ENTRY + 1, _DIRECTORY_ENTRY):
        entry = directory[at : at + _DIRECTORY_ENTRY]
        name_bytes = struct.unpack_from("<H", entry, 64)[0]
        name = entry[: max(name_bytes - 2, 0)].decode("utf-16-le", "replace")
        kind, start, size = (
            entry[66],
            struct.unpack_from("<I", entry, 116)[0],
            struct.unpack_from("<Q", entry, 120)[0],
        )
        if kind == _ROOT:
            root_start, root_size = start, size
        elif kind == _STREAM and name in ("Workbook", "Book") and wanted is None:
            wanted = (start, size)
    if wanted is None:
        raise _NotReadable
    start, size = wanted
    if size >= cutoff:
        return _chain(data, fat, start, sector_size)[:size]
    if root_start is None:
        raise _NotReadable
    mini_stream = _chain(data, fat, root_start, sector_size)[:root_size]
    mini_fat_start, mini_fat_count = struct.unpack_from("<II", data, 0x3C)
    mini_fat = _as_ints(_chain(data, fat, mini_fat_start, sector_size, limit=mini_fat_count))
    return _chain(mini_stream, mini_fat, start, mini_size, header=0)[:size]


def _fat(data: bytes, sector_size: int) -> list[int]:
    """The file allocation table: the next sector of every sector."""
    count, difat_start, difat_count = (
        struct.unpack_from("<I", data, 0x2C)[0],
        *struct.unpack_from("<II", data, 0x44),
    )
    sectors = [s for s in _as_ints(data[0x4C:0x200]) if s < _END_OF_CHAIN]
    per_sector = sector_size // 4 - 1
    next_difat = difat_start
    for _ in range(difat_count):
        if next_difat >= _END_OF_CHAIN:
            break
        block = _as_ints(_sector(data, next_difat, sector_size))
        sectors += [s for s in block[:per_sector] if s < _END_OF_CHAIN]
        next_difat = block[per_sector]
    table: list[int] = []
    for sector in sectors[:count]:
        table += _as_ints(_sector(data, sector, sector_size))
    return table


def _sector(data: bytes, sector: int, size: int, header: int | None = None) -> bytes:
    start = (sector + 1) * size if header is None else sector * size + header
    if start < 0 or start >= len(data):
        raise _NotReadable
    return data[start : start + size]


def _chain(
    data: bytes, table: list[int], first: int, size: int, limit: int | None = None, header: int | None = None
) -> bytes:
    """The bytes of a sector chain, guarding against loops and chains that leave the file."""
    parts, sector, seen = [], first, 0
    while sector < _END_OF_CHAIN and (limit is None or seen < limit):
        if sector >= len(table) or seen > len(table):
            raise _NotReadable
        parts.append(_sector(data, sector, size, header))
        sector, seen = table[sector], seen + 1
    return b"".join(parts)


def _as_ints(block: bytes) -> list[int]:
    return list(struct.unpack_from(f"<{len(block) // 4}I", block))


# --- BIFF8 records --------------------------------------------------------------------------------------


def _records(stream: bytes, position: int) -> Iterator[tuple[int, int, int]]:
    """(record type, where its data starts, its length) for each record from `position` on."""
    end = len(stream)
    while position + 4 <= end:
        record_type, length = struct.unpack_from("<HH", stream, position)
        yield record_type, position + 4, length
        position += 4 + length


def _sheet_bounds(stream: bytes, sheet_name: str) -> tuple[int, int] | None:
    """Where the named sheet's records begin and end, from the BOUNDSHEET records of the workbook globals."""
    offsets: list[int] = []
    wanted = None
    for record_type, start, length in _records(stream, 0):
        if record_type == _FILEPASS:
            raise _NotReadable
        if record_type == _EOF:
            break
        if record_type == _BOUNDSHEET and length >= 8:
            offsets.append(struct.unpack_from("<I", stream, start)[0])
            if wanted is None and _boundsheet_name(stream, start, length) == sheet_name:
                wanted = offsets[-1]
    if wanted is None:
        return None
    later = [offset for offset in offsets if offset > wanted]
    return wanted, min(later, default=len(stream))


def _boundsheet_name(stream: bytes, start: int, length: int) -> str:
    count, flags = stream[start + 6], stream[start + 7]
    text = stream[start + 8 : start + length]
    return text[: count * 2].decode("utf-16-le", "replace") if flags & 1 else text[:count].decode("latin-1")


def _sheet_extras(stream: bytes, offset: int, end: int) -> SheetExtras:
    extras = SheetExtras()
    if offset + 4 > len(stream) or struct.unpack_from("<H", stream, offset)[0] != _BOF:
        return extras
    extras.hidden_columns = _hidden_columns(stream, offset)
    for match in _FORMULA_ERROR.finditer(stream, offset, end):
        row, column = struct.unpack_from("<HH", match.group(1))
        code = match.group(2)[0]
        extras.errors[(row, column)] = _ERROR_CODES.get(code, "#N/A")
    for match in _BOOLERR_ERROR.finditer(stream, offset, end):
        row, column = struct.unpack_from("<HH", match.group(1))
        code = match.group(2)[0]
        extras.errors[(row, column)] = _ERROR_CODES.get(code, "#N/A")
    return extras


def _hidden_columns(stream: bytes, offset: int) -> set[int]:
    """COLINFO records with the hidden flag; they come before the sheet's cells, so the walk stops there."""
    hidden: set[int] = set()
    for record_type, start, length in _records(
        stream, offset + 4 + struct.unpack_from("<H", stream, offset + 2)[0]
    ):
        if record_type in _CELLS_BEGIN:
            break
        if record_type == _COLINFO and length >= 10:
            first_column, last_column, _width, _style, options = struct.unpack_from("<HHHHH", stream, start)
            if options & 1:
                hidden.update(range(first_column, min(last_column, _MAX_COLUMNS - 1) + 1))
    return hidden

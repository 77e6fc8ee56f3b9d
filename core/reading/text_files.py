"""Reading .csv and .txt tables: encoding found, delimiter sniffed, every cell kept as the text it was.

The encoding is decided from a byte-order mark, then by trying strict UTF-8, then (for bytes that are not
UTF-8) cp1252 — what Excel on Windows writes for "CSV (Comma delimited)", where macrons are lost — and
charset-normalizer for anything else. The delimiter (comma, semicolon or tab) is the one that splits the
first lines most consistently; the header is found past title lines as in workbooks. The body is parsed
by pandas' C engine with every column as text, so nothing becomes a number or NaN; empty and blank fields
are marked by the parser itself (see BLANK_FIELDS) and only turned into None here. Row numbers are the
physical line on which each record starts, counted per record only when a quoted value spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

from core.reading import messages
from core.reading.grid import HEADER_SCAN_ROWS, RawColumn, blank_text_mask, cell_is_filled, find_header_index
from core.reading.table import CellKind

DELIMITERS = (",", ";", "\t")
_SAMPLE_BYTES = 256 * 1024
_EMPTY = np.uint8(CellKind.EMPTY)
_TEXT = np.uint8(CellKind.TEXT)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ASCII_COMPATIBLE = {"utf-8", "utf-8-sig", "cp1252"}
# The parser marks these exact fields as missing, so blank cells cost nothing per cell in Python: every
# single whitespace character, every mix of space, tab and no-break space up to five long, and runs of one
# of them up to 64. A blank field beyond that (a longer mix, or 65+ spaces) is caught by a per-cell check
# that runs only when the file holds a run of 65 spaces; longer mixed runs of other whitespace are left as
# text (a documented limit: no export tool writes them).
_BLANK_CHARS = " \t\u00a0"
_ALL_WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]
BLANK_FIELDS = sorted(
    {""}
    | set(_ALL_WHITESPACE)
    | {"".join(p) for n in range(2, 6) for p in itertools.product(_BLANK_CHARS, repeat=n)}
    | {char * n for char in [*_BLANK_CHARS, "\u3000"] for n in range(2, 65)}
)
_LONG_BLANK_RUN = " " * 65
_CONTROL_DELETIONS = dict.fromkeys([*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_MAX_WIDTH_RETRIES = 8


@dataclass
class DelimitedText:
    """A CSV/TXT file decoded just enough to parse: the raw bytes, their encoding and a leading sample."""

    data: bytes
    encoding: str
    sample: str  # whole lines from the start of the file
    complete: bool  # the sample is the whole file
    errors: str = "strict"  # "replace" for a UTF-8 file with a few broken bytes


@dataclass
class DelimitedTable:
    """What the CSV reader hands to `sources` for assembling: header cells, columns and row numbers."""

    columns: list[RawColumn]
    row_numbers: np.ndarray
    header_row: int
    encoding: str
    delimiter: str
    notes: list[str]


def read_delimited(path: Path, header_row: int | None) -> DelimitedTable:
    """Parse a CSV/TXT file into raw columns with the header found (or taken from `header_row`, a line)."""
    text = decode_start(path, path.read_bytes())
    delimiter = sniff_delimiter(text.sample)
    records, lines = _sample_records(text, delimiter, header_row)
    header_index = _header_index(path, records, lines, header_row)
    width = max((len(r) for r in records[header_index:]), default=1) or 1
    frame, text = _parse(path, text, delimiter, header_index, width)
    if frame.empty:
        raise messages.no_table(path, None)
    header_line = lines[header_index]
    row_numbers = _record_lines(text, delimiter, header_index, header_line, len(frame) - 1)
    columns = _raw_columns(frame, _has_long_blank_run(text))
    notes = []
    if text.errors == "replace":
        notes.append(f"A few characters could not be read as {text.encoding} and show as \ufffd.")
    return DelimitedTable(columns, row_numbers, header_line, text.encoding, delimiter, notes)


# --- encoding -------------------------------------------------------------------------------------------


def decode_start(path: Path, data: bytes) -> DelimitedText:
    """The encoding of the file and its first lines as text (the rest is decoded by the parser)."""
    encoding = _encoding_from_bom(data)
    head = data[:_SAMPLE_BYTES]
    if encoding is None and b"\x00" not in head and _is_utf8(head, len(data) <= _SAMPLE_BYTES):
        encoding = "utf-8"
    if encoding is None:
        return _with_sample(data, *detect_legacy_encoding(path, data))
    return _with_sample(data, encoding)


def _encoding_from_bom(data: bytes) -> str | None:
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def _is_utf8(head: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final)
    except UnicodeDecodeError:
        return False
    return True


def detect_legacy_encoding(path: Path, data: bytes) -> tuple[str, str]:
    """(encoding, decoding errors) for bytes that are not clean UTF-8.

    UTF-8 with a few broken bytes stays UTF-8 (the broken bytes show as \ufffd) rather than turning every
    macron into two odd letters; bytes that read as cp1252 text are cp1252; anything else is what
    charset-normalizer finds (such as UTF-16 without a byte-order mark), if that reads as text.
    """
    if data.count(b"\x00") * 20 < len(data):
        broken = _broken_utf8_bytes(data)
        if broken is not None:
            return "utf-8", "replace" if broken else "strict"
        if _reads_as_text(data, "cp1252"):
            return "cp1252", "strict"
    best = from_bytes(data).best()
    if best is not None and _reads_as_text(data, best.encoding):
        return best.encoding, "strict"
    raise messages.unknown_encoding(path)


def _broken_utf8_bytes(data: bytes) -> int | None:
    """How many bytes are not valid UTF-8, when they are few beside valid multi-byte characters; else None."""
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    if broken == 0:
        return 0
    high_bytes = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    return broken if high_bytes - broken >= 2 * broken else None


def _reads_as_text(data: bytes, encoding: str) -> bool:
    """The bytes decode strictly and few characters are control codes (binary files are full of them)."""
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    controls = len(text) - len(text.translate(_CONTROL_DELETIONS))
    return controls <= 2 or controls * 200 <= len(text)


def _with_sample(data: bytes, encoding: str, errors: str = "strict") -> DelimitedText:
    complete = len(data) <= _SAMPLE_BYTES or encoding not in _ASCII_COMPATIBLE
    raw = data if complete else data[:_SAMPLE_BYTES]
    sample = codecs.getincrementaldecoder(encoding)("replace").decode(raw, complete)
    if not complete:
        sample = sample[: sample.rfind("\n") + 1] or sample
    return DelimitedText(data, encoding, sample.lstrip("\ufeff"), complete, errors)


# --- delimiter and header -------------------------------------------------------------------------------


def sniff_delimiter(sample: str) -> str:
    """The delimiter that gives the most lines the same number (two or more) of fields."""
    lines = sample.splitlines()[:HEADER_SCAN_ROWS]
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(record) for record in csv.reader(lines, delimiter=delimiter) if len(record) > 1]
        if not counts:
            continue
        width, agreeing = max(
            ((n, counts.count(n)) for n in set(counts)), key=lambda pair: (pair[1], pair[0])
        )
        if (agreeing, width) > best_score:
            best, best_score = delimiter, (agreeing, width)
    return best


def _sample_records(
    text: DelimitedText, delimiter: str, header_row: int | None
) -> tuple[list[list[str]], list[int]]:
    """The first records and the line each starts on; far enough to reach a header line the user chose."""
    source = text.sample
    if header_row is not None and not text.complete and source.count("\n") < header_row + 1:
        source = _decoded(text)
    reader = csv.reader(io.StringIO(source, newline=""), delimiter=delimiter)
    limit = max(HEADER_SCAN_ROWS, (header_row or 0) + 1)
    records, lines, line = [], [], 1
    try:
        for record in itertools.islice(reader, limit):
            records.append(record)
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error:
        pass  # a sample cut inside a quoted value: the records before it are enough
    return records, lines


def _header_index(path: Path, records: list[list[str]], lines: list[int], header_row: int | None) -> int:
    if header_row is None:
        index = find_header_index(records)
        if index is None:
            raise messages.no_table(path, None)
        return index
    if header_row in lines:
        index = lines.index(header_row)
        if not any(cell_is_filled(value) for value in records[index]):
            raise messages.header_row_blank(path, path.stem, header_row)
        return index
    last_line = lines[-1] if lines else 0
    if 1 <= header_row <= last_line:
        raise messages.header_row_inside_record(path, header_row)
    raise messages.header_row_out_of_range(path, path.stem, header_row, max(last_line, 1))


# --- parsing --------------------------------------------------------------------------------------------


def _parse(
    path: Path, text: DelimitedText, delimiter: str, skip: int, width: int
) -> tuple[pd.DataFrame, DelimitedText]:
    """Parse from the header record on with pandas' C engine, widening for longer rows when needed."""
    for _ in range(_MAX_WIDTH_RETRIES):
        try:
            return _read_frame(text, delimiter, skip, width), text
        except UnicodeDecodeError:
            text = _after_decode_error(path, text)
        except pd.errors.ParserError as error:
            width = _wider(path, str(error), width)
        except (ValueError, OverflowError, MemoryError) as error:
            raise messages.unreadable_text(path) from error
    raise messages.unreadable_text(path)


def _after_decode_error(path: Path, text: DelimitedText) -> DelimitedText:
    """A byte-order mark is trusted despite a few broken bytes; a UTF-8 guess from the start is re-made."""
    if text.errors == "strict" and _encoding_from_bom(text.data) is not None:
        return _with_sample(text.data, text.encoding, "replace")
    if text.errors == "strict" and text.encoding == "utf-8":
        return _with_sample(text.data, *detect_legacy_encoding(path, text.data))
    raise messages.unknown_encoding(path)


def _read_frame(text: DelimitedText, delimiter: str, skip: int, width: int) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(text.data),
        sep=delimiter,
        header=None,
        names=list(range(width)),
        index_col=False,
        skiprows=skip,
        dtype=object,
        keep_default_na=False,
        na_values=BLANK_FIELDS,
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8" if text.encoding == "utf-8-sig" else text.encoding,  # the C parser drops the BOM
        encoding_errors=text.errors,
    )


def _wider(path: Path, error: str, width: int) -> int:
    """The width a 'too many fields' error asks for; other parser errors are the file's fault."""
    too_many = _FIELD_COUNT.search(error)
    if too_many and int(too_many.group(3)) > width:
        return int(too_many.group(3))
    unclosed = _EOF_IN_QUOTE.search(error)
    if unclosed:
        raise messages.unclosed_quote(path, None) from None
    raise messages.unreadable_text(path)


def _raw_columns(frame: pd.DataFrame, check_long_blanks: bool) -> list[RawColumn]:
    """Each parsed column as header cell + values (None where blank) + kinds (TEXT or EMPTY)."""
    columns = []
    for index, name in enumerate(frame.columns):
        cells = frame[name].to_numpy()
        missing = cells != cells  # the parser's NaN for blank fields; never equal to itself
        header = None if missing[0] else cells[0]
        blank = missing[1:]
        values = np.where(blank, None, cells[1:]) if blank.any() else cells[1:].copy()
        if check_long_blanks:
            present = np.flatnonzero(~blank)
            spaces = blank_text_mask(values[present])
            if spaces.any():
                blank = blank.copy()
                blank[present[spaces]] = True
                values[present[spaces]] = None
        kinds = np.where(blank, _EMPTY, _TEXT)
        columns.append(RawColumn(header, index, values, kinds))
    return columns


def _has_long_blank_run(text: DelimitedText) -> bool:
    if text.encoding in _ASCII_COMPATIBLE:
        return _LONG_BLANK_RUN.encode() in text.data
    return _LONG_BLANK_RUN in _decoded(text)


def _decoded(text: DelimitedText) -> str:
    """The whole file as text (the sample when it is the whole file)."""
    if text.complete:
        return text.sample
    return text.data.decode(text.encoding, "replace").lstrip("\ufeff")


# --- row numbers ----------------------------------------------------------------------------------------


def _record_lines(
    text: DelimitedText, delimiter: str, header_index: int, header_line: int, count: int
) -> np.ndarray:
    """The line on which each data record starts; per-record counting only if some record spans lines."""
    first = header_line + 1
    if _one_line_per_record(text, header_index, count):
        return np.arange(first, first + count, dtype=np.int64)
    reader = csv.reader(io.StringIO(_decoded(text), newline=""), delimiter=delimiter)
    starts, line = [], 1
    try:
        for record_index, _record in enumerate(reader):
            if record_index > header_index:
                starts.append(line)
            line = reader.line_num + 1
    except csv.Error:
        pass
    starts = starts[:count]
    while len(starts) < count:  # the two parsers disagreed about some odd line: keep numbering on
        starts.append(starts[-1] + 1 if starts else first)
    return np.asarray(starts, dtype=np.int64)


def _one_line_per_record(text: DelimitedText, header_index: int, count: int) -> bool:
    if text.encoding in _ASCII_COMPATIBLE:
        if b'"' not in text.data:
            return True
        newlines = text.data.count(b"\n")
        ends_with_newline = text.data.endswith(b"\n")
    else:
        decoded = _decoded(text)
        newlines = decoded.count("\n")
        ends_with_newline = decoded.endswith("\n")
    lines = newlines + (0 if ends_with_newline else 1)
    return lines == header_index + 1 + count

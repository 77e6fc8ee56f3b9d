"""The cheap checks before a file is read: what is missing, a folder, empty, too big or not a spreadsheet.

`check_file` looks at a file's size and first bytes (not just its name) and returns a `CheckedFile` with the
format its content shows, or refuses it with a reason (an encrypted package, a web page saved under a
workbook's name, an Excel 2-4 file). The limits follow the computer's memory: the largest file here, the
largest sheet range for `calamine_book`. Kept apart from opening the workbook because text files pass
through here too; like `workbook`, this loads nothing but the standard library, so that the command line
can run it before the parse starts.
"""

from __future__ import annotations

import os
import sys
import zipfile
import zlib
from pathlib import Path

from core.reading import messages
from core.reading.suffixes import SUPPORTED_SUFFIXES

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # .tsv: tab-separated text, as a .txt export

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_HEAD_BYTES = 1024

_CEILING = 500 * 1024 * 1024
_FLOOR = 50 * 1024 * 1024
# Reading holds up to ~20x a compressed workbook's size in memory (calamine's cells, then Python's), so a
# file may be at most 1/32 of the computer's memory: the read then stays within about two thirds of it.
_MEMORY_SHARE = 32


def _physical_memory() -> int | None:
    """Bytes of RAM in this computer, or None when the system will not say."""
    if sys.platform == "win32":
        import ctypes

        class MemoryStatus(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong)]
            _fields_ += [
                (name, ctypes.c_ulonglong) for name in ("avail", "pf", "apf", "virt", "avirt", "ext")
            ]

        status = MemoryStatus()
        status.length = ctypes.sizeof(MemoryStatus)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.total)
        return None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _max_file_bytes() -> int:
    """The largest file read: 500 MB, less on a computer with under 16 GB of memory (1/32 of it)."""
    memory = _physical_memory()
    limit = _CEILING if memory is None else min(_CEILING, max(_FLOOR, memory // _MEMORY_SHARE))
    return limit // (1024 * 1024) * (1024 * 1024)


MAX_FILE_BYTES = _max_file_bytes()
# python-calamine holds ~32 bytes per cell of a sheet's used range, and the rows it returns ~8 more, blank
# or not; a sheet whose range needs more than a sixteenth of the memory is refused instead of aborting.
MAX_SHEET_CELLS = max(10_000_000, (_physical_memory() or 8 * 2**30) // (16 * 40))
ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    ValueError,  # includes UnicodeDecodeError for a damaged member name
)


class CheckedFile:
    """A file that passed the cheap checks, with the format its content (not just its name) shows."""

    __slots__ = ("file_format", "name_matches_content", "path")

    def __init__(self, path: Path, file_format: str, name_matches_content: bool) -> None:
        self.path = path
        self.file_format = file_format  # "xlsx", "xlsm", "xls", "ods" or "csv"
        self.name_matches_content = name_matches_content  # False for, say, an .xlsx file renamed to .xls

    def __repr__(self) -> str:
        return f"CheckedFile({self.path!r}, {self.file_format!r}, {self.name_matches_content!r})"


def check_file(path: Path) -> CheckedFile:
    """Refuse, with a reason, what is missing, a folder, not a spreadsheet, empty or too big."""
    try:
        if not path.exists():
            raise messages.missing_file(path)
        if path.is_dir():
            raise messages.is_a_folder(path)
        size = path.stat().st_size
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise messages.unsupported_suffix(path, SUPPORTED_SUFFIXES)
    if size == 0:
        raise messages.empty_file(path)
    if size > MAX_FILE_BYTES:
        raise messages.too_big(path, size, MAX_FILE_BYTES)
    head = _read_head(path)
    return _source_from_content(path, suffix, head)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(_HEAD_BYTES)
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error


def _source_from_content(path: Path, suffix: str, head: bytes) -> CheckedFile:
    is_zip, is_cfb = head.startswith(_ZIP_MAGIC), head.startswith(_CFB_MAGIC)
    if suffix in _TEXT_SUFFIXES:
        if is_zip or is_cfb:
            raise messages.workbook_named_as_text(path, ".xls" if is_cfb else zip_suffix(path))
        return CheckedFile(path, "csv", True)
    if _is_old_biff(head):
        raise messages.very_old_excel(path)
    named = suffix.lstrip(".")
    if is_cfb:
        if suffix != ".xls" and _is_encrypted_package(path):
            raise messages.password_protected(path)
        return CheckedFile(path, "xls", named == "xls")
    if is_zip:
        actual = "ods" if _ODS_MIMETYPE in head or named == "ods" else ("xlsm" if named == "xlsm" else "xlsx")
        return CheckedFile(path, actual, actual == named)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in lowered:
        raise messages.web_page_export(path)
    raise messages.not_a_workbook(path)


# The first record of an Excel 2.x, 3.0 or 4.0 file (BIFF2-4, not an OLE container): BOF, 0x0009, 0x0209 or
# 0x0409, with a few bytes of data.
_OLD_BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")


def _is_old_biff(head: bytes) -> bool:
    return head[:2] in _OLD_BIFF_BOF and len(head) >= 4 and 4 <= int.from_bytes(head[2:4], "little") <= 16


def zip_suffix(path: Path) -> str | None:
    """.xlsx, .ods or .xlsb for a zip package, from what it holds; None when it is none of them."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
                return ".ods"
    except ZIP_FAILURES:
        return None
    if "xl/workbook.bin" in names:
        return ".xlsb"
    return ".xlsx" if "xl/workbook.xml" in names else None


def read_all(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read()
    except OSError as error:
        raise messages.cannot_open(path, error.strerror or type(error).__name__) from error


def _is_encrypted_package(path: Path) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream, not a zip."""
    return _ENCRYPTED_PACKAGE in read_all(path)

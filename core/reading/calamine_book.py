"""Opening a workbook and its sheets in python-calamine, refusing first what would take the process down.

python-calamine 0.9.1 aborts the whole process on some damage (a sheet range or an .xls size field that makes
it ask for hundreds of gigabytes) and loops for ever on a cut-off .ods, so such files are refused here before
it sees them; whatever it raises on a bad file, a Rust panic included, becomes an `InputError`
(`calamine_call`). A valid .xlsx it will not open goes to `openpyxl_book`. Kept apart from `workbook`, which
runs these calls in worker threads; like it, this loads nothing but the standard library and python-calamine.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable

import python_calamine

from core.errors import InputError
from core.reading import messages
from core.reading.file_checks import MAX_SHEET_CELLS, ZIP_FAILURES, CheckedFile, read_all, zip_suffix
from core.reading.ods_extras import ods_content_is_complete
from core.reading.xls_extras import xls_has_workbook_stream, xls_is_encrypted, xls_size_fields_are_sane
from core.reading.xlsx_extras import xlsx_sheet_size

# typing.TYPE_CHECKING without loading typing (nor dataclasses or concurrent.futures, which loads logging): the
# command line imports this module before it starts the parse, and each would hold that start back a little.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    _T = TypeVar("_T")

_ODS_ENCRYPTION = b"encryption-data"


def _calamine_failure(source: CheckedFile, error: BaseException) -> InputError:
    if isinstance(error, python_calamine.PasswordError) or _is_encrypted_ods(source):
        return messages.password_protected(source.path)
    if isinstance(error, MemoryError):
        return messages.out_of_memory(source.path)
    if "cell limit exceeded" in str(error).casefold():  # python-calamine's refusal of a sheet too big to hold
        return messages.too_many_cells_in_workbook(source.path)
    return messages.damaged_workbook(source.path)


def _is_panic(error: BaseException) -> bool:
    """A Rust panic inside python-calamine surfaces as pyo3's PanicException, a BaseException."""
    return type(error).__name__ == "PanicException"


def _is_encrypted_ods(source: CheckedFile) -> bool:
    if source.file_format != "ods":
        return False
    try:
        with zipfile.ZipFile(source.path, "r") as archive:
            return _ODS_ENCRYPTION in archive.read("META-INF/manifest.xml")
    except ZIP_FAILURES:
        return False


def open_workbook(source: CheckedFile) -> python_calamine.CalamineWorkbook:
    """The workbook open in python-calamine or, when calamine cannot open a valid .xlsx package (a macro or
    dialog sheet it does not know), in openpyxl's read-only reader; a file that neither opens is named for
    what it is (.xlsb content, an .xls under another name) or else called damaged."""
    _refuse_what_calamine_cannot_survive(source)
    try:
        return _open_in_calamine(source)
    except InputError as error:
        if isinstance(error, SheetTooBig) or "password" in error.message:
            raise
        fallback = _open_another_way(source)
        if fallback is None:
            raise
        return fallback


def _open_another_way(source: CheckedFile) -> python_calamine.CalamineWorkbook | None:
    if source.file_format == "xls" and not source.name_matches_content:
        if xls_has_workbook_stream(read_all(source.path)):
            raise messages.named_as_another_format(source.path, ".xls", "an Excel 97-2003 workbook")
        raise messages.not_a_workbook(source.path)  # another Office file (a Word .doc) under this name
    if source.file_format not in ("xlsx", "xlsm"):
        return None
    try:
        with zipfile.ZipFile(source.path) as archive:
            names = set(archive.namelist())
    except ZIP_FAILURES:
        return None
    if "xl/workbook.bin" in names:
        raise messages.named_as_another_format(source.path, ".xlsb", "an Excel binary workbook")
    if "xl/workbook.xml" not in names:
        return None
    from core.reading.openpyxl_book import open_read_only  # only for the files calamine cannot open

    return open_read_only(source.path)


def _open_in_calamine(source: CheckedFile) -> python_calamine.CalamineWorkbook:
    if source.name_matches_content:
        return calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_path(str(source.path)))
    try:  # calamine picks the reader by the file name; from a stream it looks at the content instead
        with source.path.open("rb") as stream:
            return calamine_call(source, lambda: python_calamine.CalamineWorkbook.from_filelike(stream))
    except OSError as error:
        raise messages.cannot_open(source.path, error.strerror or type(error).__name__) from error


def _refuse_what_calamine_cannot_survive(source: CheckedFile) -> None:
    """Damage that would make python-calamine abort the process or loop for ever is refused up front."""
    if source.file_format == "xls":
        data = read_all(source.path)
        if xls_is_encrypted(data):
            raise messages.password_protected(source.path)
        if not xls_size_fields_are_sane(data):
            raise messages.damaged_workbook(source.path)
    if source.file_format == "ods":
        if _is_encrypted_ods(source):
            raise messages.password_protected(source.path)
        try:
            complete = ods_content_is_complete(str(source.path))
        except ZIP_FAILURES:
            complete = False
        if not complete:
            raise messages.damaged_workbook(source.path)


def worksheet_names(
    source: CheckedFile, book: python_calamine.CalamineWorkbook
) -> tuple[list[str], list[str]]:
    """(all worksheet names, the visible ones), leaving out chart and macro sheets."""
    worksheets = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    if not worksheets:
        if source.file_format in ("xlsx", "xlsm") and zip_suffix(source.path) == ".xlsb":
            raise messages.named_as_another_format(source.path, ".xlsb", "an Excel binary workbook")
        raise messages.no_sheets(source.path)
    visible = [m.name for m in worksheets if m.visible == python_calamine.SheetVisibleEnum.Visible]
    return [m.name for m in worksheets], visible


def resolve_sheet(source: CheckedFile, wanted: str, names: list[str]) -> str:
    """The sheet named `wanted`; a difference only in case or surrounding spaces is forgiven."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise messages.sheet_not_found(source.path, wanted, names)


def get_sheet(
    source: CheckedFile, book: python_calamine.CalamineWorkbook, name: str
) -> python_calamine.CalamineSheet:
    _refuse_oversized_sheet(source, name)
    return calamine_call(source, lambda: book.get_sheet_by_name(name))


class SheetTooBig(InputError):
    """A sheet whose used range is too big to read; when choosing a sheet, such a sheet is passed over."""


def _refuse_oversized_sheet(source: CheckedFile, name: str) -> None:
    """Refuse a sheet whose used range is too big to hold, before calamine tries to and aborts the process."""
    if source.file_format not in ("xlsx", "xlsm"):
        return
    try:
        size = xlsx_sheet_size(str(source.path), name)
    except ZIP_FAILURES:
        raise messages.damaged_workbook(source.path) from None
    if size is not None and size[0] * size[1] > MAX_SHEET_CELLS:
        raise SheetTooBig(messages.too_many_cells(source.path, name, *size).message)


def calamine_call(source: CheckedFile, action: Callable[[], _T]) -> _T:
    """Run one python-calamine call, turning whatever it raises on a bad file into an InputError."""
    try:
        return action()
    except Exception as error:
        raise _calamine_failure(source, error) from error
    except BaseException as error:
        if _is_panic(error):
            raise _calamine_failure(source, error) from None
        raise

"""Every message the readers give when a file cannot be used, in one place.

Each function returns an `InputError` holding one plain-English sentence that says what is wrong and what
to do about it; the CLI prints it on one line (exit 2) and the GUI shows it in a message box. File names
are shown, cell values never are.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError

_OPEN_AND_SAVE = "open it in Excel or LibreOffice and save it again as .xlsx or .csv"


def _size(byte_count: int) -> str:
    megabytes = byte_count / (1024 * 1024)
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:,.1f} MB"


def _quoted_list(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def missing_file(path: Path) -> InputError:
    return InputError(f'The file "{path}" does not exist: check the name and folder and try again.')


def is_a_folder(path: Path) -> InputError:
    return InputError(f'"{path}" is a folder, not a file: choose the spreadsheet file inside it.')


def cannot_open(path: Path, reason: str) -> InputError:
    return InputError(
        f'The file "{path.name}" could not be opened ({reason}): close it in other programs, check you '
        "have permission to read it, and try again."
    )


def unsupported_suffix(path: Path, suffixes: tuple[str, ...]) -> InputError:
    kind = f'a "{path.suffix}" file' if path.suffix else "a file without an extension"
    return InputError(
        f'"{path.name}" is {kind}, not a spreadsheet this app can read: save it as one of '
        f"{', '.join(suffixes)} and open that file."
    )


def empty_file(path: Path) -> InputError:
    return InputError(
        f'The file "{path.name}" is empty (0 bytes): it was probably not saved completely; '
        "save the spreadsheet again and open the new file."
    )


def too_big(path: Path, size: int, limit: int) -> InputError:
    return InputError(
        f'The file "{path.name}" is {_size(size)}, more than the {_size(limit)} this computer can read '
        "safely: split it into smaller files or remove sheets and columns that are not needed."
    )


def too_many_cells(path: Path, sheet: str, rows: int, columns: int) -> InputError:
    return InputError(
        f'The sheet "{sheet}" in "{path.name}" spans {rows:,} rows and {columns:,} columns, more than this '
        "computer can read safely: delete the unused rows and columns after the table (Ctrl+End shows the "
        "last cell in use), save it and open it again."
    )


def out_of_memory(path: Path) -> InputError:
    return InputError(
        f'"{path.name}" is too big for this computer\'s memory: close other programs and try again, or split '
        "the list into smaller files."
    )


def not_a_workbook(path: Path) -> InputError:
    return InputError(
        f'"{path.name}" is not a spreadsheet although its name ends in "{path.suffix}": make sure it is '
        f"the right file, or {_OPEN_AND_SAVE}."
    )


def web_page_export(path: Path) -> InputError:
    return InputError(
        f'"{path.name}" is a web page saved with a spreadsheet name, not a real workbook: {_OPEN_AND_SAVE}.'
    )


def workbook_named_as_text(path: Path) -> InputError:
    return InputError(
        f'"{path.name}" is a workbook (Excel or LibreOffice), not a text file: rename it to end in .xlsx, '
        ".xls or .ods (whichever program made it) and open it again."
    )


def damaged_workbook(path: Path) -> InputError:
    return InputError(
        f'The workbook "{path.name}" is damaged or incomplete and cannot be read: if it was copied or '
        f"downloaded, copy it again; otherwise {_OPEN_AND_SAVE}."
    )


def password_protected(path: Path) -> InputError:
    return InputError(
        f'The workbook "{path.name}" is protected with a password: open it, remove the password (in Excel: '
        "File > Info > Protect Workbook > Encrypt with Password), save it and open it here again."
    )


def no_sheets(path: Path) -> InputError:
    return InputError(
        f'The workbook "{path.name}" has no worksheets with cells: open the file that holds the list.'
    )


def sheet_not_found(path: Path, sheet: str, sheets: list[str]) -> InputError:
    return InputError(
        f'There is no sheet called "{sheet}" in "{path.name}": choose one of {_quoted_list(sheets)}.'
    )


def no_table(path: Path, sheet: str | None) -> InputError:
    where = f'sheet "{sheet}" of "{path.name}"' if sheet else f'"{path.name}"'
    return InputError(
        f"No table with a header row was found in {where}: make sure the column names are in one row "
        "above the data (or choose the header row yourself)."
    )


def no_table_in_any_sheet(path: Path, sheets: list[str]) -> InputError:
    return InputError(
        f'None of the sheets in "{path.name}" ({_quoted_list(sheets)}) holds a table with a header row: '
        "make sure the column names are in one row above the data."
    )


def header_row_out_of_range(path: Path, sheet: str, row: int, last_row: int) -> InputError:
    return InputError(
        f'Row {row} cannot be the header row of "{sheet}" in "{path.name}": choose a row between 1 '
        f"and {last_row}."
    )


def header_row_blank(path: Path, sheet: str, row: int) -> InputError:
    return InputError(
        f'Row {row} of "{sheet}" in "{path.name}" is empty, so it cannot be the header row: choose the '
        "row that holds the column names."
    )


def header_row_inside_record(path: Path, row: int) -> InputError:
    return InputError(
        f'Line {row} of "{path.name}" is the middle of a value that spans several lines, so it cannot be '
        "the header row: choose the line that holds the column names."
    )


def unknown_encoding(path: Path) -> InputError:
    return InputError(
        f'The characters in "{path.name}" are in an encoding this app cannot recognise (or it is not a text '
        'file): open it in Excel and save it as "CSV UTF-8 (Comma delimited)".'
    )


def unclosed_quote(path: Path, line: int | None) -> InputError:
    where = f"near line {line}" if line else "somewhere"
    return InputError(
        f'"{path.name}" has a value {where} that starts with a quote mark (") but never closes it: add the '
        "missing quote mark, or save the file again from the program that made it."
    )


def unreadable_text(path: Path) -> InputError:
    return InputError(
        f'"{path.name}" could not be read as a CSV or text table: open it in Excel and save it as '
        '"CSV UTF-8 (Comma delimited)".'
    )

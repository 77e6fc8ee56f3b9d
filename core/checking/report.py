"""The quality report workbook: what a check found, laid out for staff to work through in Excel.

Three sheets. "Summary" comes first and is the one that opens: an office manager who double-clicks the
file sees the headline, how many problems of each kind, what the colours mean and what to fix first, on
one screen, before meeting a sheet full of colour. "Data" is a copy of the mapped and extra columns only
(never an unmapped column such as case notes: the file holds personal data), with problem cells filled by
severity and a comment saying what is wrong and how to fix it. "Problems" lists every issue on its own
line, for filtering and ticking off. Severities are named with the catalogue's labels and meanings
(core.checking.rules.SEVERITIES), the words the window uses, so the printed report matches the screen.

Safety: no value is ever written as a formula. openpyxl turns a string starting with "=" into a live
formula and a string equal to an error code into an error cell, so such values (and anything starting with
+, -, @, tab or carriage return) are written as cells forced to text. The workbook is written with
openpyxl's write-only mode (fast, and lean for 100,000 rows) into a temporary file beside the target, then
moved over it, so a failure never leaves half a workbook. openpyxl would stream each sheet through a file
in the system temp folder; here those parts go beside the target too, and are removed afterwards, so
personal data lands only in the folder the user chose.

This module saves the workbook. The sheets are laid out in core.checking.report_sheets, from the lines of
core.checking.report_issues, and every cell is made by core.checking.report_writer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet import _writer as openpyxl_sheet_writer

from core.checking.changes import ChangeSummary
from core.checking.check import CheckResult
from core.checking.report_sheets import fill_workbook
from core.checking.report_writer import scratch_file
from core.errors import InputError


def write_report(result: CheckResult, path: Path, changes: ChangeSummary | None = None) -> Path:
    """Write the quality report workbook for `result` to `path` (replacing it) and return the path.

    `changes` (what changed since the last supply) is summed up on the Summary sheet when given.
    """
    target = Path(path)
    _refuse_unusable_target(target)
    parts: list[str] = []
    partial: str | None = None
    try:
        workbook = Workbook(write_only=True)
        fill_workbook(workbook, result, target.parent, parts, changes)
        partial = scratch_file(target.parent, ".xlsx")
        workbook.save(partial)
        os.replace(partial, target)
        partial = None
    except PermissionError as error:
        raise InputError(
            f'The report cannot be saved as "{target.name}": the file is open in another program (such as '
            "Excel), or you may not write to that folder. Close the file, or choose another name or folder."
        ) from error
    except OSError as error:
        raise InputError(
            f'The report cannot be saved as "{target.name}" ({error.strerror or error}). '
            "Choose another folder, or free some disk space, and try again."
        ) from error
    finally:
        _remove_quietly([*parts, *([partial] if partial else [])])
    return target


def _refuse_unusable_target(target: Path) -> None:
    if not target.parent.is_dir():
        raise InputError(
            f'The report cannot be saved: the folder "{target.parent}" does not exist. Choose another folder.'
        )
    if target.is_dir():
        raise InputError(
            f'The report cannot be saved as "{target}": that is a folder. Give a file name ending in .xlsx.'
        )


def _remove_quietly(names: Iterable[str]) -> None:
    """Remove leftover parts (openpyxl removes the sheet parts itself once they are in the workbook)."""
    for name in names:
        with suppress(OSError):  # a part we cannot remove must not hide the error that left it
            os.remove(name)
        with suppress(ValueError):
            openpyxl_sheet_writer.ALL_TEMP_FILES.remove(name)

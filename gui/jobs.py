"""The window's long jobs: plain functions the TaskRunner runs off the GUI thread; they touch no widget.

Each returns what the window shows next (a table, a check result, how a send ended) or raises an
InputError/SendError whose sentence the window shows as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.checking.rules import plural
from core.errors import InputError
from core.profile import SupplyProfile
from gui.workers import TaskContext

# Only types from the reading, checking and sending modules here: they load pandas, numpy, paramiko and
# more, which each job imports itself on its worker thread, so the window opens without them.
if TYPE_CHECKING:
    from core.checking.changes import ChangeSummary
    from core.checking.check import CheckResult
    from core.checking.matching import MappingSuggestion
    from core.checking.readiness import Readiness
    from core.reading.table import SourceTable
    from core.sending.history import Receipt
    from gui.problem_index import ProblemIndex


@dataclass
class LoadedSheet:
    """What reading a file in the worker hands back to the window."""

    table: SourceTable
    suggestion: MappingSuggestion
    gender_codes: dict[str, list[tuple[str, int]]] = dataclasses.field(
        default_factory=dict
    )  # header -> codes


@dataclass
class CheckedList:
    """What checking in the worker hands back: the result and its problems indexed for the table."""

    result: CheckResult
    problems: ProblemIndex
    changes: ChangeSummary | None = None  # since the last supply sent with these settings


def read_job(path: Path, sheet: str | None, profile: SupplyProfile | None, header_row: int | None = None):
    """Read the sheet (the saved settings' sheet when the file has it) and suggest the column matches;
    `header_row` is the headings' row chosen on the Match page."""

    def job(context: TaskContext) -> LoadedSheet:
        from core.checking.matching import suggest_mapping
        from core.reading.sources import list_sheets, read_table

        chosen = sheet
        if chosen is None and profile is not None and profile.sheet and profile.sheet in list_sheets(path):
            chosen = profile.sheet
        context.report(-1, f"Reading {path.name}…")
        table = read_table(path, sheet=chosen, header_row=header_row)
        context.raise_if_cancelled()
        context.report(-1, f"Read {plural(table.row_count, 'row')}; finding your columns…")
        if header_row is None and _needs_saved_header_row(table, profile):
            table = read_table(path, sheet=chosen, header_row=profile.header_row)
            context.raise_if_cancelled()
        suggestion = suggest_mapping(table)
        return LoadedSheet(table, suggestion, _gender_codes(table, suggestion, profile))

    return job


def _gender_codes(
    table: SourceTable, suggestion: MappingSuggestion, profile: SupplyProfile | None
) -> dict[str, list[tuple[str, int]]]:
    """The unknown codes of the gender column the Match page will show first, counted here, off the
    window's thread (a long column takes tens of milliseconds)."""
    from core.checking.genders import unrecognised_gender_codes
    from gui.steps.match_details import GENDER_CODES_SHOWN

    headers = {suggestion.mapping.get("gender"), profile.mapping.get("gender") if profile else None}
    columns = [table.find_column(header) for header in headers if header]
    return {c.header: unrecognised_gender_codes(c, GENDER_CODES_SHOWN) for c in columns if c is not None}


def _needs_saved_header_row(table: SourceTable, profile: SupplyProfile | None) -> bool:
    """The headings were found elsewhere than the saved settings say, and the saved columns are missing."""
    if profile is None or not profile.header_row or profile.header_row == table.header_row:
        return False
    if profile.sheet and profile.sheet != table.sheet:
        return False
    return any(table.find_column(header) is None for header in profile.mapping.values())


def check_job(table: SourceTable, profile: SupplyProfile, as_of: dt.date):
    """Run every rule, then index the problems for the table, both off the GUI thread."""

    def job(context: TaskContext) -> CheckedList:
        from core.checking.check import run_check
        from core.sending.last_supply import changes_since_last_supply
        from gui.problem_index import ProblemIndex

        result = run_check(table, profile, as_of)
        context.raise_if_cancelled()
        return CheckedList(result, ProblemIndex(result), changes_since_last_supply(result))

    return job


@dataclass
class SupplyOutcome:
    """How a send or save job ended: a receipt, or a question for the person before it can go on."""

    receipt: Receipt | None = None
    saved_to: Path | None = None
    needs_secret: bool = False  # no password stored for this server, or the stored one was refused
    note: str = ""  # why the password is asked for again
    host_key: str | None = None  # first connection: the server's fingerprint, to confirm


def _prepared(result: CheckResult, context: TaskContext):
    from core.sending.extract import SupplyBlocked
    from core.sending.supply import prepare_supply

    context.report(-1, "Encrypting…")
    try:
        prepared = prepare_supply(result)
    except SupplyBlocked as blocked:
        raise InputError(str(blocked)) from None
    context.raise_if_cancelled()
    return prepared


def save_job(result: CheckResult, folder: Path):
    """Encrypt in memory and write only the encrypted file, with a receipt (core.sending.supply)."""

    def job(context: TaskContext) -> SupplyOutcome:
        from core.sending.supply import save_supply

        receipt, target = save_supply(_prepared(result, context), folder)
        return SupplyOutcome(receipt=receipt, saved_to=target)

    return job


def connection_test_job(target, fingerprint: str, secret: str | None):
    """Test connection (core.sending.connection_test): every step tried off the GUI thread."""

    def job(_context: TaskContext):
        from core.sending.connection_test import run_connection_test

        return run_connection_test(target, fingerprint, secret)

    return job


def send_job(result: CheckResult, secret: str | None, file_name: str | None = None):
    """Encrypt in memory and upload (core.sending.supply); an unknown server or a missing password is a question."""

    def job(context: TaskContext) -> SupplyOutcome:
        from core.sending.credentials import secret_for_send
        from core.sending.supply import send_supply
        from core.sending.transfer import AuthenticationFailed, HostKeyUnknown

        sftp = result.profile.sftp
        password = secret if secret is not None else secret_for_send(sftp.username, sftp.host, sftp.port)
        if password is None:
            return SupplyOutcome(needs_secret=True)
        prepared = _prepared(result, context)
        if file_name and file_name != prepared.file_name:
            prepared = dataclasses.replace(prepared, file_name=file_name)
        shown = [-1]

        def progress(sent: int, total: int) -> None:
            percent = int(100 * sent / total) if total else 100
            if percent != shown[0]:
                shown[0] = percent
                context.report(percent, f"Sending… {percent}%")

        try:
            receipt = send_supply(prepared, password, progress=progress, cancel=context.cancel_event)
        except HostKeyUnknown as unknown:
            return SupplyOutcome(host_key=unknown.fingerprint)
        except AuthenticationFailed as refused:
            if secret is not None:
                raise  # the person just typed it: say so, do not ask in a loop
            return SupplyOutcome(needs_secret=True, note=refused.message)  # the stored one is out of date
        return SupplyOutcome(receipt=receipt)

    return job


def outcome_sentence(outcome: SupplyOutcome) -> str:
    receipt = outcome.receipt
    left_out = (
        f" {plural(receipt.rows_left_out, 'row')} with a problem that must be fixed were left out."
        if receipt.rows_left_out
        else ""
    )
    if outcome.saved_to is not None:
        where = f"Saved {outcome.saved_to.name} in {outcome.saved_to.parent}"
    else:
        where = f"Sent {receipt.file_name} to {receipt.server}"
    return (
        f"{where}: {plural(receipt.rows_sent, 'row')} of people, encrypted so only Stats NZ can open it."
        f"{left_out} A receipt was added to your history."
    )


@dataclass
class Assessed:
    """What the readiness job hands back: the check it used and the answers drawn from it."""

    result: CheckResult
    readiness: Readiness


def _checked_for(profile: SupplyProfile, source: Path, as_of: dt.date, context: TaskContext) -> CheckResult:
    """Read the supply's spreadsheet as its settings say (sheet, heading row) and check it."""
    from core.checking.check import run_check
    from core.reading.sources import list_sheets, read_table

    sheet = profile.sheet if profile.sheet and profile.sheet in list_sheets(source) else None
    context.report(-1, f"Reading {source.name}…")
    table = read_table(source, sheet=sheet)
    if _needs_saved_header_row(table, profile):
        table = read_table(source, sheet=sheet, header_row=profile.header_row)
    context.raise_if_cancelled()
    context.report(-1, f"Checking {plural(table.row_count, 'row')}…")
    result = run_check(table, profile, as_of)
    context.raise_if_cancelled()
    return result


def readiness_job(profile: SupplyProfile, source: Path | None, result: CheckResult | None, as_of: dt.date):
    """The readiness answers from `result`, or from a fresh check of `source` when there is none."""

    def job(context: TaskContext) -> Assessed:
        from core.checking.readiness import assess

        checked = result if result is not None else _checked_for(profile, source, as_of, context)
        return Assessed(checked, assess(checked, profile))

    return job


def specification_job(
    profile: SupplyProfile, source: Path | None, result: CheckResult | None, target: Path, as_of: dt.date
):
    """Write the data specification (core.sending.specification), checking the spreadsheet first if needed."""

    def job(context: TaskContext) -> Path:
        from core.checking.readiness import assess
        from core.sending.specification import write_specification

        checked = result if result is not None else _checked_for(profile, source, as_of, context)
        context.report(-1, "Writing the data specification…")
        return write_specification(checked, target, assess(checked, profile))

    return job

"""What each command of the command line does and prints; `cli` parses the arguments and calls these.

Kept apart from `cli` because this module imports pandas and the checks, which take a good part of a second:
`cli` starts parsing the workbook (`workbook.read_ahead`) before importing it, so the two overlap.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

from core.checking.check import CheckResult, run_check
from core.checking.matching import MappingSuggestion, suggest_mapping
from core.checking.rules import FIELD_NAMES as FIELD_LABELS
from core.checking.rules import (
    RULES,
    SEVERITIES,
    SEVERITY_ORDER,
    parts_of_full_name,
    plural,
    unsure_identifier,
)
from core.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_SEND_FAILED
from core.errors import InputError, SendError
from core.profile import SupplyProfile, save_profile
from core.reading.sources import read_table
from core.reading.table import SourceTable
from core.sending.history import load_receipts

if TYPE_CHECKING:
    from core.sending.supply import PreparedSupply
    from core.sending.transfer import HostKeyUnknown


def inspection(table: SourceTable, suggestion: MappingSuggestion) -> dict[str, Any]:
    """The keys `inspect --json` prints; `check --json` adds to them."""
    return {
        "file": table.path.name,
        "sheets": table.sheets,
        "sheet": table.sheet,
        "header_row": table.header_row,
        "columns": table.headers,
        "mapping": suggestion.mapping,
        "identifier_type": suggestion.identifier_type,
        "confidence": suggestion.confidence,
        "needs_confirming": needs_confirming(suggestion),
        "notes": table.notes,
    }


def needs_confirming(suggestion: MappingSuggestion) -> list[dict[str, Any]]:
    """The matches a person must confirm before a check can be all clear: an ID number column guessed from
    weak evidence (its values alone, or a heading that says little) could send birthdays as IRD numbers."""
    if not suggestion.identifier_unsure:
        return []
    column, confidence = suggestion.mapping["identifier"], suggestion.confidence.get("identifier", 0.0)
    return [
        {
            "field": "identifier",
            "column": column,
            "confidence": confidence,
            "message": unsure_identifier(column, suggestion.identifier_type, confidence),
        }
    ]


def print_inspection(table: SourceTable, suggestion: MappingSuggestion) -> None:
    others = [f"sheets: {', '.join(table.sheets)}"] if len(table.sheets) > 1 else []
    print(f"File: {table.path.name}")
    print(f"Sheet: {table.sheet}" + (f" ({others[0]})" if others else ""))
    above = table.header_row - 1
    print(
        f"Header row: {table.header_row}" + (f" ({plural(above, 'row')} above it skipped)" if above else "")
    )
    print(f"People rows: {table.row_count}" + _blank_note(table))
    print("Columns matched:")
    for field_name, header in suggestion.mapping.items():
        kind = f" ({suggestion.identifier_type})" if field_name == "identifier" else ""
        sure = round(100 * suggestion.confidence.get(field_name, 0))
        print(f"  {FIELD_LABELS[field_name] + kind:<22} <- {header!r} ({sure}% sure)")
    for unsure in needs_confirming(suggestion):
        print(f"Check this: {unsure['message']}")
    unmatched = [h for h in table.headers if h not in suggestion.mapping.values()]
    if unmatched:
        print("Not matched, so never sent: " + ", ".join(repr(h) for h in unmatched))
    for note in table.notes:
        print(f"Note: {note}")


def _blank_note(table: SourceTable) -> str:
    return f" ({plural(table.skipped_blank_rows, 'blank row')} skipped)" if table.skipped_blank_rows else ""


def profile_for(args: argparse.Namespace) -> tuple[SourceTable, SupplyProfile, MappingSuggestion | None]:
    """Read the table the way the profile says (or find the sheet and match columns automatically)."""
    profile = args.loaded_profile  # cli loads --profile once, before the read-ahead
    if profile is not None:
        sheet = args.sheet or profile.sheet
        table = read_table(
            Path(args.file),
            sheet=sheet,
            header_row=args.header_row or (None if args.sheet else profile.header_row),
            opened=args.opened,
        )
        return table, profile, None
    table = read_table(Path(args.file), sheet=args.sheet, header_row=args.header_row, opened=args.opened)
    suggestion = suggest_mapping(table)
    if not suggestion.mapping:
        raise InputError(
            f'No column in sheet "{table.sheet}" looks like a name, date of birth, gender or ID number. '
            "Check that this is the list of people, or pick another sheet with --sheet."
        )
    profile = SupplyProfile(
        name="Matched automatically",
        mapping=dict(suggestion.mapping),
        identifier_type=suggestion.identifier_type,
    )
    return table, profile, suggestion


def parse_as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise InputError(
            f'--as-of "{text}" is not a date; write it as YYYY-MM-DD, for example 2026-11-01.'
        ) from error


def check_json(result: CheckResult, suggestion: MappingSuggestion | None) -> dict[str, Any]:
    """Every key of `check --json` but the issues (and the summary, which follows them)."""
    used = suggestion or MappingSuggestion(
        mapping=dict(result.profile.mapping), identifier_type=result.identifier_type
    )
    data = inspection(result.table, used)
    data.update(
        needs_confirming=needs_confirming(suggestion) if suggestion is not None else [],
        as_of=result.as_of.isoformat(),
        rows=result.rows,
        skipped_blank_rows=result.skipped_blank_rows,
        linkable_rows=result.linkable_rows,
    )
    return data


ISSUE_KEYS = ("row", "field", "column", "rule", "severity", "value", "message")
ISSUES_PER_CHUNK = 20_000


def write_check_json(
    result: CheckResult,
    suggestion: MappingSuggestion | None,
    out: TextIO,
    after: dict[str, Any] | None = None,
) -> None:
    """`check --json` as one line, written a slice of the issues at a time; `after` holds keys that follow.

    A million issues made into one list of dicts and one string at once held ~1 GB; slice by slice the
    output is the same bytes as `json.dumps` of the whole object, and memory stays at one slice's worth.
    """
    head = _json_text(check_json(result, suggestion))
    out.write(head[:-1] + ', "issues": [')
    issues = result.issues
    for start in range(0, len(issues), ISSUES_PER_CHUNK):
        part = issues.iloc[start : start + ISSUES_PER_CHUNK]
        columns = [part[key].tolist() for key in ISSUE_KEYS]  # plain ints, strings and None
        chunk = [dict(zip(ISSUE_KEYS, values, strict=True)) for values in zip(*columns, strict=True)]
        out.write((", " if start else "") + _json_text(chunk)[1:-1])
    out.write('], "summary": ' + _json_text(result.summary()))
    for key, value in (after or {}).items():  # keys that follow the summary, such as "changes"
        out.write(f", {_json_text(key)}: {_json_text(value)}")
    out.write("}\n")


def print_check(result: CheckResult, suggestion: MappingSuggestion | None, shown_rows: int = 8) -> None:
    """The person-readable check: the headline, counts, then each problem with its first rows and the fix."""
    table = result.table
    print(f'{table.path.name}, sheet "{table.sheet}", header on row {table.header_row}')
    for note in table.notes:
        print(f"Note: {note}")
    if suggestion is not None:
        matched = ", ".join(f"{FIELD_LABELS[f].lower()} = {h!r}" for f, h in suggestion.mapping.items())
        print(f"Columns matched automatically: {matched}")
        for unsure in needs_confirming(suggestion):
            print(f"Check this: {unsure['message']}")
    print()
    print(result.headline())
    skipped = (
        f" {plural(result.skipped_blank_rows, 'blank row')} skipped." if result.skipped_blank_rows else ""
    )
    print(result.summary_sentence() + skipped)
    if result.issues.empty:
        return
    print()
    groups = result.issues.groupby(["rule", "field"], dropna=False, sort=False)
    ordered = sorted(groups, key=lambda g: (SEVERITY_ORDER[g[1]["severity"].iloc[0]], -len(g[1])))
    for (rule_id, field_name), rows in ordered:
        rule = RULES[rule_id]
        field_key = None if pd.isna(field_name) else field_name
        numbers = rows["row"].astype(int).tolist()
        listed = ", ".join(str(n) for n in numbers[:shown_rows]) + (
            " ..." if len(numbers) > shown_rows else ""
        )
        noun = "row" if len(numbers) == 1 else "rows"
        label = f"{SEVERITIES[rule.severity].label}:"
        indent = " " * 16  # lines up under the message: the longest label, "Tidied for you:", and a space
        split = field_key in parts_of_full_name(result.columns)
        print(f"{label:<16}{rule.message_for(field_key, result.identifier_type, split)}")
        print(f"{indent}{len(numbers)} {noun}: {listed}")
        print(f"{indent}To fix: {rule.how_to_fix_for(field_key, result.identifier_type, split)}")


def run_check_command(args: argparse.Namespace) -> int:
    as_of = parse_as_of(args.as_of)
    table, profile, suggestion = profile_for(args)
    result = run_check(table, profile, as_of)
    args.kept.append(result)  # freed by the process ending, not a million objects one by one
    changes = changes_for(result) if args.loaded_profile is not None else None
    if args.report:
        from core.checking.report import write_report

        write_report(result, Path(args.report), changes=changes)
    if args.json:
        write_check_json(result, suggestion, sys.stdout, {"changes": changes.to_json()} if changes else None)
    else:
        print_check(result, suggestion)
        for line in ["", "What changed since the last supply:", *changes.sentences()] if changes else []:
            print(line)
        if args.report:
            print(f"\nThe quality report was saved to {args.report}.")
    return check_status(result, suggestion)


def check_status(result: CheckResult, suggestion: MappingSuggestion | None) -> int:
    """1 when a row has an error, and also when the ID number column was only guessed: a script reading 0
    would take the list as ready to send, with a column no person has confirmed (the problems themselves are
    in the data; the guess is in the matching, so it is said beside the matches rather than on every row)."""
    if result.has_error.any() or (suggestion is not None and suggestion.identifier_unsure):
        return EXIT_PROBLEMS
    return EXIT_OK


def changes_for(result: CheckResult):
    """The summary against the last sent supply of this profile, or None (nothing sent before)."""
    from core.checking.fingerprint_store import store_path
    from core.checking.fingerprints import supply_id

    if not store_path(supply_id(result.profile)).exists():
        return None  # the usual first run: keyring and the rest are not even loaded
    from core.sending.last_supply import changes_since_last_supply

    return changes_since_last_supply(result)


def _confirm(question: str) -> bool:
    """Ask on the terminal; without one, only --yes may say yes."""
    if not sys.stdin or not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _describe_prepared(prepared: PreparedSupply) -> None:
    extract = prepared.extract
    print(prepared.result.headline())
    print(
        f"File: {prepared.file_name} ({plural(extract.rows_sent, 'row')}, columns: {', '.join(extract.columns)})"
    )
    if extract.rows_left_out:
        rows = ", ".join(str(r) for r in extract.left_out_rows[:10])
        more = " ..." if len(extract.left_out_rows) > 10 else ""
        print(f"Left out because they have errors: {plural(extract.rows_left_out, 'row')}: {rows}{more}")
    recipient = prepared.recipient
    print(f"Encrypted for: {recipient.holder}, key fingerprint {recipient.display_fingerprint}")


def _secret_for(profile: SupplyProfile) -> str | None:
    from core.sending.credentials import credential_name, secret_for_send

    settings = profile.sftp
    if settings is None:
        return None
    secret = secret_for_send(settings.username, settings.host, settings.port)
    if secret is None and sys.stdin and sys.stdin.isatty():
        what = "key passphrase" if settings.auth == "key" else "password"
        secret = getpass.getpass(
            f"SFTP {what} for {credential_name(settings.username, settings.host, settings.port)}: "
        )
    return secret


def _pin_host_key(profile: SupplyProfile, error: HostKeyUnknown, assume_yes: bool) -> bool:
    """First connection: show the fingerprint, and pin it in the profile only when a person confirms it."""
    if assume_yes or profile.path is None or not sys.stdin or not sys.stdin.isatty():
        print(f"{error} Nothing was sent.", file=sys.stderr)
        return False
    print(str(error), file=sys.stderr)
    if not _confirm("Does it match the fingerprint Stats NZ gave you?"):
        print("Nothing was sent.", file=sys.stderr)
        return False
    profile.sftp.host_key_sha256 = error.fingerprint
    save_profile(profile, profile.path)
    print(f"The server's key was saved in {profile.path.name}.")
    return True


def run_send(args: argparse.Namespace) -> int:
    # Sending pulls in paramiko, cryptography and pysequoia: imported here so `check` starts faster.
    from core.sending.extract import SupplyBlocked
    from core.sending.supply import ReceiptNotSaved, prepare_supply, save_supply, send_supply, sftp_target
    from core.sending.transfer import HostKeyUnknown

    as_of = parse_as_of(args.as_of)
    table, profile, _ = profile_for(args)
    result = run_check(table, profile, as_of)
    try:
        prepared = prepare_supply(result)
    except SupplyBlocked as blocked:
        print_check(result, None)
        print(f"\n{blocked}", file=sys.stderr)
        return EXIT_PROBLEMS
    _describe_prepared(prepared)
    status = EXIT_PROBLEMS if prepared.result.has_error.any() else EXIT_OK
    if args.output_only:
        try:
            receipt, path = save_supply(prepared, Path(args.output_only))
        except ReceiptNotSaved as unsaved:
            print(str(unsaved), file=sys.stderr)
            return status
        print(f"Saved the encrypted file as {path}. Nothing was uploaded.")
        return status
    target = sftp_target(profile)
    if not args.yes and not _confirm(f"Send it to {target.server}?"):
        raise InputError("Nothing was sent. Run again with --yes to send without being asked.")
    secret = _secret_for(profile)
    progress = _progress_printer()
    for _ in range(2):
        try:
            receipt = send_supply(prepared, secret, progress=progress)
            break
        except HostKeyUnknown as unknown:
            _end_progress_line(progress)
            if not _pin_host_key(profile, unknown, args.yes):
                return EXIT_SEND_FAILED
        except ReceiptNotSaved as unsaved:
            _end_progress_line(progress)
            print(str(unsaved), file=sys.stderr)
            return status
        except SendError as error:
            _end_progress_line(progress)
            print(str(error), file=sys.stderr)
            return EXIT_SEND_FAILED
    _end_progress_line(progress)
    print(
        f"Sent {receipt.file_name} to {receipt.server} ({plural(receipt.rows_sent, 'row')}). Receipt saved."
    )
    return status


def _progress_printer():
    """Progress on a terminal (stderr), at most every 10%; none when stderr is a file or a pipe, which
    then carries only the one line that says what went wrong."""
    if not sys.stderr.isatty():
        return None
    shown = [-1]

    def show(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent // 10 > shown[0]:
            shown[0] = percent // 10
            print(f"\rUploading... {percent}%", end="", file=sys.stderr, flush=True)

    return show


def _end_progress_line(progress) -> None:
    """Finish the progress line on the terminal, so what follows starts on a line of its own."""
    if progress is not None:
        print(file=sys.stderr)


def run_history(args: argparse.Namespace) -> int:
    stored = load_receipts()
    if args.json:
        print_json(
            {"receipts": [asdict(r) for r in stored.receipts], "unreadable_lines": stored.skipped_lines}
        )
        return EXIT_OK
    if not stored.receipts:
        print("No supplies have been sent or saved yet.")
    for receipt in stored.receipts:
        where = receipt.server or "saved to a folder"
        print(
            f"{receipt.time}  {receipt.outcome:<9} {receipt.file_name}  {plural(receipt.rows_sent, 'row')} sent, "
            f"{receipt.rows_left_out} left out  ({where})  {receipt.profile}"
        )
        if receipt.outcome not in ("sent", "saved") and receipt.message:
            print(f"    {receipt.message}")
        elif receipt.left_on_server:
            print(
                f"    Temporary file left on the server (removed at the next send): {', '.join(receipt.left_on_server)}"
            )
    if stored.skipped_lines:
        print(
            f"Note: line(s) {', '.join(map(str, stored.skipped_lines))} of the receipts file could not be read."
        )
    return EXIT_OK


def run_readiness(args: argparse.Namespace) -> int:
    from core.checking.readiness import assess
    from core.checking.readiness_answers import save_answers

    table, profile, _ = profile_for(args)
    answers = dict(answer.partition("=")[::2] for answer in args.answer)
    if any(not key or not value for key, value in answers.items()):
        raise InputError("Write each answer as QUESTION=ANSWER, for example --answer route=direct.")
    if answers:
        save_answers(profile, answers)
    readiness = assess(run_check(table, profile, parse_as_of(args.as_of)))
    if args.json:
        print_json(readiness.to_json())
        return EXIT_OK
    for finding in readiness.findings:
        print(f"{finding.text}\n  {finding.answer}\n  What it means: {finding.choice.meaning}")
        print(f"  Next step: {finding.choice.next_step}\n")
    for question in readiness.questions:
        given = readiness.answers.get(question.id)
        choice = question.choice(given) if given and question.choices else None
        print(
            f"{question.text} [{question.id}]\n  "
            + (choice.answer if choice else given or "(not answered yet)")
        )
        if not given:
            options = [f"    --answer {question.id}={c.id}: {c.answer}" for c in question.choices]
            print("\n".join(options or [f'    --answer {question.id}="...": {question.hint}']))
    return EXIT_OK


def run_spec(args: argparse.Namespace) -> int:
    from core.sending.specification import write_specification
    from core.sending.supplies import specification_file_name

    table, profile, _ = profile_for(args)
    result = run_check(table, profile, parse_as_of(args.as_of))
    path = write_specification(result, Path(args.out or specification_file_name(profile)))
    print(f"The data specification was saved to {path}. Fill in the lines marked in yellow.")
    return EXIT_OK


def run_inspect(args: argparse.Namespace) -> int:
    table = read_table(Path(args.file), sheet=args.sheet, header_row=args.header_row, opened=args.opened)
    suggestion = suggest_mapping(table)
    if args.json:
        print_json(inspection(table, suggestion))
    else:
        print_inspection(table, suggestion)
    return EXIT_OK


def print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(_json_text(data) + "\n")


def _json_text(data: object) -> str:
    """One line of JSON: without indentation the json module uses its C encoder, ~5x faster on many issues."""
    return json.dumps(data, ensure_ascii=False, default=str)

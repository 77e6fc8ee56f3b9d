"""The data specification: an editable Word document describing the supply, for the data sharing agreement.

Stats NZ asks every organisation that supplies data for a data specification: what is sent, in which
columns and codes, how often, how it travels and how it is protected. IDI Share already holds nearly all
of it in the supply profile, the last check and the receipts, so it writes the document and leaves the
few lines only a person can write (the purpose, contacts) marked to fill in. It is a .docx (python-docx)
because a privacy officer opens and edits it in Word or LibreOffice.

No personal data, ever: the document says what columns hold and how values are coded, counts and
percentages, and the names of services; never a value from a row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt

from core.checking.check import CheckResult
from core.checking.readiness import Readiness, assess
from core.checking.readiness_questions import QUESTIONS
from core.checking.report_issues import rule_lines
from core.checking.rules import FIELD_NAMES, ID_TYPE_NAMES, SEVERITIES
from core.errors import InputError
from core.profile import SupplyProfile
from core.sending.extract import extract_columns, extract_file_name
from core.sending.history import load_receipts
from core.sending.supplies import (
    due_date,
    first_due,
    last_done,
    long_date,
    next_due,
    receipt_date,
    receipts_for,
)

FILL_IN = "[To fill in: {what}]"
FORMAT_WORDS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%y": "YY", "%b": "Mon", "%B": "Month"}
GENDER_WORDS = {
    "male": "Male",
    "female": "Female",
    "another": "Another gender",
    "unknown": "Unknown or not stated",
}
FIELD_FORMATS = {
    "first_name": "Text as recorded; spaces at the ends and doubled spaces removed.",
    "last_name": "Text as recorded; spaces at the ends and doubled spaces removed.",
    "full_name": "Sent split into given and family name.",
    "record_id": "Your own record number, sent as it is.",
    "service": "The service or programme, sent as recorded.",
}
OPTIONAL_WHY = {
    "start_date": "lets the people supported be compared with others over the same time",
    "end_date": "shows how long each person was supported",
    "service": "lets your services be told apart",
    "record_id": "lets Stats NZ refer to a row when asking about it, without a name",
}


def readable_date_format(pattern: str) -> str:
    """ "%Y-%m-%d" -> "YYYY-MM-DD (for example 2026-11-01)"."""
    words = pattern
    for code, word in FORMAT_WORDS.items():
        words = words.replace(code, word)
    return f"{words} (for example {dt.date(2026, 11, 1).strftime(pattern)})"


def last_supplied_and_next_due(profile: SupplyProfile) -> tuple[dt.date | None, dt.date | None]:
    """The day of the last supply sent or saved, and when the next is due: the date the home page shows
    when the supply has a first due date, else one period after the last supply."""
    receipts = receipts_for(profile, load_receipts().receipts)
    done = last_done(receipts)
    last = receipt_date(done) if done else None
    if first_due(profile) is not None:
        return last, next_due(profile, receipts)
    return last, due_date(last, profile.frequency or "", 1) if last else None


def recipient_fingerprint(profile: SupplyProfile) -> str:
    """The fingerprint of the key the file is encrypted to: as read from the key file, else as agreed."""
    encryption = profile.encryption
    if encryption is None:
        return FILL_IN.format(what="Stats NZ's key fingerprint (no key is set yet)")
    if encryption.recipient_key_file is not None:
        from core.sending.crypto import load_recipient_key

        try:
            return load_recipient_key(
                encryption.recipient_key_file, encryption.recipient_fingerprint
            ).display_fingerprint
        except InputError:
            pass
    return encryption.recipient_fingerprint or FILL_IN.format(what="Stats NZ's key fingerprint")


# ---- Building the document ---------------------------------------------------------------------------


def _table(
    document: DocumentObject, header: list[str], lines: list[list[str]], widths: list[float] | None = None
):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for line in lines:
        for cell, text in zip(table.add_row().cells, line, strict=True):
            cell.text = str(text)
    if widths:  # Word reads the cells' widths, LibreOffice the grid's: set both
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Pt(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Pt(width)
    document.add_paragraph()
    return table


def _fill_in(document: DocumentObject, label: str, what: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    run = paragraph.add_run(FILL_IN.format(what=what))
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _pair(document: DocumentObject, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def field_format(result: CheckResult, field_name: str) -> str:
    profile = result.profile
    if field_name == "identifier":
        kind = ID_TYPE_NAMES.get(result.identifier_type or "OTHER", "ID")
        extra = (
            " IRD numbers are sent as 9 digits (a leading 0 added)."
            if result.identifier_type == "IRD"
            else ""
        )
        return f"{kind}; upper case, spaces and dashes removed.{extra}"
    if field_name in ("date_of_birth", "start_date", "end_date"):
        order = "month first" if profile.date_order == "month_first" else "day first"
        return (
            f"Date, {readable_date_format(profile.output.date_format)}. Dates typed as text are read {order}."
        )
    if field_name == "gender":
        codes = profile.output.gender_codes
        shown = "; ".join(f'{GENDER_WORDS[g]} = "{codes.get(g, "")}"' for g in GENDER_WORDS)
        return f"Code: {shown} (empty where not known)."
    return FIELD_FORMATS.get(field_name, "Sent as recorded.")


def _fields_section(document: DocumentObject, result: CheckResult) -> None:
    document.add_heading("Data supplied", level=1)
    document.add_paragraph(
        "Only these columns leave the organisation. Every other column of the spreadsheet (such as notes) is "
        "never read for sending."
    )
    lines = []
    for name, header in extract_columns(result):
        if name in FIELD_NAMES:
            source = result.columns.get(name) or result.columns.get("full_name", "")
            lines.append([FIELD_NAMES[name], source, header, field_format(result, name)])
        else:
            lines.append([f"Extra column: {name}", name, header, "Sent as recorded."])
    _table(
        document,
        ["Detail", "Column in our records", "Column in the file", "Format and coding"],
        lines,
        [90, 95, 80, 200],
    )
    profile = result.profile
    if profile.gender_values:
        document.add_paragraph("Our own gender codes, and what each is sent as:")
        _table(
            document,
            ["Our code", "Means", "Sent as"],
            [
                [code, GENDER_WORDS[g], profile.output.gender_codes.get(g, "")]
                for code, g in profile.gender_values.items()
            ],
        )
    rows_rule = (
        "Rows with a problem that must be fixed are left out of the file and counted in the receipt."
        if profile.output.rows_with_errors == "exclude"
        else "Nothing is sent while any row has a problem that must be fixed."
    )
    _pair(document, "Rows with errors", rows_rule)
    example = extract_file_name(result, dt.date(2026, 11, 1))
    _pair(
        document,
        "File",
        f"CSV, UTF-8, one header line, encrypted; named like {example}.gpg (the day it is sent).",
    )


def _optional_section(document: DocumentObject, result: CheckResult) -> None:
    document.add_heading("Optional details", level=1)
    document.add_paragraph(
        "Stats NZ needs an ID number, or name, date of birth and gender, to link a person. Everything else is "
        "sent by choice."
    )
    lines = []
    for name, why in OPTIONAL_WHY.items():
        sent = name in result.columns
        lines.append([FIELD_NAMES[name], "Sent" if sent else "Not sent", why[0].upper() + why[1:] + "."])
    for header in result.profile.extra_columns:
        lines.append([header, "Sent", FILL_IN.format(what="why this column is sent")])
    _table(document, ["Detail", "Sent?", "Why it helps"], lines, [120, 70, 275])


def _schedule_section(document: DocumentObject, profile: SupplyProfile, readiness: Readiness) -> None:
    document.add_heading("Frequency and transfer", level=1)
    last, due = last_supplied_and_next_due(profile)
    _pair(document, "Frequency", profile.frequency or FILL_IN.format(what="how often the data is supplied"))
    _pair(document, "Last supplied", last.strftime("%d %B %Y") if last else "Not yet")
    _pair(
        document,
        "Next due",
        due.strftime("%d %B %Y") if due else "After the first supply, by the frequency above",
    )
    route = readiness.answers.get("route")
    choice = QUESTIONS["route"].choice(route) if route else None
    _pair(
        document, "Route", choice.answer if choice else FILL_IN.format(what="who sends the data to Stats NZ")
    )
    sftp = profile.sftp
    if sftp is not None:
        _pair(
            document,
            "Transfer",
            f"SFTP to {sftp.host}:{sftp.port}, folder {sftp.remote_dir}, account {sftp.username}",
        )
        _pair(document, "Server key (SHA-256)", sftp.host_key_sha256 or "Confirmed at the first connection")
    else:
        _pair(document, "Transfer", "The encrypted file is saved and handed over another way.")
    _pair(
        document,
        "Encryption",
        "OpenPGP, encrypted on our computer before it leaves; the unencrypted file is never written to disk.",
    )
    fingerprint = recipient_fingerprint(profile)
    if fingerprint.startswith("[To fill in"):
        _fill_in(document, "Stats NZ key fingerprint", "Stats NZ's key fingerprint (no key is set yet)")
    else:
        _pair(document, "Stats NZ key fingerprint", fingerprint)


def _readiness_section(document: DocumentObject, readiness: Readiness) -> None:
    document.add_heading("How we record people, dates and services", level=1)
    for finding in readiness.findings:
        document.add_heading(finding.text, level=2)
        document.add_paragraph(finding.answer)
        _pair(document, "What it means", finding.choice.meaning)
        _pair(document, "Next step", finding.choice.next_step)
    document.add_heading("In our own words", level=2)
    for question in readiness.questions:
        answer = readiness.answers.get(question.id)
        if answer and question.choices:
            answer = question.choice(answer).answer
        paragraph = document.add_paragraph()
        paragraph.add_run(question.text + " ").bold = True
        if answer:
            paragraph.add_run(answer)
        else:
            paragraph.add_run(FILL_IN.format(what=question.hint)).font.highlight_color = WD_COLOR_INDEX.YELLOW


def _check_section(document: DocumentObject, result: CheckResult) -> None:
    document.add_heading("Data quality at the latest check", level=1)
    summary = result.summary()
    error_rows = int(result.has_error.sum())
    lines = [
        ["Checked on", long_date(result.as_of)],
        ["People (rows checked)", f"{result.rows:,}"],
        [
            "Can be linked",
            f"{result.linkable_rows:,} ({100 * result.linkable_rows / max(result.rows, 1):.1f}%)",
        ],
        ["Rows with a problem that must be fixed", f"{error_rows:,}"],
        ["Things to check (warnings)", f"{summary['warning']:,}"],
        ["Values tidied by IDI Share", f"{summary['info']:,}"],
    ]
    _table(document, ["Figure", "Count"], lines, [260, 205])
    by_kind = [
        [SEVERITIES[severity].label, message, f"{count:,}"]
        for severity, count, message, _, _ in rule_lines(result)
    ]
    if by_kind:
        _table(document, ["How serious", "Problem", "Times found"], by_kind, [90, 300, 75])


def build_specification(
    result: CheckResult, readiness: Readiness | None = None, today: dt.date | None = None
):
    """The specification as a python-docx Document (not yet saved)."""
    profile = result.profile
    readiness = readiness or assess(result)
    today = today or dt.date.today()
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    properties = document.core_properties
    properties.title = f"Data specification: {profile.name}"
    properties.author = properties.last_modified_by = "IDI Share"
    properties.comments = "Made by IDI Share. It holds no personal data."
    document.add_heading(f"Data specification: {profile.name}", level=0)
    document.add_paragraph(
        f"Prepared with IDI Share on {long_date(today)} from our supply settings and the latest check. "
        "It describes the data we send to Stats NZ for the Integrated Data Infrastructure (IDI). It holds no "
        "personal data. Lines marked in yellow are ours to fill in."
    )
    document.add_heading("Organisation and purpose", level=1)
    _pair(document, "Supply", profile.name)
    if profile.organisation_code:
        _pair(document, "Organisation code", profile.organisation_code)
    _fill_in(document, "Organisation", "the organisation's legal name")
    _fill_in(document, "Contact", "who Stats NZ can ask about this data (name, role, email)")
    _fill_in(document, "Purpose", "in a sentence or two, why the data is shared and what we hope to learn")
    _fields_section(document, result)
    _optional_section(document, result)
    _schedule_section(document, profile, readiness)
    _readiness_section(document, readiness)
    _check_section(document, result)
    return document


def write_specification(result: CheckResult, path: Path, readiness: Readiness | None = None) -> Path:
    """Write the .docx to `path` (replacing it), through a temporary file so it is never half written."""
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f'The folder "{target.parent}" does not exist. Choose another folder.')
    temporary = target.with_name(f".{target.name}.part")
    try:
        build_specification(result, readiness).save(str(temporary))
        temporary.replace(target)
    except PermissionError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(
            f'The specification cannot be saved as "{target.name}": the file may be open in Word. Close it, or '
            "choose another name."
        ) from error
    return target

"""One supply, prepared then run: check -> extract -> encrypt -> upload (or save) -> receipt.

Split like a job: `prepare_supply` does everything that needs no network and can be shown to the person
before anything leaves (what columns, how many rows, which rows are left out, the recipient key); then
`send_supply` or `save_supply` does the one thing that leaves the machine, and writes the receipt
whatever the outcome. Both front ends (window and command line) call these and nothing lower.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from core.checking.check import CheckResult
from core.errors import InputError, SendError
from core.profile import SupplyProfile
from core.sending.crypto import RecipientKey, encrypt_for, load_recipient_key
from core.sending.extract import Extract, build_extract
from core.sending.history import Receipt, append_receipt, receipts_path
from core.sending.last_supply import remember_sent_supply
from core.sending.transfer import (
    HostKeyUnknown,
    ProgressCallback,
    SendCancelled,
    SftpTarget,
    TransferError,
    upload,
)

ENCRYPTED_SUFFIX = ".gpg"


@dataclass
class PreparedSupply:
    """Everything about to leave, encrypted, with what a person needs to see before it does."""

    result: CheckResult
    extract: Extract
    recipient: RecipientKey
    encrypted: bytes
    file_name: str  # the encrypted file's name, e.g. KWT_20261101.csv.gpg
    sha256: str  # of the encrypted bytes: what the receipt and the server hold


def recipient_for(profile: SupplyProfile) -> RecipientKey:
    """Stats NZ's key from the profile's key file, checked against the fingerprint on every send."""
    encryption = profile.encryption
    if encryption is None or encryption.recipient_key_file is None:
        raise InputError(
            "The profile has no recipient key, so the file cannot be encrypted. Add Stats NZ's public key "
            'file to the profile ("encryption": {"recipient_key_file": ...}) or choose it in Settings.'
        )
    if not encryption.recipient_fingerprint:
        raise InputError(
            "The profile names a recipient key file but not its fingerprint, so a different key could be used "
            "without a word: add the fingerprint Stats NZ gave you (encryption.recipient_fingerprint)."
        )
    return load_recipient_key(encryption.recipient_key_file, encryption.recipient_fingerprint)


def prepare_supply(result: CheckResult, today: dt.date | None = None) -> PreparedSupply:
    """Build the extract from the check the person saw and encrypt it in memory.

    Takes the finished check rather than re-running it, so what is sent is what was reviewed and the
    rules run once. Raises SupplyBlocked or InputError.
    """
    recipient = recipient_for(result.profile)
    extract = build_extract(result, today=today or dt.date.today())
    encrypted = encrypt_for(recipient, extract.data)
    return PreparedSupply(
        result=result,
        extract=extract,
        recipient=recipient,
        encrypted=encrypted,
        file_name=extract.file_name + ENCRYPTED_SUFFIX,
        sha256=hashlib.sha256(encrypted).hexdigest(),
    )


def sftp_target(profile: SupplyProfile) -> SftpTarget:
    settings = profile.sftp
    if settings is None:
        raise InputError(
            "The profile has no server to send to. Add the SFTP details Stats NZ gave you to the profile "
            '("sftp": host, port, username, remote_dir), or save the encrypted file instead.'
        )
    fields = {key: value for key, value in dataclasses.asdict(settings).items() if value is not None}
    return SftpTarget(**fields)


class ReceiptNotSaved(InputError):
    """The file arrived (or was saved), but its receipt could not be written: `receipt` is what was meant."""

    def __init__(self, receipt: Receipt, error: OSError) -> None:
        where = receipts_path()
        super().__init__(
            f"{receipt.file_name} arrived at {receipt.server or 'its folder'}, but its receipt could not be saved "
            f"in {where} ({error.strerror or type(error).__name__}): note today's date and the file name, check "
            "that folder, and do not send the file again."
        )
        self.receipt = receipt


def _receipt(
    prepared: PreparedSupply,
    outcome: str,
    server: str,
    host_key: str,
    message: str,
    temporary_files: tuple[str, ...] = (),
    left_on_server: tuple[str, ...] = (),
) -> Receipt:
    return Receipt(
        profile=prepared.result.profile.name,
        file_name=prepared.file_name,
        rows_sent=prepared.extract.rows_sent if outcome in ("sent", "saved") else 0,
        rows_left_out=prepared.extract.rows_left_out,
        sha256=prepared.sha256,
        recipient_fingerprint=prepared.recipient.fingerprint,
        server=server,
        host_key_sha256=host_key,
        outcome=outcome,
        message=message,
        temporary_files=temporary_files,
        left_on_server=left_on_server,
    )


def send_supply(
    prepared: PreparedSupply,
    secret: str | None,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Receipt:
    """Upload the encrypted file; a receipt is written for success and failure alike, then returned or raised.

    A receipt that cannot be written after a good upload raises `ReceiptNotSaved` (the file did arrive);
    after a failed one, the failure is raised with a sentence saying the receipt is missing too.
    """
    target = sftp_target(prepared.result.profile)
    try:
        result = upload(
            target, secret, prepared.encrypted, prepared.file_name, progress=progress, cancel=cancel
        )
    except HostKeyUnknown:
        raise  # nothing was attempted: the person is asked to confirm the server's key first
    except SendError as error:
        outcome = "cancelled" if isinstance(error, SendCancelled) else "failed"
        temporary = error.temporary_files if isinstance(error, TransferError) else ()
        left = error.left_behind if isinstance(error, TransferError) else ()
        receipt = _receipt(
            prepared, outcome, target.server, target.host_key_sha256 or "", str(error), temporary, left
        )
        try:
            append_receipt(receipt)
        except OSError as failure:
            error.message = f"{error.message.rstrip('.')} (and its receipt could not be saved in {receipts_path()}: {failure.strerror or type(failure).__name__})."
        raise
    message = f"Uploaded to {result.remote_path}." + (f" Confirmed: {result.note}." if result.note else "")
    receipt = _receipt(
        prepared,
        "sent",
        target.server,
        result.host_key_sha256,
        message,
        result.temporary_files,
        result.left_behind,
    )
    remember_sent_supply(prepared.result)  # the next period's list is compared with this one
    try:
        append_receipt(receipt)
    except OSError as failure:
        raise ReceiptNotSaved(receipt, failure) from None
    return receipt


def save_supply(prepared: PreparedSupply, folder: Path) -> tuple[Receipt, Path]:
    """Write the encrypted file into a folder (for organisations that hand files over another way)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f'The folder "{folder}" does not exist. Create it or choose another one.')
    target = folder / prepared.file_name
    temporary = folder / f".{prepared.file_name}.part-{secrets.token_hex(4)}"
    try:
        with open(temporary, "xb") as handle:
            handle.write(prepared.encrypted)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(
            f'The encrypted file could not be saved in "{folder}" ({error.strerror}). Choose a folder you '
            "can write to."
        ) from None
    receipt = _receipt(prepared, "saved", "", "", f"Saved as {target.name}.")
    remember_sent_supply(prepared.result)
    try:
        append_receipt(receipt)
    except OSError as failure:
        raise ReceiptNotSaved(receipt, failure) from None
    return receipt, target

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
from core.sending.history import Receipt, append_receipt
from core.sending.transfer import HostKeyUnknown, ProgressCallback, SendCancelled, SftpTarget, upload

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
    encryption = profile.encryption
    if encryption is None or encryption.recipient_key_file is None:
        raise InputError(
            "The profile has no recipient key, so the file cannot be encrypted. Add Stats NZ's public key "
            'file to the profile ("encryption": {"recipient_key_file": ...}) or choose it in Settings.'
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
    return SftpTarget(**dataclasses.asdict(settings))


def _receipt(prepared: PreparedSupply, outcome: str, server: str, host_key: str, message: str) -> Receipt:
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
    )


def send_supply(
    prepared: PreparedSupply,
    secret: str | None,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Receipt:
    """Upload the encrypted file; a receipt is written for success and failure alike, then returned or raised."""
    target = sftp_target(prepared.result.profile)
    try:
        result = upload(
            target, secret, prepared.encrypted, prepared.file_name, progress=progress, cancel=cancel
        )
    except HostKeyUnknown:
        raise  # nothing was attempted: the person is asked to confirm the server's key first
    except SendError as error:
        outcome = "cancelled" if isinstance(error, SendCancelled) else "failed"
        append_receipt(_receipt(prepared, outcome, target.server, target.host_key_sha256 or "", str(error)))
        raise
    receipt = _receipt(
        prepared, "sent", target.server, result.host_key_sha256, f"Uploaded to {result.remote_path}."
    )
    append_receipt(receipt)
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
    append_receipt(receipt)
    return receipt, target

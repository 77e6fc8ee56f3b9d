"""SFTP upload of the encrypted file (paramiko): pinned host key, atomic upload, deadlines, cancel, retry.

The order of every attempt is what keeps a failure harmless:

1. connect and read the server's host key; compare its SHA256 fingerprint with the pinned one before
   anything else (no pin: `HostKeyUnknown`, so the user confirms it; a different key: `HostKeyChanged`),
   so a password is never offered to an impostor;
2. authenticate with the password (keyboard-interactive only when its one prompt asks for a password),
   or with an OpenSSH/PEM private key file whose passphrase is the secret (no agent, nothing from ~/.ssh);
3. remove temporary files an earlier upload to this server and folder could not remove (`journal`);
4. write the bytes to `.{name}.part-<random>` (created 0600) as pipelined requests, reporting progress;
5. check the stored size, then rename to the final name (SFTP rename, which never replaces an existing
   file); on any failure remove the temporary file, so nothing exists under the final name unless the
   whole file arrived. An upload-only drop box (`drop_box`) that refuses the rename gets the file
   written straight under the final name instead.

Every step of an attempt has a deadline (`SftpTarget.step_timeout`, restarted by each step and by each
write the server acknowledges): a watchdog thread closes the connection when it passes, or at once when
Cancel is pressed, so no paramiko call can hold a send. Transient failures (unreachable, connection lost,
short file) are retried with back-off, time-outs at most once; authentication, host key, permission,
missing folder and full disk are not. When the reply to the rename is lost, the next attempt finds the
final file and accepts it if its size (and hash, where the server offers one) is what was sent. Every
failure is a `SendError` subclass with a `kind` and a plain message naming the step that failed; the
secret never appears in a message, a log line or a repr.

Steps 1 and 2 and the folder check are core.sending.sftp_session's (`verified_transport`, `authenticate`,
`open_sftp`, `require_folder`), which `connection_test` runs too, so Test connection checks exactly what a
send checks; the plain-words failures are core.sending.transfer_failures' (`run_stage`).
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import secrets
import threading
from dataclasses import dataclass, field, replace

import paramiko
from paramiko.sftp import (
    CMD_HANDLE,
    CMD_OPEN,
    SFTP_FLAG_CREATE,
    SFTP_FLAG_EXCL,
    SFTP_FLAG_WRITE,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
    SFTPError,
)
from paramiko.sftp_attr import SFTPAttributes

from core.errors import InputError
from core.sending import journal
from core.sending.sftp_session import (
    answer_password_prompt,
    authenticate,
    fetch_host_key_fingerprint,
    fetch_host_key_fingerprints,
    open_sftp,
    require_folder,
    verified_transport,
)
from core.sending.sftp_target import SftpTarget, normalise_host_key_fingerprint
from core.sending.sftp_writes import (
    ProgressCallback,
    largest_write_accepted,
    write_pipelined,
)
from core.sending.ssh_keys import load_private_key
from core.sending.transfer_errors import (
    AuthenticationFailed,
    ConnectionLost,
    DiskFull,
    HostKeyChanged,
    HostKeyUnknown,
    PermissionDenied,
    RemoteError,
    RemoteFileExists,
    RemoteFolderMissing,
    RenameRefused,
    SendCancelled,
    TimedOut,
    TransferError,
    Unreachable,
    UploadIncomplete,
)
from core.sending.transfer_failures import reason, run_stage, status_code, status_of
from core.sending.watchdog import Watchdog, raise_if_cancelled

__all__ = [  # the errors live in transfer_errors; callers take them from here with the rest
    "AuthenticationFailed",
    "ConnectionLost",
    "DiskFull",
    "HostKeyChanged",
    "HostKeyUnknown",
    "PermissionDenied",
    "ProgressCallback",
    "RemoteError",
    "RemoteFileExists",
    "RemoteFolderMissing",
    "RenameRefused",
    "SendCancelled",
    "SftpTarget",
    "TimedOut",
    "TransferError",
    "Unreachable",
    "UploadIncomplete",
    "UploadResult",
    "answer_password_prompt",
    "fetch_host_key_fingerprint",
    "fetch_host_key_fingerprints",
    "normalise_host_key_fingerprint",
    "upload",
]


SAFE_REQUEST_SIZE = 32 * 1024  # what every SFTP server accepts (paramiko's own write size)
LARGEST_REQUEST_SIZE = 255 * 1024  # OpenSSH's limit is 256 KiB per message, headers included
IN_FLIGHT_BYTES = 4 * 1024 * 1024
CHANNEL_PACKET_SIZE = 32 * 1024  # OpenSSH session channel packets; a write header rides in the first
MOST_TIMEOUTS = 2  # a time-out is retried once: a server that timed out twice will not answer a third time
UPLOADED_FILE_MODE = 0o600
log = logging.getLogger("idi_share.transfer")


# ------------------------------------------------------------------------------------------ public API


@dataclass(frozen=True)
class UploadResult:
    """What arrived where: the final remote path, its size, the server's key and how many attempts it took.

    `temporary_files`: every temporary name created on the server (all renamed or removed unless listed
    in `left_behind`); `note`: how the arrival was confirmed when it was not the plain rename.
    """

    remote_path: str
    bytes_sent: int
    host_key_sha256: str
    attempts: int
    temporary_files: tuple[str, ...] = ()
    left_behind: tuple[str, ...] = ()
    note: str = ""


@dataclass
class _SendState:
    """What one send knows across its attempts."""

    data: bytes
    remote_name: str
    progress: ProgressCallback | None
    cancel: threading.Event | None
    rename_sent: bool = False  # the rename went out; its reply may have been lost with the connection
    temporary_files: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)


def upload(
    target: SftpTarget,
    secret: str | None,
    data: bytes,
    remote_name: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    retries: int = 3,
    timeout: float | None = None,
    backoff: float = 1.0,
) -> UploadResult:
    """Send `data` to `remote_dir/remote_name` atomically; `retries` extra attempts for transient failures.

    `timeout` overrides `target.step_timeout` (seconds a step may wait for the server).
    """
    _check_remote_name(remote_name)
    if timeout is not None:
        target = replace(target, step_timeout=timeout)
    key = load_private_key(target.key_file, secret) if target.auth == "key" else None
    state = _SendState(data, remote_name, progress, cancel)
    attempt = timeouts = 0
    while True:
        attempt += 1
        try:
            raise_if_cancelled(cancel)
            result = _attempt(target, secret, key, state)
            return replace(
                result,
                attempts=attempt,
                temporary_files=tuple(state.temporary_files),
                left_behind=tuple(state.left_behind),
            )
        except TransferError as error:
            if cancel is not None and cancel.is_set() and not isinstance(error, SendCancelled):
                error = SendCancelled()
            timeouts += isinstance(error, TimedOut)
            if error.transient and attempt <= retries and timeouts < MOST_TIMEOUTS:
                delay = backoff * 2 ** (attempt - 1)
                log.warning(
                    "Attempt %d to %s failed (%s); retrying in %.1f s.",
                    attempt,
                    target.server,
                    error.kind,
                    delay,
                )
                if not (cancel or threading.Event()).wait(delay):
                    continue
                error = SendCancelled()
            raise _finished_failure(error, attempt, state, target) from None


def _finished_failure(
    error: TransferError, attempt: int, state: _SendState, target: SftpTarget
) -> TransferError:
    """The error to raise, with the attempts made and any temporary file that could not be removed."""
    error.attempts = attempt
    error.temporary_files = tuple(state.temporary_files)
    error.left_behind = tuple(state.left_behind)
    if state.left_behind:
        where = ", ".join(state.left_behind)
        error.message = (
            f"{error.message.rstrip('.')}. A temporary encrypted file could not be removed from "
            f"{target.server}: {where}; IDI Share removes it at the next send to that folder."
        )
    return error


# ------------------------------------------------------------------------------------------ one attempt


def _attempt(
    target: SftpTarget, secret: str | None, key: paramiko.PKey | None, state: _SendState
) -> UploadResult:
    with Watchdog(target.step_timeout, state.cancel) as watchdog:
        transport, fingerprint = verified_transport(target, watchdog)
        try:
            run_stage("auth", target, watchdog, lambda: authenticate(transport, target, secret, key))
            sftp = run_stage("session", target, watchdog, lambda: open_sftp(transport, target))
            run_stage("cleanup", target, watchdog, lambda: _remove_leftovers(sftp, target, state))
            final_path = posixpath.join(target.remote_dir, state.remote_name)
            if state.rename_sent:
                arrived = run_stage(
                    "verify", target, watchdog, lambda: _arrived(sftp, final_path, state.data)
                )
                if arrived:
                    return UploadResult(final_path, len(state.data), fingerprint, 1, note=arrived)
            run_stage("folder", target, watchdog, lambda: _check_folder(sftp, target, final_path))
            return _upload_once(sftp, transport, target, watchdog, state, final_path, fingerprint)
        finally:
            transport.close()


def _upload_once(
    sftp: paramiko.SFTPClient,
    transport: paramiko.Transport,
    target: SftpTarget,
    watchdog: Watchdog,
    state: _SendState,
    final_path: str,
    fingerprint: str,
) -> UploadResult:
    """Write the temporary file, check it and rename it; remove it (or record it as left) on failure."""
    temp_path = posixpath.join(target.remote_dir, f".{state.remote_name}.part-{secrets.token_hex(6)}")
    journal.record(
        target.server, target.remote_dir, temp_path
    )  # before it exists: a crash still leaves a note
    state.temporary_files.append(temp_path)
    note, writing_final = "", False
    try:
        run_stage("write", target, watchdog, lambda: _send_file(sftp, temp_path, state, watchdog))
        raise_if_cancelled(state.cancel)
        run_stage("verify", target, watchdog, lambda: _check_size(sftp, target, temp_path, state.data))
        state.rename_sent = True
        renamed = run_stage("rename", target, watchdog, lambda: _rename(sftp, target, temp_path, final_path))
        if not renamed:  # a drop box that refuses renames: write the final name directly
            _drop_temporary(sftp, transport, target, temp_path, state)
            state.rename_sent = False
            writing_final = True
            run_stage("write", target, watchdog, lambda: _send_file(sftp, final_path, state, watchdog))
            note = "written straight under the final name (the folder is a drop box that refuses renames)"
    except BaseException:
        _drop_temporary(sftp, transport, target, temp_path, state)
        if writing_final and transport.is_active():
            _remove_quietly(sftp, final_path)  # part of a file under the final name: the drop box's risk
        raise
    journal.forget(target.server, temp_path)
    log.info("Uploaded %d bytes to %s on %s.", len(state.data), final_path, target.server)
    return UploadResult(final_path, len(state.data), fingerprint, 1, note=note)


def _drop_temporary(
    sftp: paramiko.SFTPClient,
    transport: paramiko.Transport,
    target: SftpTarget,
    temp_path: str,
    state: _SendState,
) -> None:
    """Remove a temporary file now if the connection allows; otherwise it stays in the journal."""
    if transport.is_active() and _remove_quietly(sftp, temp_path):
        journal.forget(target.server, temp_path)
        if temp_path in state.left_behind:
            state.left_behind.remove(temp_path)
    elif temp_path not in state.left_behind:
        state.left_behind.append(temp_path)


def _check_folder(sftp: paramiko.SFTPClient, target: SftpTarget, final_path: str) -> None:
    require_folder(sftp, target)
    try:
        sftp.stat(final_path)
    except FileNotFoundError:
        return
    except PermissionError:
        if target.drop_box:
            return
        raise
    raise RemoteFileExists(
        f"A file named {posixpath.basename(final_path)} is already in {target.remote_dir} on {target.server}, "
        "so nothing was sent: check with Stats NZ whether it arrived, or change the file name."
    )


def _send_file(sftp: paramiko.SFTPClient, path: str, state: _SendState, watchdog: Watchdog) -> None:
    request_size = largest_write_accepted(sftp)
    handle = _create_exclusive(sftp, path)
    try:
        write_pipelined(sftp, handle, (state.data, state.progress, state.cancel), request_size, watchdog)
    finally:
        try:
            sftp._request(paramiko.sftp.CMD_CLOSE, handle)
        except OSError:
            if not sftp.get_channel().get_transport().is_active():
                raise


def _create_exclusive(sftp: paramiko.SFTPClient, path: str) -> bytes:
    """Open a new file for writing, readable by its owner only; refuse when the name exists already.

    paramiko's `open` sends no permissions, so the server's default (often 0644) would apply.
    """
    attributes = SFTPAttributes()
    attributes.st_mode = UPLOADED_FILE_MODE
    kind, message = sftp._request(
        CMD_OPEN, path, SFTP_FLAG_WRITE | SFTP_FLAG_CREATE | SFTP_FLAG_EXCL, attributes
    )
    if kind != CMD_HANDLE:
        raise SFTPError("Expected handle")
    return message.get_binary()


def _check_size(sftp: paramiko.SFTPClient, target: SftpTarget, temp_path: str, data: bytes) -> None:
    try:
        stored = sftp.stat(temp_path).st_size
    except PermissionError:
        if target.drop_box:
            return  # every write was acknowledged in full; a drop box will not say more
        raise
    if stored != len(data):
        raise UploadIncomplete(
            f"The server {target.server} stored {stored} of {len(data)} bytes; the partial file was removed "
            "and nothing was left under the final name: try again."
        )


def _rename(sftp: paramiko.SFTPClient, target: SftpTarget, temp_path: str, final_path: str) -> bool:
    """Rename the finished file; False when a drop box refused it (the caller then writes directly)."""
    try:
        sftp.rename(temp_path, final_path)  # plain SFTP rename refuses to replace an existing file
    except OSError as error:
        if not sftp.get_channel().get_transport().is_active():
            raise
        if _exists(sftp, final_path) and not _exists(sftp, temp_path):
            return True  # the server renamed it but reported a failure: the checks in `_arrived` agree
        if _exists(sftp, final_path):
            raise RemoteFileExists(
                f"A file named {posixpath.basename(final_path)} appeared in {target.remote_dir} on "
                f"{target.server} while sending, so it was not replaced: check with Stats NZ."
            ) from None
        code = status_code(error)
        if code == SFTP_PERMISSION_DENIED or status_of(error) == SFTP_OP_UNSUPPORTED:
            if target.drop_box:
                return False
            raise RenameRefused(
                f"The server {target.server} did not let the finished file be renamed in {target.remote_dir} "
                f"({reason(error)}), so nothing was left under the final name: ask Stats NZ whether the "
                'folder is an upload-only drop box, and if so set "drop_box": true in the profile\'s sftp '
                "section."
            ) from None
        raise
    return True


def _arrived(sftp: paramiko.SFTPClient, final_path: str, data: bytes) -> str:
    """After a lost reply to the rename: how the final file was found to be what was sent, or ""."""
    try:
        size = sftp.stat(final_path).st_size
    except OSError:
        if not sftp.get_channel().get_transport().is_active():
            raise
        return ""
    if size != len(data):
        return ""
    digest = _remote_sha256(sftp, final_path)
    if digest is None:
        return "the reply to the rename was lost; the file on the server has the size sent"
    if digest != hashlib.sha256(data).digest():
        return ""
    return "the reply to the rename was lost; the file on the server has the size and SHA-256 hash sent"


def _remote_sha256(sftp: paramiko.SFTPClient, path: str) -> bytes | None:
    """The server's SHA-256 of a file (the check-file extension), or None when it offers none."""
    try:
        with sftp.open(path, "r") as handle:
            return handle.check("sha256")
    except OSError:
        if not sftp.get_channel().get_transport().is_active():
            raise
        return None


# --------------------------------------------------------------------------------------------- helpers


def _check_remote_name(name: str) -> None:
    if not name or name in (".", "..") or any(char in name for char in "/\\\0") or name.startswith("."):
        raise InputError(
            f"The file name {name!r} cannot be used on the server: use a plain name such as KWT_20261101.csv.gpg."
        )


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except OSError:
        return False
    return True


def _remove_quietly(sftp: paramiko.SFTPClient, path: str) -> bool:
    """Best-effort removal of a temporary file; True when it is gone."""
    try:
        sftp.remove(path)
    except FileNotFoundError:
        return True
    except Exception:
        return False
    return True


def _remove_leftovers(sftp: paramiko.SFTPClient, target: SftpTarget, state: _SendState) -> None:
    """Remove temporary files an earlier upload to this server and folder could not remove itself."""
    for path in journal.pending(target.server, target.remote_dir):
        if _remove_quietly(sftp, path):
            journal.forget(target.server, path)
            log.info("Removed a temporary file an earlier upload left on %s.", target.server)
            if path in state.left_behind:
                state.left_behind.remove(path)
        elif not sftp.get_channel().get_transport().is_active():
            raise EOFError("the connection closed while removing an earlier temporary file")

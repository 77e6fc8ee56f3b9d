"""What went wrong in a send, in plain words: every paramiko, socket or SFTP failure turned into a
`TransferError` (core.sending.transfer_errors) that names the step and says what to do. The secret never
appears in a message. Used by the session steps (core.sending.sftp_session) and the upload (transfer).
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import paramiko
from paramiko.sftp import (
    SFTP_FAILURE,
    SFTP_NO_SUCH_FILE,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
    SFTPError,
)

from core.sending.sftp_target import SftpTarget
from core.sending.sftp_writes import (
    StatusError,
    free_bytes,
)
from core.sending.transfer_errors import (
    AuthenticationFailed,
    ConnectionLost,
    DiskFull,
    HostKeyChanged,
    HostKeyUnknown,
    PermissionDenied,
    RemoteError,
    RemoteFolderMissing,
    SendCancelled,
    TimedOut,
    TransferError,
    Unreachable,
)
from core.sending.watchdog import Watchdog

SFTP_NO_SPACE_ON_FILESYSTEM = 14  # SFTP v5+ status codes some servers send anyway
SFTP_QUOTA_EXCEEDED = 15
DISK_FULL_WORDS = ("no space", "space left", "disk full", "quota", "enospc")

# What each step was doing, for messages: "The server ... stopped answering while signing in".
STEPS = {
    "connect": "while connecting",
    "banner": "before greeting IDI Share with its SSH banner",
    "handshake": "while setting up the encrypted connection",
    "auth": "while signing in",
    "session": "while starting SFTP",
    "cleanup": "while removing an earlier temporary file",
    "folder": "while checking the remote folder",
    "write": "while the file was being written",
    "verify": "while checking the size of the file it stored",
    "rename": "while the finished file was being renamed",
}


class NotAPasswordPrompt(paramiko.AuthenticationException):
    """The server's keyboard-interactive prompt asks for something else than the password (a code, say)."""


def run_stage(stage: str, target: SftpTarget, watchdog: Watchdog, action: Callable):
    """Run one step under the watchdog, turning whatever paramiko or the network raised into a plain
    `TransferError` that names the step."""
    watchdog.arm(stage)
    try:
        return action()
    except (HostKeyUnknown, HostKeyChanged):
        raise
    except (TransferError, OSError, EOFError, paramiko.SSHException, SFTPError, StatusError) as error:
        if watchdog.fired is None and isinstance(error, TransferError):
            raise
        raise stage_error(stage, error, target, watchdog, watchdog.transport) from None


def stage_error(
    stage: str,
    error: Exception,
    target: SftpTarget,
    watchdog: Watchdog,
    transport: paramiko.Transport | None,
) -> TransferError:
    """A stopped watchdog explains any error that follows it; otherwise the error is classified."""
    if watchdog.fired == "cancel":
        return SendCancelled()
    if watchdog.fired == "timeout":
        step = watchdog.step
        return TimedOut(
            f"The server {target.server} stopped answering {STEPS.get(step, 'while sending')} (nothing for "
            f"{watchdog.step_timeout:g} seconds), so IDI Share gave up and nothing was left under the final "
            "name: try again later, and contact Stats NZ if it keeps happening.",
            step,
        )
    return _classify(stage, error, target, transport)


def _classify(
    stage: str, error: Exception, target: SftpTarget, transport: paramiko.Transport | None
) -> TransferError:
    server = target.server
    if isinstance(error, TransferError):
        return error
    if isinstance(error, socket.gaierror):
        return Unreachable(
            f"The server name {target.host} could not be found: check the server name in Settings and the "
            "internet connection.",
            transient=False,
        )
    if stage == "connect":
        return connect_failure(error, target)
    if isinstance(error, NotAPasswordPrompt):
        return AuthenticationFailed(
            f"The server {server} asked for more than the password when signing in (a code, perhaps), which "
            "IDI Share does not answer: ask Stats NZ for a password-only account."
        )
    if isinstance(error, paramiko.BadAuthenticationType):
        return AuthenticationFailed(
            f"The server {server} does not allow signing in with a {target.auth} for {target.username} (it "
            f"allows: {', '.join(error.allowed_types) or 'nothing'}): check the sign-in method in Settings."
        )
    if isinstance(error, paramiko.AuthenticationException):
        return _authentication_failure(target)
    if stage == "session" and transport is not None and transport.is_active():
        return RemoteError(
            f"The server {server} let {target.username} sign in but offers no SFTP ({reason(error)}): "
            "ask Stats NZ to check the account."
        )
    if transport is None or not transport.is_active() or _is_network_error(error):
        return _connection_lost(stage, error, target)
    return _remote_refusal(stage, error, target, transport)


def _connection_lost(stage: str, error: Exception, target: SftpTarget) -> ConnectionLost:
    if stage == "rename":
        return ConnectionLost(
            f"The connection to {target.server} was lost {STEPS['rename']} ({reason(error)}), so IDI Share "
            f"could not tell whether it arrived: check with Stats NZ whether it is in {target.remote_dir} "
            "before sending again."
        )
    return ConnectionLost(
        f"The connection to {target.server} was lost {STEPS.get(stage, 'while sending')} ({reason(error)}); "
        "nothing was left under the final name: try again."
    )


def connect_failure(error: Exception, target: SftpTarget) -> TransferError:
    if isinstance(error, paramiko.IncompatiblePeer):
        return RemoteError(
            f"The server {target.server} and IDI Share share no secure connection method ({reason(error)}): "
            "ask Stats NZ which ciphers their server supports.",
            transient=False,
        )
    return Unreachable(
        f"IDI Share could not reach the server {target.server} ({reason(error)}): check the internet "
        "connection and the server name and port in Settings, then try again."
    )


def _authentication_failure(target: SftpTarget) -> AuthenticationFailed:
    if target.auth == "key":
        name = target.key_file.name if target.key_file else "the key"
        return AuthenticationFailed(
            f"The server {target.server} did not accept {name} for {target.username}: check that Stats NZ "
            "has this key's public part on the account, and that the key file in Settings is the right one."
        )
    return AuthenticationFailed(
        f"The server {target.server} did not accept the password for {target.username}: check the password "
        "saved in Settings (or IDI_SHARE_SFTP_SECRET), then try again."
    )


def _remote_refusal(
    stage: str, error: Exception, target: SftpTarget, transport: paramiko.Transport
) -> TransferError:
    code = error.code if isinstance(error, StatusError) else status_code(error)
    text = str(error)
    if code == SFTP_NO_SUCH_FILE:
        return folder_missing(target)
    if code == SFTP_PERMISSION_DENIED:
        return PermissionDenied(
            f"The server {target.server} does not let {target.username} write to {target.remote_dir} "
            f"(refused {STEPS.get(stage, 'while sending')}): ask Stats NZ to check the account's "
            "permissions on that folder."
        )
    if _looks_like_disk_full(stage, code, text, target, transport):
        return DiskFull(
            f"The server {target.server} has no room for the file (its disk or the account's quota is full): "
            "nothing was left under the final name; ask Stats NZ to make room, then send again."
        )
    return RemoteError(
        f"The server {target.server} refused the upload {STEPS.get(stage, 'while sending')} ({reason(error)}); "
        "nothing was left under the final name: try again later, or contact Stats NZ if it keeps happening."
    )


def _looks_like_disk_full(
    stage: str, code: int | None, text: str, target: SftpTarget, transport: paramiko.Transport
) -> bool:
    """Servers report a full disk as a bare "Failure" (OpenSSH), a v5 status code, or words; check all."""
    if code in (SFTP_NO_SPACE_ON_FILESYSTEM, SFTP_QUOTA_EXCEEDED):
        return True
    if any(word in text.lower() for word in DISK_FULL_WORDS):
        return True
    if stage != "write" or code not in (SFTP_FAILURE, None):
        return False
    try:
        sftp = paramiko.SFTPClient.from_transport(transport)
    except Exception:
        return False
    try:
        free = free_bytes(sftp, target.remote_dir)
    finally:
        sftp.close()
    return free is not None and free < 64 * 1024


def status_of(error: Exception) -> int | None:
    """OP_UNSUPPORTED, which paramiko passes on only as text."""
    return SFTP_OP_UNSUPPORTED if "unsupported" in str(error).lower() else None


def status_code(error: Exception) -> int | None:
    if isinstance(error, FileNotFoundError):
        return SFTP_NO_SUCH_FILE
    if isinstance(error, PermissionError):
        return SFTP_PERMISSION_DENIED
    return None


def _is_network_error(error: Exception) -> bool:
    return isinstance(
        error, EOFError | ConnectionError | TimeoutError | paramiko.SSHException | socket.timeout
    )


def folder_missing(target: SftpTarget) -> RemoteFolderMissing:
    return RemoteFolderMissing(
        f"The folder {target.remote_dir} does not exist on {target.server}: check the remote folder in "
        "Settings against what Stats NZ gave you."
    )


def reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text[:160] or type(error).__name__

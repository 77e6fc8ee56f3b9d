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

`verified_transport`, `authenticate`, `open_sftp`, `require_folder` and `run_stage` are the steps of a
session that `connection_test` runs too, so Test connection checks exactly what a send checks.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import posixpath
import secrets
import select
import socket
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import paramiko
from paramiko.sftp import (
    CMD_HANDLE,
    CMD_OPEN,
    SFTP_FAILURE,
    SFTP_FLAG_CREATE,
    SFTP_FLAG_EXCL,
    SFTP_FLAG_WRITE,
    SFTP_NO_SUCH_FILE,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
    SFTPError,
)
from paramiko.sftp_attr import SFTPAttributes

from core.errors import InputError
from core.sending import journal
from core.sending.sftp_target import SftpTarget, normalise_host_key_fingerprint
from core.sending.sftp_writes import (
    ProgressCallback,
    StatusError,
    free_bytes,
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

# paramiko logs its own failures ("Socket exception", "Incompatible ssh peer") with tracebacks. With no
# handler anywhere, Python prints warnings on stderr; this keeps them off the console (core.logs sends
# them to the log file).
logging.getLogger("paramiko").addHandler(logging.NullHandler())

# aes-gcm first: one pass for cipher and integrity is the fastest paramiko offers (design.md: ~0.9x of
# OpenSSH's sftp with it, 0.68x with paramiko's defaults). CBC and 3DES are left out on purpose.
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
    "aes192-ctr",
)
PREFERRED_MACS = (
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
)
# Host key algorithm families, tried one by one when the default one does not match the pin: the
# fingerprint Stats NZ gave may be of their RSA key while paramiko would negotiate Ed25519 first.
HOST_KEY_FAMILIES = (
    ("ssh-ed25519",),
    ("ecdsa-sha2-nistp256",),
    ("ecdsa-sha2-nistp384",),
    ("ecdsa-sha2-nistp521",),
    ("rsa-sha2-512", "rsa-sha2-256"),
)
SAFE_REQUEST_SIZE = 32 * 1024  # what every SFTP server accepts (paramiko's own write size)
LARGEST_REQUEST_SIZE = 255 * 1024  # OpenSSH's limit is 256 KiB per message, headers included
IN_FLIGHT_BYTES = 4 * 1024 * 1024
CHANNEL_PACKET_SIZE = 32 * 1024  # OpenSSH session channel packets; a write header rides in the first
KEEPALIVE_SECONDS = 15
MOST_TIMEOUTS = 2  # a time-out is retried once: a server that timed out twice will not answer a third time
WATCHDOG_TICK = 0.2  # how often the watchdog looks whether its attempt has finished
UPLOADED_FILE_MODE = 0o600
SFTP_NO_SPACE_ON_FILESYSTEM = 14  # SFTP v5+ status codes some servers send anyway
SFTP_QUOTA_EXCEEDED = 15
DISK_FULL_WORDS = ("no space", "space left", "disk full", "quota", "enospc")
CONNECT_IN_PROGRESS = {
    errno.EINPROGRESS,
    errno.EWOULDBLOCK,
    errno.EALREADY,
    getattr(errno, "WSAEWOULDBLOCK", -1),
}

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


def fetch_host_key_fingerprint(host: str, port: int, timeout: float = 20) -> str:
    """Connect, read the server's host key fingerprint ("SHA256:..."), disconnect without signing in."""
    target = SftpTarget(host=host, port=port, step_timeout=timeout)
    with Watchdog(timeout, None) as watchdog:
        transport = run_stage("connect", target, watchdog, lambda: _open_transport(target, watchdog))
        try:
            return transport.get_remote_server_key().fingerprint
        finally:
            transport.close()


def fetch_host_key_fingerprints(host: str, port: int, timeout: float = 20) -> dict[str, str]:
    """Every host key the server offers, by algorithm family, for a confirmation that shows them all.

    Stats NZ may publish the fingerprint of their RSA key while `fetch_host_key_fingerprint` reports the
    Ed25519 one paramiko prefers; the pin may be any of these.
    """
    target = SftpTarget(host=host, port=port, step_timeout=timeout)
    found: dict[str, str] = {}
    with Watchdog(timeout, None) as watchdog:
        for family in HOST_KEY_FAMILIES:
            transport = _transport_offering(target, watchdog, family)
            if transport is not None:
                key = transport.get_remote_server_key()
                found[key.get_name()] = key.fingerprint
                transport.close()
    return found


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


def verified_transport(target: SftpTarget, watchdog: Watchdog) -> tuple[paramiko.Transport, str]:
    """A connected transport whose host key matches the pin; otherwise the matching `HostKey*` error."""
    transport = run_stage("connect", target, watchdog, lambda: _open_transport(target, watchdog))
    presented = transport.get_remote_server_key().fingerprint
    if target.host_key_sha256 is None:
        transport.close()
        raise HostKeyUnknown(target.server, presented)
    pinned = normalise_host_key_fingerprint(target.host_key_sha256)
    if presented == pinned:
        return transport, presented
    negotiated = transport.host_key_type
    transport.close()
    for family in HOST_KEY_FAMILIES:
        if negotiated in family:
            continue
        other = _transport_offering(target, watchdog, family)
        if other is not None and other.get_remote_server_key().fingerprint == pinned:
            return other, pinned
        if other is not None:
            other.close()
    raise HostKeyChanged(target.server, pinned, presented)


def _transport_offering(
    target: SftpTarget, watchdog: Watchdog, family: tuple[str, ...]
) -> paramiko.Transport | None:
    """A transport that negotiated a host key of this family, or None when the server has no such key.

    Only "no acceptable host key" means None: a network failure here must not pass for a changed key.
    """
    try:
        return _open_transport(target, watchdog, host_key_types=family)
    except paramiko.IncompatiblePeer:
        if watchdog.fired:
            raise _stage_error("connect", paramiko.SSHException("stopped"), target, watchdog, None) from None
        return None
    except (OSError, EOFError, paramiko.SSHException) as error:
        raise _stage_error("connect", error, target, watchdog, None) from None


def _resolve(target: SftpTarget, watchdog: Watchdog) -> list[tuple]:
    """The server's addresses, within the connect step's deadline and stopped by Cancel.

    The system's resolver cannot be interrupted and, with a name server that does not answer, takes half
    a minute or more; so it runs on a daemon thread of its own, which is left to finish when given up.
    """
    answer: list[tuple] = []
    failure: list[OSError] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            answer.extend(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM))
        except OSError as error:
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=look_up, name="idi-share-resolve", daemon=True).start()
    while not done.wait(WATCHDOG_TICK):
        if watchdog.fired:
            raise TimeoutError(errno.ETIMEDOUT, "the server name was not looked up in time")
    if failure:
        raise failure[0]
    return answer


def _connect_socket(target: SftpTarget, watchdog: Watchdog) -> socket.socket:
    """A TCP connection, made without blocking so that the watchdog's deadline and Cancel both stop it."""
    last_error: OSError | None = None
    for family, kind, protocol, _, address in _resolve(target, watchdog):
        sock = socket.socket(family, kind, protocol)
        watchdog.watch(sock)
        try:
            sock.setblocking(False)
            code = sock.connect_ex(address)
            while code in CONNECT_IN_PROGRESS:
                if watchdog.fired:
                    raise TimeoutError(errno.ETIMEDOUT, "no answer")
                _, writable, failed = select.select([], [sock], [sock], WATCHDOG_TICK)
                if writable or failed:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))
            sock.setblocking(True)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
            if watchdog.fired:
                raise
    raise last_error or OSError(errno.EHOSTUNREACH, "no address")


def _open_transport(
    target: SftpTarget, watchdog: Watchdog, host_key_types: tuple[str, ...] | None = None
) -> paramiko.Transport:
    watchdog.arm("connect")
    sock = _connect_socket(target, watchdog)
    watchdog.arm("banner")
    try:
        transport = paramiko.Transport(sock)
    except BaseException:
        sock.close()
        raise
    watchdog.watch(transport)
    # paramiko's own time-outs are a backstop only: the watchdog's deadline comes first.
    backstop = 2 * target.step_timeout + 5
    transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = backstop
    options = transport.get_security_options()
    options.ciphers = [name for name in PREFERRED_CIPHERS if name in options.ciphers]
    options.digests = [name for name in PREFERRED_MACS if name in options.digests]
    if host_key_types:
        options.key_types = [name for name in host_key_types if name in options.key_types]
    try:
        transport.start_client(event=(started := threading.Event()))
        _wait_for_handshake(transport, started, watchdog)
        transport.get_remote_server_key()  # raises when the handshake failed
    except BaseException:
        transport.close()
        raise
    transport.set_keepalive(KEEPALIVE_SECONDS)
    return transport


def _wait_for_handshake(transport: paramiko.Transport, started: threading.Event, watchdog: Watchdog) -> None:
    """Wait for banner and key exchange, moving the step from "banner" to "handshake" when the banner came."""
    while not started.wait(WATCHDOG_TICK / 2):
        if watchdog.step == "banner" and transport.remote_version:
            watchdog.arm("handshake")
        if not transport.is_active():
            break
    error = transport.get_exception()
    if error is not None:
        raise error
    if not transport.is_active():
        raise paramiko.SSHException("the server closed the connection during the handshake")


def authenticate(
    transport: paramiko.Transport, target: SftpTarget, secret: str | None, key: paramiko.PKey | None
) -> None:
    if key is not None:
        remaining = transport.auth_publickey(target.username, key)
    elif secret:
        remaining = _authenticate_with_password(transport, target.username, secret)
    else:
        raise AuthenticationFailed(
            f"No password is saved for {target.username} on {target.server}: enter it in Settings "
            "(scheduled runs can set IDI_SHARE_SFTP_SECRET)."
        )
    if remaining or not transport.is_authenticated():
        raise AuthenticationFailed(
            f"The server {target.server} asks for a further sign-in step ({', '.join(remaining or [])}) "
            "that IDI Share does not support: ask Stats NZ for a password-only or key-only account."
        )


class NotAPasswordPrompt(paramiko.AuthenticationException):
    """The server's keyboard-interactive prompt asks for something else than the password (a code, say)."""


def answer_password_prompt(secret: str) -> Callable[[str, str, list[tuple[str, bool]]], list[str]]:
    """A keyboard-interactive handler that gives the password only to one hidden prompt that asks for it.

    paramiko's own fallback answers any single prompt with the password, which would hand it to a
    question such as "Verification code:"; this one refuses instead.
    """

    def handler(title: str, instructions: str, prompts: list[tuple[str, bool]]) -> list[str]:
        if not prompts:
            return []
        if len(prompts) == 1:
            text, echo = prompts[0]
            if "password" in text.lower() and not echo:
                return [secret]
        raise NotAPasswordPrompt("the server asked for more than the password")

    return handler


def _authenticate_with_password(transport: paramiko.Transport, username: str, secret: str) -> list[str]:
    try:
        return transport.auth_password(username, secret, fallback=False)
    except paramiko.BadAuthenticationType as refused:
        if "keyboard-interactive" not in refused.allowed_types:
            raise
    return transport.auth_interactive(username, answer_password_prompt(secret))


def open_sftp(transport: paramiko.Transport, target: SftpTarget) -> paramiko.SFTPClient:
    sftp = paramiko.SFTPClient.from_transport(transport)
    if sftp is None:
        raise paramiko.SSHException("the server refused the SFTP subsystem")
    sftp.get_channel().settimeout(2 * target.step_timeout + 5)  # a backstop: the watchdog comes first
    return sftp


def require_folder(sftp: paramiko.SFTPClient, target: SftpTarget) -> None:
    """The remote folder exists and is a folder (a drop box may refuse to say: that is let through)."""
    try:
        attributes = sftp.stat(target.remote_dir)
    except FileNotFoundError:
        raise _folder_missing(target) from None
    except PermissionError:
        if target.drop_box:
            return  # a drop box may refuse stat; the exclusive create still never replaces a file
        raise
    if not stat.S_ISDIR(attributes.st_mode or 0):
        raise _folder_missing(target)


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
        code = _status_code(error)
        if code == SFTP_PERMISSION_DENIED or _status_of(error) == SFTP_OP_UNSUPPORTED:
            if target.drop_box:
                return False
            raise RenameRefused(
                f"The server {target.server} did not let the finished file be renamed in {target.remote_dir} "
                f"({_reason(error)}), so nothing was left under the final name: ask Stats NZ whether the "
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


# ------------------------------------------------------------------------------------ error handling


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
        raise _stage_error(stage, error, target, watchdog, watchdog.transport) from None


def _stage_error(
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
        return _connect_failure(error, target)
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
            f"The server {server} let {target.username} sign in but offers no SFTP ({_reason(error)}): "
            "ask Stats NZ to check the account."
        )
    if transport is None or not transport.is_active() or _is_network_error(error):
        return _connection_lost(stage, error, target)
    return _remote_refusal(stage, error, target, transport)


def _connection_lost(stage: str, error: Exception, target: SftpTarget) -> ConnectionLost:
    if stage == "rename":
        return ConnectionLost(
            f"The connection to {target.server} was lost {STEPS['rename']} ({_reason(error)}), so IDI Share "
            f"could not tell whether it arrived: check with Stats NZ whether it is in {target.remote_dir} "
            "before sending again."
        )
    return ConnectionLost(
        f"The connection to {target.server} was lost {STEPS.get(stage, 'while sending')} ({_reason(error)}); "
        "nothing was left under the final name: try again."
    )


def _connect_failure(error: Exception, target: SftpTarget) -> TransferError:
    if isinstance(error, paramiko.IncompatiblePeer):
        return RemoteError(
            f"The server {target.server} and IDI Share share no secure connection method ({_reason(error)}): "
            "ask Stats NZ which ciphers their server supports.",
            transient=False,
        )
    return Unreachable(
        f"IDI Share could not reach the server {target.server} ({_reason(error)}): check the internet "
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
    code = error.code if isinstance(error, StatusError) else _status_code(error)
    text = str(error)
    if code == SFTP_NO_SUCH_FILE:
        return _folder_missing(target)
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
        f"The server {target.server} refused the upload {STEPS.get(stage, 'while sending')} ({_reason(error)}); "
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


def _status_of(error: Exception) -> int | None:
    """OP_UNSUPPORTED, which paramiko passes on only as text."""
    return SFTP_OP_UNSUPPORTED if "unsupported" in str(error).lower() else None


def _status_code(error: Exception) -> int | None:
    if isinstance(error, FileNotFoundError):
        return SFTP_NO_SUCH_FILE
    if isinstance(error, PermissionError):
        return SFTP_PERMISSION_DENIED
    return None


def _is_network_error(error: Exception) -> bool:
    return isinstance(
        error, EOFError | ConnectionError | TimeoutError | paramiko.SSHException | socket.timeout
    )


def _folder_missing(target: SftpTarget) -> RemoteFolderMissing:
    return RemoteFolderMissing(
        f"The folder {target.remote_dir} does not exist on {target.server}: check the remote folder in "
        "Settings against what Stats NZ gave you."
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text[:160] or type(error).__name__


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

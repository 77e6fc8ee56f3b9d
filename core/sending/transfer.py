"""SFTP upload of the encrypted file (paramiko): pinned host key, atomic upload, progress, cancel, retry.

The order of every attempt is what keeps a failure harmless:

1. connect and read the server's host key; compare its SHA256 fingerprint with the pinned one before
   anything else (no pin: `HostKeyUnknown`, so the user confirms it; a different key: `HostKeyChanged`),
   so a password is never offered to an impostor;
2. authenticate with the password, or with an OpenSSH/PEM private key file whose passphrase is the secret
   (no agent, nothing read from ~/.ssh);
3. write the bytes to `.{name}.part-<random>` in the remote folder, as pipelined requests, reporting
   progress and honouring cancel between requests;
4. check the stored size, then rename to the final name (SFTP rename, which never replaces an existing
   file); on any failure remove the temporary file, so nothing ever exists under the final name unless
   the whole file arrived.

Transient failures (unreachable, connection lost, short file) are retried with back-off; authentication,
host key, permission, missing folder and full disk are not. Every failure is a `SendError` subclass with
a `kind` and a plain message; the secret never appears in a message, a log line or a repr.
"""

from __future__ import annotations

import io
import logging
import posixpath
import secrets
import socket
import stat
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from paramiko.sftp import (
    CMD_EXTENDED,
    CMD_EXTENDED_REPLY,
    CMD_STATUS,
    CMD_WRITE,
    SFTP_FAILURE,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_PERMISSION_DENIED,
    SFTPError,
)

from core.errors import InputError, SendError

ProgressCallback = Callable[[int, int], None]

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
SFTP_NO_SPACE_ON_FILESYSTEM = 14  # SFTP v5+ status codes some servers send anyway
SFTP_QUOTA_EXCEEDED = 15
DISK_FULL_WORDS = ("no space", "space left", "disk full", "quota", "enospc")

log = logging.getLogger("idi_share.transfer")


# ----------------------------------------------------------------------------------------------- errors


class TransferError(SendError):
    """A sending failure; `transient` ones are retried, `attempts` says how many were made."""

    kind = "failed"
    transient = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message, kind=type(self).kind)
        if transient is not None:
            self.transient = transient
        self.attempts = 0


class Unreachable(TransferError):
    kind = "unreachable"
    transient = True


class ConnectionLost(TransferError):
    kind = "connection_lost"
    transient = True


class UploadIncomplete(TransferError):
    kind = "incomplete"
    transient = True


class AuthenticationFailed(TransferError):
    kind = "authentication_failed"


class HostKeyUnknown(TransferError):
    """No fingerprint is pinned yet: show `fingerprint` to the user to compare and confirm."""

    kind = "host_key_unknown"

    def __init__(self, server: str, fingerprint: str) -> None:
        super().__init__(
            f"IDI Share has not connected to {server} before. Its host key fingerprint is {fingerprint}: "
            "compare it with the fingerprint Stats NZ gave you, and confirm it only if they match."
        )
        self.fingerprint = fingerprint


class HostKeyChanged(TransferError):
    kind = "host_key_changed"

    def __init__(self, server: str, expected: str, presented: str) -> None:
        super().__init__(
            f"Warning: the server at {server} identified itself with a different key ({presented}) from the "
            f"one saved in the profile ({expected}). Someone may be intercepting the connection, so nothing "
            "was sent and no password was given: contact Stats NZ to confirm their server's fingerprint "
            "before changing the profile."
        )
        self.expected = expected
        self.fingerprint = presented


class PermissionDenied(TransferError):
    kind = "permission_denied"


class RemoteFolderMissing(TransferError):
    kind = "remote_folder_missing"


class DiskFull(TransferError):
    kind = "disk_full"


class RemoteFileExists(TransferError):
    kind = "remote_file_exists"


class RemoteError(TransferError):
    kind = "remote_error"


class SendCancelled(TransferError):
    kind = "cancelled"

    def __init__(self) -> None:
        super().__init__("Sending was cancelled: nothing was left on the server under the final name.")


# ------------------------------------------------------------------------------------------ public API


@dataclass(frozen=True)
class SftpTarget:
    """Where to send, from the profile's `sftp` section; holds no secret."""

    host: str
    port: int = 22
    username: str = ""
    remote_dir: str = "/"
    auth: str = "password"
    key_file: Path | None = None
    host_key_sha256: str | None = None

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class UploadResult:
    """What arrived where: the final remote path, its size, the server's key and how many attempts it took."""

    remote_path: str
    bytes_sent: int
    host_key_sha256: str
    attempts: int


def fetch_host_key_fingerprint(host: str, port: int, timeout: float = 20) -> str:
    """Connect, read the server's host key fingerprint ("SHA256:..."), disconnect without signing in."""
    target = SftpTarget(host=host, port=port)
    transport = _run_stage("connect", target, None, lambda: _open_transport(target, timeout))
    try:
        return transport.get_remote_server_key().fingerprint
    finally:
        transport.close()


def fetch_host_key_fingerprints(host: str, port: int, timeout: float = 20) -> dict[str, str]:
    """Every host key the server offers, by algorithm family, for a confirmation that shows them all.

    Stats NZ may publish the fingerprint of their RSA key while `fetch_host_key_fingerprint` reports the
    Ed25519 one paramiko prefers; the pin may be any of these.
    """
    target = SftpTarget(host=host, port=port)
    found: dict[str, str] = {}
    for family in HOST_KEY_FAMILIES:
        transport = _transport_offering(target, timeout, family)
        if transport is not None:
            found[transport.get_remote_server_key().get_name()] = (
                transport.get_remote_server_key().fingerprint
            )
            transport.close()
    return found


def normalise_host_key_fingerprint(value: str) -> str:
    """`SHA256:<base64 without padding>`, the form `ssh-keygen -lf` prints; tolerant of spaces and '='."""
    cleaned = "".join(value.split()).rstrip("=")
    if cleaned[:7].upper() == "SHA256:":
        cleaned = cleaned[7:]
    return f"SHA256:{cleaned}"


def upload(
    target: SftpTarget,
    secret: str | None,
    data: bytes,
    remote_name: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    retries: int = 3,
    timeout: float = 20,
    backoff: float = 1.0,
) -> UploadResult:
    """Send `data` to `remote_dir/remote_name` atomically; `retries` extra attempts for transient failures."""
    _check_remote_name(remote_name)
    key = _load_private_key(target.key_file, secret) if target.auth == "key" else None
    leftovers: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        try:
            _raise_if_cancelled(cancel)
            result = _attempt(target, secret, key, data, remote_name, progress, cancel, timeout, leftovers)
            return replace(result, attempts=attempt)
        except TransferError as error:
            error.attempts = attempt
            if not error.transient or attempt > retries:
                raise
            delay = backoff * 2 ** (attempt - 1)
            log.warning(
                "Attempt %d to %s failed (%s); retrying in %.1f s.", attempt, target.server, error.kind, delay
            )
            if (cancel or threading.Event()).wait(delay):
                raise SendCancelled() from None


# ------------------------------------------------------------------------------------------ one attempt


def _attempt(
    target: SftpTarget,
    secret: str | None,
    key: paramiko.PKey | None,
    data: bytes,
    remote_name: str,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
    timeout: float,
    leftovers: list[str],
) -> UploadResult:
    transport, fingerprint = _verified_transport(target, timeout)
    try:
        _run_stage("auth", target, transport, lambda: _authenticate(transport, target, secret, key))
        sftp = _run_stage("session", target, transport, lambda: _open_sftp(transport, timeout))
        _remove_leftovers(sftp, leftovers)
        final_path = posixpath.join(target.remote_dir, remote_name)
        _run_stage("folder", target, transport, lambda: _check_folder(sftp, target, final_path))
        temp_path = posixpath.join(target.remote_dir, f".{remote_name}.part-{secrets.token_hex(6)}")
        leftovers.append(temp_path)
        try:
            _run_stage(
                "write", target, transport, lambda: _send_file(sftp, temp_path, data, progress, cancel)
            )
            _raise_if_cancelled(cancel)
            _run_stage(
                "rename", target, transport, lambda: _finish(sftp, target, temp_path, final_path, data)
            )
        except BaseException:
            if transport.is_active() and _remove_quietly(sftp, temp_path):
                leftovers.remove(temp_path)
            raise
        leftovers.remove(temp_path)
        log.info("Uploaded %d bytes to %s on %s.", len(data), final_path, target.server)
        return UploadResult(final_path, len(data), fingerprint, attempts=1)
    finally:
        transport.close()


def _verified_transport(target: SftpTarget, timeout: float) -> tuple[paramiko.Transport, str]:
    """A connected transport whose host key matches the pin; otherwise the matching `HostKey*` error."""
    transport = _run_stage("connect", target, None, lambda: _open_transport(target, timeout))
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
        other = _transport_offering(target, timeout, family)
        if other is not None and other.get_remote_server_key().fingerprint == pinned:
            return other, pinned
        if other is not None:
            other.close()
    raise HostKeyChanged(target.server, pinned, presented)


def _transport_offering(
    target: SftpTarget, timeout: float, family: tuple[str, ...]
) -> paramiko.Transport | None:
    """A transport that negotiated a host key of this family, or None when the server has no such key.

    Only "no acceptable host key" means None: a network failure here must not pass for a changed key.
    """
    try:
        return _open_transport(target, timeout, host_key_types=family)
    except paramiko.IncompatiblePeer:
        return None
    except Exception as error:
        raise _classify("connect", error, target, None) from None


def _open_transport(
    target: SftpTarget, timeout: float, host_key_types: tuple[str, ...] | None = None
) -> paramiko.Transport:
    sock = socket.create_connection((target.host, target.port), timeout=timeout)
    try:
        transport = paramiko.Transport(sock)
    except BaseException:
        sock.close()
        raise
    transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = timeout
    options = transport.get_security_options()
    options.ciphers = [name for name in PREFERRED_CIPHERS if name in options.ciphers]
    options.digests = [name for name in PREFERRED_MACS if name in options.digests]
    if host_key_types:
        options.key_types = [name for name in host_key_types if name in options.key_types]
    try:
        transport.start_client(timeout=timeout)
        transport.get_remote_server_key()  # raises when the handshake timed out
    except BaseException:
        transport.close()
        raise
    transport.set_keepalive(KEEPALIVE_SECONDS)
    return transport


def _authenticate(
    transport: paramiko.Transport, target: SftpTarget, secret: str | None, key: paramiko.PKey | None
) -> None:
    if key is not None:
        remaining = transport.auth_publickey(target.username, key)
    elif secret:
        remaining = transport.auth_password(target.username, secret)
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


def _open_sftp(transport: paramiko.Transport, timeout: float) -> paramiko.SFTPClient:
    sftp = paramiko.SFTPClient.from_transport(transport)
    if sftp is None:
        raise paramiko.SSHException("the server refused the SFTP subsystem")
    sftp.get_channel().settimeout(timeout)
    return sftp


def _check_folder(sftp: paramiko.SFTPClient, target: SftpTarget, final_path: str) -> None:
    try:
        attributes = sftp.stat(target.remote_dir)
    except FileNotFoundError:
        raise _folder_missing(target) from None
    if not stat.S_ISDIR(attributes.st_mode or 0):
        raise _folder_missing(target)
    try:
        sftp.stat(final_path)
    except FileNotFoundError:
        return
    raise RemoteFileExists(
        f"A file named {posixpath.basename(final_path)} is already in {target.remote_dir} on {target.server}, "
        "so nothing was sent: check with Stats NZ whether it arrived, or change the file name."
    )


def _send_file(
    sftp: paramiko.SFTPClient,
    path: str,
    data: bytes,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> None:
    request_size = _largest_write_accepted(sftp)
    handle = sftp.open(path, "wx")  # exclusive create: the random name must not already exist
    try:
        _write_pipelined(sftp, handle.handle, data, request_size, progress, cancel)
    finally:
        handle.close()


def _finish(
    sftp: paramiko.SFTPClient, target: SftpTarget, temp_path: str, final_path: str, data: bytes
) -> None:
    stored = sftp.stat(temp_path).st_size
    if stored != len(data):
        raise UploadIncomplete(
            f"The server {target.server} stored {stored} of {len(data)} bytes; the partial file was removed "
            "and nothing was left under the final name: try again."
        )
    try:
        sftp.rename(temp_path, final_path)  # plain SFTP rename refuses to replace an existing file
    except OSError:
        if _exists(sftp, final_path):
            raise RemoteFileExists(
                f"A file named {posixpath.basename(final_path)} appeared in {target.remote_dir} on "
                f"{target.server} while sending, so it was not replaced: check with Stats NZ."
            ) from None
        raise


# --------------------------------------------------------------------------------- pipelined writing


class _WriteReplies:
    """Collects the server's replies to pipelined writes (paramiko hands each reply to this object)."""

    def __init__(self) -> None:
        self.pending: dict[int, int] = {}
        self.acknowledged = 0
        self.failure: _StatusError | None = None

    def _async_response(self, kind: int, message: paramiko.Message, number: int) -> None:
        size = self.pending.pop(number, 0)
        if kind != CMD_STATUS:
            self.failure = self.failure or _StatusError(SFTP_FAILURE, "unexpected reply to a write")
            return
        code, text = message.get_int(), message.get_text()
        if code == SFTP_OK:
            self.acknowledged += size
        elif self.failure is None:
            self.failure = _StatusError(code, text)


class _StatusError(Exception):
    """An SFTP status other than OK, with the server's code (paramiko keeps only the text for most)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _write_pipelined(
    sftp: paramiko.SFTPClient,
    handle: bytes,
    data: bytes,
    request_size: int,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> None:
    """Keep several write requests in flight, so the link never waits for a reply before sending more.

    paramiko's pipelined `SFTPFile.write` drops the server's error replies; this loop keeps them (through
    paramiko's request/response internals, stable across the pinned version) so a full disk is noticed.
    """
    replies = _WriteReplies()
    view = memoryview(data)
    total, offset = len(data), 0
    most_in_flight = max(4, IN_FLIGHT_BYTES // request_size)
    if progress is not None:
        progress(0, total)
    while offset < total or replies.pending:
        _raise_if_cancelled(cancel)
        if replies.failure is not None:
            raise replies.failure
        if offset < total and len(replies.pending) < most_in_flight:
            end = min(offset + request_size, total)
            _send_write_request(sftp, replies, handle, offset, view[offset:end])
            offset = end
            continue
        sftp._read_response()  # one reply, handed to `replies`
        if progress is not None:
            progress(replies.acknowledged, total)
    if replies.failure is not None:
        raise replies.failure


def _send_write_request(
    sftp: paramiko.SFTPClient, replies: _WriteReplies, handle: bytes, offset: int, chunk: memoryview
) -> None:
    """Send one SSH_FXP_WRITE with the data as a view: paramiko's own path copies each request ~7 times.

    The request is numbered and registered exactly as `SFTPClient._async_request` does, so the reply
    reaches `replies`; the header rides with the first channel packet's worth of data.
    """
    with sftp._lock:
        number = sftp.request_number
        sftp.request_number += 1
        sftp._expecting[number] = replies
    replies.pending[number] = len(chunk)
    length = 1 + 4 + 4 + len(handle) + 8 + 4 + len(chunk)
    header = struct.pack(">IBII", length, CMD_WRITE, number, len(handle)) + handle
    header += struct.pack(">QI", offset, len(chunk))
    lead = CHANNEL_PACKET_SIZE - len(header)
    channel = sftp.get_channel()
    channel.sendall(header + bytes(chunk[:lead]))
    if len(chunk) > lead:
        channel.sendall(chunk[lead:])


def _largest_write_accepted(sftp: paramiko.SFTPClient) -> int:
    """The server's announced write limit (OpenSSH's limits@openssh.com), else the universally safe size."""
    try:
        kind, message = sftp._request(CMD_EXTENDED, "limits@openssh.com")
    except OSError:
        if not sftp.get_channel().get_transport().is_active():
            raise
        return SAFE_REQUEST_SIZE
    if kind != CMD_EXTENDED_REPLY:
        return SAFE_REQUEST_SIZE
    message.get_int64()  # max packet length
    message.get_int64()  # max read length
    write_length = message.get_int64()
    return (
        max(SAFE_REQUEST_SIZE, min(write_length, LARGEST_REQUEST_SIZE)) if write_length else SAFE_REQUEST_SIZE
    )


def _free_bytes(sftp: paramiko.SFTPClient, path: str) -> int | None:
    """Space left for this user in the folder (statvfs@openssh.com), or None when the server won't say."""
    try:
        kind, message = sftp._request(CMD_EXTENDED, "statvfs@openssh.com", path)
    except (OSError, EOFError, paramiko.SSHException):
        return None
    if kind != CMD_EXTENDED_REPLY:
        return None
    message.get_int64()  # f_bsize
    fragment_size = message.get_int64()
    message.get_int64()  # f_blocks
    message.get_int64()  # f_bfree
    return message.get_int64() * fragment_size


# ------------------------------------------------------------------------------------ error handling


def _run_stage(stage: str, target: SftpTarget, transport: paramiko.Transport | None, action: Callable):
    """Run one step, turning whatever paramiko or the network raised into a plain `TransferError`."""
    try:
        return action()
    except TransferError:
        raise
    except (OSError, EOFError, paramiko.SSHException, SFTPError, _StatusError) as error:
        raise _classify(stage, error, target, transport) from None


def _classify(
    stage: str, error: Exception, target: SftpTarget, transport: paramiko.Transport | None
) -> TransferError:
    server = target.server
    if isinstance(error, socket.gaierror):
        return Unreachable(
            f"The server name {target.host} could not be found: check the server name in Settings and the "
            "internet connection.",
            transient=False,
        )
    if stage == "connect":
        return _connect_failure(error, target)
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
        return ConnectionLost(
            f"The connection to {server} was lost while sending ({_reason(error)}); nothing was left under "
            "the final name: try again."
        )
    return _remote_refusal(stage, error, target, transport)


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
    code = error.code if isinstance(error, _StatusError) else _status_code(error)
    text = str(error)
    if code == SFTP_NO_SUCH_FILE:
        return _folder_missing(target)
    if code == SFTP_PERMISSION_DENIED:
        return PermissionDenied(
            f"The server {target.server} does not let {target.username} write to {target.remote_dir}: "
            "ask Stats NZ to check the account's permissions on that folder."
        )
    if _looks_like_disk_full(stage, code, text, target, transport):
        return DiskFull(
            f"The server {target.server} has no room for the file (its disk or the account's quota is full): "
            "nothing was left under the final name; ask Stats NZ to make room, then send again."
        )
    return RemoteError(
        f"The server {target.server} refused the upload ({_reason(error)}); nothing was left under the final "
        "name: try again later, or contact Stats NZ if it keeps happening."
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
        free = _free_bytes(sftp, target.remote_dir)
    finally:
        sftp.close()
    return free is not None and free < 64 * 1024


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


def _raise_if_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SendCancelled()


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


def _remove_leftovers(sftp: paramiko.SFTPClient, leftovers: list[str]) -> None:
    """Remove temporary files an earlier, broken attempt of this upload could not remove itself."""
    for path in list(leftovers):
        if _remove_quietly(sftp, path):
            leftovers.remove(path)


# ----------------------------------------------------------------------------------------- private keys


def _load_private_key(path: Path | None, passphrase: str | None) -> paramiko.PKey:
    """Load an OpenSSH-format (or PEM) Ed25519, ECDSA or RSA key, telling a wrong passphrase from a bad file."""
    if path is None:
        raise InputError("Signing in with a key needs a key file: choose one in Settings.")
    data = _read_key_file(path)
    loader = (
        serialization.load_ssh_private_key
        if b"BEGIN OPENSSH PRIVATE KEY" in data
        else serialization.load_pem_private_key
    )
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        loaded = loader(data, password)
    except TypeError:  # encrypted with no passphrase given, or a passphrase given for a plain key
        if password is None:
            raise _passphrase_problem(path, "is protected by a passphrase but none is saved") from None
        loaded, password = loader(data, None), None
    except ValueError:
        if password is not None and _is_encrypted(loader, data):
            raise _passphrase_problem(path, "could not be unlocked with the saved passphrase") from None
        raise _not_a_private_key(path) from None
    except UnsupportedAlgorithm:
        raise _not_a_private_key(path) from None
    key_class = _paramiko_key_class(loaded, path)
    return key_class.from_private_key(io.StringIO(data.decode("ascii")), password=password)


def _read_key_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"The key file {path} does not exist: choose the private key file in Settings."
        ) from None
    except OSError as error:
        raise InputError(f"The key file {path} could not be read ({error.strerror or error}).") from None
    if data.startswith(b"PuTTY-User-Key-File"):
        raise InputError(
            f"{path.name} is a PuTTY key: convert it in PuTTYgen (Conversions > Export OpenSSH key) and "
            "choose the exported file."
        )
    return data


def _is_encrypted(loader: Callable, data: bytes) -> bool:
    try:
        loader(data, None)
    except TypeError:
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return False


def _paramiko_key_class(loaded: object, path: Path) -> type[paramiko.PKey]:
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return paramiko.Ed25519Key
    if isinstance(loaded, ec.EllipticCurvePrivateKey):
        return paramiko.ECDSAKey
    if isinstance(loaded, rsa.RSAPrivateKey):
        return paramiko.RSAKey
    raise InputError(
        f"{path.name} is not an Ed25519, ECDSA or RSA key: ask Stats NZ which key types they accept."
    )


def _passphrase_problem(path: Path, what: str) -> AuthenticationFailed:
    return AuthenticationFailed(
        f"The key file {path.name} {what}: save the key's passphrase in Settings (or IDI_SHARE_SFTP_SECRET)."
    )


def _not_a_private_key(path: Path) -> InputError:
    return InputError(
        f"{path.name} is not an SSH private key in OpenSSH format: choose the private key file (for example "
        "id_ed25519), not the .pub file."
    )

"""Writing a file over SFTP as pipelined requests: many writes in flight, each reply checked, within OpenSSH's limits.

paramiko's own `write` waits on small requests; sending them ahead and collecting the replies after keeps a
link busy (design.md: ~0.9x of OpenSSH's sftp on loopback)."""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable

import paramiko
from paramiko.sftp import (
    CMD_EXTENDED,
    CMD_EXTENDED_REPLY,
    CMD_STATUS,
    CMD_WRITE,
    SFTP_FAILURE,
    SFTP_OK,
)

from core.sending.transfer_errors import UploadIncomplete
from core.sending.watchdog import Watchdog, raise_if_cancelled

ProgressCallback = Callable[[int, int], None]


SAFE_REQUEST_SIZE = 32 * 1024  # what every SFTP server accepts (paramiko's own write size)

LARGEST_REQUEST_SIZE = 255 * 1024  # OpenSSH's limit is 256 KiB per message, headers included

IN_FLIGHT_BYTES = 4 * 1024 * 1024

CHANNEL_PACKET_SIZE = 32 * 1024  # OpenSSH session channel packets; a write header rides in the first


class _WriteReplies:
    """Collects the server's replies to pipelined writes (paramiko hands each reply to this object)."""

    def __init__(self) -> None:
        self.pending: dict[int, int] = {}
        self.acknowledged = 0
        self.failure: StatusError | None = None

    def _async_response(self, kind: int, message: paramiko.Message, number: int) -> None:
        size = self.pending.pop(number, 0)
        if kind != CMD_STATUS:
            self.failure = self.failure or StatusError(SFTP_FAILURE, "unexpected reply to a write")
            return
        code, text = message.get_int(), message.get_text()
        if code == SFTP_OK:
            self.acknowledged += size
        elif self.failure is None:
            self.failure = StatusError(code, text)


class StatusError(Exception):
    """An SFTP status other than OK, with the server's code (paramiko keeps only the text for most)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def write_pipelined(
    sftp: paramiko.SFTPClient,
    handle: bytes,
    send: tuple[bytes, ProgressCallback | None, threading.Event | None],
    request_size: int,
    watchdog: Watchdog,
) -> None:
    """Keep several write requests in flight, so the link never waits for a reply before sending more.

    paramiko's pipelined `SFTPFile.write` drops the server's error replies; this loop keeps them (through
    paramiko's request/response internals, stable across the pinned version) so a full disk is noticed.
    Each reply restarts the step's deadline: a slow link is fine, a stalled one is given up.
    """
    replies = _WriteReplies()
    data, progress, cancel = send
    view = memoryview(data)
    total, offset = len(data), 0
    most_in_flight = max(4, IN_FLIGHT_BYTES // request_size)
    if progress is not None:
        progress(0, total)
    while offset < total or replies.pending:
        raise_if_cancelled(cancel)
        if replies.failure is not None:
            raise replies.failure
        if offset < total and len(replies.pending) < most_in_flight:
            end = min(offset + request_size, total)
            _send_write_request(sftp, replies, handle, offset, view[offset:end])
            offset = end
            continue
        sftp._read_response()  # one reply, handed to `replies`
        watchdog.arm("write")
        if progress is not None:
            progress(replies.acknowledged, total)
    if replies.failure is not None:
        raise replies.failure
    if replies.acknowledged != total:
        raise UploadIncomplete(f"The server acknowledged {replies.acknowledged} of {total} bytes: try again.")
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


def largest_write_accepted(sftp: paramiko.SFTPClient) -> int:
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


def free_bytes(sftp: paramiko.SFTPClient, path: str) -> int | None:
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

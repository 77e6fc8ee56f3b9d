"""What can go wrong while sending, one class a kind: each carries a plain message and whether a retry may help."""

from __future__ import annotations

from core.errors import SendError


class TransferError(SendError):
    """A sending failure; `transient` ones are retried, `attempts` says how many were made.

    `temporary_files` lists every temporary name this send created on the server; `left_behind` those
    that could not be removed (recorded in the journal, removed at the next connection).
    """

    kind = "failed"
    transient = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message, kind=type(self).kind)
        if transient is not None:
            self.transient = transient
        self.attempts = 0
        self.temporary_files: tuple[str, ...] = ()
        self.left_behind: tuple[str, ...] = ()


class Unreachable(TransferError):
    kind = "unreachable"
    transient = True


class ConnectionLost(TransferError):
    kind = "connection_lost"
    transient = True


class TimedOut(TransferError):
    """The server stopped answering within the step's deadline; `step` says where."""

    kind = "timed_out"
    transient = True

    def __init__(self, message: str, step: str) -> None:
        super().__init__(message)
        self.step = step


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


class RenameRefused(TransferError):
    kind = "rename_refused"


class RemoteError(TransferError):
    kind = "remote_error"


class SendCancelled(TransferError):
    kind = "cancelled"

    def __init__(self) -> None:
        super().__init__("Sending was cancelled: nothing was left on the server under the final name.")

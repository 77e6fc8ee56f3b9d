"""Errors a person can act on.

An `InputError` carries one plain-language sentence that says what is wrong and how to fix it; the CLI
prints it on one line and exits 2, the GUI shows it in a message box. Anything else is a bug.
"""

from __future__ import annotations


class InputError(Exception):
    """The input (file, sheet, profile, argument) cannot be used, for a reason the user can fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SendError(Exception):
    """Sending failed (network, authentication, host key, remote folder); nothing is left half-sent."""

    def __init__(self, message: str, *, kind: str = "failed") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return self.message

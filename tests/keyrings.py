"""In-memory keyring backends for tests: the real Windows Credential Manager cannot run here."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


def unregistered(cls: type) -> type:
    """keyring registers every backend class for its own auto-detection: keep these fakes out of it."""
    KeyringBackend._classes.discard(cls)
    return cls


@unregistered
class MemoryKeyring(KeyringBackend):
    """A secure-ranked store that keeps secrets in a dict for one test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]

"""The SFTP secret (password or key passphrase) in the operating system's credential store (keyring).

Secrets live under the service `IDI Share` and the name `username@host:port`, and nowhere else: never in
the profile, settings, logs or exception texts. When keyring has no secure store to offer (its `fail` or
`null` backends, a plain-text `keyrings.alt` file, anything it ranks at priority 0 or below) this module
says so instead of storing the secret somewhere weaker; the app then asks for the secret each time.
Headless runs may take the secret from `IDI_SHARE_SFTP_SECRET` when the store has none; the variable is
removed from the process environment as soon as it is read, so no child process or crash report sees it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from core.errors import InputError

KEYRING_SERVICE = "IDI Share"
SECRET_ENV_VAR = "IDI_SHARE_SFTP_SECRET"
INSECURE_MODULE_PREFIXES = ("keyrings.alt",)
FRIENDLY_NAMES = {
    "WinVaultKeyring": "Windows Credential Manager",
    "macOS.Keyring": "macOS Keychain",
    "SecretService.Keyring": "Secret Service (GNOME Keyring or KWallet)",
    "kwallet.DBusKeyring": "KWallet",
    "libsecret.Keyring": "libsecret (GNOME Keyring)",
}
NO_STORE_MESSAGE = (
    "No secure credential store is available on this computer, so the password cannot be saved: "
    "IDI Share will ask for it each time (scheduled runs can set IDI_SHARE_SFTP_SECRET instead)."
)

log = logging.getLogger("idi_share.credentials")


class CredentialStoreError(InputError):
    """The credential store is missing or refused the request; the message never contains the secret."""


def credential_name(username: str, host: str, port: int) -> str:
    """The name a secret is stored under: `username@host:port`, as the profile spec says."""
    return f"{username}@{host}:{int(port)}"


def secure_backend_available() -> bool:
    """True when keyring offers a store that keeps secrets safely (no plain-text fallback counts)."""
    return _secure_store() is not None


def describe_backend() -> str:
    """One line for Settings and `--help`: which store secrets go to, or that there is none."""
    store = _secure_store()
    if store is None:
        chosen = _class_path(keyring.get_keyring())
        return f"No secure credential store (keyring offered {chosen}); passwords are asked for each time."
    return f"{_friendly_name(store)} ({_class_path(store)})"


def get_secret(username: str, host: str, port: int) -> str | None:
    """The stored secret, or None when nothing is stored for this account."""
    store = _require_store()
    try:
        return store.get_password(KEYRING_SERVICE, credential_name(username, host, port))
    except KeyringError as error:
        raise _store_failed("read", error) from None


def store_secret(username: str, host: str, port: int, secret: str) -> None:
    """Save the secret in the secure store; refuse (never write elsewhere) when there is none."""
    if not secret:
        raise InputError("The password is empty: type the password Stats NZ gave you.")
    store = _require_store()
    try:
        store.set_password(KEYRING_SERVICE, credential_name(username, host, port), secret)
    except KeyringError as error:
        raise _store_failed("save", error) from None


def delete_secret(username: str, host: str, port: int) -> bool:
    """Remove the stored secret; False when there was none to remove."""
    store = _require_store()
    try:
        store.delete_password(KEYRING_SERVICE, credential_name(username, host, port))
    except PasswordDeleteError:
        return False
    except KeyringError as error:
        raise _store_failed("remove", error) from None
    return True


def secret_for_send(
    username: str, host: str, port: int, environ: MutableMapping[str, str] = os.environ
) -> str | None:
    """The store's secret, else `IDI_SHARE_SFTP_SECRET` (headless runs), else None (ask the user).

    The variable leaves `environ` here whichever is used: it is read once and held only by the caller.
    """
    from_environment = environ.pop(SECRET_ENV_VAR, None) or None
    store = _secure_store()
    if store is not None:
        try:
            secret = store.get_password(KEYRING_SERVICE, credential_name(username, host, port))
        except KeyringError as error:
            log.warning("The credential store could not be read (%s).", type(error).__name__)
            secret = None
        if secret:
            return secret
    return from_environment


def is_secure_backend(backend: KeyringBackend) -> bool:
    """Whether one backend keeps secrets in a real credential store (not plain text, not a stub)."""
    if isinstance(backend, fail.Keyring | null.Keyring | chainer.ChainerBackend):
        return False
    cls = type(backend)
    if cls.__module__.startswith(INSECURE_MODULE_PREFIXES) or "plaintext" in cls.__name__.lower():
        return False
    return _priority(backend) > 0


def _secure_store() -> KeyringBackend | None:
    """keyring's backend when secure; for a chainer, its best secure member (so nothing weaker is written)."""
    backend = keyring.get_keyring()
    members = _chained(backend) if isinstance(backend, chainer.ChainerBackend) else [backend]
    return next((member for member in members if is_secure_backend(member)), None)


def _chained(backend: chainer.ChainerBackend) -> list[KeyringBackend]:
    try:
        return list(backend.backends)
    except Exception:  # a member that fails to initialise makes the whole chain unusable
        return []


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(type(backend).priority)
    except Exception:  # keyring backends signal "not usable here" by raising from priority
        return -1.0


def _require_store() -> KeyringBackend:
    store = _secure_store()
    if store is None:
        raise CredentialStoreError(NO_STORE_MESSAGE)
    return store


def _store_failed(action: str, error: KeyringError) -> CredentialStoreError:
    return CredentialStoreError(
        f"The credential store could not {action} the password ({type(error).__name__}): unlock or open "
        "the store (for example by signing in again) and try again."
    )


def _class_path(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _friendly_name(backend: KeyringBackend) -> str:
    path = _class_path(backend)
    for suffix, name in FRIENDLY_NAMES.items():
        if path.endswith(suffix):
            return name
    return type(backend).__name__


FINGERPRINT_KEY_PREFIX = "change fingerprints "


def fingerprint_key(supply: str, *, create: bool) -> bytes | None:
    """The random key of one supply's change fingerprints (core.checking.fingerprints), made on first send.

    Kept in the credential store like a password, never beside the fingerprints. None when there is none
    yet (and `create` is false) or when there is no secure store: then changes are simply not compared.
    """
    store = _secure_store()
    if store is None:
        return None
    name = FINGERPRINT_KEY_PREFIX + supply
    try:
        stored = store.get_password(KEYRING_SERVICE, name)
        if stored:
            return bytes.fromhex(stored)
        if not create:
            return None
        key = os.urandom(32)
        store.set_password(KEYRING_SERVICE, name, key.hex())
        return key
    except (KeyringError, ValueError) as error:
        log.warning("The change fingerprint key could not be used (%s).", type(error).__name__)
        return None

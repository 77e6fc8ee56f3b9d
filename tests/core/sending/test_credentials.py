"""The credential store: secrets only in a secure keyring backend, never a plain-text fallback."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordSetError

from core.errors import InputError
from core.sending.credentials import (
    KEYRING_SERVICE,
    SECRET_ENV_VAR,
    CredentialStoreError,
    credential_name,
    delete_secret,
    describe_backend,
    get_secret,
    secret_for_send,
    secure_backend_available,
    store_secret,
)
from tests.keyrings import MemoryKeyring, unregistered

USER, HOST, PORT = "kwt-supply", "sftp.example.org", 22
SECRET = "s3cret-Passw0rd!"


@unregistered
class ZeroPriorityKeyring(MemoryKeyring):
    """A backend keyring itself would rank as not recommended."""

    priority = 0


@unregistered
class PlaintextKeyring(ZeroPriorityKeyring):
    """Looks like keyrings.alt's plain-text file backend, which ranks itself above zero."""

    priority = 0.5


PlaintextKeyring.__module__ = "keyrings.alt.file"


@unregistered
class LockedKeyring(ZeroPriorityKeyring):
    """A real store that is locked: every call fails."""

    priority = 5

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("locked")


def test_the_name_is_username_at_host_colon_port() -> None:
    assert credential_name(USER, HOST, PORT) == "kwt-supply@sftp.example.org:22"
    assert credential_name(USER, HOST, "2222") == "kwt-supply@sftp.example.org:2222"


def test_a_stored_secret_is_read_back_under_the_idi_share_service(memory_keyring) -> None:
    store_secret(USER, HOST, PORT, SECRET)

    assert get_secret(USER, HOST, PORT) == SECRET
    assert memory_keyring.store == {(KEYRING_SERVICE, "kwt-supply@sftp.example.org:22"): SECRET}


def test_deleting_removes_the_secret_and_says_whether_there_was_one() -> None:
    store_secret(USER, HOST, PORT, SECRET)

    assert delete_secret(USER, HOST, PORT) is True
    assert get_secret(USER, HOST, PORT) is None
    assert delete_secret(USER, HOST, PORT) is False


def test_an_empty_secret_is_not_stored(memory_keyring) -> None:
    with pytest.raises(InputError, match="password is empty"):
        store_secret(USER, HOST, PORT, "")
    assert memory_keyring.store == {}


def test_a_secure_backend_is_recognised_and_described() -> None:
    assert secure_backend_available() is True
    assert "MemoryKeyring" in describe_backend()


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), ZeroPriorityKeyring(), PlaintextKeyring()],
    ids=["fail", "null", "priority-0", "keyrings.alt-plaintext"],
)
def test_no_secure_store_is_said_plainly_and_nothing_is_written(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)

    assert secure_backend_available() is False
    assert describe_backend().startswith("No secure credential store")
    with pytest.raises(CredentialStoreError, match="No secure credential store is available"):
        store_secret(USER, HOST, PORT, SECRET)
    with pytest.raises(CredentialStoreError):
        get_secret(USER, HOST, PORT)
    assert getattr(backend, "store", {}) == {}


def test_a_chain_uses_only_its_secure_member(memory_keyring) -> None:
    plaintext = PlaintextKeyring()

    @unregistered
    class Chain(chainer.ChainerBackend):
        backends = (plaintext, memory_keyring)

    keyring.set_keyring(Chain())
    store_secret(USER, HOST, PORT, SECRET)

    assert secure_backend_available() is True
    assert plaintext.store == {}
    assert memory_keyring.store[(KEYRING_SERVICE, credential_name(USER, HOST, PORT))] == SECRET


def test_a_chain_of_only_insecure_members_is_no_store() -> None:
    @unregistered
    class Chain(chainer.ChainerBackend):
        backends = (PlaintextKeyring(), null.Keyring())

    keyring.set_keyring(Chain())

    assert secure_backend_available() is False


def test_a_locked_store_is_reported_without_the_secret() -> None:
    keyring.set_keyring(LockedKeyring())

    with pytest.raises(CredentialStoreError) as refusal:
        store_secret(USER, HOST, PORT, SECRET)

    assert "could not save the password" in str(refusal.value)
    assert SECRET not in str(refusal.value) and SECRET not in repr(refusal.value)


def test_sending_prefers_the_stored_secret_over_the_environment() -> None:
    store_secret(USER, HOST, PORT, SECRET)

    assert secret_for_send(USER, HOST, PORT, environ={SECRET_ENV_VAR: "from-env"}) == SECRET


def test_sending_falls_back_to_the_environment_variable() -> None:
    assert secret_for_send(USER, HOST, PORT, environ={SECRET_ENV_VAR: "from-env"}) == "from-env"


def test_sending_with_no_secret_anywhere_gives_none() -> None:
    assert secret_for_send(USER, HOST, PORT, environ={}) is None
    assert secret_for_send(USER, HOST, PORT, environ={SECRET_ENV_VAR: ""}) is None


def test_sending_without_a_secure_store_may_still_use_the_environment() -> None:
    keyring.set_keyring(fail.Keyring())

    assert secret_for_send(USER, HOST, PORT, environ={SECRET_ENV_VAR: "from-env"}) == "from-env"


def test_sending_past_a_locked_store_uses_the_environment() -> None:
    keyring.set_keyring(LockedKeyring())

    assert secret_for_send(USER, HOST, PORT, environ={SECRET_ENV_VAR: "from-env"}) == "from-env"


def test_a_secret_for_another_account_is_not_used() -> None:
    store_secret(USER, HOST, 2222, SECRET)

    assert secret_for_send(USER, HOST, PORT, environ={}) is None


def test_the_environment_secret_leaves_the_process_environment_once_read(monkeypatch) -> None:
    import os
    import subprocess
    import sys

    monkeypatch.setenv(SECRET_ENV_VAR, "from-env")

    assert secret_for_send(USER, HOST, PORT) == "from-env"
    assert SECRET_ENV_VAR not in os.environ
    child = subprocess.run(
        [sys.executable, "-c", f"import os; print(os.environ.get({SECRET_ENV_VAR!r}, 'absent'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == "absent"

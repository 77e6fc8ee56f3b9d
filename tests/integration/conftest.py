"""Fixtures with real parts: a GnuPG home with test keys, OpenSSH sshd servers on 127.0.0.1, a TCP relay.

Everything binds 127.0.0.1 only and is stopped at the end. A missing gpg or sshd (or not being root,
which the throwaway sshd account needs) skips locally and fails in CI, through `missing_service`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration import sshd_server
from tests.integration.sshd_server import LOOPBACK, ServiceUnavailable, SshdServer, TestAccount
from tests.services import missing_service

# ------------------------------------------------------------------------------------------------ GnuPG


@dataclass
class GpgKeys:
    """A GNUPGHOME holding the test keys' secrets, and exported files for the app to read."""

    home: Path
    folder: Path
    fingerprints: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, GNUPGHOME=str(self.home))
        result = subprocess.run(
            ["gpg", "--batch", "--no-tty", "--quiet", *args],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"gpg {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result

    def decrypt(self, message: bytes) -> bytes:
        return self.run("--decrypt", stdin=message).stdout

    def fingerprint_of(self, user_id: str) -> str:
        listing = self.run("--with-colons", "--list-keys", user_id).stdout.decode()
        return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))

    def export(self, name: str, user_id: str, *, armor: bool = True, secret: bool = False) -> Path:
        command = ["--export-secret-keys"] if secret else ["--export"]
        extra = ["--pinentry-mode", "loopback", "--passphrase", ""] if secret else []
        path = self.folder / name
        path.write_bytes(self.run(*extra, *(["--armor"] if armor else []), *command, user_id).stdout)
        return path

    def generate(
        self, user_id: str, algorithm: str, usage: str, expire: str = "never", *, at: str | None = None
    ):
        """Make a key with no passphrase; `at` fakes the clock (to make keys that have since expired)."""
        clock = ["--faked-system-time", f"{at}!"] if at else []
        self.run(*clock, "--passphrase", "", "--quick-gen-key", user_id, algorithm, usage, expire)
        self.fingerprints[user_id] = self.fingerprint_of(user_id)
        return self.fingerprints[user_id]

    def add_subkey(
        self, user_id: str, algorithm: str, usage: str, expire: str = "never", *, at: str | None = None
    ):
        clock = ["--faked-system-time", f"{at}!"] if at else []
        self.run(
            *clock,
            "--passphrase",
            "",
            "--quick-add-key",
            self.fingerprints[user_id],
            algorithm,
            usage,
            expire,
        )

    def revoke_subkey(self, user_id: str) -> None:
        """Revoke the first subkey through gpg's key editor, driven from stdin."""
        script = b"key 1\nrevkey\ny\n0\n\ny\nsave\n"
        fingerprint = self.fingerprints[user_id]
        self.run(
            "--command-fd",
            "0",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--edit-key",
            fingerprint,
            stdin=script,
        )

    def revoke(self, user_id: str) -> None:
        """Import the revocation certificate gpg stored when it made the key."""
        stored = self.home / "openpgp-revocs.d" / f"{self.fingerprints[user_id]}.rev"
        armored = "\n".join(line.removeprefix(":") for line in stored.read_text().splitlines())
        self.run("--import", stdin=armored.encode())


RECIPIENT = "IDI Test Recipient <recipient@example.org>"
RSA_RECIPIENT = "IDI RSA Recipient <rsa@example.org>"
EXPIRING = "IDI Expiring <expiring@example.org>"
EXPIRED = "IDI Expired <expired@example.org>"
EXPIRED_SUBKEY = "IDI Expired Subkey <expired-subkey@example.org>"
REVOKED = "IDI Revoked <revoked@example.org>"
REVOKED_SUBKEY = "IDI Revoked Subkey <revoked-subkey@example.org>"
SIGN_ONLY = "IDI Sign Only <sign-only@example.org>"


@pytest.fixture(scope="session")
def gpg_keys() -> Iterator[GpgKeys]:
    """Real GnuPG keys: good ed25519/cv25519 and RSA 3072, and the kinds the app must refuse."""
    if shutil.which("gpg") is None:
        missing_service("GnuPG (gpg) is not installed (Debian: apt-get install gnupg)")
    home = Path(tempfile.mkdtemp(prefix="idi-gpg-"))  # short path: gpg-agent's socket lives here
    home.chmod(0o700)
    folder = home / "exported"
    folder.mkdir()
    keys = GpgKeys(home, folder)
    try:
        keys.generate(RECIPIENT, "ed25519", "cert,sign")
        keys.add_subkey(RECIPIENT, "cv25519", "encr")
        keys.generate(RSA_RECIPIENT, "rsa3072", "cert,sign")
        keys.add_subkey(RSA_RECIPIENT, "rsa3072", "encr")
        keys.generate(EXPIRING, "ed25519", "cert,sign", "2y")
        keys.add_subkey(EXPIRING, "cv25519", "encr", "2y")
        keys.generate(EXPIRED, "ed25519", "cert,sign", "1y", at="20200101T000000")
        keys.add_subkey(EXPIRED, "cv25519", "encr", "1y", at="20200101T000100")
        keys.generate(EXPIRED_SUBKEY, "ed25519", "cert,sign", at="20200101T000000")
        keys.add_subkey(EXPIRED_SUBKEY, "cv25519", "encr", "1y", at="20200101T000100")
        keys.generate(REVOKED, "ed25519", "cert,sign")
        keys.add_subkey(REVOKED, "cv25519", "encr")
        keys.revoke(REVOKED)
        keys.generate(REVOKED_SUBKEY, "ed25519", "cert,sign")
        keys.add_subkey(REVOKED_SUBKEY, "cv25519", "encr")
        keys.revoke_subkey(REVOKED_SUBKEY)
        keys.generate(SIGN_ONLY, "ed25519", "sign")
        yield keys
    finally:
        env = dict(os.environ, GNUPGHOME=str(home))
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


# ------------------------------------------------------------------------------------------------- sshd


@dataclass
class ClientKeys:
    """SSH key pairs for signing in: which are authorised on the test account, and their passphrases."""

    ed25519: Path
    ecdsa: Path
    rsa: Path
    unauthorised: Path
    passphrase: str


@pytest.fixture(scope="session")
def sshd_account() -> Iterator[TestAccount]:
    base = Path(tempfile.mkdtemp(prefix="idi-sftp-"))
    base.chmod(0o755)
    try:
        account = sshd_server.create_account(base)
    except ServiceUnavailable as reason:
        shutil.rmtree(base, ignore_errors=True)
        missing_service(str(reason))
    try:
        yield account
    finally:
        sshd_server.delete_account(account)
        shutil.rmtree(base, ignore_errors=True)


def _start_server(
    account: TestAccount, key_types: tuple[str, ...], sftp_command: str = "internal-sftp"
) -> SshdServer:
    try:
        return SshdServer(account, key_types, sftp_command).start()
    except ServiceUnavailable as reason:
        missing_service(str(reason))
        raise


def _start_server_with(account: TestAccount, extra_config: str) -> SshdServer:
    """A server with extra sshd_config lines (they take precedence over the defaults)."""
    try:
        return SshdServer(account, ("ed25519",), extra_config=extra_config).start()
    except ServiceUnavailable as reason:
        missing_service(str(reason))
        raise


@pytest.fixture(scope="session")
def client_keys(sshd_account: TestAccount, tmp_path_factory: pytest.TempPathFactory) -> ClientKeys:
    folder = tmp_path_factory.mktemp("client-keys")
    passphrase = "correct horse battery staple"

    def make(name: str, key_type: str, secret: str) -> Path:
        path = folder / name
        size = ["-b", "3072"] if key_type == "rsa" else []
        subprocess.run(
            ["ssh-keygen", "-q", "-t", key_type, *size, "-N", secret, "-C", name, "-f", str(path)],
            check=True,
            capture_output=True,
        )
        return path

    return ClientKeys(
        ed25519=make("id_ed25519", "ed25519", passphrase),
        ecdsa=make("id_ecdsa", "ecdsa", passphrase),
        rsa=make("id_rsa", "rsa", ""),
        unauthorised=make("id_other", "ed25519", ""),
        passphrase=passphrase,
    )


@pytest.fixture(scope="session")
def sshd(sshd_account: TestAccount, client_keys: ClientKeys) -> Iterator[SshdServer]:
    """The genuine server: Ed25519 and RSA host keys; the client keys but `unauthorised` are accepted."""
    server = _start_server(sshd_account, ("ed25519", "rsa"))
    for key in (client_keys.ed25519, client_keys.ecdsa, client_keys.rsa):
        server.authorize(key.with_name(key.name + ".pub"))
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def impostor_sshd(sshd_account: TestAccount) -> Iterator[SshdServer]:
    """A second server with its own host key, same account and folders: what an interceptor would look like."""
    server = _start_server(sshd_account, ("ed25519",))
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def refusing_rename_sshd(sshd_account: TestAccount) -> Iterator[SshdServer]:
    """The same account on a server whose SFTP refuses renames, as some upload-only drop boxes do."""
    server = _start_server(sshd_account, ("ed25519",), "internal-sftp -P rename,posix-rename")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def sleepy_sshd() -> Iterator[SshdServer]:
    """A server that signs in but, asked for SFTP, runs `sleep` instead: the subsystem never answers.

    sshd runs a ForceCommand through the account's shell, so this one has its own account with /bin/sh.
    """
    base = Path(tempfile.mkdtemp(prefix="idi-sleepy-"))
    base.chmod(0o755)
    try:
        account = sshd_server.create_account(base, shell="/bin/sh")
    except ServiceUnavailable as reason:
        shutil.rmtree(base, ignore_errors=True)
        missing_service(str(reason))
    server = _start_server(account, ("ed25519",), "/bin/sleep 5")
    try:
        yield server
    finally:
        server.cleanup()
        sshd_server.delete_account(account)
        shutil.rmtree(base, ignore_errors=True)


class SilentServer:
    """A TCP listener on 127.0.0.1 that accepts connections and never says a word (no SSH banner)."""

    def __init__(self) -> None:
        self.listener = socket.create_server((LOOPBACK, 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                try:
                    self.held.append(self.listener.accept()[0])
                except OSError:
                    return

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for sock in self.held:
            sock.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def remote_dir(sshd_account: TestAccount, request: pytest.FixtureRequest) -> Path:
    """An empty folder the test account may write to (the SFTP path is this absolute path)."""
    name = "".join(char if char.isalnum() else "_" for char in request.node.name)[:60]
    return sshd_server.make_user_folder(sshd_account, f"{name}-{os.urandom(3).hex()}")


# ------------------------------------------------------------------------------------------------ relay


@dataclass(frozen=True)
class Fault:
    """What a relay does to one connection: cut it, or stall it, after N bytes from the client or once
    `cut_when()`/`stall_when()` holds as the client sends more; or cut it when the server sends something
    while `cut_reply_when()` holds (a reply lost with the connection)."""

    cut_after: int | None = None
    stall_after: int | None = None
    cut_when: Callable[[], bool] | None = None
    stall_when: Callable[[], bool] | None = None
    cut_reply_when: Callable[[], bool] | None = None

    def cuts(self, upstream: int) -> bool:
        return (self.cut_after is not None and upstream >= self.cut_after) or bool(
            self.cut_when and self.cut_when()
        )

    def stalls(self, upstream: int) -> bool:
        return (self.stall_after is not None and upstream >= self.stall_after) or bool(
            self.stall_when and self.stall_when()
        )


class TcpRelay:
    """Forward 127.0.0.1:`port` to a loopback server, with faults on chosen connections.

    `cuts[i]` is for the i-th accepted connection: None passes everything, 0 drops it at once, N drops it
    once N bytes went from client to server, a `Fault` does what it says. Connections beyond the list
    pass through.
    """

    def __init__(self, target_port: int, cuts: list[int | Fault | None]) -> None:
        self.target_port = target_port
        self.cuts = list(cuts)
        self.accepted = 0
        self.listener = socket.create_server((LOOPBACK, 0))
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.thread = threading.Thread(target=self._accept_loop, name="tcp-relay", daemon=True)
        self.thread.start()

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            cut = self.cuts[self.accepted] if self.accepted < len(self.cuts) else None
            self.accepted += 1
            if cut == 0:
                _drop(client)
                continue
            fault = cut if isinstance(cut, Fault) else Fault(cut_after=cut)
            worker = threading.Thread(target=self._pipe, args=(client, fault), daemon=True)
            worker.start()
            self.threads.append(worker)

    def _pipe(self, client: socket.socket, fault: Fault) -> None:
        server = socket.create_connection((LOOPBACK, self.target_port))
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        upstream = 0
        try:
            while not self.stopping.is_set():
                for key, _ in selector.select(timeout=0.1):
                    chunk = key.fileobj.recv(65536)
                    if not chunk:
                        return
                    if key.fileobj is client:
                        upstream += len(chunk)
                        if fault.cuts(upstream):
                            return
                        if fault.stalls(upstream):
                            self.stopping.wait()  # hold both ends open, forwarding nothing, until closed
                            return
                    elif fault.cut_reply_when is not None and fault.cut_reply_when():
                        return
                    key.data.sendall(chunk)
        except OSError:
            return
        finally:
            selector.close()
            _drop(client)
            _drop(server)

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)
        for worker in self.threads:
            worker.join(timeout=5)


def _drop(sock: socket.socket) -> None:
    """Close at once with a reset, as a network cut looks to both ends."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.fixture
def relay() -> Iterator:
    """Factory: relay(target_port, cuts) -> a started `TcpRelay`; all are closed after the test."""
    relays: list[TcpRelay] = []

    def start(target_port: int, cuts: list[int | Fault | None]) -> TcpRelay:
        relays.append(TcpRelay(target_port, cuts))
        return relays[-1]

    yield start
    for item in relays:
        item.close()

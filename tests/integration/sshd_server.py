"""A real OpenSSH sshd on 127.0.0.1 with its own config, host keys and a throwaway account (tests, bench).

sshd refuses root logins, and password sign-in needs an account in /etc/shadow, so when running as root
(as here and in CI) a unique unprivileged account is created for the session with a random password
(set through chpasswd's stdin, never argv) and deleted at the end. The server binds 127.0.0.1 only,
allows that one account, offers only SFTP (ForceCommand internal-sftp) and runs in the foreground
(-D -e) so it stops with its process. Without root, or without sshd/ssh-keygen, `ServiceUnavailable`
says why; the fixtures turn that into `tests.services.missing_service`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")


class ServiceUnavailable(Exception):
    """The machine cannot run the test sshd; the text says why."""


@dataclass(frozen=True)
class TestAccount:
    """The unprivileged account the test sshd lets in; `home` is where it may write."""

    name: str
    password: str
    uid: int
    gid: int
    home: Path

    __test__ = False  # not a pytest test class


def find_sshd() -> str:
    for candidate in (shutil.which("sshd"), *SSHD_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)  # sshd re-executes itself and needs an absolute path
    raise ServiceUnavailable("OpenSSH's sshd is not installed (Debian: apt-get install openssh-server)")


def require_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        raise ServiceUnavailable(f"{', '.join(missing)} not found on PATH (Debian: openssh-client)")


def create_account(base: Path, shell: str | None = None) -> TestAccount:
    """A fresh unprivileged account with a random password, its home under `base` (root only).

    `shell` defaults to nologin; a server whose ForceCommand runs a program needs a real one.
    """
    if os.geteuid() != 0:
        raise ServiceUnavailable(
            "the SFTP tests create a throwaway account for sshd and must run as root (CI does)"
        )
    require_tools("useradd", "userdel", "chpasswd")
    name = f"idis{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    home = base / "home"
    home.mkdir(mode=0o755)
    shell = shell or ("/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false")
    _run(["useradd", "--no-create-home", "--home-dir", str(home), "--shell", shell, name])
    _run(["chpasswd"], stdin=f"{name}:{password}\n")
    entry = pwd.getpwnam(name)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    return TestAccount(name, password, entry.pw_uid, entry.pw_gid, home)


def delete_account(account: TestAccount, patience: float = 5) -> None:
    """Remove the account once sshd's per-connection processes for it have gone (they exit just after)."""
    deadline = time.monotonic() + patience
    while _account_exists(account.name):
        force = ["--force"] if time.monotonic() > deadline else []
        if (
            subprocess.run(["userdel", *force, account.name], capture_output=True, check=False).returncode
            and force
        ):
            return
        time.sleep(0.1)


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def make_user_folder(account: TestAccount, name: str) -> Path:
    """A folder the account owns and may write to, for one test's uploads."""
    folder = account.home / name
    folder.mkdir(mode=0o755)
    os.chown(folder, account.uid, account.gid)
    return folder


def generate_host_key(folder: Path, key_type: str) -> Path:
    path = folder / f"ssh_host_{key_type}_key"
    size = ["-b", "3072"] if key_type == "rsa" else []
    _run(["ssh-keygen", "-q", "-t", key_type, *size, "-N", "", "-C", "idi-share-test-host", "-f", str(path)])
    return path


def key_fingerprint(public_key: Path) -> str:
    """`SHA256:...` exactly as `ssh-keygen -lf` prints it."""
    return _run(["ssh-keygen", "-lf", str(public_key)]).split()[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class SshdServer:
    """One sshd process on a free loopback port; host keys of the given types, generated fresh.

    `sftp_command` is what the account gets instead of a shell: `internal-sftp` (with `-P request,...`
    to refuse some requests), or a program such as `/bin/sleep 20` for a subsystem that never answers.
    `extra_config` lines replace the defaults of the same keyword (e.g. "UsePAM yes").
    """

    def __init__(
        self,
        account: TestAccount,
        key_types: tuple[str, ...] = ("ed25519",),
        sftp_command: str = "internal-sftp",
        extra_config: str = "",
    ) -> None:
        self.account = account
        self.sftp_command = sftp_command
        self.extra_config = extra_config
        self.sshd = find_sshd()
        require_tools("ssh-keygen")
        self.folder = Path(tempfile.mkdtemp(prefix="idi-sshd-"))
        self.folder.chmod(0o755)  # the account reads authorized_keys from here
        self.host_keys = {key_type: generate_host_key(self.folder, key_type) for key_type in key_types}
        self.authorized_keys = self.folder / "authorized_keys"
        self.authorized_keys.write_text("")
        self.authorized_keys.chmod(0o644)
        self.log_path = self.folder / "sshd.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return LOOPBACK

    def host_key_fingerprint(self, key_type: str = "ed25519") -> str:
        return key_fingerprint(self.host_keys[key_type].with_suffix(".pub"))

    def authorize(self, public_key_file: Path) -> None:
        with self.authorized_keys.open("a") as handle:
            handle.write(public_key_file.read_text().strip() + "\n")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, attempts: int = 5) -> SshdServer:
        _ensure_privsep_dir()
        for _ in range(attempts):
            self.port = free_port()
            config = self.folder / "sshd_config"
            config.write_text(self._config())
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [self.sshd, "-D", "-e", "-f", str(config)],
                    stdout=log,
                    stderr=log,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_until_ready():
                return self
            self.stop()
        raise ServiceUnavailable(f"sshd did not start; its log says:\n{self.log_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _config(self) -> str:
        """sshd uses the first value of a keyword, so the extra lines go first."""
        keys = "\n".join(f"HostKey {path}" for path in self.host_keys.values())
        return (
            self.extra_config
            + f"""\
Port {self.port}
ListenAddress {LOOPBACK}
{keys}
PidFile {self.folder / "sshd.pid"}
AuthorizedKeysFile {self.authorized_keys}
AllowUsers {self.account.name}
StrictModes no
UsePAM no
PermitRootLogin no
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTTY no
PermitTunnel no
GatewayPorts no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 50:30:100
MaxSessions 20
LoginGraceTime 30
LogLevel VERBOSE
Subsystem sftp {self.sftp_command}
ForceCommand {self.sftp_command}
"""
        )

    def _wait_until_ready(self, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, self.port), 0.5) as probe:
                probe.settimeout(2)
                if probe.recv(64).startswith(b"SSH-"):
                    return True
            time.sleep(0.05)
        return False


def _ensure_privsep_dir() -> None:
    """sshd insists on its privilege separation folder, which only the system service normally creates."""
    if not PRIVSEP_DIR.exists():
        if os.geteuid() != 0:
            raise ServiceUnavailable(f"{PRIVSEP_DIR} is missing and only root may create it")
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True)


def _run(command: list[str], stdin: str | None = None) -> str:
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False, timeout=60)
    except FileNotFoundError as error:
        raise ServiceUnavailable(f"{command[0]} is not installed") from error
    if result.returncode != 0:
        raise ServiceUnavailable(f"{command[0]} failed: {result.stderr.strip()[:500]}")
    return result.stdout

"""Where a supply is sent (`SftpTarget`) and how a server's fingerprint is written, without paramiko.

Kept apart from core.sending.transfer (which loads paramiko and cryptography, a second or more under
Wine) because the window builds a target and compares fingerprints on its setup page long before
anything is sent; transfer and connection_test import these names from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# A step with no answer for this long is given up: a silent server costs two of them (one retry), so
# the send gives up within 30 s; a slow but live link restarts the clock with every acknowledged write.
STEP_TIMEOUT_SECONDS = 12.0


@dataclass(frozen=True)
class SftpTarget:
    """Where to send, from the profile's `sftp` section; holds no secret.

    `drop_box`: the folder is an upload-only drop box that refuses renames (or stat); the file is then
    written straight under its final name, so a broken upload can leave part of it there.
    `step_timeout`: seconds a step may go without an answer before the attempt is given up.
    """

    host: str
    port: int = 22
    username: str = ""
    remote_dir: str = "/"
    auth: str = "password"
    key_file: Path | None = None
    host_key_sha256: str | None = None
    drop_box: bool = False
    step_timeout: float = STEP_TIMEOUT_SECONDS

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def normalise_host_key_fingerprint(value: str) -> str:
    """`SHA256:<base64 without padding>`, the form `ssh-keygen -lf` prints; tolerant of spaces and '='."""
    cleaned = "".join(value.split()).rstrip("=")
    if cleaned[:7].upper() == "SHA256:":
        cleaned = cleaned[7:]
    return f"SHA256:{cleaned}"


def matching_host_key(offered: dict[str, str], given: str) -> str | None:
    """The server fingerprint equal to the one Stats NZ gave (spaces, case of the prefix, '=' ignored)."""
    if not given.strip():
        return None
    wanted = normalise_host_key_fingerprint(given)
    return next((value for value in offered.values() if value == wanted), None)

"""Test connection: the steps a supply will take, tried once with nothing personal, each reported in words.

Setting up a supply is when a wrong server name, password or folder is cheapest to find, so this signs in,
looks for the folder, and writes then removes a small file, reporting every step (and stopping at the first
that fails) with what to do. The server's key is checked first against the fingerprint Stats NZ gave: with
none given, every fingerprint the server offers is shown to compare, and nothing else is tried.
It runs a send's own session steps (core.sending.sftp_session) and plain failure sentences
(core.sending.transfer_failures); it sends no data.
"""

from __future__ import annotations

import posixpath
import secrets
from dataclasses import dataclass, field, replace

from core.sending import sftp_session
from core.sending.sftp_target import SftpTarget, matching_host_key
from core.sending.transfer_errors import TransferError
from core.sending.transfer_failures import run_stage
from core.sending.watchdog import Watchdog

TEST_FILE_TEXT = b"IDI Share connection test: this file is removed straight away.\n"
STEP_TITLES = (
    "Reach the server and check its fingerprint",
    "Sign in",
    "Find the folder",
    "Write and remove a small test file",
)


@dataclass(frozen=True)
class ConnectionStep:
    """One step of the test: whether it worked, and a sentence saying what happened or what to do."""

    title: str
    ok: bool
    sentence: str


@dataclass
class ConnectionReport:
    """All the steps tried; `host_key` is the server fingerprint that matched (to pin), if one did."""

    steps: list[ConnectionStep] = field(default_factory=list)
    host_key: str | None = None
    offered: dict[str, str] = field(default_factory=dict)  # key type -> fingerprint, as the server sent them

    @property
    def ok(self) -> bool:
        return len(self.steps) == len(STEP_TITLES) and all(step.ok for step in self.steps)

    def add(self, ok: bool, sentence: str) -> bool:
        self.steps.append(ConnectionStep(STEP_TITLES[len(self.steps)], ok, sentence))
        return ok


def run_connection_test(target: SftpTarget, given_fingerprint: str, secret: str | None, timeout: float = 20):
    """Try each step in turn; the report stops at the first step that fails."""
    report = ConnectionReport()
    try:
        report.offered = sftp_session.fetch_host_key_fingerprints(target.host, target.port, timeout)
    except TransferError as error:
        report.add(False, error.message)
        return report
    if not _host_key_step(report, given_fingerprint, target.server):
        return report
    pinned = replace(target, host_key_sha256=report.host_key, step_timeout=timeout)
    with Watchdog(pinned.step_timeout, None) as watchdog:  # gives up a step that never answers
        try:
            transport, _ = sftp_session.verified_transport(pinned, watchdog)
        except TransferError as error:
            report.add(False, error.message)
            return report
        try:
            _sign_in_and_write(report, pinned, transport, secret, watchdog)
        finally:
            transport.close()
    return report


def _host_key_step(report: ConnectionReport, given: str, server: str) -> bool:
    listed = "; ".join(f"{kind}: {value}" for kind, value in report.offered.items())
    if not given.strip():
        return report.add(
            False,
            f"{server} answered. Its fingerprints are: {listed}. Compare them with the fingerprint Stats NZ "
            "gave you, paste the matching one in the box for the server's fingerprint, and test again.",
        )
    report.host_key = matching_host_key(report.offered, given)
    if report.host_key is None:
        return report.add(
            False,
            f"Stop: {server} did not show the fingerprint you typed. It showed: {listed}. Someone may be "
            "pretending to be the server, or the fingerprint was mistyped: check it with Stats NZ before "
            "going on.",
        )
    return report.add(True, f"{server} answered, and its fingerprint matches the one Stats NZ gave you.")


def _sign_in_and_write(report, target: SftpTarget, transport, secret: str | None, watchdog) -> None:
    try:
        run_stage(
            "auth", target, watchdog, lambda: sftp_session.authenticate(transport, target, secret, None)
        )
    except TransferError as error:
        report.add(False, error.message)
        return
    report.add(True, f"Signed in as {target.username}.")
    try:
        sftp = run_stage("session", target, watchdog, lambda: sftp_session.open_sftp(transport, target))
        run_stage("folder", target, watchdog, lambda: sftp_session.require_folder(sftp, target))
    except TransferError as error:
        report.add(False, error.message)
        return
    report.add(True, f"The folder {target.remote_dir} is there.")
    name = posixpath.join(target.remote_dir, f".idi-share-test-{secrets.token_hex(4)}")
    try:
        run_stage("write", target, watchdog, lambda: _write_and_remove(sftp, name))
    except TransferError as error:
        report.add(False, error.message)
        return
    report.add(
        True, f"IDI Share can write in {target.remote_dir}: a small test file was written and removed."
    )


def _write_and_remove(sftp, path: str) -> None:
    with sftp.open(path, "wx") as handle:
        handle.write(TEST_FILE_TEXT)
    sftp.remove(path)

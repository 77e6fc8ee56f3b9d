"""The faults of issue 12 against real servers on 127.0.0.1: a listener that never answers, an SFTP
subsystem that never starts, a stall mid-upload, Cancel, a refused rename, a lost reply to the rename.

Each test checks what is left on the server (nothing under the final name unless complete; no temporary
file after the next send), the error and its step, and the time to give up, with short step deadlines
(the defaults are measured in the README's reliability table) and generous bounds.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from core.sending import journal
from core.sending.transfer import (
    ConnectionLost,
    RenameRefused,
    SendCancelled,
    SftpTarget,
    TimedOut,
    answer_password_prompt,
    upload,
)
from tests.integration.conftest import Fault, SilentServer, _start_server_with
from tests.integration.sshd_server import SshdServer

pytestmark = pytest.mark.service

NAME = "KWT_20261101.csv.gpg"
STEP = 1.0  # seconds a step may wait in these tests (the default is 12)


def target_for(server: SshdServer, folder: Path, port: int | None = None, **changes) -> SftpTarget:
    settings = {
        "host": server.host,
        "port": port or server.port,
        "username": server.account.name,
        "remote_dir": str(folder),
        "host_key_sha256": server.host_key_fingerprint("ed25519"),
        "step_timeout": STEP,
    }
    settings.update(changes)
    return SftpTarget(**settings)


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def timed_failure(action) -> tuple[Exception, float]:
    started = time.monotonic()
    with pytest.raises(Exception) as failure:
        action()
    return failure.value, time.monotonic() - started


def test_a_server_that_never_greets_is_given_up_after_one_retry(
    sshd: SshdServer, remote_dir: Path, silent_server: SilentServer
) -> None:
    target = target_for(sshd, remote_dir, port=silent_server.port)

    error, seconds = timed_failure(lambda: upload(target, "x", b"data", NAME, retries=3, backoff=0.05))

    assert isinstance(error, TimedOut) and error.step == "banner"
    assert error.attempts == 2  # a banner time-out is retried once, not three times
    assert "stopped answering before greeting IDI Share" in str(error)
    assert seconds < 30 and seconds >= 2 * STEP
    print(f"silent server, step {STEP} s: gave up after {seconds:.2f} s")


def test_an_sftp_subsystem_that_never_starts_is_given_up(sleepy_sshd: SshdServer, tmp_path: Path) -> None:
    target = target_for(sleepy_sshd, tmp_path)

    error, seconds = timed_failure(
        lambda: upload(target, sleepy_sshd.account.password, b"data", NAME, backoff=0.05)
    )

    assert isinstance(error, TimedOut) and error.step == "session"
    assert "stopped answering while starting SFTP" in str(error)
    assert error.attempts == 2 and seconds < 30
    print(f"SFTP never starts, step {STEP} s: gave up after {seconds:.2f} s")


def test_a_stall_mid_upload_is_given_up_and_the_next_send_removes_the_temporary_file(
    sshd: SshdServer, remote_dir: Path, relay
) -> None:
    stalled = relay(sshd.port, [Fault(stall_after=400_000)])
    data = os.urandom(2 * 1024 * 1024)

    error, seconds = timed_failure(
        lambda: upload(
            target_for(sshd, remote_dir, port=stalled.port), sshd.account.password, data, NAME, retries=0
        )
    )

    assert isinstance(error, TimedOut) and error.step == "write"
    assert "stopped answering while the file was being written" in str(error)
    assert seconds < 30
    assert not (remote_dir / NAME).exists()
    left = [name for name in names_in(remote_dir) if ".part-" in name]
    assert len(left) == 1 and error.left_behind == (f"{remote_dir}/{left[0]}",)
    assert f"{remote_dir}/{left[0]}" in str(error) and "removes it at the next send" in str(error)
    assert journal.pending(f"{sshd.host}:{stalled.port}", str(remote_dir)) == [f"{remote_dir}/{left[0]}"]

    result = upload(target_for(sshd, remote_dir, port=stalled.port), sshd.account.password, data, NAME)

    assert names_in(remote_dir) == [NAME] and (remote_dir / NAME).read_bytes() == data
    assert result.left_behind == ()
    assert journal.pending(f"{sshd.host}:{stalled.port}", str(remote_dir)) == []
    print(f"stall mid-upload, step {STEP} s: gave up after {seconds:.2f} s")


@pytest.mark.parametrize("where", ["banner", "write"])
def test_cancel_stops_a_hung_send_within_a_second(
    sshd: SshdServer, remote_dir: Path, relay, silent_server: SilentServer, where: str
) -> None:
    cancel = threading.Event()
    if where == "banner":
        target = target_for(sshd, remote_dir, port=silent_server.port, step_timeout=60)
    else:
        target = target_for(
            sshd, remote_dir, port=relay(sshd.port, [Fault(stall_after=400_000)]).port, step_timeout=60
        )
    cancelled_at: list[float] = []

    def press_cancel() -> None:
        time.sleep(1.5)
        cancelled_at.append(time.monotonic())
        cancel.set()

    presser = threading.Thread(target=press_cancel)
    presser.start()
    with pytest.raises(SendCancelled):
        upload(target, sshd.account.password, os.urandom(2 * 1024 * 1024), NAME, cancel=cancel)
    reacted = time.monotonic() - cancelled_at[0]
    presser.join()

    assert reacted < 2  # the goal is under 1 s; generous for a busy machine
    assert not (remote_dir / NAME).exists()
    print(f"cancel during {where}: stopped {reacted:.3f} s after Cancel")


def test_a_refused_rename_is_named_and_leaves_nothing(
    refusing_rename_sshd: SshdServer, remote_dir: Path
) -> None:
    server = refusing_rename_sshd

    with pytest.raises(RenameRefused) as failure:
        upload(target_for(server, remote_dir), server.account.password, b"data", NAME)

    assert "did not let the finished file be renamed" in str(failure.value)
    assert '"drop_box": true' in str(failure.value)
    assert names_in(remote_dir) == []
    assert failure.value.left_behind == ()


def test_a_drop_box_that_refuses_renames_gets_the_file_under_its_final_name(
    refusing_rename_sshd: SshdServer, remote_dir: Path
) -> None:
    server = refusing_rename_sshd
    data = os.urandom(300_000)

    result = upload(target_for(server, remote_dir, drop_box=True), server.account.password, data, NAME)

    assert names_in(remote_dir) == [NAME] and (remote_dir / NAME).read_bytes() == data
    assert "drop box" in result.note


def test_a_lost_reply_to_the_rename_is_a_success_when_the_file_arrived_whole(
    sshd: SshdServer, remote_dir: Path, relay
) -> None:
    final = remote_dir / NAME
    lossy = relay(sshd.port, [Fault(cut_reply_when=final.exists)])
    data = os.urandom(500_000)

    result = upload(
        target_for(sshd, remote_dir, port=lossy.port), sshd.account.password, data, NAME, backoff=0.05
    )

    assert result.attempts == 2
    assert "reply to the rename was lost" in result.note and "size" in result.note
    assert names_in(remote_dir) == [NAME] and final.read_bytes() == data


def test_without_a_retry_a_lost_reply_to_the_rename_says_it_is_unknown(
    sshd: SshdServer, remote_dir: Path, relay
) -> None:
    final = remote_dir / NAME
    lossy = relay(sshd.port, [Fault(cut_reply_when=final.exists)])

    with pytest.raises(ConnectionLost) as failure:
        upload(target_for(sshd, remote_dir, port=lossy.port), sshd.account.password, b"data", NAME, retries=0)

    assert "while the finished file was being renamed" in str(failure.value)
    assert "could not tell whether it arrived" in str(failure.value)


def test_the_uploaded_file_is_readable_by_its_owner_only(sshd: SshdServer, remote_dir: Path) -> None:
    upload(target_for(sshd, remote_dir), sshd.account.password, b"data", NAME)

    assert stat.S_IMODE((remote_dir / NAME).stat().st_mode) == 0o600


def test_keyboard_interactive_gives_the_password_only_to_a_password_prompt() -> None:
    answer = answer_password_prompt("s3cret")

    assert answer("", "", [("Password: ", False)]) == ["s3cret"]
    assert answer("", "", []) == []
    for prompts in ([("Verification code: ", False)], [("Password: ", True)], [("Password: ", False)] * 2):
        with pytest.raises(Exception, match="more than the password"):
            answer("", "", prompts)


def test_a_keyboard_interactive_password_prompt_is_answered(sshd_account, remote_dir: Path) -> None:
    """A server that takes the password only through keyboard-interactive (PAM asks "Password:")."""
    server = _start_server_with(
        sshd_account, "UsePAM yes\nKbdInteractiveAuthentication yes\nPasswordAuthentication no\n"
    )
    try:
        upload(target_for(server, remote_dir), sshd_account.password, b"data", NAME)
        logged = server.log_text()
    finally:
        server.cleanup()

    assert "Accepted keyboard-interactive" in logged

    assert (remote_dir / NAME).read_bytes() == b"data"

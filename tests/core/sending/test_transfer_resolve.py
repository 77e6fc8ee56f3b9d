"""Looking up the server's name keeps to the connect step's deadline and to Cancel.

A name server that never answers cannot be run here, so the system resolver is replaced by one that does
not answer until the test ends (the only stand-in in these tests; everything after it is the real upload).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from core.sending import sftp_session
from core.sending.transfer import SendCancelled, SftpTarget, TimedOut, Unreachable, upload

LIVENESS_BOUND_SECONDS = 20
TARGET = SftpTarget(
    host="sftp.example.invalid", port=22, username="ngo", remote_dir="/in", host_key_sha256=None
)


@pytest.fixture
def silent_name_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """getaddrinfo that waits until the test is over, then fails as a resolver that gave up would."""
    release = threading.Event()
    asked: list[str] = []

    def never_answers(host: str, *args: object, **kwargs: object) -> list[tuple]:
        asked.append(host)
        release.wait()
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(sftp_session.socket, "getaddrinfo", never_answers)
    yield asked
    release.set()


def upload_in_background(**options: object) -> BaseException | None:
    """What `upload` raised, or None if it did not end: a hung lookup would hold it until the test ends.

    The bound is far above the deadlines used (0.3 s) and only there so a failing test ends."""
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            upload(TARGET, "secret", b"data", "file.csv.gpg", retries=0, **options)  # type: ignore[arg-type]
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(LIVENESS_BOUND_SECONDS)
    return outcome[0] if outcome else None


def test_a_name_server_that_never_answers_is_given_up_at_the_step_deadline(
    silent_name_server: list[str],
) -> None:
    error = upload_in_background(timeout=0.3)
    assert isinstance(error, TimedOut), error
    assert silent_name_server == ["sftp.example.invalid"]
    assert "sftp.example.invalid:22" in str(error)
    assert "secret" not in str(error)


def test_cancel_stops_a_name_lookup_that_hangs(silent_name_server: list[str]) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    error = upload_in_background(timeout=60, cancel=cancel)
    assert isinstance(error, SendCancelled), error
    assert silent_name_server == ["sftp.example.invalid"]


def test_a_name_that_does_not_exist_says_so_and_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown_name(host: str, *args: object, **kwargs: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(sftp_session.socket, "getaddrinfo", unknown_name)
    with pytest.raises(Unreachable) as raised:
        upload(TARGET, "secret", b"data", "file.csv.gpg", timeout=5, retries=3, backoff=0)
    assert "could not be found" in str(raised.value)
    assert raised.value.transient is False

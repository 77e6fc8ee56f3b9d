"""SFTP upload against a real OpenSSH sshd on 127.0.0.1: sign-in, host key pinning, failures, retry.

Every failure test checks the promise that matters: nothing exists under the final name afterwards.
The uploaded files are read back through the file system (the server is local) as an independent check.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import paths
from core.errors import InputError, SendError
from core.sending.crypto import encrypt_for, load_recipient_key
from core.sending.transfer import (
    AuthenticationFailed,
    ConnectionLost,
    DiskFull,
    HostKeyChanged,
    HostKeyUnknown,
    PermissionDenied,
    RemoteFileExists,
    RemoteFolderMissing,
    SendCancelled,
    SftpTarget,
    Unreachable,
    fetch_host_key_fingerprint,
    fetch_host_key_fingerprints,
    normalise_host_key_fingerprint,
    upload,
)
from tests.integration.conftest import RECIPIENT, ClientKeys, GpgKeys
from tests.integration.sshd_server import SshdServer, TestAccount, free_port

pytestmark = pytest.mark.service

NAME = "KWT_20261101.csv.gpg"


def target_for(server: SshdServer, folder: Path, port: int | None = None, **changes) -> SftpTarget:
    settings = {
        "host": server.host,
        "port": port or server.port,
        "username": server.account.name,
        "remote_dir": str(folder),
        "auth": "password",
        "key_file": None,
        "host_key_sha256": server.host_key_fingerprint("ed25519"),
    }
    settings.update(changes)
    return SftpTarget(**settings)


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_password_upload_arrives_whole_under_the_final_name(sshd: SshdServer, remote_dir: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)

    result = upload(target_for(sshd, remote_dir), sshd.account.password, data, NAME)

    assert (remote_dir / NAME).read_bytes() == data
    assert names_in(remote_dir) == [NAME]
    assert result.remote_path == f"{remote_dir}/{NAME}"
    assert result.bytes_sent == len(data)
    assert result.host_key_sha256 == sshd.host_key_fingerprint("ed25519")
    assert result.attempts == 1


def test_progress_counts_up_to_the_size_in_requests_openssh_accepts(
    sshd: SshdServer, remote_dir: Path
) -> None:
    data = os.urandom(2 * 1024 * 1024)
    seen: list[tuple[int, int]] = []

    upload(
        target_for(sshd, remote_dir),
        sshd.account.password,
        data,
        NAME,
        progress=lambda a, b: seen.append((a, b)),
    )

    done = [sent for sent, total in seen]
    steps = {after - before for before, after in itertools.pairwise(done) if after > before}
    assert done[0] == 0 and done[-1] == len(data) and done == sorted(done)
    assert {total for _, total in seen} == {len(data)}
    assert max(steps) == 255 * 1024  # OpenSSH announces 255 KiB writes through limits@openssh.com


@pytest.mark.parametrize("key_name", ["ed25519", "ecdsa", "rsa"])
def test_key_upload_with_an_openssh_key_file(
    sshd: SshdServer, remote_dir: Path, client_keys: ClientKeys, key_name: str
) -> None:
    key_file = getattr(client_keys, key_name)
    secret = client_keys.passphrase if key_name != "rsa" else None
    data = os.urandom(100_000)

    upload(target_for(sshd, remote_dir, auth="key", key_file=key_file), secret, data, NAME)

    assert (remote_dir / NAME).read_bytes() == data


def test_a_wrong_password_fails_at_once_without_retrying(sshd: SshdServer, remote_dir: Path) -> None:
    with pytest.raises(AuthenticationFailed) as failure:
        upload(target_for(sshd, remote_dir), "not-the-password", b"data", NAME, retries=3, backoff=0.01)

    assert failure.value.attempts == 1
    assert failure.value.kind == "authentication_failed"
    assert "did not accept the password" in str(failure.value)
    assert names_in(remote_dir) == []


def test_a_key_the_server_does_not_know_is_refused(
    sshd: SshdServer, remote_dir: Path, client_keys: ClientKeys
) -> None:
    target = target_for(sshd, remote_dir, auth="key", key_file=client_keys.unauthorised)

    with pytest.raises(AuthenticationFailed, match="did not accept id_other"):
        upload(target, None, b"data", NAME)

    assert names_in(remote_dir) == []


def test_a_wrong_key_passphrase_is_an_authentication_failure(
    sshd: SshdServer, remote_dir: Path, client_keys: ClientKeys
) -> None:
    target = target_for(sshd, remote_dir, auth="key", key_file=client_keys.ed25519)

    with pytest.raises(AuthenticationFailed, match="could not be unlocked"):
        upload(target, "wrong passphrase", b"data", NAME)
    with pytest.raises(AuthenticationFailed, match="protected by a passphrase"):
        upload(target, None, b"data", NAME)


def test_a_public_key_file_is_refused_as_the_private_key(
    sshd: SshdServer, remote_dir: Path, client_keys: ClientKeys
) -> None:
    public = client_keys.ed25519.with_name("id_ed25519.pub")

    with pytest.raises(InputError, match="is not an SSH private key"):
        upload(target_for(sshd, remote_dir, auth="key", key_file=public), None, b"data", NAME)


def test_a_different_host_key_stops_before_signing_in(
    sshd: SshdServer, impostor_sshd: SshdServer, remote_dir: Path
) -> None:
    target = target_for(impostor_sshd, remote_dir, host_key_sha256=sshd.host_key_fingerprint("ed25519"))
    log_before = len(impostor_sshd.log_text())

    with pytest.raises(HostKeyChanged) as failure:
        upload(target, sshd.account.password, b"data", NAME, retries=3, backoff=0.01)

    assert failure.value.attempts == 1
    assert failure.value.fingerprint == impostor_sshd.host_key_fingerprint("ed25519")
    assert "nothing was sent" in str(failure.value)
    assert names_in(remote_dir) == []
    impostor_saw = impostor_sshd.log_text()[log_before:]
    assert "Connection from 127.0.0.1" in impostor_saw
    assert not any(
        word in impostor_saw for word in ("password for", "publickey for", "Accepted", "Postponed")
    )


def test_an_unknown_host_key_is_reported_for_the_user_to_confirm(sshd: SshdServer, remote_dir: Path) -> None:
    expected = subprocess.run(
        ["ssh-keygen", "-lf", str(sshd.host_keys["ed25519"].with_suffix(".pub"))],
        capture_output=True,
        text=True,
    ).stdout.split()[1]

    with pytest.raises(HostKeyUnknown) as failure:
        upload(target_for(sshd, remote_dir, host_key_sha256=None), sshd.account.password, b"data", NAME)

    assert failure.value.fingerprint == expected
    assert expected in str(failure.value)
    assert fetch_host_key_fingerprint(sshd.host, sshd.port, timeout=10) == expected
    assert names_in(remote_dir) == []


def test_every_host_key_the_server_offers_is_listed(sshd: SshdServer) -> None:
    offered = fetch_host_key_fingerprints(sshd.host, sshd.port, timeout=10)

    assert offered == {
        "ssh-ed25519": sshd.host_key_fingerprint("ed25519"),
        "ssh-rsa": sshd.host_key_fingerprint("rsa"),
    }


def test_a_pin_written_with_padding_or_spaces_still_matches(sshd: SshdServer, remote_dir: Path) -> None:
    pin = sshd.host_key_fingerprint("ed25519")
    written = " sha256:" + pin.removeprefix("SHA256:") + "= "

    assert normalise_host_key_fingerprint(written) == pin
    upload(target_for(sshd, remote_dir, host_key_sha256=written), sshd.account.password, b"data", NAME)
    assert (remote_dir / NAME).read_bytes() == b"data"


def test_a_pin_of_the_servers_rsa_key_is_honoured(sshd: SshdServer, remote_dir: Path) -> None:
    rsa_pin = sshd.host_key_fingerprint("rsa")

    result = upload(
        target_for(sshd, remote_dir, host_key_sha256=rsa_pin), sshd.account.password, b"data", NAME
    )

    assert result.host_key_sha256 == rsa_pin
    assert (remote_dir / NAME).read_bytes() == b"data"


def test_a_missing_remote_folder_is_named(sshd: SshdServer, remote_dir: Path) -> None:
    target = target_for(sshd, remote_dir / "incoming")

    with pytest.raises(RemoteFolderMissing, match="incoming does not exist"):
        upload(target, sshd.account.password, b"data", NAME, retries=2, backoff=0.01)


def test_a_read_only_folder_is_permission_denied(sshd: SshdServer, remote_dir: Path) -> None:
    locked = remote_dir / "locked"
    locked.mkdir(mode=0o555)  # owned by root: the test account may look but not write
    locked.chmod(0o555)

    with pytest.raises(PermissionDenied) as failure:
        upload(target_for(sshd, locked), sshd.account.password, b"data", NAME, retries=2, backoff=0.01)

    assert failure.value.attempts == 1
    assert names_in(locked) == []


def test_an_existing_file_is_never_replaced(
    sshd: SshdServer, remote_dir: Path, sshd_account: TestAccount
) -> None:
    (remote_dir / NAME).write_bytes(b"last quarter")

    with pytest.raises(RemoteFileExists, match="is already in"):
        upload(target_for(sshd, remote_dir), sshd.account.password, b"this quarter", NAME)

    assert (remote_dir / NAME).read_bytes() == b"last quarter"
    assert names_in(remote_dir) == [NAME]


def test_a_cut_connection_leaves_nothing_under_the_final_name_and_a_later_send_works(
    sshd: SshdServer, remote_dir: Path, relay
) -> None:
    cut = relay(sshd.port, [600_000])
    target = target_for(sshd, remote_dir, port=cut.port)
    data = os.urandom(4 * 1024 * 1024)

    with pytest.raises(ConnectionLost) as failure:
        upload(target, sshd.account.password, data, NAME, retries=0, timeout=10)
    assert not (remote_dir / NAME).exists()
    assert "connection" in str(failure.value).lower()

    result = upload(target, sshd.account.password, data, NAME, retries=0, timeout=10)
    assert result.attempts == 1
    assert (remote_dir / NAME).read_bytes() == data


def test_a_connection_cut_mid_upload_is_retried_and_its_temporary_file_removed(
    sshd: SshdServer, remote_dir: Path, relay
) -> None:
    cut = relay(sshd.port, [600_000])
    data = os.urandom(4 * 1024 * 1024)

    result = upload(
        target_for(sshd, remote_dir, port=cut.port), sshd.account.password, data, NAME, backoff=0.05
    )

    assert result.attempts == 2
    assert (remote_dir / NAME).read_bytes() == data
    assert names_in(remote_dir) == [NAME]


def test_a_connection_refused_at_first_is_retried(sshd: SshdServer, remote_dir: Path, relay) -> None:
    flaky = relay(sshd.port, [0])

    result = upload(
        target_for(sshd, remote_dir, port=flaky.port), sshd.account.password, b"data", NAME, backoff=0.05
    )

    assert result.attempts == 2
    assert (remote_dir / NAME).read_bytes() == b"data"


def test_an_unreachable_server_is_retried_then_reported(sshd: SshdServer, remote_dir: Path) -> None:
    closed_port = free_port()

    with pytest.raises(Unreachable) as failure:
        upload(
            target_for(sshd, remote_dir, port=closed_port),
            "x",
            b"data",
            NAME,
            retries=1,
            backoff=0.01,
            timeout=5,
        )

    assert failure.value.attempts == 2
    assert f"127.0.0.1:{closed_port}" in str(failure.value)


def test_cancel_mid_upload_stops_at_once_and_the_next_send_removes_the_temporary_file(
    sshd: SshdServer, remote_dir: Path
) -> None:
    cancel = threading.Event()
    data = os.urandom(8 * 1024 * 1024)

    def cancel_after_the_first_megabyte(sent: int, total: int) -> None:
        if sent >= 1024 * 1024:
            cancel.set()

    with pytest.raises(SendCancelled) as failure:
        upload(
            target_for(sshd, remote_dir),
            sshd.account.password,
            data,
            NAME,
            progress=cancel_after_the_first_megabyte,
            cancel=cancel,
        )

    assert failure.value.kind == "cancelled"
    assert not (remote_dir / NAME).exists()
    left = [name for name in names_in(remote_dir) if ".part-" in name]
    recorded = [Path(path).name for path in failure.value.left_behind]
    # Everything on the server is recorded; a name may be recorded before the server has made the file
    # (it is recorded first), so under load the listing can come before the file.
    assert set(left) <= set(recorded) and len(recorded) <= 1
    if recorded:
        assert f"{remote_dir}/{recorded[0]}" in str(failure.value)
    upload(target_for(sshd, remote_dir), sshd.account.password, b"next quarter", NAME)
    assert names_in(remote_dir) == [NAME]


def test_a_full_disk_is_reported_as_such(
    sshd: SshdServer, remote_dir: Path, sshd_account: TestAccount
) -> None:
    small = remote_dir / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=1m,uid={sshd_account.uid},mode=0755", "idi-test", str(small)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here to fill: {mounted.stderr.decode().strip()}")
    try:
        with pytest.raises(DiskFull, match="no room"):
            upload(
                target_for(sshd, small), sshd.account.password, os.urandom(3 * 1024 * 1024), NAME, retries=2
            )
        assert names_in(small) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_what_gnupg_decrypts_from_the_server_is_what_was_encrypted(
    sshd: SshdServer, remote_dir: Path, gpg_keys: GpgKeys, data_dir: Path
) -> None:
    plaintext = (data_dir / "referrals_export.csv").read_bytes()
    recipient = load_recipient_key(
        gpg_keys.export("recipient.asc", RECIPIENT), gpg_keys.fingerprints[RECIPIENT]
    )

    upload(target_for(sshd, remote_dir), sshd.account.password, encrypt_for(recipient, plaintext), NAME)

    assert gpg_keys.decrypt((remote_dir / NAME).read_bytes()) == plaintext


def test_the_secret_is_nowhere_after_sending(
    sshd: SshdServer,
    remote_dir: Path,
    isolated_user_folders: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="paramiko")
    secret = sshd.account.password
    target = target_for(sshd, remote_dir)

    with debug_log_file(paths.log_dir() / "debug.log") as log_file:
        result = upload(target, secret, b"encrypted bytes", NAME)
        with pytest.raises(SendError) as failure:
            upload(target, secret + "-wrong", b"encrypted bytes", "other.gpg")

    out, err = capfd.readouterr()
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    stored = [path.read_bytes() for path in isolated_user_folders.rglob("*") if path.is_file()]
    written = log_file.read_text(encoding="utf-8")
    assert "paramiko.transport" in written and "idi_share.transfer" in written  # both were logging, to disk
    assert secret not in logged and secret not in out and secret not in err
    assert all(secret.encode() not in content for content in stored)
    assert secret not in f"{failure.value} {failure.value!r} {target!r} {result!r}"


@contextlib.contextmanager
def debug_log_file(path: Path) -> Iterator[Path]:
    """Everything the app and paramiko log, at DEBUG, into a file in the app's log folder (the worst case)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger("idi_share"), logging.getLogger("paramiko")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield path
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()


def test_a_file_name_with_a_folder_in_it_is_refused(sshd: SshdServer, remote_dir: Path) -> None:
    with pytest.raises(InputError, match="cannot be used on the server"):
        upload(target_for(sshd, remote_dir), sshd.account.password, b"data", "../escape.gpg")


def test_without_a_password_nothing_is_tried(sshd: SshdServer, remote_dir: Path) -> None:
    with pytest.raises(AuthenticationFailed, match="No password is saved"):
        upload(target_for(sshd, remote_dir), None, b"data", NAME)


def test_the_target_is_built_from_the_profiles_sftp_section(tmp_path: Path) -> None:
    from core.profile import profile_from_dict
    from core.sending.supply import sftp_target

    section = {
        "host": "sftp.example.org",
        "port": 2222,
        "username": "kwt-supply",
        "remote_dir": "/incoming",
        "auth": "key",
        "key_file": "keys/id_ed25519",
        "host_key_sha256": "SHA256:abc",
    }
    profile = profile_from_dict(
        {"format": 1, "name": "p", "mapping": {"full_name": "Name"}, "sftp": section},
        path=tmp_path / "p.idiprofile.json",
    )
    target = sftp_target(profile)
    assert target == SftpTarget("sftp.example.org", 2222, "kwt-supply", "/incoming", "key",
                                tmp_path / "keys" / "id_ed25519", "SHA256:abc")  # fmt: skip
    assert target.server == "sftp.example.org:2222"

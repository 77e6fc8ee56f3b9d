"""`main.py send` against each fault of issue 12, end to end: exit status, the one line on stderr (and
nothing else there: no paramiko traceback, no progress), what is left on the server, the receipt, and
how long it took to give up. Step deadlines are short here (`sftp.timeout_seconds`); the defaults are
measured in the README's reliability table."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from core import paths
from core.cli.main import main
from core.sending.history import receipts_path
from tests.integration.conftest import RECIPIENT, Fault, GpgKeys, SilentServer
from tests.integration.test_send_cli import AS_OF, TODAY_NAME, write_profile

pytestmark = pytest.mark.service

STEP = 1


def send_through(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, server, folder, port=None, **changes):
    """Run `main.py send --yes` once; the password comes from IDI_SHARE_SFTP_SECRET (taken once read)."""
    secret = changes.pop("secret", server.account.password)
    sftp = {"timeout_seconds": STEP, **changes.pop("sftp", {})}
    if port is not None:
        sftp["port"] = port
    profile = write_profile(tmp_path, gpg_keys, server, folder, sftp=sftp, **changes)
    monkeypatch.setenv("IDI_SHARE_SFTP_SECRET", secret)
    source = sample_copy("whanau_register.xlsx")
    started = time.monotonic()
    code = main(["send", str(source), "--profile", str(profile), "--as-of", AS_OF, "--yes"])
    seconds = time.monotonic() - started
    _out, err = capsys.readouterr()
    return code, err, seconds


def one_line(err: str) -> str:
    """stderr must be exactly one line: the plain sentence, no traceback, no progress."""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and "paramiko" not in err and "Socket exception" not in err
    return err.strip()


def last_receipt() -> dict:
    return json.loads(receipts_path().read_text(encoding="utf-8").splitlines()[-1])


def parts_in(folder: Path) -> list[str]:
    return [path.name for path in folder.iterdir() if ".part-" in path.name]


def new_part_appears(folder: Path):
    """A predicate for one relayed connection: true once a temporary file appears that was not there
    when the connection began (so an earlier attempt's leftover does not trigger it)."""
    seen: set[str] | None = None

    def check() -> bool:
        nonlocal seen
        current = set(parts_in(folder))
        if seen is None:
            seen = current
        return bool(current - seen)

    return check


def test_a_server_that_never_answers(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    silent = SilentServer()
    try:
        code, err, seconds = send_through(
            capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, port=silent.port
        )
    finally:
        silent.close()

    assert code == 3
    assert "stopped answering before greeting IDI Share" in one_line(err)
    assert seconds < 30
    assert list(remote_dir.iterdir()) == []
    assert last_receipt()["outcome"] == "failed"


def test_an_sftp_subsystem_that_never_starts(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sleepy_sshd
) -> None:
    code, err, seconds = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sleepy_sshd, tmp_path
    )

    assert code == 3
    assert "stopped answering while starting SFTP" in one_line(err)
    assert seconds < 30
    assert last_receipt()["outcome"] == "failed"


def test_a_stall_mid_upload_then_the_next_send_leaves_no_temporary_file(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, relay
) -> None:
    stalled = relay(sshd.port, [Fault(stall_when=new_part_appears(remote_dir)) for _ in range(2)])

    code, err, seconds = send_through(
        capsys,
        monkeypatch,
        tmp_path,
        sample_copy,
        gpg_keys,
        sshd,
        remote_dir,
        port=stalled.port,
        sftp={"port": stalled.port},
    )

    line = one_line(err)
    assert code == 3 and seconds < 30
    assert "stopped answering while the file was being written" in line
    [left] = parts_in(remote_dir)
    assert f"{remote_dir}/{left}" in line and "removes it at the next send" in line
    assert not (remote_dir / TODAY_NAME).exists()
    receipt = last_receipt()
    assert receipt["outcome"] == "failed" and receipt["left_on_server"] == [f"{remote_dir}/{left}"]
    assert len(receipt["temporary_files"]) == 2  # the second attempt removed the first one's
    assert receipt["temporary_files"][-1:] == receipt["left_on_server"]

    code, err, _ = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, port=stalled.port
    )

    assert code == 1 and err == ""
    assert sorted(path.name for path in remote_dir.iterdir()) == [TODAY_NAME]
    assert last_receipt()["outcome"] == "sent" and last_receipt()["left_on_server"] == []


def test_a_connection_cut_mid_upload_is_retried_and_leaves_no_temporary_file(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, relay
) -> None:
    cut = relay(sshd.port, [Fault(cut_when=new_part_appears(remote_dir))])

    code, err, _ = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, port=cut.port
    )

    assert code == 1 and err == ""
    assert [path.name for path in remote_dir.iterdir()] == [TODAY_NAME]
    receipt = last_receipt()
    assert receipt["outcome"] == "sent" and len(receipt["temporary_files"]) == 2
    assert receipt["left_on_server"] == []


def test_a_read_only_folder(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir) -> None:
    locked = remote_dir / "locked"
    locked.mkdir(mode=0o555)

    code, err, _ = send_through(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, locked)

    assert code == 3
    assert f"does not let {sshd.account.name} write to {locked}" in one_line(err)
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize("problem", ["wrong password", "impostor host key"])
def test_sign_in_and_host_key_failures(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, impostor_sshd, remote_dir, problem
) -> None:
    if problem == "wrong password":
        code, err, _ = send_through(
            capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, secret="not-it"
        )
        assert "did not accept the password" in one_line(err)
    else:
        code, err, _ = send_through(
            capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, impostor_sshd, remote_dir,
            sftp={"host_key_sha256": sshd.host_key_fingerprint("ed25519")},
        )  # fmt: skip
        assert "different key" in one_line(err)
    assert code == 3
    assert list(remote_dir.iterdir()) == []


def test_a_refused_rename(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, refusing_rename_sshd, remote_dir
) -> None:
    code, err, _ = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, refusing_rename_sshd, remote_dir
    )

    assert code == 3
    assert "did not let the finished file be renamed" in one_line(err)
    assert list(remote_dir.iterdir()) == []
    assert last_receipt()["outcome"] == "failed" and last_receipt()["left_on_server"] == []


def test_a_drop_box_that_refuses_renames(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, refusing_rename_sshd, remote_dir
) -> None:
    code, err, _ = send_through(
        capsys,
        monkeypatch,
        tmp_path,
        sample_copy,
        gpg_keys,
        refusing_rename_sshd,
        remote_dir,
        sftp={"drop_box": True},
    )

    assert code == 1 and err == ""
    assert [path.name for path in remote_dir.iterdir()] == [TODAY_NAME]
    assert gpg_keys.decrypt((remote_dir / TODAY_NAME).read_bytes()).startswith(b"identifier,")
    assert "drop box" in last_receipt()["message"]


def test_a_lost_reply_to_the_rename_is_reported_as_sent(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, relay
) -> None:
    final = remote_dir / TODAY_NAME
    lossy = relay(sshd.port, [Fault(cut_reply_when=final.exists)])

    code, err, _ = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, port=lossy.port
    )

    assert code == 1 and err == ""
    assert [path.name for path in remote_dir.iterdir()] == [TODAY_NAME]
    receipt = last_receipt()
    assert receipt["outcome"] == "sent" and "reply to the rename was lost" in receipt["message"]


def test_a_receipt_that_cannot_be_saved_after_a_good_upload(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    receipts_path().mkdir()  # a folder where the receipts file should be: writing it fails

    code, err, _ = send_through(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir)

    line = one_line(err)
    assert code == 1  # as for a send with rows left out: the file did arrive
    assert f"{TODAY_NAME} arrived at {sshd.host}:{sshd.port}" in line
    assert f"receipt could not be saved in {receipts_path()}" in line
    assert [path.name for path in remote_dir.iterdir()] == [TODAY_NAME]


def weak_key(gpg_keys: GpgKeys) -> tuple[Path, str]:
    user_id = "IDI Weak RSA-1024 <weak@example.org>"
    if user_id not in gpg_keys.fingerprints:
        gpg_keys.generate(user_id, "rsa1024", "cert,sign")
        gpg_keys.add_subkey(user_id, "rsa1024", "encr")
    return gpg_keys.export("weak.asc", user_id), gpg_keys.fingerprints[user_id]


@pytest.mark.parametrize("key", ["RSA-1024", "/dev/zero", "no fingerprint", "someone else's key"])
def test_an_unusable_recipient_key_is_bad_input_never_an_internal_problem(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, key
) -> None:
    fingerprint = gpg_keys.fingerprints[RECIPIENT]
    if key == "RSA-1024":
        key_file, fingerprint = weak_key(gpg_keys)
        words = "RSA1024 is not considered secure"
    elif key == "/dev/zero":
        key_file, words = Path("/dev/zero"), "not an ordinary file"
    elif key == "no fingerprint":
        key_file, fingerprint, words = gpg_keys.export("other.asc", RECIPIENT), None, "recipient_fingerprint"
    else:
        key_file, words = weak_key(gpg_keys)[0], "but the profile expects"
    encryption = {"recipient_key_file": str(key_file), "recipient_fingerprint": fingerprint}

    code, err, _ = send_through(
        capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, encryption=encryption
    )

    assert code == 2
    assert words in one_line(err)
    assert list(remote_dir.iterdir()) == []


def test_the_confirmation_names_the_recipient_key_as_read_from_the_file(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    main(
        [
            "send",
            str(sample_copy("whanau_register.xlsx")),
            "--profile",
            str(profile),
            "--as-of",
            AS_OF,
            "--output-only",
            str(out_dir),
        ]
    )

    out = capsys.readouterr().out
    fingerprint = gpg_keys.fingerprints[RECIPIENT]
    spaced = " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))
    assert f"Encrypted for: {RECIPIENT}, key fingerprint {spaced}" in out


def test_the_log_file_and_receipts_are_for_their_owner_only(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    send_through(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir)

    for path in (receipts_path(), paths.log_dir() / "idi-share.log"):
        assert os.stat(path).st_mode & 0o077 == 0, path


def test_a_full_disk(
    capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, sshd_account
) -> None:
    small = remote_dir / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=8k,uid={sshd_account.uid},mode=0755", "idi-test", str(small)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here to fill: {mounted.stderr.decode().strip()}")
    try:
        code, err, _ = send_through(capsys, monkeypatch, tmp_path, sample_copy, gpg_keys, sshd, small)
        left = list(small.iterdir())
    finally:
        subprocess.run(["umount", str(small)], check=False)

    assert code == 3
    assert "has no room for the file" in one_line(err)
    assert left == []

"""The Send step end to end: the encrypted file saved, and a real upload to a loopback OpenSSH server."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pysequoia
import pytest

from core import paths
from core.profile import PROFILE_SUFFIX, load_profile
from core.sending.history import read_receipts
from gui import sending_flow as main_window_module
from gui.main_window import SEND
from tests.integration.conftest import client_keys, remote_dir, sshd, sshd_account  # noqa: F401 - fixtures

REFERRALS = "referrals_export.csv"
SENT_COLUMNS = ["identifier", "given_name", "family_name", "dob", "gender", "start_date", "end_date"]


@pytest.fixture
def stats_nz_key(tmp_path) -> tuple[pysequoia.Tsk, Path]:
    """A recipient key pair made for the test: the public half for the app, the secret half to check."""
    secret = pysequoia.Tsk.generate("Stats NZ test <idi-test@example.org>")
    public = tmp_path / "statsnz-public.asc"
    public.write_text(str(secret.extract_certificate()))
    return secret, public


def write_settings(folder: Path, planted: dict, public_key: Path, fingerprint: str, **extra) -> Path:
    settings = {
        "format": 1,
        "name": "Referrals",
        "organisation_code": "TST",
        "mapping": planted["mapping"],
        "identifier_type": planted["id_type"],
        "output": {"rows_with_errors": "exclude"},
        "encryption": {"recipient_key_file": public_key.name, "recipient_fingerprint": fingerprint},
        **extra,
    }
    path = folder / f"referrals{PROFILE_SUFFIX}"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


def decrypted_rows(secret: pysequoia.Tsk, encrypted: bytes) -> list[list[str]]:
    plain = pysequoia.decrypt(decryptor=secret.decryptor(), bytes=encrypted).bytes.decode("utf-8")
    return list(csv.reader(io.StringIO(plain)))


def to_send_step(driver, window, data_dir, settings: Path) -> None:
    window.use_settings(settings)
    driver.open_and_check(data_dir / REFERRALS)
    window.next_button.click()
    assert window.step == SEND


def test_saving_an_encrypted_file_writes_only_what_stats_nz_can_open(
    qtbot, driver, window, data_dir, expected, tmp_path, stats_nz_key
) -> None:
    secret, public = stats_nz_key
    fingerprint = str(secret.extract_certificate().fingerprint)
    to_send_step(
        driver, window, data_dir, write_settings(tmp_path, expected["files"][REFERRALS], public, fingerprint)
    )
    assert window.send_step.save_button.isEnabled() and not window.send_step.send_button.isEnabled()
    assert "server details" in window.send_step.why_not.text.text()
    shown = window.send_step.where_text.text()  # the key as read from the file: name, e-mail, fingerprint
    assert "Encrypted for: Stats NZ test <idi-test@example.org>" in shown
    assert " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)).upper() in shown
    folder = tmp_path / "outbox"
    folder.mkdir()
    with qtbot.waitSignal(window.file_saved, timeout=30_000):
        window.save_encrypted_file(folder)
    (saved,) = folder.iterdir()
    assert saved.name.startswith("TST_") and saved.name.endswith(".csv.gpg")
    encrypted = saved.read_bytes()
    assert b"given_name" not in encrypted  # nothing readable leaves
    lines = decrypted_rows(secret, encrypted)
    assert lines[0] == SENT_COLUMNS
    assert len(lines) - 1 == window.result.rows - int(window.result.has_error.sum())
    receipt = read_receipts()[-1]
    assert (receipt.outcome, receipt.file_name, receipt.rows_sent) == ("saved", saved.name, len(lines) - 1)
    assert saved.name in window.send_step.outcome.text.text()


def test_rows_that_must_be_fixed_stop_both_buttons_with_a_sentence(
    driver, window, data_dir, expected, tmp_path, stats_nz_key
) -> None:
    secret, public = stats_nz_key
    settings = write_settings(
        tmp_path, expected["files"][REFERRALS], public, str(secret.extract_certificate().fingerprint)
    )
    data = json.loads(settings.read_text())
    data["output"]["rows_with_errors"] = "block"
    settings.write_text(json.dumps(data))
    to_send_step(driver, window, data_dir, settings)
    assert window.result.has_error.any()
    send = window.send_step
    assert not send.send_button.isEnabled() and not send.save_button.isEnabled()
    assert "nothing can be sent yet" in send.blocked.text.text()
    assert "Fix the rows" in send.why_not.text.text()


@pytest.fixture
def sftp_settings(tmp_path, expected, stats_nz_key, sshd, remote_dir):  # noqa: F811 - fixtures imported above
    secret, public = stats_nz_key
    sftp = {
        "host": sshd.host,
        "port": sshd.port,
        "username": sshd.account.name,
        "remote_dir": str(remote_dir),
        "auth": "password",
    }
    return write_settings(
        tmp_path,
        expected["files"][REFERRALS],
        public,
        str(secret.extract_certificate().fingerprint),
        sftp=sftp,
    )


@pytest.mark.service
def test_send_now_asks_the_password_and_the_servers_key_then_uploads(
    qtbot,
    driver,
    window,
    data_dir,
    stats_nz_key,
    sftp_settings,
    sshd,  # noqa: F811
    remote_dir,  # noqa: F811
    monkeypatch,
    memory_keyring,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(main_window_module, "ask_secret", lambda *_args: (sshd.account.password, True))
    monkeypatch.setattr(
        main_window_module,
        "confirm_host_key",
        lambda _parent, _server, fingerprint: asked.append(fingerprint) or True,
    )
    to_send_step(driver, window, data_dir, sftp_settings)
    assert window.send_step.send_button.isEnabled()
    with qtbot.waitSignal(window.supply_sent, timeout=60_000):
        window.send_step.send_button.click()
    (arrived,) = remote_dir.iterdir()
    assert arrived.name.endswith(".csv.gpg")
    lines = decrypted_rows(stats_nz_key[0], arrived.read_bytes())
    assert lines[0] == SENT_COLUMNS and "Notes" not in lines[0]
    assert asked == [load_profile(sftp_settings).sftp.host_key_sha256]  # confirmed, then kept in the settings
    receipt = read_receipts()[-1]
    assert receipt.outcome == "sent" and receipt.host_key_sha256 == asked[0]
    assert "Sent" in window.send_step.outcome.text.text()
    assert not window.send_step.send_button.isEnabled()  # never twice by mistake
    assert sshd.account.password in memory_keyring.store.values()
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir(), sftp_settings.parent):
        for path in folder.rglob("*"):
            if path.is_file():
                assert sshd.account.password.encode() not in path.read_bytes(), path


@pytest.mark.service
def test_a_server_key_that_is_not_confirmed_sends_nothing(
    qtbot,
    driver,
    window,
    data_dir,
    sftp_settings,
    sshd,  # noqa: F811
    remote_dir,  # noqa: F811
    monkeypatch,
) -> None:
    monkeypatch.setattr(main_window_module, "ask_secret", lambda *_args: (sshd.account.password, False))
    monkeypatch.setattr(main_window_module, "confirm_host_key", lambda *_args: False)
    to_send_step(driver, window, data_dir, sftp_settings)
    window.send_step.send_button.click()
    qtbot.waitUntil(lambda: window.send_step.failure.isVisible(), timeout=60_000)
    assert "fingerprint was not confirmed" in window.send_step.failure.text.text()
    assert list(remote_dir.iterdir()) == []
    assert load_profile(sftp_settings).sftp.host_key_sha256 is None


@pytest.mark.service
def test_a_changed_server_key_stops_with_the_warning(
    qtbot,
    driver,
    window,
    data_dir,
    sftp_settings,
    sshd,  # noqa: F811
    remote_dir,  # noqa: F811
    monkeypatch,
) -> None:
    data = json.loads(sftp_settings.read_text())
    data["sftp"]["host_key_sha256"] = "SHA256:" + "A" * 43  # not this server's key
    sftp_settings.write_text(json.dumps(data))
    monkeypatch.setattr(main_window_module, "ask_secret", lambda *_args: (sshd.account.password, False))
    to_send_step(driver, window, data_dir, sftp_settings)
    with qtbot.waitSignal(window.task_failed, timeout=60_000) as failure:
        window.send_step.send_button.click()
    assert failure.args[0].startswith("Warning:")
    assert window.send_step.failure.text.text() == failure.args[0]
    assert list(remote_dir.iterdir()) == []


@pytest.mark.service
def test_a_stored_password_the_server_refuses_is_asked_for_again(
    qtbot,
    driver,
    window,
    data_dir,
    sftp_settings,
    sshd,  # noqa: F811
    remote_dir,  # noqa: F811
    monkeypatch,
) -> None:
    from core.sending.credentials import get_secret, store_secret

    store_secret(sshd.account.name, sshd.host, sshd.port, "an old password")
    notes: list[str] = []
    monkeypatch.setattr(
        main_window_module,
        "ask_secret",
        lambda _parent, _sftp, note="": notes.append(note) or (sshd.account.password, True),
    )
    monkeypatch.setattr(main_window_module, "confirm_host_key", lambda *_args: True)
    to_send_step(driver, window, data_dir, sftp_settings)
    with qtbot.waitSignal(window.supply_sent, timeout=60_000):
        window.send_step.send_button.click()
    assert len(notes) == 1 and notes[0]  # asked once, saying why
    (arrived,) = remote_dir.iterdir()
    assert arrived.name.endswith(".csv.gpg")
    assert get_secret(sshd.account.name, sshd.host, sshd.port) == sshd.account.password


@pytest.mark.parametrize("can_remember", [False, True])
def test_the_password_prompt_says_in_words_when_it_cannot_be_kept(qtbot, window, can_remember) -> None:
    """Without a secure store the reason is a sentence in the dialog, not a tooltip on a greyed-out box
    that a keyboard never reaches; with one, the box to keep it is offered and ticked."""
    from core.profile import SftpSettings
    from gui.dialogs import SecretDialog

    sftp = SftpSettings(host="127.0.0.1", port=2222, username="tst", host_key_sha256="SHA256:abc")
    dialog = SecretDialog(window, sftp, can_remember=can_remember)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.no_store.isVisible() is not can_remember
    assert "no secure credential store" in dialog.no_store.text()
    assert dialog.remember.isVisible() is can_remember
    assert dialog.remember.isChecked() is can_remember

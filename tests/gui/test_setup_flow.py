"""From an empty settings folder to a second period's send, driving the real window: setup, Test connection
against a real OpenSSH server, the first send (decrypted with gpg), a restart, and one click the next time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import paths
from core.sending.crypto import format_fingerprint
from core.sending.history import read_receipts
from core.sending.supplies import list_supplies, supply_state
from gui.main_window import REVIEW, SEND, MainWindow
from tests.gui.conftest import WORKER_TIMEOUT_MS, Driver
from tests.integration.conftest import EXPIRED, RECIPIENT, REVOKED

REFERRALS = "referrals_export.csv"


def new_window(qtbot, as_of: dt.date) -> MainWindow:
    window = MainWindow(as_of=as_of)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    return window


def fill_organisation(window: MainWindow) -> None:
    page = window.setup_view.organisation_page
    page.organisation.setText("Test Trust")
    page.code.setText("tst")
    page.supply_name.setText("Referrals")
    window.setup_view.next_button.click()


def choose_key(window: MainWindow, key_file: Path, typed: str) -> None:
    page = window.setup_view.key_page
    page.choose_key_file(key_file)
    page.given.setText(typed)
    window.setup_view.next_button.click()


def fill_server(window: MainWindow, sshd, folder: Path, password: str, fingerprint: str = "") -> None:
    page = window.setup_view.server_page
    page.host.setText(sshd.host)
    page.port.setValue(sshd.port)
    page.username.setText(sshd.account.name)
    page.folder.setText(str(folder))
    page.password.setText(password)
    page.host_key.setText(fingerprint)


def run_test_connection(qtbot, window: MainWindow):
    with qtbot.waitSignal(window.connection_tested, timeout=WORKER_TIMEOUT_MS) as tested:
        window.setup_view.server_page.test_button.click()
    return tested.args[0]


def set_up_to_the_server_page(window: MainWindow, gpg_keys) -> None:
    fill_organisation(window)
    public = gpg_keys.export("statsnz.asc", RECIPIENT)
    choose_key(window, public, gpg_keys.fingerprints[RECIPIENT].lower())


@pytest.mark.service
def test_from_nothing_to_the_second_period_in_one_click(
    qtbot,
    as_of,
    data_dir,
    gpg_keys,
    sshd,
    remote_dir,
    memory_keyring,
) -> None:
    window = new_window(qtbot, as_of)
    assert window.views.currentWidget() is window.setup_view and not window.setup_view.editing

    fill_organisation(window)
    assert window.setup_view.current == 1
    public = gpg_keys.export("statsnz.asc", RECIPIENT)
    fingerprint = gpg_keys.fingerprints[RECIPIENT]
    choose_key(window, public, fingerprint[:-1] + ("0" if fingerprint[-1] != "0" else "1"))
    key_page = window.setup_view.key_page
    assert window.setup_view.current == 1  # a mismatch never goes on
    assert "does not match" in key_page.problem_panel.text.text()
    assert key_page.fingerprint.text() == format_fingerprint(fingerprint)
    assert "recipient@example.org" in key_page.key_text.text()
    key_page.given.setText(" ".join(format_fingerprint(fingerprint).lower().split()))  # spaces, case ignored
    window.setup_view.next_button.click()
    assert window.setup_view.current == 2

    fill_server(window, sshd, remote_dir, sshd.account.password)
    report = run_test_connection(
        qtbot, window
    )  # no fingerprint given: the server's are shown, nothing else tried
    assert not report.ok and len(report.steps) == 1
    assert sshd.host_key_fingerprint("ed25519") in report.steps[0].sentence
    window.setup_view.server_page.host_key.setText(sshd.host_key_fingerprint("rsa"))
    report = run_test_connection(qtbot, window)
    assert report.ok, report.steps
    assert [step.ok for step in report.steps] == [True, True, True, True]
    assert list(remote_dir.iterdir()) == []  # the test file was removed
    assert "✓  Sign in" in window.setup_view.server_page.results.text()
    window.setup_view.next_button.click()
    assert window.setup_view.current == 3
    window.setup_view.next_button.click()  # rows to fix: stop (the default)
    assert window.views.currentWidget() is window.steps_view
    assert sshd.account.password in memory_keyring.store.values()

    driver = Driver(qtbot, window)
    driver.open_and_check(data_dir / REFERRALS)
    assert window.step == REVIEW
    (saved,), problems = list_supplies()
    assert problems == [] and saved.profile.mapping and saved.profile.organisation_code == "TST"
    assert saved.profile.encryption.recipient_key_file.parent == saved.path.parent  # the key was copied in
    assert sshd.account.password not in saved.path.read_text()
    assert supply_state(saved.key)["last_file"] == str(data_dir / REFERRALS)

    window.next_button.click()
    assert window.step == SEND
    must_fix = int(window.result.has_error.sum())
    assert must_fix and not window.send_step.send_button.isEnabled()
    assert str(must_fix) in window.send_step.exclude_choice.text()
    window.send_step.exclude_choice.click()  # the visible choice: leave them out
    assert window.send_step.send_button.isEnabled()
    assert "recipient@example.org" in window.send_step.where_text.text()
    with qtbot.waitSignal(window.supply_sent, timeout=60_000) as sent:
        window.send_step.send_button.click()
    receipt = sent.args[0]
    assert (receipt.outcome, receipt.rows_left_out) == ("sent", must_fix)
    (arrived,) = remote_dir.iterdir()
    plain = gpg_keys.decrypt(arrived.read_bytes()).decode()
    assert len(plain.strip().splitlines()) - 1 == receipt.rows_sent == window.result.rows - must_fix
    window.close()

    again = new_window(qtbot, as_of)  # a restart: same settings folder
    assert again.views.currentWidget() is again.home_view
    (card,) = again.home_view.cards
    assert arrived.name in card.last_text and REFERRALS in card.file_text
    with qtbot.waitSignal(again.check_finished, timeout=WORKER_TIMEOUT_MS):
        card.prepare_button.click()
    assert again.step == REVIEW
    again.next_button.click()
    assert again.send_step.send_button.isEnabled()  # leaving rows out was remembered
    assert not again.send_step.file_name_row.isHidden()  # the same day: a new name is offered
    second_name = again.send_step.chosen_file_name()
    assert second_name != arrived.name
    with qtbot.waitSignal(again.supply_sent, timeout=60_000):
        again.send_step.send_button.click()
    assert sorted(path.name for path in remote_dir.iterdir()) == sorted([arrived.name, second_name])
    assert [r.outcome for r in read_receipts()] == ["sent", "sent"]
    again.show_history()
    rows = again.history_view.rows()
    assert [row[2] for row in rows] == [second_name, arrived.name]
    for path in paths.config_dir().rglob("*"):
        if path.is_file():
            assert sshd.account.password.encode() not in path.read_bytes(), path


@pytest.mark.service
def test_a_wrong_password_stops_test_connection_at_sign_in(
    qtbot,
    as_of,
    gpg_keys,
    sshd,
    remote_dir,
) -> None:
    window = new_window(qtbot, as_of)
    set_up_to_the_server_page(window, gpg_keys)
    fill_server(window, sshd, remote_dir, "not the password", sshd.host_key_fingerprint("ed25519"))
    report = run_test_connection(qtbot, window)
    assert [step.ok for step in report.steps] == [True, False]
    assert "did not accept the password" in report.steps[1].sentence


@pytest.mark.service
def test_a_server_showing_another_fingerprint_stops_setup(
    qtbot,
    as_of,
    gpg_keys,
    sshd,
    remote_dir,
) -> None:
    window = new_window(qtbot, as_of)
    set_up_to_the_server_page(window, gpg_keys)
    fill_server(window, sshd, remote_dir, sshd.account.password, "SHA256:" + "A" * 43)
    report = run_test_connection(qtbot, window)
    assert len(report.steps) == 1 and report.steps[0].sentence.startswith("Stop:")
    window.setup_view.next_button.click()
    assert window.setup_view.current == 2
    assert "did not show the fingerprint" in window.setup_view.server_page.problem_panel.text.text()
    window.setup_view.server_page.host_key.setText(sshd.host_key_fingerprint("rsa"))  # the right one, pasted
    window.setup_view.next_button.click()
    assert window.setup_view.current == 3
    assert window.setup_view.profile.sftp.host_key_sha256 == sshd.host_key_fingerprint("rsa")


@pytest.mark.service
def test_a_folder_that_cannot_be_written_fails_the_last_step(
    qtbot,
    as_of,
    gpg_keys,
    sshd,
    remote_dir,
) -> None:
    remote_dir.chmod(0o555)
    window = new_window(qtbot, as_of)
    set_up_to_the_server_page(window, gpg_keys)
    fill_server(window, sshd, remote_dir, sshd.account.password, sshd.host_key_fingerprint("ed25519"))
    report = run_test_connection(qtbot, window)
    assert [step.ok for step in report.steps] == [True, True, True, False]
    assert "does not let" in report.steps[3].sentence


@pytest.mark.service
@pytest.mark.parametrize("user_id, words", [(EXPIRED, "expired"), (REVOKED, "revoked")])
def test_unusable_keys_are_refused_in_one_sentence(qtbot, as_of, gpg_keys, user_id, words) -> None:
    window = new_window(qtbot, as_of)
    fill_organisation(window)
    choose_key(window, gpg_keys.export(f"{words}.asc", user_id), gpg_keys.fingerprints[user_id])
    sentence = window.setup_view.key_page.problem_panel.text.text()
    assert window.setup_view.current == 1 and words in sentence and sentence.endswith(".")


@pytest.mark.service
def test_a_weak_key_is_refused_in_one_sentence(qtbot, as_of, gpg_keys) -> None:
    weak = "IDI Weak <weak@example.org>"
    if weak not in gpg_keys.fingerprints:
        gpg_keys.generate(weak, "rsa1024", "cert,sign,encr")
    window = new_window(qtbot, as_of)
    fill_organisation(window)
    choose_key(window, gpg_keys.export("weak.asc", weak), gpg_keys.fingerprints[weak])
    sentence = window.setup_view.key_page.problem_panel.text.text()
    assert "cannot be used safely" in sentence and "RSA1024" in sentence and window.setup_view.current == 1


@pytest.mark.service
def test_a_private_key_is_refused(qtbot, as_of, gpg_keys) -> None:
    window = new_window(qtbot, as_of)
    fill_organisation(window)
    secret = gpg_keys.export("secret.asc", RECIPIENT, secret=True)
    choose_key(window, secret, gpg_keys.fingerprints[RECIPIENT])
    assert "is a private key" in window.setup_view.key_page.problem_panel.text.text()
    assert window.setup_view.current == 1


@pytest.mark.service
def test_a_setup_left_before_the_spreadsheet_is_offered_again_filled_in(qtbot, as_of, gpg_keys) -> None:
    window = new_window(qtbot, as_of)
    set_up_to_the_server_page(window, gpg_keys)
    page = window.setup_view.server_page
    page.host.setText("sftp.example.org")
    page.username.setText("tst-supply")
    page.host_key.setText("SHA256:" + "b" * 43)
    window.setup_view.next_button.click()
    window.setup_view.next_button.click()  # finished: on to the spreadsheet, then the window is closed
    assert window.views.currentWidget() is window.steps_view
    window.close()

    again = new_window(qtbot, as_of)
    view = again.setup_view
    assert again.views.currentWidget() is view and view.organisation_page.code.text() == "TST"
    assert "Welcome back" in again.status_label.text()
    for _page in range(4):
        view.next_button.click()
    assert again.views.currentWidget() is again.steps_view
    assert again.new_profile.sftp.host == "sftp.example.org" and again.new_profile.name == "Referrals"
    assert list_supplies() == ([], [])  # still not a supply until its columns are matched


def test_each_setup_page_is_kept_as_it_is_done_without_waiting_for_the_window_to_close(qtbot, as_of) -> None:
    """A window that crashes or loses power after the first page: the next start offers that page filled in."""
    from core.sending.supplies import load_draft

    window = new_window(qtbot, as_of)
    assert load_draft() is None
    fill_organisation(window)
    kept = load_draft()
    assert kept is not None and (kept.organisation_code, kept.name) == ("TST", "Referrals")
    # the key page is not done yet
    assert kept.encryption is None or not kept.encryption.recipient_fingerprint

    again = new_window(qtbot, as_of)  # the first window was never closed
    assert again.setup_view.organisation_page.organisation.text() == "Test Trust"
    assert "Welcome back" in again.status_label.text()

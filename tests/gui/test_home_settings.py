"""Home, Settings, import and the Send page's refusals, with supplies saved in the (temporary) settings folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pysequoia
import pytest

from core.profile import EncryptionSettings, SftpSettings, SupplyProfile
from core.sending import supplies
from core.sending.credentials import get_secret, store_secret
from core.sending.history import Receipt, append_receipt
from gui import dialogs, supply_flow
from gui.jobs import SupplyOutcome
from gui.main_window import REVIEW, SEND, MainWindow
from gui.sending_flow import CONFIRM_CHANGES_REASON, NO_ROWS_REASON
from tests.gui.conftest import WORKER_TIMEOUT_MS

REFERRALS = "referrals_export.csv"


@pytest.fixture
def saved_supply(tmp_path, expected) -> supplies.SavedSupply:
    secret = pysequoia.Tsk.generate("Stats NZ test <idi-test@example.org>")
    key = tmp_path / "statsnz-public.asc"
    key.write_text(str(secret.extract_certificate()))
    planted = expected["files"][REFERRALS]
    profile = SupplyProfile(
        name="Referrals",
        mapping=dict(planted["mapping"]),
        identifier_type=planted["id_type"],
        organisation_code="TST",
        encryption=EncryptionSettings(
            recipient_key_file=key, recipient_fingerprint=str(secret.extract_certificate().fingerprint)
        ),
        sftp=SftpSettings(host="127.0.0.1", port=2222, username="tst", host_key_sha256="SHA256:abc"),
        frequency="monthly",
    )
    supplies.set_first_due(profile, dt.date(2020, 1, 31))
    return supplies.save_supply(profile)


def send_to_the_test_server(saved_supply, sshd, remote_dir: Path, data_dir: Path) -> None:
    """Point the saved supply at the loopback sshd, leaving rows with errors out, as if sent from before."""
    profile = saved_supply.profile
    profile.sftp = SftpSettings(
        host=sshd.host,
        port=sshd.port,
        username=sshd.account.name,
        remote_dir=str(remote_dir),
        host_key_sha256=sshd.host_key_fingerprint("ed25519"),
    )
    profile.output.rows_with_errors = "exclude"
    supplies.save_supply(profile)
    supplies.set_supply_state(saved_supply.key, last_file=str(data_dir / REFERRALS))


def window_for(qtbot, as_of) -> MainWindow:
    window = MainWindow(as_of=as_of)
    qtbot.addWidget(window)
    window.show()
    return window


def test_home_lists_each_supply_with_its_due_date_overdue_and_never_sent(qtbot, as_of, saved_supply) -> None:
    window = window_for(qtbot, as_of)
    assert window.views.currentWidget() is window.home_view
    (card,) = window.home_view.cards
    assert card.overdue and card.due_text.startswith("Overdue")
    assert card.last_text == "Not sent yet." and card.file_text == "No spreadsheet used yet."


def test_enter_on_a_supplys_focused_button_presses_it(qtbot, as_of, saved_supply) -> None:
    """The cards are made after the window's own buttons; Enter must press theirs too, as Space does."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    window = window_for(qtbot, as_of)
    (card,) = window.home_view.cards
    pressed: list[bool] = []
    card.settings_button.clicked.connect(lambda: pressed.append(True))
    card.settings_button.setFocus()
    qtbot.keyClick(card.settings_button, Qt.Key.Key_Return)
    assert pressed == [True]
    assert all(button.autoDefault() for button in window.findChildren(QPushButton))  # every button, not a few


def test_settings_open_at_the_page_asked_for_and_save_changes(qtbot, as_of, saved_supply) -> None:
    window = window_for(qtbot, as_of)
    window.open_settings(saved_supply, "server")
    view = window.setup_view
    assert view.editing and view.current == view.page_index("server")
    assert view.server_page.host.text() == "127.0.0.1" and view.key_page.matches()
    view.rows_page.exclude.setChecked(True)
    view.server_page.folder.setText("/incoming")
    view.save_button.click()  # the organisation's name was never given: its page says so
    assert view.current == view.page_index("organisation")
    assert view.organisation_page.problem_panel.text.text() == "Type your organisation's name."
    view.organisation_page.organisation.setText("Test Trust")
    view.save_button.click()
    assert window.views.currentWidget() is window.home_view
    (reloaded,), _ = supplies.list_supplies()
    assert reloaded.profile.sftp.remote_dir == "/incoming"
    assert reloaded.profile.output.rows_with_errors == "exclude"
    assert reloaded.path == saved_supply.path


def test_removing_a_supply_deletes_its_password_and_returns_to_setup(
    qtbot, as_of, saved_supply, monkeypatch
) -> None:
    store_secret("tst", "127.0.0.1", 2222, "s3cret")
    monkeypatch.setattr(dialogs, "confirm_removal", lambda *_args: True)
    window = window_for(qtbot, as_of)
    window.open_settings(saved_supply)
    window.setup_view.remove_button.click()
    assert supplies.list_supplies() == ([], [])
    assert get_secret("tst", "127.0.0.1", 2222) is None
    assert window.views.currentWidget() is window.setup_view and not window.setup_view.editing


def test_imported_settings_are_shown_and_used_only_once_confirmed(
    qtbot, as_of, saved_supply, tmp_path, monkeypatch
) -> None:
    exported = supplies.export_supply(saved_supply, tmp_path / "from-the-intermediary")
    supplies.remove_supply(saved_supply)
    shown: list[str] = []
    monkeypatch.setattr(
        dialogs, "confirm_imported", lambda _parent, profile: shown.append(profile.sftp.host) or False
    )
    window = window_for(qtbot, as_of)
    window.import_settings(exported)
    (imported,), _ = supplies.list_supplies()
    assert shown == ["127.0.0.1"] and supplies.supply_state(imported.key)["confirmed"] is False
    window.prepare(window.home_view.cards[0].supply)  # still not confirmed: asked again, nothing prepared
    assert shown == ["127.0.0.1", "127.0.0.1"] and window.table is None


def test_a_list_with_no_people_is_never_sent_or_saved(qtbot, as_of, saved_supply, tmp_path, data_dir) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text((data_dir / REFERRALS).read_text(encoding="utf-8-sig").splitlines()[0] + "\n")
    supplies.set_supply_state(saved_supply.key, last_file=str(empty))
    window = window_for(qtbot, as_of)
    with qtbot.waitSignals([window.table_loaded], timeout=WORKER_TIMEOUT_MS):
        window.prepare(saved_supply)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WORKER_TIMEOUT_MS)
    assert window.step == REVIEW and window.result.rows == 0
    window.next_button.click()
    assert window.step == SEND
    assert not window.send_step.send_button.isEnabled() and not window.send_step.save_button.isEnabled()
    assert NO_ROWS_REASON in window.send_step.why_not.text.text()


def send_page_after_a_send_today(qtbot, as_of, saved_supply, data_dir):
    """The Send page of a saved supply prepared from Home, when today's file name was already sent."""
    today = dt.date.today().strftime("%Y%m%d")
    append_receipt(
        Receipt(
            profile="Referrals",
            file_name=f"TST_{today}.csv.gpg",
            rows_sent=3,
            rows_left_out=0,
            sha256="0" * 64,
            recipient_fingerprint="",
            server="127.0.0.1:2222",
            host_key_sha256="SHA256:abc",
            outcome="sent",
        )
    )
    saved_supply.profile.output.rows_with_errors = "exclude"
    supplies.save_supply(saved_supply.profile)
    supplies.set_supply_state(saved_supply.key, last_file=str(data_dir / REFERRALS))
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    return window, today


def test_a_second_send_on_one_day_offers_another_file_name(qtbot, as_of, saved_supply, data_dir) -> None:
    window, today = send_page_after_a_send_today(qtbot, as_of, saved_supply, data_dir)
    assert not window.send_step.file_name_row.isHidden()
    assert window.send_step.chosen_file_name() == f"TST_{today}_2.csv.gpg"
    assert "Referrals" in window.home_view.cards[0].supply.profile.name
    assert Path(supplies.supply_state(saved_supply.key)["last_file"]).name == REFERRALS


def test_where_it_goes_names_the_file_that_will_be_sent_on_a_second_send(
    qtbot, as_of, saved_supply, data_dir
) -> None:
    window, today = send_page_after_a_send_today(qtbot, as_of, saved_supply, data_dir)
    where = window.send_step.where_text.text()
    assert f"File name: TST_{today}_2.csv.gpg (encrypted)" in where
    assert f"TST_{today}.csv.gpg" not in where
    window.send_step.file_name.setText("TST_other.csv.gpg")
    assert "File name: TST_other.csv.gpg (encrypted)" in window.send_step.where_text.text()


def test_the_send_page_points_to_settings_for_a_missing_server(qtbot, as_of, saved_supply, data_dir) -> None:
    saved_supply.profile.sftp = None
    supplies.save_supply(saved_supply.profile)
    supplies.set_supply_state(saved_supply.key, last_file=str(data_dir / REFERRALS))
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    assert not window.send_step.settings_button.isHidden()
    window.send_step.settings_button.click()
    assert window.views.currentWidget() is window.setup_view
    assert window.setup_view.current == window.setup_view.page_index("server")


def test_a_changed_server_key_since_the_last_send_is_warned_and_must_be_confirmed(
    qtbot, as_of, saved_supply, data_dir
) -> None:
    append_receipt(
        Receipt(
            profile="Referrals",
            file_name="TST_20200101.csv.gpg",
            rows_sent=3,
            rows_left_out=0,
            sha256="0" * 64,
            recipient_fingerprint=saved_supply.profile.encryption.recipient_fingerprint,
            server="127.0.0.1:2222",
            host_key_sha256="SHA256:the-old-key",
            outcome="sent",
        )
    )
    saved_supply.profile.output.rows_with_errors = "exclude"
    supplies.save_supply(saved_supply.profile)
    supplies.set_supply_state(saved_supply.key, last_file=str(data_dir / REFERRALS))
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    send = window.send_step
    assert "SHA256:the-old-key" in send.changes.text.text() and not send.changes_confirmed.isHidden()
    assert not send.send_button.isEnabled() and CONFIRM_CHANGES_REASON in send.why_not.text.text()
    send.changes_confirmed.setChecked(True)
    assert send.send_button.isEnabled()


def test_the_file_menu_lists_recent_spreadsheets(qtbot, as_of, tmp_path) -> None:
    for name in ("march.xlsx", "june.xlsx"):
        supplies.remember_file(tmp_path / name)
    window = window_for(qtbot, as_of)
    window._fill_recent_menu()
    assert [action.text() for action in window.recent_menu.actions()] == ["june.xlsx", "march.xlsx"]


def test_prepare_asks_for_this_periods_file_in_last_times_folder(
    qtbot, as_of, saved_supply, tmp_path, data_dir, monkeypatch
) -> None:
    gone = tmp_path / "last quarter" / "referrals.csv"
    gone.parent.mkdir()
    supplies.set_supply_state(saved_supply.key, last_file=str(gone))  # moved or renamed since
    asked: list[str] = []

    def choose(_parent, _title, folder, _filter):
        asked.append(folder)
        return str(data_dir / REFERRALS), ""

    monkeypatch.setattr(supply_flow.QFileDialog, "getOpenFileName", choose)
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    assert asked == [str(gone.parent)] and window.step == REVIEW
    assert supplies.supply_state(saved_supply.key)["last_file"] == str(data_dir / REFERRALS)


@pytest.mark.service
def test_a_file_of_that_name_already_on_the_server_offers_another_name(
    qtbot, as_of, saved_supply, data_dir, sshd, remote_dir, memory_keyring
) -> None:
    send_to_the_test_server(saved_supply, sshd, remote_dir, data_dir)
    store_secret(sshd.account.name, sshd.host, sshd.port, sshd.account.password)
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    taken = window.send_step.chosen_file_name()
    (remote_dir / taken).write_bytes(b"sent by someone else")
    with qtbot.waitSignal(window.task_failed, timeout=60_000) as failed:
        window.send_step.send_button.click()
    assert "already in" in failed.args[0]
    assert not window.send_step.file_name_row.isHidden() and window.send_step.chosen_file_name() != taken
    with qtbot.waitSignal(window.supply_sent, timeout=60_000) as sent:
        window.send_step.send_button.click()
    assert sent.args[0].file_name == window.send_step.chosen_file_name()
    assert (remote_dir / taken).read_bytes() == b"sent by someone else"  # never replaced


def test_the_demo_and_a_settings_file_never_change_a_saved_supply(
    qtbot, as_of, saved_supply, data_dir, tmp_path, driver
) -> None:
    window = driver.window
    window.supply = saved_supply
    before = saved_supply.path.read_text()
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.open_demo()
    driver.open_and_check(data_dir / "whanau_register.xlsx")  # leaving the demo for one's own file
    assert saved_supply.path.read_text() == before
    assert [s.path for s in supplies.list_supplies()[0]] == [saved_supply.path]


@pytest.mark.service
def test_a_wrong_password_at_send_points_to_the_server_settings(
    qtbot, as_of, saved_supply, data_dir, sshd, remote_dir, monkeypatch
) -> None:
    from gui import sending_flow

    send_to_the_test_server(saved_supply, sshd, remote_dir, data_dir)
    monkeypatch.setattr(sending_flow, "ask_secret", lambda *_args: ("not the password", False))
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    with qtbot.waitSignal(window.task_failed, timeout=60_000) as failed:
        window.send_step.send_button.click()
    assert "did not accept the password" in failed.args[0] and list(remote_dir.iterdir()) == []
    assert not window.send_step.settings_button.isHidden()
    window.send_step.settings_button.click()
    assert window.setup_view.current == window.setup_view.page_index("server")


def test_a_damaged_settings_file_is_named_on_home_and_the_others_still_work(
    qtbot, as_of, saved_supply
) -> None:
    (supplies.supplies_dir() / "broken.idiprofile.json").write_text("{ not json", encoding="utf-8")
    window = window_for(qtbot, as_of)
    assert len(window.home_view.cards) == 1
    assert "broken.idiprofile.json" in window.home_view.notes.text.text()


@pytest.mark.parametrize(
    "outcome",
    [SupplyOutcome(needs_secret=True), SupplyOutcome(host_key="SHA256:abc")],
    ids=["password", "key"],
)
def test_stopping_at_the_password_or_the_servers_key_leaves_no_sending_status(
    qtbot, as_of, saved_supply, data_dir, monkeypatch, outcome
) -> None:
    """The status bar said "Sending…" after the password prompt was cancelled."""
    from gui import sending_flow

    saved_supply.profile.output.rows_with_errors = "exclude"
    supplies.save_supply(saved_supply.profile)
    supplies.set_supply_state(saved_supply.key, last_file=str(data_dir / REFERRALS))
    monkeypatch.setattr(sending_flow, "ask_secret", lambda *_args: None)
    monkeypatch.setattr(sending_flow, "confirm_host_key", lambda *_args: False)
    window = window_for(qtbot, as_of)
    with qtbot.waitSignal(window.check_finished, timeout=WORKER_TIMEOUT_MS):
        window.home_view.cards[0].prepare_button.click()
    window.next_button.click()
    window.status_label.setText("Sending…")
    window._on_supply_done(outcome)
    assert window.status_label.text() == "Nothing was sent."
    assert window.send_step.failure.text.text().startswith("Nothing was sent")

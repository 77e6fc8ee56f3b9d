"""Saved supplies in the settings folder: save, list, import, export, remove; due dates; changes since last send."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from core.profile import EncryptionSettings, SftpSettings, SupplyProfile
from core.sending.credentials import get_secret, store_secret
from core.sending.history import Receipt
from core.sending.supplies import (
    add_months,
    changes_since_last_send,
    export_supply,
    import_supply,
    list_supplies,
    next_due,
    recent_files,
    remember_file,
    remove_supply,
    save_supply,
    set_first_due,
    supplies_dir,
    supply_state,
)

FINGERPRINT = "0123456789ABCDEF0123456789ABCDEF01234567"


def profile(tmp_path: Path, name: str = "Referrals", frequency: str = "quarterly") -> SupplyProfile:
    key = tmp_path / "statsnz.asc"
    key.write_text("not checked here")
    made = SupplyProfile(
        name=name,
        mapping={"identifier": "NHI"},
        organisation_code="TST",
        encryption=EncryptionSettings(recipient_key_file=key, recipient_fingerprint=FINGERPRINT),
        sftp=SftpSettings(host="sftp.example.org", username="tst", host_key_sha256="SHA256:abc"),
        frequency=frequency,
    )
    set_first_due(made, dt.date(2026, 3, 31))
    return made


def receipt(time: str, outcome: str = "sent", **changes) -> Receipt:
    values = dict(
        profile="Referrals",
        file_name="TST_20260330.csv.gpg",
        rows_sent=10,
        rows_left_out=0,
        sha256="0" * 64,
        recipient_fingerprint=FINGERPRINT,
        server="sftp.example.org:22",
        host_key_sha256="SHA256:abc",
        outcome=outcome,
        time=time,
    )
    values.update(changes)
    return Receipt(**values)


def test_a_saved_supply_is_listed_with_its_own_copy_of_the_key(tmp_path) -> None:
    saved = save_supply(profile(tmp_path))
    (listed,), problems = list_supplies()
    assert problems == [] and listed.path == saved.path and listed.profile.name == "Referrals"
    assert listed.profile.encryption.recipient_key_file.parent == supplies_dir()
    assert json.loads(saved.path.read_text())["first_due"] == "2026-03-31"


def test_two_supplies_of_one_name_get_two_files(tmp_path) -> None:
    first, second = save_supply(profile(tmp_path)), save_supply(profile(tmp_path))
    assert first.path != second.path and len(list_supplies()[0]) == 2


def test_removing_a_supply_removes_its_settings_key_and_password(tmp_path) -> None:
    saved = save_supply(profile(tmp_path))
    store_secret("tst", "sftp.example.org", 22, "s3cret-value")
    sentence = remove_supply(saved)
    assert "saved password" in sentence
    assert list(supplies_dir().iterdir()) == []
    assert get_secret("tst", "sftp.example.org", 22) is None


def test_export_then_import_brings_the_key_and_asks_for_confirmation(tmp_path) -> None:
    saved = save_supply(profile(tmp_path))
    store_secret("tst", "sftp.example.org", 22, "s3cret-value")
    written_before = saved.path.read_text()
    assert "s3cret-value" not in written_before
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    written = export_supply(saved, outbox / "for-a-colleague")
    assert written.name.endswith(".idiprofile.json")
    assert sorted(path.name for path in outbox.iterdir()) == sorted(
        [written.name, saved.profile.encryption.recipient_key_file.name]
    )
    store_secret("tst", "sftp.example.org", 22, "s3cret-value")
    assert "s3cret-value" not in written.read_text()
    imported = import_supply(written)
    assert imported.path != saved.path and imported.profile.sftp.host == "sftp.example.org"
    assert supply_state(imported.key)["confirmed"] is False


def test_months_are_added_to_the_end_of_shorter_months() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_the_next_supply_is_due_after_the_one_sent_nearest_its_due_date(tmp_path) -> None:
    made = profile(tmp_path)
    assert next_due(made, []) == dt.date(2026, 3, 31)
    assert next_due(made, [receipt("2026-03-28T10:00:00Z")]) == dt.date(2026, 6, 30)
    assert next_due(made, [receipt("2026-04-03T10:00:00Z")]) == dt.date(2026, 6, 30)  # late, still March's
    assert next_due(made, [receipt("2026-03-28T10:00:00Z", outcome="failed")]) == dt.date(2026, 3, 31)
    assert next_due(profile(tmp_path, frequency="on-request"), []) == dt.date(2026, 3, 31)
    fortnightly = profile(tmp_path, frequency="fortnightly")
    assert next_due(fortnightly, [receipt("2026-03-30T10:00:00Z")]) == dt.date(2026, 4, 14)


def test_a_changed_server_or_key_since_the_last_send_is_said(tmp_path) -> None:
    made = profile(tmp_path)
    assert changes_since_last_send(made, [receipt("2026-03-28T10:00:00Z")], FINGERPRINT) == []
    made.sftp.host_key_sha256 = "SHA256:other"
    other_key = "F" * 40
    changes = changes_since_last_send(made, [receipt("2026-03-28T10:00:00Z")], other_key)
    assert len(changes) == 2 and "fingerprint is now SHA256:other" in changes[0] and "FFFF" in changes[1]


def test_recent_files_keep_the_newest_first_without_repeats(tmp_path) -> None:
    for name in ("a.xlsx", "b.xlsx", "a.xlsx"):
        remember_file(tmp_path / name)
    assert recent_files() == [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]


def test_a_receipt_counts_on_the_local_day(monkeypatch) -> None:
    import time

    from core.sending.supplies import receipt_date

    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        assert receipt_date(receipt("2026-12-04T20:00:00Z")) == dt.date(2026, 12, 5)  # 9 am in Auckland
    finally:
        monkeypatch.undo()
        time.tzset()


def test_file_dialogs_start_in_the_last_folder_else_downloads_else_home(tmp_path, monkeypatch) -> None:
    """Never the working folder: on Windows that is the program's own folder."""
    from core.sending.supplies import last_folder, remember_folder

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert last_folder() == str(tmp_path)
    (tmp_path / "Downloads").mkdir()
    assert last_folder() == str(tmp_path / "Downloads")
    used = tmp_path / "lists"
    used.mkdir()
    remember_folder(used)
    assert last_folder() == str(used)

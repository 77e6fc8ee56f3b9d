"""Receipts: one JSON line per supply in the per-user data folder; damaged lines skipped and reported."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import paths
from core.sending.history import Receipt, append_receipt, load_receipts, read_receipts, receipts_path

ENCRYPTED = b"\xc1\x5e\x03 pretend OpenPGP message"


def a_receipt(**changes) -> Receipt:
    fields = {
        "profile": "Whānau Ora participants, quarterly",
        "file_name": "KWT_20261101.csv.gpg",
        "rows_sent": 391,
        "rows_left_out": 21,
        "sha256": hashlib.sha256(ENCRYPTED).hexdigest(),
        "recipient_fingerprint": "C2E663FFCBF906BE98C1D93602F955639DF44CEA",
        "server": "sftp.example.org:22",
        "host_key_sha256": "SHA256:Ny63Nj4PNTniD/eeQP5qvx8MjRoxfPJbwgcrljvH0zg",
        "outcome": "sent",
        "message": "Sent to /incoming/KWT_20261101.csv.gpg.",
    }
    fields.update(changes)
    return Receipt(**fields)


def test_receipts_are_json_lines_in_the_per_user_data_folder(isolated_user_folders: Path) -> None:
    first, second = a_receipt(), a_receipt(outcome="failed", rows_sent=0, message="The server refused it.")

    path = append_receipt(first)
    append_receipt(second)

    assert path == paths.data_dir() / "receipts.jsonl" == receipts_path()
    assert path.is_relative_to(isolated_user_folders)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == ["sent", "failed"]
    assert read_receipts() == [first, second]


def test_the_time_is_utc_iso_8601_to_the_second() -> None:
    receipt = a_receipt()

    stamp = datetime.fromisoformat(receipt.time.replace("Z", "+00:00"))
    assert receipt.time.endswith("Z")
    assert stamp.tzinfo == UTC and stamp.microsecond == 0
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)


def test_a_line_holds_exactly_the_receipt_fields() -> None:
    append_receipt(a_receipt())

    stored = json.loads(receipts_path().read_text(encoding="utf-8"))
    assert set(stored) == {
        "time", "profile", "file_name", "rows_sent", "rows_left_out", "sha256", "recipient_fingerprint",
        "server", "host_key_sha256", "outcome", "message", "temporary_files", "left_on_server",
    }  # fmt: skip


def test_no_receipts_file_means_no_receipts() -> None:
    assert read_receipts() == []
    assert load_receipts().skipped_lines == []


def test_a_damaged_line_is_skipped_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    append_receipt(a_receipt())
    with receipts_path().open("a", encoding="utf-8") as handle:
        handle.write('{"profile": "half a line writ\n')
        handle.write('{"outcome": "sent"}\n')
    append_receipt(a_receipt(outcome="saved"))

    with caplog.at_level(logging.WARNING):
        history = load_receipts()

    assert [receipt.outcome for receipt in history.receipts] == ["sent", "saved"]
    assert history.skipped_lines == [2, 3]
    assert "Skipped 2 damaged line(s)" in caplog.text


def test_keys_from_a_newer_version_are_ignored() -> None:
    line = json.loads(a_receipt().to_json()) | {"bytes_sent": 1234}
    receipts_path().write_text(json.dumps(line) + "\n", encoding="utf-8")

    assert read_receipts() == [a_receipt(time=line["time"])]


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome must be one of"):
        a_receipt(outcome="maybe")


@pytest.mark.parametrize("field, value", [("rows_sent", -1), ("rows_sent", "391"), ("sha256", None)])
def test_wrongly_typed_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(TypeError):
        replace(a_receipt(), **{field: value})

"""`main.py send` and `main.py history` end to end: the sample checked, extracted, encrypted with the
recipient's real public key, uploaded to a real sshd on 127.0.0.1, decrypted with GnuPG and compared
value by value with the source workbook read independently by openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core import paths
from core.cli.main import main
from core.sending.credentials import store_secret
from tests.integration.conftest import RECIPIENT, GpgKeys
from tests.integration.sshd_server import SshdServer

pytestmark = pytest.mark.service

AS_OF = "2026-11-01"
TODAY_NAME = f"KWT_{dt.date.today():%Y%m%d}.csv.gpg"
GENDER_CODES = {"female": "F", "f": "F", "wahine": "F", "male": "M", "m": "M", "tāne": "M", "x": "X"}


def write_profile(tmp_path: Path, gpg_keys: GpgKeys, server: SshdServer, folder: Path, **changes) -> Path:
    key_file = gpg_keys.export("statsnz-public.asc", RECIPIENT)
    data = {
        "format": 1,
        "name": "Whānau register, quarterly",
        "organisation_code": "KWT",
        "mapping": {
            "identifier": "NHI Number",
            "first_name": "First Name",
            "last_name": "Surname",
            "date_of_birth": "Date of Birth",
            "gender": "Gender",
            "start_date": "Start Date",
            "end_date": "End Date",
        },
        "identifier_type": "NHI",
        "extra_columns": ["Programme"],
        "output": {"rows_with_errors": "exclude"},
        "encryption": {
            "recipient_key_file": str(key_file),
            "recipient_fingerprint": gpg_keys.fingerprints[RECIPIENT],
        },
        "sftp": {
            "host": server.host,
            "port": server.port,
            "username": server.account.name,
            "remote_dir": str(folder),
            "auth": "password",
            "host_key_sha256": server.host_key_fingerprint("ed25519"),
        },
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = tmp_path / "kwt.idiprofile.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def send(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["send", *args])
    out, err = capsys.readouterr()
    return code, out, err


def source_rows(path: Path) -> dict[int, dict[str, object]]:
    """The workbook read by openpyxl, independently of the app's reader: row number -> header -> value."""
    sheet = load_workbook(path, read_only=True, data_only=True)["Register"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    return {
        number: dict(zip(header, row, strict=False)) for number, row in enumerate(rows, start=1) if number > 3
    }


@pytest.fixture
def stored_password(sshd: SshdServer) -> str:
    store_secret(sshd.account.name, sshd.host, sshd.port, sshd.account.password)
    return sshd.account.password


def test_send_uploads_exactly_the_agreed_extract_encrypted(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, stored_password
) -> None:
    source = sample_copy("whanau_register.xlsx")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    code, out, err = send(capsys, str(source), "--profile", str(profile), "--as-of", AS_OF, "--yes")
    assert code == 1, err  # sent, with the rows that have errors left out (and so exit 1)
    assert sorted(p.name for p in remote_dir.iterdir()) == [TODAY_NAME]
    sent = list(
        csv.DictReader(io.StringIO(gpg_keys.decrypt((remote_dir / TODAY_NAME).read_bytes()).decode("utf-8")))
    )
    assert list(sent[0]) == [
        "identifier", "given_name", "family_name", "dob", "gender", "start_date", "end_date", "Programme"
    ]  # fmt: skip
    main(["check", str(source), "--profile", str(profile), "--as-of", AS_OF, "--json"])
    issues = json.loads(capsys.readouterr().out)["issues"]
    error_rows = {issue["row"] for issue in issues if issue["severity"] == "error"}
    mapped = ["NHI Number", "First Name", "Surname", "Date of Birth", "Gender", "Start Date", "End Date"]
    expected_rows = [
        values
        for number, values in source_rows(source).items()
        if number not in error_rows and any(values[h] not in (None, "") for h in mapped)
    ]
    assert len(expected_rows) == len(sent)
    compared = 0
    for values, line in zip(expected_rows, sent, strict=True):
        assert line["given_name"] == " ".join(str(values["First Name"] or "").split())
        assert line["family_name"] == " ".join(str(values["Surname"] or "").split())
        assert line["identifier"] == str(values["NHI Number"] or "").upper().replace(" ", "").replace("-", "")
        assert line["Programme"] == values["Programme"]
        if isinstance(values["Date of Birth"], dt.datetime):
            assert line["dob"] == values["Date of Birth"].date().isoformat()
        if isinstance(values["Start Date"], dt.datetime):
            assert line["start_date"] == values["Start Date"].date().isoformat()
        if str(values["Gender"]).strip().lower() in GENDER_CODES:
            assert line["gender"] == GENDER_CODES[str(values["Gender"]).strip().lower()]
        compared += 1
    assert compared > 150
    text = json.dumps(sent)
    assert "Notes" not in sent[0] and "Court date pending" not in text and "W32354" not in text
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert f"Sent {TODAY_NAME}" in out


def test_the_receipt_records_the_supply_without_personal_data(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, stored_password
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    send(
        capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--as-of", AS_OF, "--yes"
    )
    assert main(["history", "--json"]) == 0
    receipts = json.loads(capsys.readouterr().out)["receipts"]
    assert len(receipts) == 1
    receipt = receipts[0]
    uploaded = (remote_dir / TODAY_NAME).read_bytes()
    assert receipt["outcome"] == "sent"
    assert receipt["sha256"] == hashlib.sha256(uploaded).hexdigest()
    assert receipt["recipient_fingerprint"] == gpg_keys.fingerprints[RECIPIENT]
    assert receipt["host_key_sha256"] == sshd.host_key_fingerprint("ed25519")
    assert receipt["server"] == f"{sshd.host}:{sshd.port}"
    assert receipt["rows_sent"] > 250 and receipt["rows_left_out"] > 0
    receipts_text = (paths.data_dir() / "receipts.jsonl").read_text(encoding="utf-8")
    for personal in ("Tamihana", "CKL8130", "1937-11-04"):
        assert personal not in receipts_text
    assert main(["history"]) == 0
    assert TODAY_NAME in capsys.readouterr().out


def test_rows_with_errors_block_sending_by_default_and_nothing_leaves(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, stored_password
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir, output={"rows_with_errors": "block"})
    code, _out, err = send(
        capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--as-of", AS_OF, "--yes"
    )
    assert code == 1
    assert "Nothing was sent" in err
    assert list(remote_dir.iterdir()) == []


def test_output_only_saves_the_encrypted_file_and_uploads_nothing(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _out, _ = send(
        capsys,
        str(sample_copy("whanau_register.xlsx")),
        "--profile",
        str(profile),
        "--as-of",
        AS_OF,
        "--output-only",
        str(out_dir),
    )
    assert code == 1
    assert [p.name for p in out_dir.iterdir()] == [TODAY_NAME]
    assert gpg_keys.decrypt((out_dir / TODAY_NAME).read_bytes()).startswith(b"identifier,given_name")
    assert list(remote_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("problem", "words"),
    [
        ("wrong password", "password"),
        ("missing folder", "folder"),
        ("changed host key", "different key"),
    ],
)
def test_a_failed_send_exits_3_with_its_own_message_and_leaves_no_file(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, impostor_sshd, remote_dir, problem, words
) -> None:
    server, folder, secret = sshd, remote_dir, sshd.account.password
    changes: dict = {}
    if problem == "wrong password":
        secret = "not-the-password"
    elif problem == "missing folder":
        changes = {"sftp": {"remote_dir": str(remote_dir / "nope")}}
    else:
        server = impostor_sshd
        changes = {"sftp": {"host_key_sha256": sshd.host_key_fingerprint("ed25519")}}
    store_secret(server.account.name, server.host, server.port, secret)
    profile = write_profile(tmp_path, gpg_keys, server, folder, **changes)
    code, _out, err = send(
        capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--as-of", AS_OF, "--yes"
    )
    assert code == 3
    assert words in err.lower()
    assert list(remote_dir.iterdir()) == []
    main(["history", "--json"])
    assert json.loads(capsys.readouterr().out)["receipts"][0]["outcome"] == "failed"


def test_an_unknown_host_key_is_never_accepted_without_a_person(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, stored_password
) -> None:
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir, sftp={"host_key_sha256": None})
    code, _, err = send(
        capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--as-of", AS_OF, "--yes"
    )
    assert code == 3
    assert sshd.host_key_fingerprint("ed25519") in err
    assert list(remote_dir.iterdir()) == []


def test_the_environment_secret_serves_headless_runs_and_leaks_nowhere(
    capsys, tmp_path, sample_copy, gpg_keys, sshd, remote_dir, monkeypatch, isolated_user_folders
) -> None:
    monkeypatch.setenv("IDI_SHARE_SFTP_SECRET", sshd.account.password)
    temp_before = set(Path(tempfile.gettempdir()).iterdir())
    profile = write_profile(tmp_path, gpg_keys, sshd, remote_dir)
    code, out, err = send(
        capsys, str(sample_copy("whanau_register.xlsx")), "--profile", str(profile), "--as-of", AS_OF, "--yes"
    )
    assert code == 1 and (remote_dir / TODAY_NAME).exists()
    secret = sshd.account.password.encode()
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir(), tmp_path):
        for file in folder.rglob("*"):
            if file.is_file():
                assert secret not in file.read_bytes(), file
    assert sshd.account.password not in out + err
    assert profile.read_text(encoding="utf-8").count(sshd.account.password) == 0
    new_temp = set(Path(tempfile.gettempdir()).iterdir()) - temp_before
    for entry in new_temp:
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        for file in files:
            assert b"Tamihana" not in file.read_bytes(), f"plaintext left in {file}"
    assert "IDI_SHARE_SFTP_SECRET" not in os.environ  # read once, then gone from the process environment

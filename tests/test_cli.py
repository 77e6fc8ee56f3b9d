"""The command line (docs/cli.md): inspect and check output, JSON keys and exit codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.checking.rules import SEVERITIES
from core.cli.main import main
from tests.builders import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
HEADER = [
    "Whānau ID",
    "NHI No.",
    "Given Name(s)",
    "Family Name",
    "D.O.B.",
    "Sex",
    "Date Enrolled",
    "Exit Date",
    "Notes",
]
ROWS = [
    ["K001", "ABC1235", "Aroha", "Ngata", "03/04/1985", "F", "12/01/2021", "", "Lives with nan"],
    ["K002", "JBX3656", "Tama", "Rāwiri", "17/11/1990", "M", "02/02/2022", "03/03/2023", ""],
    ["K003", "EPT6335", "Mere", "Walker", "1/6/2002", "Wahine", "2023-05-13", "", "Referred by GP"],
    ["K004", "CGC2720", "Hemi", "Parata", "28/2/1975", "Tāne", "17/5/2018", "", ""],
]
MAPPING = {
    "identifier": "NHI No.",
    "first_name": "Given Name(s)",
    "last_name": "Family Name",
    "date_of_birth": "D.O.B.",
    "gender": "Sex",
    "start_date": "Date Enrolled",
    "end_date": "Exit Date",
}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", ["whanau_register.xlsx", "referrals_export.csv"])
def test_inspect_json_gives_the_samples_sheet_header_mapping_and_identifier_type(
    capsys, data_dir, expected, name
) -> None:
    code, out, _ = run(capsys, "inspect", str(data_dir / name), "--json")
    data = json.loads(out)
    spec = expected["files"][name]
    assert code == 0
    assert data["header_row"] == spec["header_row"]
    assert data["mapping"] == spec["mapping"]
    assert data["identifier_type"] == spec["id_type"]
    if "sheet" in spec:
        assert data["sheet"] == spec["sheet"]
    assert set(data["confidence"]) == set(spec["mapping"])


def layout_files(tmp_path: Path) -> dict[str, tuple[Path, str, int]]:
    """Layouts staff really send: (file, expected sheet, expected header row)."""
    files = {
        "header on row 1": (
            write_xlsx(tmp_path / "row1.xlsx", HEADER, ROWS, sheet="Participants"),
            "Participants",
            1,
        ),
        "header on row 6": (
            write_xlsx(
                tmp_path / "row6.xlsx",
                HEADER,
                ROWS,
                sheet="Roll",
                title_rows=["Kōwhai Trust participants", "Exported 3/11/2026", "", "Confidential", ""],
            ),
            "Roll",
            6,
        ),
        "cover sheet first": (
            write_xlsx(tmp_path / "cover.xlsx", HEADER, ROWS, sheet="Participants", cover_sheet="Read me"),
            "Participants",
            1,
        ),
        "semicolon csv": (write_csv(tmp_path / "semi.csv", HEADER, ROWS, delimiter=";"), "semi", 1),
        "utf-16 tab text": (
            write_csv(tmp_path / "unicode.txt", HEADER, ROWS, delimiter="\t", encoding="utf-16"),
            "unicode",
            1,
        ),
        "cp1252 csv with title": (
            write_csv(
                tmp_path / "old.csv",
                ["Whanau ID", *HEADER[1:]],
                [[cell.replace("ā", "a").replace("Ā", "A") for cell in row] for row in ROWS],
                encoding="cp1252",
                title_rows=["Participants export", ""],
            ),
            "old",
            3,
        ),
    }
    return files


@pytest.mark.parametrize(
    "layout",
    [
        "header on row 1",
        "header on row 6",
        "cover sheet first",
        "semicolon csv",
        "utf-16 tab text",
        "cp1252 csv with title",
    ],
)
def test_inspect_json_finds_sheet_header_and_mapping_in_other_layouts(capsys, tmp_path, layout) -> None:
    path, sheet, header_row = layout_files(tmp_path)[layout]
    code, out, err = run(capsys, "inspect", str(path), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["sheet"] == sheet
    assert data["header_row"] == header_row
    assert data["mapping"] == MAPPING
    assert data["identifier_type"] == "NHI"
    assert "Notes" in data["columns"] and "Notes" not in data["mapping"].values()


def test_inspect_lists_every_sheet_of_a_workbook(capsys, tmp_path) -> None:
    path = write_xlsx(tmp_path / "cover.xlsx", HEADER, ROWS, sheet="Participants", cover_sheet="Read me")
    _, out, _ = run(capsys, "inspect", str(path), "--json")
    assert json.loads(out)["sheets"] == ["Read me", "Participants"]


def test_inspect_with_a_named_sheet_reads_that_sheet(capsys, tmp_path) -> None:
    path = write_xlsx(tmp_path / "cover.xlsx", HEADER, ROWS, sheet="Participants", cover_sheet="Read me")
    code, _, err = run(capsys, "inspect", str(path), "--sheet", "Nope")
    assert code == 2 and "Nope" in err and "Participants" in err


def test_inspect_plain_output_says_what_was_matched_and_what_is_never_sent(capsys, data_dir) -> None:
    code, out, _ = run(capsys, "inspect", str(data_dir / "whanau_register.xlsx"))
    assert code == 0
    assert "Header row: 3 (2 rows above it skipped)" in out
    assert "Date of birth" in out and "'Date of Birth'" in out
    assert "Not matched, so never sent: 'Client ID', 'Programme', 'Notes'" in out


def test_check_json_has_the_spec_keys_and_exits_1_on_errors(capsys, data_dir, expected) -> None:
    code, out, _ = run(
        capsys, "check", str(data_dir / "referrals_export.csv"), "--json", "--as-of", expected["as_of"]
    )
    data = json.loads(out)
    assert code == 1
    for key in (
        "file",
        "sheets",
        "sheet",
        "header_row",
        "columns",
        "mapping",
        "identifier_type",
        "confidence",
    ):
        assert key in data
    assert data["as_of"] == "2026-11-01"
    assert data["rows"] == 128 and data["linkable_rows"] == 127
    assert data["summary"]["error"] == sum(1 for i in data["issues"] if i["severity"] == "error")
    assert sum(data["summary"]["by_rule"].values()) == len(data["issues"])
    first = data["issues"][0]
    assert set(first) == {"row", "field", "column", "rule", "severity", "value", "message"}
    row_level = [i for i in data["issues"] if i["rule"] == "row_unlinkable"]
    assert row_level and row_level[0]["field"] is None and row_level[0]["column"] is None


def test_check_exits_0_when_no_row_has_an_error(capsys, tmp_path) -> None:
    path = write_csv(tmp_path / "clean.csv", HEADER, ROWS)
    code, out, _ = run(capsys, "check", str(path), "--as-of", "2026-11-01")
    assert code == 0
    assert "All 4 people are ready to send." in out


def test_check_plain_output_gives_headline_counts_rows_and_fixes(capsys, data_dir) -> None:
    code, out, _ = run(capsys, "check", str(data_dir / "whanau_register.xlsx"), "--as-of", "2026-11-01")
    assert code == 1
    assert "of 309 people are ready to send;" in out and "must be fixed." in out
    assert "Date of birth is in the future." in out
    assert "To fix:" in out
    assert "5 blank rows skipped" in out
    for severity in SEVERITIES.values():  # the labels the window and the quality report use
        assert f"{severity.label}: " in out
    assert "ERROR" not in out


def test_check_with_a_profile_uses_its_mapping_and_codes(capsys, tmp_path) -> None:
    rows = [[*row[:5], "7", *row[6:]] for row in ROWS]
    path = write_csv(tmp_path / "coded.csv", HEADER, rows)
    profile = tmp_path / "p.idiprofile.json"
    profile.write_text(
        json.dumps(
            {
                "format": 1,
                "name": "p",
                "mapping": MAPPING,
                "identifier_type": "NHI",
                "gender_values": {"7": "male"},
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys, "check", str(path), "--profile", str(profile), "--json", "--as-of", "2026-11-01"
    )
    assert code == 0
    assert json.loads(out)["issues"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check", "missing.xlsx"], "does not exist"),
        (["check", "{data}/whanau_register.xlsx", "--as-of", "1/11/2026"], "YYYY-MM-DD"),
        (["check", "{data}/whanau_register.xlsx", "--profile", "nope.idiprofile.json"], "was not found"),
        (["inspect"], "file"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_plain_line_on_stderr_and_exit_2(capsys, data_dir, args, words) -> None:
    code, out, err = run(capsys, *[a.replace("{data}", str(data_dir)) for a in args])
    assert code == 2
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_check_writes_the_report_and_never_changes_the_source(capsys, sample_copy, tmp_path) -> None:
    source = sample_copy("whanau_register.xlsx")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    report = tmp_path / "report.xlsx"
    code, out, _ = run(
        capsys, "check", str(source), "--report", str(report), "--as-of", dt.date(2026, 11, 1).isoformat()
    )
    assert code == 1 and report.is_file() and "report.xlsx" in out
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


def test_main_py_runs_a_sub_command_headless() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "inspect", "tests/data/referrals_export.csv", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["identifier_type"] == "SWN"


@pytest.mark.parametrize("json_output", [False, True])
def test_output_nobody_reads_ends_quietly(tmp_path: Path, json_output: bool) -> None:
    """`main.py check ... | head`: when the reader closes the pipe, no "internal problem", no traceback."""
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)
    with subprocess.Popen(
        [sys.executable, "main.py", "check", str(path), *(["--json"] if json_output else [])],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        process.stdout.close()  # gone before the first line is written
        error = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert (code, error) == (141, "")


def test_main_py_ends_at_once_with_its_status_and_all_of_its_output(tmp_path: Path) -> None:
    """main.py skips Python's teardown (`end_process`): the status and every byte of output still arrive."""
    home = tmp_path / "home"
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "check",
            "tests/data/whanau_register.xlsx",
            "--json",
            "--as-of",
            "2026-11-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "IDI_SHARE_HOME": str(home)},
    )
    assert result.returncode == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["summary"]["error"] == sum(1 for issue in data["issues"] if issue["severity"] == "error") > 0
    assert (home / "logs" / "idi-share.log").exists()  # the log was set up and closed, not lost


@pytest.mark.parametrize("json_output", [False, True])
def test_output_is_utf8_even_where_the_platform_would_write_cp1252(tmp_path: Path, json_output: bool) -> None:
    """Windows writes a file or a pipe in cp1252: a macron in a name or header crashed with exit 4 there."""
    path = write_csv(tmp_path / "Rōpū whānau.csv", HEADER, ROWS)
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "check",
            str(path),
            "--as-of",
            "2026-11-01",
            *(["--json"] if json_output else []),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"},
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    text = result.stdout.decode("utf-8")
    if json_output:
        data = json.loads(text)
        assert (data["file"], data["columns"][0]) == ("Rōpū whānau.csv", "Whānau ID")
    else:
        assert "Rōpū whānau.csv" in text


def test_an_error_about_a_file_with_macrons_is_written_in_utf8(tmp_path: Path) -> None:
    missing = tmp_path / "Kāore i konei.csv"
    result = subprocess.run(
        [sys.executable, "main.py", "check", str(missing)],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"},
    )
    assert result.returncode == 2
    assert "Kāore i konei.csv" in result.stderr.decode("utf-8")


def test_diagnostics_names_the_version_the_folders_and_the_credential_store(
    capsys, isolated_user_folders: Path
) -> None:
    code, out, _ = run(capsys, "--diagnostics")
    assert code == 0
    assert "IDI Share 0.1.0" in out
    assert f"Settings: {isolated_user_folders / 'config'}" in out
    assert f"Receipts: {isolated_user_folders / 'data'}" in out
    assert f"Logs: {isolated_user_folders / 'logs'}" in out
    assert "Credential store: " in out and "MemoryKeyring" in out


def test_diagnostics_counts_the_saved_supplies_and_receipts_without_naming_them(
    capsys, isolated_user_folders: Path
) -> None:
    from core.profile import PROFILE_SUFFIX, SupplyProfile
    from core.sending import supplies
    from core.sending.history import Receipt, append_receipt, receipts_path

    code, out, _ = run(capsys, "--diagnostics")
    assert code == 0 and "Found: 0 saved supplies; 0 receipts" in out

    for name in ("Whānau Referrals Ōtautahi", "Second Clinic"):
        supplies.save_supply(SupplyProfile(name=name, mapping={"full_name": "Name"}))
    (supplies.supplies_dir() / f"broken{PROFILE_SUFFIX}").write_text("{not json", encoding="utf-8")
    for outcome in ("sent", "failed", "saved"):
        append_receipt(
            Receipt(
                profile="Whānau Referrals Ōtautahi",
                file_name="REF_20261201.csv.gpg",
                rows_sent=3,
                rows_left_out=0,
                sha256="0" * 64,
                recipient_fingerprint="",
                server="sftp.example.test:22",
                host_key_sha256="SHA256:abc",
                outcome=outcome,
            )
        )
    with receipts_path().open("a", encoding="utf-8") as handle:
        handle.write("{damaged\n")
    code, out, _ = run(capsys, "--diagnostics")
    assert code == 0
    assert "Found: 2 saved supplies (1 could not be read); 3 receipts (1 damaged line skipped)" in out
    for private in ("Whānau", "Second Clinic", "broken", "REF_2026", "sftp.example.test"):
        assert private not in out


def test_diagnostics_self_test_saves_reads_and_deletes_a_throwaway_entry(capsys, memory_keyring) -> None:
    writes: list[tuple[str, str]] = []
    original = memory_keyring.set_password

    def remember(service: str, username: str, password: str) -> None:
        writes.append((service, username))
        original(service, username, password)

    memory_keyring.set_password = remember
    code, out, _ = run(capsys, "--diagnostics", "--self-test")
    assert code == 0
    assert "Credential store self-test: ok" in out
    assert len(writes) == 1 and writes[0][0] == "IDI Share self-test"
    assert memory_keyring.store == {}  # nothing left behind
    assert writes[0][1] not in out  # the entry's name, let alone its value, is not printed


def test_diagnostics_fails_when_there_is_no_secure_credential_store(capsys) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    code, out, _ = run(capsys, "--diagnostics", "--self-test")
    assert code == 1
    assert "No secure credential store" in out

"""Public spreadsheets and CSVs that no one here wrote (tests/data/realworld/MANIFEST.csv says where each
came from and under which licence): `check` must end every one of them with a usable result, and the
people lists among them must be read as a person would read them (header row, column matches).

Expectations the current reader or matcher does not meet carry the manifest's `known_miss` and run as
strict xfails: when a fix makes one pass, the test fails until the manifest's `known_miss` is emptied.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "realworld"
MANIFEST = CORPUS / "MANIFEST.csv"
NOT_IN_MANIFEST = {"MANIFEST.csv", "README.md", "FINDINGS.md"}
TIMEOUT_SECONDS = 60
COLUMNS = [
    "file",
    "source_repository",
    "source_path",
    "commit",
    "licence",
    "what_it_is",
    "is_people_list",
    "expected_header_row",
    "expected_mapping",
    "known_miss",
]


def read_manifest() -> list[dict[str, str]]:
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = read_manifest()
EXPECTED_ROWS = [row for row in ROWS if row["expected_header_row"]]


def with_known_miss(rows: list[dict[str, str]]) -> list:
    """One pytest param per row, named by its file, strict xfail when the manifest records a known miss."""
    marks = lambda row: (  # noqa: E731
        [pytest.mark.xfail(strict=True, reason=row["known_miss"])] if row["known_miss"] else []
    )
    return [pytest.param(row, id=row["file"], marks=marks(row)) for row in rows]


def run_cli(command: str, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), command, str(CORPUS / name), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def parse_mapping(spec: str) -> tuple[dict[str, str], dict[str, str]]:
    """'first_name=Given;gender?=Sex' -> required {first_name: Given}, allowed {gender: Sex}; 'none' -> both empty."""
    required: dict[str, str] = {}
    allowed: dict[str, str] = {}
    if spec == "none":
        return required, allowed
    for item in spec.split(";"):
        field, header = item.split("=", 1)
        if field.endswith("?"):
            allowed[field[:-1]] = header
        else:
            required[field] = header
    return required, allowed


def test_the_manifest_names_every_file_with_its_source_commit_and_licence() -> None:
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    names = [row["file"] for row in ROWS]
    assert len(names) == len(set(names))
    on_disk = {path.name for path in CORPUS.iterdir()} - NOT_IN_MANIFEST
    assert set(names) == on_disk
    assert len(names) >= 60
    for row in ROWS:
        assert "/" in row["source_repository"] and row["source_path"] and row["licence"], row["file"]
        assert len(row["commit"]) == 40 and int(row["commit"], 16) >= 0, row["file"]
        assert row["is_people_list"] in {"yes", "no"}, row["file"]
        if row["expected_mapping"]:
            assert row["expected_header_row"].isdigit(), row["file"]
            parse_mapping(row["expected_mapping"])
        if row["known_miss"]:
            assert row["expected_header_row"], f"{row['file']}: a known miss needs an expectation to miss"


@pytest.mark.parametrize("row", [pytest.param(row, id=row["file"]) for row in ROWS])
def test_check_ends_with_a_usable_result(row: dict[str, str]) -> None:
    result = run_cli("check", row["file"])
    assert result.returncode in (0, 1, 2), (
        f"exit {result.returncode} (4 is an internal problem)\n{result.stderr[-2000:]}"
    )
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"exit 2 needs exactly one plain line: {result.stderr!r}"
        assert result.stdout == ""
        return
    report = json.loads(result.stdout)
    assert isinstance(report["issues"], list) and isinstance(report["rows"], int)
    has_errors = any(issue["severity"] == "error" for issue in report["issues"])
    assert result.returncode == (1 if has_errors else 0)
    required, allowed = parse_mapping(row["expected_mapping"] or "none")
    if "identifier" not in required and "identifier" not in allowed:
        # None of these files holds an NHI, IRD number or SWN: an identifier here is a guess from weak evidence.
        assert "identifier" not in report["mapping"], report["mapping"]


@pytest.mark.parametrize("row", with_known_miss(EXPECTED_ROWS))
def test_inspect_finds_the_header_row_and_columns_a_person_would(row: dict[str, str]) -> None:
    result = run_cli("inspect", row["file"])
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["header_row"] == int(row["expected_header_row"]), found["columns"][:10]
    required, allowed = parse_mapping(row["expected_mapping"])
    mapping = found["mapping"]
    assert {field: mapping.get(field) for field in required} == required, mapping
    unexpected = {f: h for f, h in mapping.items() if f not in required and allowed.get(f) != h}
    assert unexpected == {}, mapping

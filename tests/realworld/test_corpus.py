"""Public spreadsheets and CSVs that no one here wrote (tests/data/realworld/MANIFEST.csv says where each
came from and under which licence): `check` must end every one of them with a usable result, and the
people lists among them must be read as a person would read them (header row, column matches).

Expectations the current reader or matcher does not meet carry the manifest's `known_miss` and run as
strict xfails: when a fix makes one pass, the test fails until the manifest's `known_miss` is emptied.

The commands run in a child process through `core.cli.main`, as `main.py` runs them, all files in one
process (run_many.py): interpreter start-up would otherwise be nine tenths of the time. A file that
takes more than TIMEOUT_SECONDS, or takes the process down, fails its own test and the rest go on.
"""

from __future__ import annotations

import csv
import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "realworld"
MANIFEST = CORPUS / "MANIFEST.csv"
RUN_MANY = Path(__file__).with_name("run_many.py")
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
    """One pytest param per row, named by its file, a strict xfail when the manifest records a known miss."""
    params = []
    for row in rows:
        marks = [pytest.mark.xfail(strict=True, reason=row["known_miss"])] if row["known_miss"] else []
        params.append(pytest.param(row, id=row["file"], marks=marks))
    return params


def run_all(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Run `main.py COMMAND FILE --json` for each (command, file name) through run_many.py.

    Each result has returncode, stdout, stderr and seconds, or only a "problem" when the run took more
    than TIMEOUT_SECONDS or ended the process; the runs after it go on in a new process.
    """
    results: dict[tuple[str, str], dict] = {}
    remaining = list(pairs)
    while remaining:
        argument = json.dumps([[command, str(CORPUS / name)] for command, name in remaining])
        process = subprocess.Popen(
            [sys.executable, str(RUN_MANY), argument],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        lines: queue.Queue[str | None] = queue.Queue()
        errors: list[str] = []

        def read_lines(stream=process.stdout, lines=lines) -> None:
            for line in stream:
                lines.put(line)
            lines.put(None)

        def read_errors(stream=process.stderr, errors=errors) -> None:
            errors.extend(stream)

        threading.Thread(target=read_lines, daemon=True).start()
        threading.Thread(target=read_errors, daemon=True).start()
        while remaining:
            command, name = pair = remaining.pop(0)
            try:
                line = lines.get(timeout=TIMEOUT_SECONDS)
            except queue.Empty:
                results[pair] = {"problem": f"{command} {name} took more than {TIMEOUT_SECONDS} s"}
                break
            if line is None:
                process.wait()
                tail = "".join(errors)[-2000:]
                results[pair] = {
                    "problem": f"{command} {name} ended the process ({process.returncode}): {tail}"
                }
                break
            results[pair] = json.loads(line)
        process.kill()
        process.wait()
    return results


# The command each parametrised test runs on its row's file.
COMMAND_OF_TEST = {
    "test_check_ends_with_a_usable_result": "check",
    "test_inspect_finds_the_header_row_and_columns_a_person_would": "inspect",
}


@pytest.fixture(scope="session")
def cli_runs(request: pytest.FixtureRequest) -> dict[tuple[str, str], dict]:
    """Run the command of every selected test of this module once, up front."""
    wanted = {
        (COMMAND_OF_TEST[item.originalname], item.callspec.params["row"]["file"])
        for item in request.session.items
        if item.module.__name__ == __name__ and item.originalname in COMMAND_OF_TEST
    }
    return run_all(sorted(wanted))


def result_of(cli_runs: dict, command: str, name: str) -> dict:
    result = cli_runs[(command, name)]
    if "problem" in result:
        pytest.fail(result["problem"])
    return result


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
def test_check_ends_with_a_usable_result(cli_runs: dict, row: dict[str, str]) -> None:
    result = result_of(cli_runs, "check", row["file"])
    assert result["returncode"] in (0, 1, 2), (
        f"exit {result['returncode']} (4 is an internal problem)\n{result['stderr'][-2000:]}"
    )
    assert "Traceback" not in result["stderr"]
    if result["returncode"] == 2:
        lines = result["stderr"].splitlines()
        assert len(lines) == 1 and lines[0].strip(), (
            f"exit 2 needs exactly one plain line: {result['stderr']!r}"
        )
        assert result["stdout"] == ""
        return
    report = json.loads(result["stdout"])
    assert isinstance(report["issues"], list) and isinstance(report["rows"], int)
    has_errors = any(issue["severity"] == "error" for issue in report["issues"])
    assert result["returncode"] == (1 if has_errors else 0)
    required, allowed = parse_mapping(row["expected_mapping"] or "none")
    if "identifier" not in required and "identifier" not in allowed:
        # None of these files holds an NHI, IRD number or SWN: an identifier here is a guess from weak evidence.
        assert "identifier" not in report["mapping"], report["mapping"]


@pytest.mark.parametrize("row", with_known_miss(EXPECTED_ROWS))
def test_inspect_finds_the_header_row_and_columns_a_person_would(cli_runs: dict, row: dict[str, str]) -> None:
    result = result_of(cli_runs, "inspect", row["file"])
    assert result["returncode"] == 0, result["stderr"]
    found = json.loads(result["stdout"])
    assert found["header_row"] == int(row["expected_header_row"]), found["columns"][:10]
    required, allowed = parse_mapping(row["expected_mapping"])
    mapping = found["mapping"]
    assert {field: mapping.get(field) for field in required} == required, mapping
    unexpected = {field: header for field, header in mapping.items() if allowed.get(field) != header}
    unexpected = {field: header for field, header in unexpected.items() if required.get(field) != header}
    assert unexpected == {}, mapping

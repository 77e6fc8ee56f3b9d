"""The command line on what real files taught us: a guessed ID number column, the header row chosen by
hand, and `check --json` written a slice at a time."""

from __future__ import annotations

import json
from pathlib import Path

from core.cli import commands
from core.cli.main import main
from tests.builders import write_csv

CLEAN = [
    ["ZZZ0016", "Aroha", "Ngata", "03/04/1985", "F"],
    ["ZZZ0024", "Tama", "Rāwiri", "17/11/1990", "M"],
    ["ZAA0067", "Mere", "Walker", "01/06/2002", "F"],
    ["JBX3656", "Hemi", "Parata", "28/02/1975", "M"],
    ["EPT6335", "Ana", "Lee", "05/05/1966", "F"],
]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_list_with_the_id_column_guessed_from_its_values_is_not_all_clear(
    capsys, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", ["Ref", "First name", "Surname", "DOB", "Gender"], CLEAN)
    code, out, _ = run(capsys, "check", str(path), "--json", "--as-of", "2026-11-01")
    data = json.loads(out)
    assert data["summary"]["error"] == 0
    assert [item["field"] for item in data["needs_confirming"]] == ["identifier"]
    assert data["needs_confirming"][0]["column"] == "Ref"
    assert "NHI number" in data["needs_confirming"][0]["message"]
    assert code == 1
    code, out, _ = run(capsys, "check", str(path), "--as-of", "2026-11-01")
    assert code == 1
    assert 'Check this: The ID number column "Ref" was matched from its values' in out


def test_the_same_list_under_an_nhi_heading_is_all_clear(capsys, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ["NHI", "First name", "Surname", "DOB", "Gender"], CLEAN)
    code, out, _ = run(capsys, "check", str(path), "--json", "--as-of", "2026-11-01")
    assert json.loads(out)["needs_confirming"] == []
    assert code == 0


def test_check_json_written_in_slices_is_the_same_as_one_dump(capsys, tmp_path: Path, monkeypatch) -> None:
    rows = [[f"BAD{n:04d}", "Baby of", "", "31/02/2020", "?"] for n in range(40)]
    path = write_csv(tmp_path / "people.csv", ["NHI", "First name", "Surname", "DOB", "Gender"], rows)
    monkeypatch.setattr(commands, "ISSUES_PER_CHUNK", 7)
    code, sliced, _ = run(capsys, "check", str(path), "--json", "--as-of", "2026-11-01")
    data = json.loads(sliced)
    assert code == 1 and len(data["issues"]) > 7 * 3
    whole = {key: value for key, value in data.items() if key not in ("issues", "summary")}
    whole["issues"], whole["summary"] = data["issues"], data["summary"]
    assert sliced == json.dumps(whole, ensure_ascii=False, default=str) + "\n"
    assert list(data)[-2:] == ["issues", "summary"]


def test_header_row_chooses_the_headings_for_inspect_and_check(capsys, tmp_path: Path) -> None:
    lines = ["Notes,typed,above", "NHI,First name,Surname,DOB,Gender"] + [",".join(r) for r in CLEAN]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "inspect", str(path), "--json", "--header-row", "1")
    assert code == 0 and json.loads(out)["header_row"] == 1
    code, out, _ = run(capsys, "check", str(path), "--json", "--header-row", "2", "--as-of", "2026-11-01")
    data = json.loads(out)
    assert data["header_row"] == 2 and data["mapping"]["identifier"] == "NHI" and code == 0


def test_a_header_row_that_is_no_row_number_is_refused_in_one_line(capsys, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", ["NHI", "First name"], [["ZZZ0016", "Aroha"]])
    code, _, err = run(capsys, "check", str(path), "--header-row", "0")
    assert code == 2
    assert "not a row number" in err and len(err.strip().splitlines()) == 1


def test_check_says_what_the_reader_noticed(capsys, tmp_path: Path) -> None:
    lines = (
        ["NHI,First name,Surname,DOB,Gender"]
        + [",".join(r) for r in CLEAN]
        + ["", "Source: the sign-in sheets"]
    )
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--json", "--as-of", "2026-11-01")
    data = json.loads(out)
    assert code == 0 and data["rows"] == 5
    assert data["notes"] == [
        "Row 8, below a blank row under the table, holds one cell of text, so it was read as a note and not "
        "as a person. If it is a person, remove the blank row above it."
    ]
    code, out, _ = run(capsys, "check", str(path), "--as-of", "2026-11-01")
    assert "Note: Row 8, below a blank row under the table" in out

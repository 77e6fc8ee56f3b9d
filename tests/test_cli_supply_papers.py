"""The command line for issue 14: `spec`, and `check` telling what changed since the last supply."""

from __future__ import annotations

import json

from docx import Document

from core.checking.check import run_check
from core.cli.main import main
from core.profile import load_profile
from core.reading.sources import read_table
from core.sending.last_supply import remember_sent_supply
from tests.builders import write_csv

NAME = "referrals_export.csv"


def profile_file(tmp_path, expected):
    spec = expected["files"][NAME]
    path = tmp_path / "referrals.idiprofile.json"
    path.write_text(
        json.dumps({"format": 1, "name": "Referrals", "organisation_code": "RFX", "mapping": spec["mapping"],
                    "identifier_type": spec["id_type"], "frequency": "monthly"}),
        encoding="utf-8",
    )  # fmt: skip
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def send_once(data_dir, profile_path) -> None:
    """What sending does for the next comparison, without a server: the check is remembered."""
    remember_sent_supply(run_check(read_table(data_dir / NAME), load_profile(profile_path)))


def test_spec_writes_the_docx_where_asked(capsys, tmp_path, data_dir, expected) -> None:
    profile = profile_file(tmp_path, expected)
    out_path = tmp_path / "spec.docx"
    code, out, err = run(
        capsys, "spec", str(data_dir / NAME), "--profile", str(profile), "--out", str(out_path)
    )
    assert (code, err) == (0, "")
    assert "spec.docx" in out
    assert Document(str(out_path)).core_properties.title == "Data specification: Referrals"


def test_spec_needs_a_profile(capsys, data_dir) -> None:
    code, _, err = run(capsys, "spec", str(data_dir / NAME))
    assert code == 2 and "--profile" in err


def test_check_json_has_no_changes_before_the_first_supply(capsys, tmp_path, data_dir, expected) -> None:
    profile = profile_file(tmp_path, expected)
    _, out, _ = run(capsys, "check", str(data_dir / NAME), "--profile", str(profile), "--json")
    assert "changes" not in json.loads(out)


def test_check_json_gives_the_changes_since_the_last_supply(capsys, tmp_path, data_dir, expected) -> None:
    profile = profile_file(tmp_path, expected)
    send_once(data_dir, profile)
    lines = (data_dir / NAME).read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    kept = [line.split(",") for line in lines[1:61]]  # a filter left on: the first 60 people only
    smaller = write_csv(tmp_path / "smaller.csv", header, kept)

    _, out, _ = run(capsys, "check", str(smaller), "--profile", str(profile), "--json")
    changes = json.loads(out)["changes"]

    assert changes["counts"]["new"] == 0
    assert changes["people_now"] < changes["people_before"]
    assert changes["counts"]["gone"] == changes["people_before"] - changes["people_now"]
    assert changes["unusual"] is True
    assert "fewer people than last time" in changes["warnings"][0]


def test_check_prints_the_changes_and_puts_them_in_the_report(capsys, tmp_path, data_dir, expected) -> None:
    profile = profile_file(tmp_path, expected)
    send_once(data_dir, profile)
    report = tmp_path / "report.xlsx"
    _, out, _ = run(capsys, "check", str(data_dir / NAME), "--profile", str(profile), "--report", str(report))
    assert "What changed since the last supply:" in out
    assert "0 people new; 0 people no longer in the list." in out
    from openpyxl import load_workbook

    summary = load_workbook(report, read_only=True)["Summary"]
    texts = [cell for row in summary.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "Since the last supply" in texts and "Same ID number, another person" in texts


def test_readiness_answers_from_the_data_and_saves_the_answers_given(
    capsys, tmp_path, data_dir, expected
) -> None:
    profile = profile_file(tmp_path, expected)
    code, out, _ = run(
        capsys,
        "readiness",
        str(data_dir / NAME),
        "--profile",
        str(profile),
        "--answer",
        "route=vendor",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert [f["id"] for f in data["findings"]] == ["identifiers", "dates", "service"]
    assert {q["id"]: q["answer"] for q in data["questions"]}["route"] == "vendor"
    assert json.loads(profile.read_text(encoding="utf-8"))["readiness"]["answers"] == {"route": "vendor"}


def test_readiness_refuses_an_answer_that_is_not_a_choice(capsys, tmp_path, data_dir, expected) -> None:
    profile = profile_file(tmp_path, expected)
    code, _, err = run(
        capsys, "readiness", str(data_dir / NAME), "--profile", str(profile), "--answer", "route=post"
    )
    assert code == 2 and "not an answer" in err
    assert "readiness" not in json.loads(profile.read_text(encoding="utf-8"))

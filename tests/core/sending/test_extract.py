"""The agreed extract: only mapped fields and extra columns, canonical values, errors blocked or left out."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from core.checking.check import run_check
from core.errors import InputError
from core.profile import profile_from_dict
from core.reading.sources import read_table
from core.sending.extract import SupplyBlocked, build_extract

AS_OF = dt.date(2026, 11, 1)


def register_result(data_dir, expected, **changes):
    spec = expected["files"]["whanau_register.xlsx"]
    profile = profile_from_dict(
        {
            "format": 1,
            "name": "Register",
            "organisation_code": "KWT",
            "mapping": spec["mapping"],
            "identifier_type": "NHI",
            **changes,
        }
    )
    return run_check(read_table(data_dir / "whanau_register.xlsx"), profile, AS_OF)


def rows_of(extract) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(extract.data.decode("utf-8"))))


def test_rows_with_errors_block_the_supply_by_default(data_dir, expected) -> None:
    result = register_result(data_dir, expected)
    with pytest.raises(SupplyBlocked) as blocked:
        build_extract(result, today=AS_OF)
    assert blocked.value.error_rows == int(result.has_error.sum()) > 0
    assert "Nothing was sent" in str(blocked.value)


def test_rows_with_errors_are_left_out_and_counted_when_the_profile_says_exclude(data_dir, expected) -> None:
    result = register_result(data_dir, expected, output={"rows_with_errors": "exclude"})
    extract = build_extract(result, today=AS_OF)
    error_rows = set(result.issues.loc[result.issues["severity"] == "error", "row"])
    assert extract.rows_left_out == len(error_rows)
    assert set(extract.left_out_rows) == error_rows
    assert extract.rows_sent == result.rows - len(error_rows)
    assert len(rows_of(extract)) == extract.rows_sent


def test_only_mapped_fields_and_extra_columns_leave_never_notes(data_dir, expected) -> None:
    result = register_result(
        data_dir,
        expected,
        extra_columns=["Programme"],
        output={"rows_with_errors": "exclude", "columns": {"identifier": "nhi", "date_of_birth": "dob"}},
    )
    extract = build_extract(result, today=AS_OF)
    header = extract.data.decode("utf-8").splitlines()[0].split(",")
    assert header == [
        "nhi",
        "given_name",
        "family_name",
        "dob",
        "gender",
        "start_date",
        "end_date",
        "Programme",
    ]
    text = extract.data.decode("utf-8")
    assert "Court date pending" not in text and "Phone: 021" not in text and "W32354" not in text


def test_values_are_sent_cleaned_dates_iso_and_gender_codes(data_dir, expected) -> None:
    result = register_result(data_dir, expected, output={"rows_with_errors": "exclude"})
    kept_rows = result.canonical["row"][~result.has_error].astype(int)
    sent = dict(zip(kept_rows, rows_of(build_extract(result, today=AS_OF)), strict=True))
    assert sent[4] == {  # row 4: CKL8130, Harper Tamihana, born 4 Nov 1937, female, started 10 Aug 2021
        "identifier": "CKL8130",
        "given_name": "Harper",
        "family_name": "Tamihana",
        "dob": "1937-11-04",
        "gender": "F",
        "start_date": "2021-08-10",
        "end_date": "",
    }
    tidied_id = result.table.find_column("NHI Number").values[
        result.positions[result.canonical["row"] == 71]
    ][0]
    assert tidied_id != sent[71]["identifier"] == tidied_id.upper().replace(" ", "").replace("-", "")
    assert sent[51]["given_name"] == " ".join(sent[51]["given_name"].split())


def test_the_file_name_follows_the_profile_pattern(data_dir, expected) -> None:
    result = register_result(data_dir, expected, output={"rows_with_errors": "exclude"})
    assert build_extract(result, today=dt.date(2026, 11, 26)).file_name == "KWT_20261126.csv"


@pytest.mark.parametrize(
    "pattern",
    [
        "../{organisation_code}.csv",
        "{client}.csv",
        "a/b.csv",
        "{date.__class__}.csv",
        "{organisation_code!r}.csv",
        "{organisation_code:>300}.csv",
        "{date:%Y%m%d %Z}.csv",
        "{organisation_code}_\u202egpj.exe",
        "{organisation_code}\x07.csv",
        "CON",
        "nul.{date:%Y}.csv",
        "{organisation_code}.csv.",
        "{organisation_code}.csv ",
    ],
)
def test_a_file_name_pattern_that_is_unsafe_on_windows_or_a_server_is_refused(
    data_dir, expected, pattern
) -> None:
    with pytest.raises(InputError):
        result = register_result(
            data_dir, expected, output={"rows_with_errors": "exclude", "file_name": pattern}
        )
        build_extract(result, today=AS_OF)


def test_an_organisation_code_that_makes_a_device_name_is_refused(data_dir, expected) -> None:
    result = register_result(
        data_dir,
        expected,
        organisation_code="LPT1",
        output={"rows_with_errors": "exclude", "file_name": "{organisation_code}.csv"},
    )
    with pytest.raises(InputError, match="device"):
        build_extract(result, today=AS_OF)


def test_the_service_is_sent_only_when_chosen_as_it_reads_in_the_sheet(data_dir, expected) -> None:
    spec = expected["files"]["whanau_register.xlsx"]
    exclude = {"rows_with_errors": "exclude"}
    without = build_extract(register_result(data_dir, expected, output=exclude), today=AS_OF)
    chosen = register_result(
        data_dir, expected, mapping={**spec["mapping"], "service": "Programme"}, output=exclude
    )
    extract = build_extract(chosen, today=AS_OF)
    assert "service" not in without.columns
    assert extract.columns[-1] == "service"
    programme = chosen.table.find_column("Programme")
    sent = [line["service"] for line in rows_of(extract)]
    kept = chosen.positions[~chosen.has_error]
    assert sent == [str(programme.values[i] or "") for i in kept]


def test_the_file_written_in_small_blocks_is_the_same_file(data_dir, expected, monkeypatch) -> None:
    """The CSV is written a block of rows at a time (so the window stays responsive); blocks change nothing."""
    import core.sending.extract as extract_module

    result = register_result(data_dir, expected, output={"rows_with_errors": "exclude"})
    whole = build_extract(result, today=AS_OF).data
    monkeypatch.setattr(extract_module, "ROWS_PER_WRITE", 3)
    in_blocks = build_extract(result, today=AS_OF).data
    assert in_blocks == whole and len(rows_of(build_extract(result, today=AS_OF))) > 3 * 2

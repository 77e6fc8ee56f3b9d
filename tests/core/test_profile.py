"""Supply profiles (docs/profile.md): load, validate with clear errors, save without losing unknown keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import InputError
from core.profile import load_profile, profile_from_dict, save_profile

SPEC_EXAMPLE = {
    "format": 1,
    "name": "Whānau Ora participants, quarterly",
    "organisation_code": "KWT",
    "source": {"sheet": "Participants", "header_row": 4},
    "mapping": {
        "identifier": "NHI",
        "first_name": "Given Name(s)",
        "last_name": "Family Name",
        "date_of_birth": "D.O.B.",
        "gender": "Sex",
        "start_date": "Date Enrolled",
        "end_date": "Exit Date",
    },
    "identifier_type": "NHI",
    "date_order": "day_first",
    "gender_values": {"Wahine": "female", "7": "unknown"},
    "extra_columns": ["Programme"],
    "output": {
        "file_name": "{organisation_code}_{date:%Y%m%d}.csv",
        "columns": {"identifier": "nhi", "first_name": "given_name", "date_of_birth": "dob"},
        "date_format": "%Y-%m-%d",
        "gender_codes": {"male": "M", "female": "F", "another": "X", "unknown": ""},
        "rows_with_errors": "block",
    },
    "encryption": {
        "method": "openpgp",
        "recipient_key_file": "statsnz-public.asc",
        "recipient_fingerprint": "0123 ABCD 4567 EF01 2345 6789 ABCD EF01 2345 6789",
    },
    "sftp": {
        "host": "sftp.example.org",
        "port": 22,
        "username": "kwt-supply",
        "remote_dir": "/incoming",
        "auth": "password",
        "key_file": None,
        "host_key_sha256": "SHA256:abc",
    },
    "frequency": "quarterly",
}


def write(tmp_path: Path, data: object, name: str = "kwt.idiprofile.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_spec_example_loads_with_every_setting(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, SPEC_EXAMPLE))
    assert profile.name == "Whānau Ora participants, quarterly"
    assert profile.mapping["date_of_birth"] == "D.O.B."
    assert (profile.sheet, profile.header_row) == ("Participants", 4)
    assert profile.identifier_type == "NHI"
    assert profile.gender_values == {"Wahine": "female", "7": "unknown"}
    assert profile.output.rows_with_errors == "block"
    assert profile.output_column_name("identifier") == "nhi"
    assert profile.output_column_name("gender") == "gender"
    assert profile.encryption.recipient_key_file == tmp_path / "statsnz-public.asc"
    assert profile.sftp.host == "sftp.example.org" and profile.sftp.port == 22


def test_saving_keeps_unknown_keys_and_round_trips(tmp_path: Path) -> None:
    data = dict(SPEC_EXAMPLE, privacy_officer_note="reviewed 2026-10", future_block={"x": 1})
    profile = load_profile(write(tmp_path, data))
    target = tmp_path / "copy.idiprofile.json"
    save_profile(profile, target)
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved["privacy_officer_note"] == "reviewed 2026-10"
    assert saved["future_block"] == {"x": 1}
    assert saved["encryption"]["recipient_key_file"] == "statsnz-public.asc"
    assert load_profile(target).mapping == profile.mapping


def test_only_format_name_and_mapping_are_required() -> None:
    profile = profile_from_dict({"format": 1, "name": "Minimal", "mapping": {"full_name": "Name"}})
    assert profile.date_order == "day_first"
    assert profile.output.rows_with_errors == "block"
    assert profile.sftp is None and profile.encryption is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"format": 2}, "newer IDI Share"),
        ({"format": None}, '"format" key is missing'),
        ({"name": ""}, '"name"'),
        ({"mapping": {}}, '"mapping"'),
        ({"mapping": {"shoe_size": "Shoes"}}, 'unknown field "shoe_size"'),
        ({"mapping": {"full_name": "Name", "first_name": "First"}}, "both"),
        ({"identifier_type": "PASSPORT"}, '"identifier_type"'),
        ({"date_order": "year_first"}, '"date_order"'),
        ({"gender_values": {"W": "woman"}}, '"gender_values"'),
        ({"output": {"rows_with_errors": "ignore"}}, "rows_with_errors"),
        ({"sftp": {"host": "h", "username": "u", "port": 70000}}, '"sftp.port"'),
        ({"sftp": {"host": "h", "username": "u", "auth": "key"}}, '"sftp.key_file"'),
        ({"sftp": {"host": "h", "username": "u", "password": "hunter2"}}, "credential store"),
    ],
)
def test_a_bad_profile_is_refused_with_a_sentence_naming_the_key(change: dict, words: str) -> None:
    data = {**SPEC_EXAMPLE, **change}
    if change.get("format", 1) is None:
        data.pop("format")
    with pytest.raises(InputError) as caught:
        profile_from_dict(data)
    assert words in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_profile_that_is_not_json_says_where_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "broken.idiprofile.json"
    path.write_text('{"format": 1, "name": "x",\n "mapping": }', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON \(line 2"):
        load_profile(path)


def test_a_missing_profile_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="was not found"):
        load_profile(tmp_path / "nope.idiprofile.json")


def test_saving_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    profile = profile_from_dict(SPEC_EXAMPLE)
    target = tmp_path / "out.idiprofile.json"
    save_profile(profile, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.idiprofile.json"]


@pytest.mark.parametrize("fingerprint", [None, "", "0123ABCD", "Z" * 40])
def test_a_key_file_needs_the_full_fingerprint_stats_nz_gave(fingerprint: str | None) -> None:
    data = {
        **SPEC_EXAMPLE,
        "encryption": {"recipient_key_file": "statsnz.asc", "recipient_fingerprint": fingerprint},
    }

    with pytest.raises(InputError, match="recipient_fingerprint"):
        profile_from_dict(data)


def test_the_drop_box_option_is_read_and_saved(tmp_path: Path) -> None:
    data = {**SPEC_EXAMPLE, "sftp": {**SPEC_EXAMPLE["sftp"], "drop_box": True}}
    profile = profile_from_dict(data, path=tmp_path / "p.idiprofile.json")
    save_profile(profile, tmp_path / "p.idiprofile.json")

    assert profile.sftp.drop_box is True
    assert (
        json.loads((tmp_path / "p.idiprofile.json").read_text(encoding="utf-8"))["sftp"]["drop_box"] is True
    )
    with pytest.raises(InputError, match="drop_box"):
        profile_from_dict({**SPEC_EXAMPLE, "sftp": {**SPEC_EXAMPLE["sftp"], "drop_box": "yes"}})

"""What changed since the last supply: two versions of a sample with known differences, and nothing personal kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest

from core.checking import fingerprints as fingerprinting
from core.checking.check import run_check
from core.checking.fingerprint_store import store_path
from core.checking.fingerprints import DETAILS, fingerprints, supply_id
from core.profile import profile_from_dict
from core.reading.sources import read_table
from core.sending.last_supply import changes_since_last_supply, remember_sent_supply
from tests.builders import write_csv

NAME = "referrals_export.csv"
AS_OF = dt.date(2026, 11, 1)
NEW_SWNS = ("900000001", "900000002", "900000003", "900000004")


@pytest.fixture
def sample(data_dir, expected):
    """The CSV sample's header, lines, and the indexes of lines with no planted problem (one person each)."""
    text = (data_dir / NAME).read_text(encoding="utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    planted = {item["row"] for item in expected["files"][NAME]["expected"]}
    clean = [i for i in range(len(lines)) if i + 2 not in planted]  # line 1 is the header
    return header, lines, clean


def profile_for(expected):
    spec = expected["files"][NAME]
    return profile_from_dict(
        {"format": 1, "name": "Referrals", "organisation_code": "KWT", "mapping": spec["mapping"],
         "identifier_type": spec["id_type"]}
    )  # fmt: skip


def check(path: Path, expected):
    return run_check(read_table(path), profile_for(expected), AS_OF)


def test_known_differences_give_exactly_those_counts(tmp_path, data_dir, expected, sample) -> None:
    header, lines, clean = sample
    remember_sent_supply(check(data_dir / NAME, expected))
    lines = [list(line) for line in lines]
    removed, rekeyed, dob_changed, renamed, regendered = (
        clean[0:5], clean[5:8], clean[8:10], clean[10:11], clean[11:12]
    )  # fmt: skip
    swns = [lines[i][0] for i in rekeyed]
    for i, swn in zip(rekeyed, swns[1:] + swns[:1], strict=True):  # each now carries another person's SWN
        lines[i][0] = swn
    for i in dob_changed:
        lines[i][3] = "1999-02-03"
    for i in renamed:
        lines[i][2] = "Somebody-Else"
    for i in regendered:
        lines[i][4] = "Male" if lines[i][4].lower().startswith("f") else "Female"
    added = [
        [swn, "Aroha", f"Newperson{n}", "4/5/2001", "Female", "1 Oct 2026", ""]
        for n, swn in enumerate(NEW_SWNS)
    ]
    kept = [line for i, line in enumerate(lines) if i not in removed] + added
    second = write_csv(tmp_path / "second.csv", header, kept)

    summary = changes_since_last_supply(check(second, expected))

    assert summary.counts["new"] == len(added) == 4
    assert summary.counts["gone"] == len(removed) == 5
    assert summary.counts["another_person"] == len(rekeyed) == 3
    assert summary.counts["date_of_birth"] == len(dob_changed) == 2
    assert summary.counts["name"] == 1 and summary.counts["gender"] == 1
    assert summary.people_now == summary.people_before - 5 + 4
    new_rows = [len(kept) - len(added) + 2 + n for n in range(len(added))]  # the added lines, as row numbers
    assert summary.rows["new"] == new_rows
    assert summary.warnings and "another person" in summary.warnings[0]


def test_the_same_list_again_shows_no_change_and_no_warning(data_dir, expected) -> None:
    remember_sent_supply(check(data_dir / NAME, expected))
    summary = changes_since_last_supply(check(data_dir / NAME, expected))
    assert {key: count for key, count in summary.counts.items() if count and key != "not_compared"} == {}
    assert summary.counts["not_compared"] == 1  # the row with neither an SWN nor a name and date of birth
    assert summary.warnings == []


def test_a_filter_left_on_gives_exactly_the_people_filtered_out_and_a_warning(
    tmp_path, data_dir, expected, sample
) -> None:
    header, lines, clean = sample
    everyone = write_csv(tmp_path / "everyone.csv", header, [lines[i] for i in clean])  # one person a line
    remember_sent_supply(check(everyone, expected))
    kept = clean[: len(clean) * 6 // 10]  # a filter that shows 60% of the list
    filtered = write_csv(tmp_path / "filtered.csv", header, [lines[i] for i in kept])

    summary = changes_since_last_supply(check(filtered, expected))

    assert summary.people_before == len(clean)
    assert summary.counts["gone"] == len(clean) - len(kept)
    assert summary.people_now == len(kept)
    assert {k: n for k, n in summary.counts.items() if n and k != "gone"} == {}
    share = round(100 * (len(clean) - len(kept)) / len(clean))
    assert summary.unusual and summary.warnings[0].startswith(f"{share}% fewer people than last time")


def test_without_an_earlier_supply_there_is_nothing_to_compare(data_dir, expected) -> None:
    assert changes_since_last_supply(check(data_dir / NAME, expected)) is None


def test_the_fingerprint_key_is_in_the_credential_store_not_beside_the_fingerprints(
    data_dir, expected, memory_keyring
) -> None:
    remember_sent_supply(check(data_dir / NAME, expected))
    supply = supply_id(profile_for(expected))
    keys = [name for (_, name) in memory_keyring.store if supply in name]
    assert len(keys) == 1
    stored_key = memory_keyring.store[("IDI Share", keys[0])]
    assert (
        stored_key.encode() not in store_path(supply).read_bytes() + store_path(supply, ".json").read_bytes()
    )


def test_the_fingerprint_file_holds_no_name_date_of_birth_or_identifier(data_dir, expected) -> None:
    result = check(data_dir / NAME, expected)
    remember_sent_supply(result)
    supply = supply_id(result.profile)
    stored = store_path(supply).read_bytes() + store_path(supply, ".json").read_bytes()
    values = personal_values(result)
    assert len(values) > 300
    assert [value for value in values if value.encode("utf-8") in stored] == []


def test_the_store_keeps_each_persons_first_row_sorted_by_fingerprint(data_dir, expected) -> None:
    prints = fingerprints(check(data_dir / NAME, expected), b"k" * 32)
    people = prints.unique_people()
    assert np.all(people.person[1:] > people.person[:-1]) and np.all(people.person != 0)
    keyed = np.flatnonzero(prints.person != 0)
    want, first = np.unique(prints.person[keyed], return_index=True)
    rows = keyed[first]
    assert len(rows) < len(prints.person)  # the sample has repeated people and a row without a key
    assert np.array_equal(people.person, want) and np.array_equal(people.combined, prints.combined[rows])
    for name in DETAILS:
        assert np.array_equal(people.details[name], prints.detail(name, rows))


def test_a_store_out_of_order_or_with_a_repeat_compares_the_same(
    tmp_path, data_dir, expected, sample
) -> None:
    header, lines, clean = sample
    remember_sent_supply(check(data_dir / NAME, expected))
    lines = [list(line) for line in lines]
    moved, onto = clean[9], clean[10]
    lines[moved] = [lines[moved][0], *lines[onto][1:]]  # an ID now on another person
    kept = [line for i, line in enumerate(lines) if i not in clean[:7]]
    second = write_csv(tmp_path / "second.csv", header, kept)
    summary = changes_since_last_supply(check(second, expected)).to_json()
    assert summary["counts"]["gone"] == 7 and summary["counts"]["another_person"] == 1
    target = store_path(supply_id(profile_for(expected)))
    table = np.load(target)
    np.save(target, np.concatenate([table[:, ::-1], table[:, 3:4]], axis=1))  # reversed, one person twice
    assert changes_since_last_supply(check(second, expected)).to_json() == summary


def personal_values(result) -> set[str]:
    """Every name, date of birth and identifier of the sheet, as written and in the usual date forms."""
    values: set[str] = set()
    for field_name in ("identifier", "first_name", "last_name", "date_of_birth"):
        column = result.table.find_column(result.columns[field_name])
        for cell in column.values:
            if cell is None:
                continue
            values.add(str(cell).strip())
            if isinstance(cell, dt.date):
                values.update({cell.isoformat(), cell.strftime("%d/%m/%Y"), cell.strftime("%Y%m%d")})
    for dob in result.canonical["date_of_birth"].dropna():
        values.update({dob.strftime("%Y-%m-%d"), dob.strftime("%d/%m/%Y"), dob.strftime("%Y%m%d")})
    return {value for value in values if len(value) >= 4}  # shorter strings turn up in any binary by chance


def small_profile(mapping: dict, id_type: str | None = None):
    data = {"format": 1, "name": "Small", "mapping": mapping} | (
        {"identifier_type": id_type} if id_type else {}
    )
    return profile_from_dict(data)


HEADER = ["Client", "First", "Last", "DOB", "Sex"]
PEOPLE = [
    ["KAITIAKI-000000001", "Aroha", "Ngata", "1/2/1990", "F"],
    ["KAITIAKI-000000002", "Wiremu", "Parata", "3/4/1985", "M"],
    ["KAITIAKI-000000003", "Mere", "Walker", "5/6/2001", "F"],
]


def test_long_ids_of_another_kind_are_compared_too(tmp_path) -> None:
    profile = small_profile(
        {"identifier": "Client", "first_name": "First", "last_name": "Last", "date_of_birth": "DOB"}, "OTHER"
    )
    remember_sent_supply(run_check(read_table(write_csv(tmp_path / "a.csv", HEADER, PEOPLE)), profile, AS_OF))
    swapped = [PEOPLE[0], [PEOPLE[2][0], *PEOPLE[1][1:]], [PEOPLE[1][0], *PEOPLE[2][1:]]]
    result = run_check(read_table(write_csv(tmp_path / "b.csv", HEADER, swapped)), profile, AS_OF)
    summary = changes_since_last_supply(result)
    assert summary.counts["another_person"] == 2 and summary.rows["another_person"] == [3, 4]


def test_without_an_id_column_people_are_known_by_name_and_date_of_birth(tmp_path) -> None:
    profile = small_profile(
        {"first_name": "First", "last_name": "Last", "date_of_birth": "DOB", "gender": "Sex"}
    )
    remember_sent_supply(run_check(read_table(write_csv(tmp_path / "a.csv", HEADER, PEOPLE)), profile, AS_OF))
    changed = [PEOPLE[0], PEOPLE[1], [*PEOPLE[2][:4], "X"]]  # a gender changed: the same person
    result = run_check(
        read_table(write_csv(tmp_path / "b.csv", HEADER, changed[:2] + changed[2:])), profile, AS_OF
    )
    summary = changes_since_last_supply(result)
    assert summary.counts["gender"] == 1 and summary.rows["gender"] == [4]
    assert summary.counts["new"] == summary.counts["gone"] == 0


@pytest.mark.parametrize("name", [NAME, "long ids", "no id column"])
def test_fingerprints_made_a_few_rows_at_a_time_are_those_made_at_once(
    tmp_path, data_dir, expected, monkeypatch, name
) -> None:
    if name == NAME:
        result = check(data_dir / NAME, expected)
    else:
        mapping = {"first_name": "First", "last_name": "Last", "date_of_birth": "DOB", "gender": "Sex"}
        id_type = None
        if name == "long ids":
            mapping, id_type = {"identifier": "Client", **mapping}, "OTHER"
        people = [*PEOPLE, ["", "Hemi", "Walker", "", "M"], ["x", "", "", "7/8/1999", ""]] * 3
        table = read_table(write_csv(tmp_path / "people.csv", HEADER, people))
        result = run_check(table, small_profile(mapping, id_type), AS_OF)
    key = b"k" * 32
    whole = fingerprints(result, key)
    monkeypatch.setattr(fingerprinting, "PART_ROWS", 4)
    parts = fingerprints(result, key)
    assert np.array_equal(whole.pairs, parts.pairs) and np.array_equal(whole.who, parts.who)
    rows = np.arange(result.rows)
    for detail in DETAILS:
        assert np.array_equal(whole.detail(detail, rows), parts.detail(detail, rows))

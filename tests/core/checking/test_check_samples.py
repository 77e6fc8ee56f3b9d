"""The samples' planted problems (tests/data/expected.json) are all found, and nothing else is raised."""

from __future__ import annotations

import datetime as dt

import pytest

from core.checking.check import run_check
from core.profile import profile_from_dict
from core.reading.sources import read_table

SAMPLES = ("whanau_register.xlsx", "referrals_export.csv")


def checked(data_dir, expected, name):
    spec = expected["files"][name]
    profile = profile_from_dict(
        {"format": 1, "name": name, "mapping": spec["mapping"], "identifier_type": spec["id_type"]}
    )
    table = read_table(data_dir / name)
    return run_check(table, profile, dt.date.fromisoformat(expected["as_of"])), spec


@pytest.mark.parametrize("name", SAMPLES)
def test_every_planted_problem_is_reported(data_dir, expected, name) -> None:
    result, spec = checked(data_dir, expected, name)
    found = set(zip(result.issues["row"], result.issues["rule"], strict=True))
    planted = {(item["row"], item["rule"]) for item in spec["expected"]}
    assert planted - found == set()


@pytest.mark.parametrize("name", SAMPLES)
def test_rows_with_nothing_planted_get_no_error_or_warning(data_dir, expected, name) -> None:
    result, spec = checked(data_dir, expected, name)
    planted_rows = {item["row"] for item in spec["expected"]}
    serious = result.issues[result.issues["severity"].isin(["error", "warning"])]
    assert sorted(set(serious["row"]) - planted_rows) == []


@pytest.mark.parametrize("name", SAMPLES)
def test_planted_rows_carry_only_the_planted_rules(data_dir, expected, name) -> None:
    result, spec = checked(data_dir, expected, name)
    planted = {(item["row"], item["rule"]) for item in spec["expected"]}
    found = set(zip(result.issues["row"], result.issues["rule"], strict=True))
    assert found - planted == set()


def test_the_register_headline_counts_people_ready_to_send_and_those_to_fix(data_dir, expected) -> None:
    result, _ = checked(data_dir, expected, "whanau_register.xlsx")
    unlinkable = set(result.issues.loc[result.issues["rule"] == "row_unlinkable", "row"])
    assert unlinkable == {160, 266}
    assert result.linkable_rows == result.rows - 2
    must_fix = int(result.has_error.sum())
    assert result.headline() == (
        f"{result.rows - must_fix:,} of {result.rows:,} people are ready to send; {must_fix:,} must be fixed."
    )


def test_every_issue_carries_the_catalogue_message_and_the_cell_value(data_dir, expected) -> None:
    result, _ = checked(data_dir, expected, "whanau_register.xlsx")
    issue = result.issues[(result.issues["row"] == 188) & (result.issues["rule"] == "dob_in_future")].iloc[0]
    assert issue["message"] == "Date of birth is in the future."
    assert issue["column"] == "Date of Birth"
    assert issue["severity"] == "error"
    assert dt.date.fromisoformat(issue["value"]) > dt.date(2026, 11, 1)

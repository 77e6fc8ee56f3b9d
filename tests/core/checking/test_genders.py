"""Gender values: the built-in synonyms of docs/rules.md (any case, macrons optional), the profile's own codes
over them, and the two rules gender_missing and gender_unrecognised."""

from __future__ import annotations

import numpy as np
import pytest

from core.checking.genders import BUILT_IN_GENDERS, normalise_genders
from core.errors import InputError
from core.reading.table import CellKind

SYNONYMS = [(value, code) for code, values in BUILT_IN_GENDERS.items() for value in values]


def column(*values: object) -> tuple[np.ndarray, np.ndarray]:
    kinds = [
        CellKind.EMPTY if v is None else CellKind.NUMBER if isinstance(v, (int, float)) else CellKind.TEXT
        for v in values
    ]
    return np.array(values, dtype=object), np.array(kinds, dtype=np.uint8)


def genders(*values: object, profile: dict[str, str] | None = None):
    return normalise_genders(*column(*values), profile)


@pytest.mark.parametrize(("value", "code"), SYNONYMS)
def test_built_in_synonyms_are_recognised_in_any_case_and_spacing(value: str, code: str) -> None:
    result = genders(value, value.upper(), f"  {value.title()} ")
    assert list(result.codes) == [code] * 3
    assert not result.unrecognised.any()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Tane", "male"),
        ("TĀNE", "male"),
        ("Wahine", "female"),
        ("Non-Binary", "another"),
        ("non binary", "another"),
    ],
)
def test_macrons_and_hyphens_are_optional(value: str, code: str) -> None:
    assert genders(value).codes[0] == code


@pytest.mark.parametrize("value", ["U", "Unknown", "not stated", "Prefer not to say", "UNSPECIFIED"])
def test_values_meaning_unknown_are_missing_but_recognised(value: str) -> None:
    result = genders(value)
    assert result.codes[0] == "unknown" and result.missing[0] and not result.unrecognised[0]


def test_empty_values_are_missing_not_unrecognised() -> None:
    result = genders(None, "", "   ")
    assert result.missing.all() and not result.unrecognised.any()
    assert all(code is None for code in result.codes)


@pytest.mark.parametrize("value", ["mal", "7", "femail", "?"])
def test_values_nobody_knows_are_unrecognised(value: str) -> None:
    result = genders(value)
    assert result.unrecognised[0] and result.codes[0] is None and not result.missing[0]


def test_known_genders_are_neither_missing_nor_unrecognised() -> None:
    result = genders("M", "F", "X")
    assert not (result.missing | result.unrecognised).any()


def test_profile_codes_add_to_the_built_in_ones() -> None:
    result = genders("7", "1", "M", profile={"7": "unknown", "1": "male"})
    assert list(result.codes) == ["unknown", "male", "male"]
    assert list(result.missing) == [True, False, False]


def test_profile_codes_override_the_built_in_ones() -> None:
    assert genders("M", profile={"M": "female"}).codes[0] == "female"


def test_profile_keys_match_trimmed_and_in_any_case() -> None:
    result = genders("wh", " WH ", profile={" Wh": "Female"})
    assert list(result.codes) == ["female", "female"]


def test_number_cells_match_profile_codes_by_their_text() -> None:
    result = genders(7.0, 2, profile={"7": "unknown", "2": "female"})
    assert list(result.codes) == ["unknown", "female"]


def test_number_cell_without_a_profile_code_is_unrecognised() -> None:
    assert genders(7.0).unrecognised[0]


def test_profile_code_that_is_no_gender_is_an_input_error() -> None:
    with pytest.raises(InputError, match="male, female, another or unknown"):
        genders("7", profile={"7": "robot"})


def test_repeated_values_get_the_same_code_on_every_row() -> None:
    result = genders("Wahine", "mal", "Wahine", None, "mal")
    assert list(result.codes) == ["female", None, "female", None, None]
    assert list(result.unrecognised) == [False, True, False, False, True]

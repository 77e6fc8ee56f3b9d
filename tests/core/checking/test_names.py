"""Name cleaning per docs/rules.md: whitespace, placeholders, bad characters, initials, full-name splitting with
particles and "Family, Given", and the folded form rows are compared in."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checking.names import (
    NAME_PARTICLES,
    PLACEHOLDER_NAMES,
    clean_names,
    fold_for_comparison,
    split_full_names,
)
from core.reading.table import CellKind


def column(*values: object) -> tuple[np.ndarray, np.ndarray]:
    kinds = [
        CellKind.EMPTY if v is None else CellKind.NUMBER if isinstance(v, (int, float)) else CellKind.TEXT
        for v in values
    ]
    return np.array(values, dtype=object), np.array(kinds, dtype=np.uint8)


def clean(*values: object):
    return clean_names(*column(*values))


def split(*values: object):
    return split_full_names(*column(*values))


# --- whitespace and missing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "cleaned"),
    [("  Harper ", "Harper"), ("Mary  Jane", "Mary Jane"), ("Te\tAo", "Te Ao"), ("Hana\u00a0", "Hana")],
)
def test_leading_trailing_and_doubled_spaces_are_removed_and_reported(written: str, cleaned: str) -> None:
    result = clean(written)
    assert result.cleaned[0] == cleaned and result.whitespace[0]


def test_tidy_name_is_kept_as_it_is_and_not_reported() -> None:
    result = clean("Mary Jane")
    assert result.cleaned[0] == "Mary Jane" and not result.whitespace[0]


def test_empty_and_blank_names_are_missing() -> None:
    result = clean(None, "", "   ")
    assert result.missing.all() and not result.whitespace.any()
    assert all(value is None for value in result.cleaned)


def test_number_cell_is_cleaned_as_its_text() -> None:
    result = clean(7.0)
    assert result.cleaned[0] == "7" and result.bad_character[0]


# --- placeholders -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PLACEHOLDER_NAMES))
def test_listed_stand_ins_are_placeholders_in_any_case(name: str) -> None:
    result = clean(name, name.upper(), f"  {name.title()} ")
    assert result.placeholder.all() and not result.missing.any()


@pytest.mark.parametrize("name", ["Baby of Mere", "BABY OF", "baby of Aroha Smith", "Twin A", "twin 2"])
def test_baby_of_and_twin_prefixes_are_placeholders(name: str) -> None:
    assert clean(name).placeholder[0]


@pytest.mark.parametrize("name", ["--", "??", "- ?", "xxxx"])
def test_values_made_only_of_stand_in_marks_are_placeholders(name: str) -> None:
    assert clean(name).placeholder[0]


@pytest.mark.parametrize("name", ["Babyofa", "Twinkle", "Nana", "Annie", "Tess", "Xavier", "Unknownson"])
def test_real_names_that_start_like_a_stand_in_are_not_placeholders(name: str) -> None:
    assert not clean(name).placeholder[0]


def test_placeholder_is_not_also_a_bad_character() -> None:
    result = clean("n/a", "?", "N/A")
    assert result.placeholder.all() and not result.bad_character.any()


# --- characters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Jo3",
        "Ana!",
        "Ng\ufffdata",
        "Mere\x01",
        "Sam@home",
        "Li_Wei",
        "A/B",
        'Hemi"',
        "Kate;",
        "Ana#1",
        "Tom+Jerry",
        "Rua{",
        "Mia\\",
    ],
)
def test_digits_symbols_replacement_and_control_characters_are_bad(name: str) -> None:
    assert clean(name).bad_character[0]


@pytest.mark.parametrize(
    "name",
    [
        "Hōhepa",
        "Faʻamoe",
        "O'Neill",
        "Smith-Ngata",
        "Zoë",
        "Seán",
        "李",
        "Ngāio",
        "K.",
        "Jean-Luc",
        "Nguyễn",
        "Ōtene",
        "Mary Jane",
    ],
)
def test_letters_of_any_script_macrons_okina_apostrophes_and_hyphens_are_fine(name: str) -> None:
    assert not clean(name).bad_character[0]


@pytest.mark.parametrize("name", ["J", "k.", "Ā"])
def test_single_letter_with_or_without_full_stop_is_initial_only(name: str) -> None:
    assert clean(name).initial_only[0]


@pytest.mark.parametrize("name", ["Jo", "J.K.", "李", "."])
def test_longer_names_and_single_chinese_characters_are_not_initials(name: str) -> None:
    assert not clean(name).initial_only[0]


def test_macrons_and_okina_are_kept_in_the_cleaned_name() -> None:
    assert clean(" Tūī ", "Faʻamoe").cleaned.tolist() == ["Tūī", "Faʻamoe"]


def test_repeated_names_get_the_same_result_on_every_row() -> None:
    result = clean("TEST", "Aroha", "TEST", None, "Aroha")
    assert list(result.placeholder) == [True, False, True, False, False]
    assert list(result.missing) == [False, False, False, True, False]


# --- full names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Mary Jane Smith", "Mary Jane", "Smith"),
        ("Hemi Te Whare", "Hemi", "Te Whare"),
        ("Tama Ngāti Porou", "Tama", "Ngāti Porou"),
        ("Tama ngati Porou", "Tama", "ngati Porou"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Maria de la Cruz", "Maria", "de la Cruz"),
        ("Ian Mac Donald", "Ian", "Mac Donald"),
        ("John St. Clair", "John", "St. Clair"),
        ("Te Ao Ngata", "Te Ao", "Ngata"),
        ("Te Whare", "Te", "Whare"),
        ("Smith, John", "John", "Smith"),
        ("Te Whare,  Hemi Mārama", "Hemi Mārama", "Te Whare"),
    ],
)
def test_full_name_splits_into_given_and_family(full: str, first: str, last: str) -> None:
    result = split(full)
    assert (result.first[0], result.last[0]) == (first, last)
    assert result.first_kinds[0] == CellKind.TEXT and result.last_kinds[0] == CellKind.TEXT


@pytest.mark.parametrize("particle", NAME_PARTICLES)
def test_every_particle_joins_the_family_name(particle: str) -> None:
    result = split(f"Aroha {particle.upper()} Kahu")
    assert result.last[0] == f"{particle.upper()} Kahu" and result.first[0] == "Aroha"


def test_single_word_is_a_first_name_and_the_last_name_is_missing() -> None:
    result = split("Cher")
    assert result.first[0] == "Cher" and result.last[0] is None
    assert result.last_kinds[0] == CellKind.EMPTY
    assert clean_names(result.last, result.last_kinds).missing[0]


def test_comma_with_nothing_after_leaves_the_first_name_missing() -> None:
    result = split("Smith,")
    assert result.first[0] is None and result.last[0] == "Smith"
    assert result.first_kinds[0] == CellKind.EMPTY


def test_empty_full_name_gives_two_missing_parts() -> None:
    result = split(None, "  ")
    assert list(result.first) == [None, None] and list(result.last) == [None, None]
    assert (result.first_kinds == CellKind.EMPTY).all() and (result.last_kinds == CellKind.EMPTY).all()


def test_placeholder_is_tested_on_the_whole_full_name() -> None:
    result = split("Baby of Mere Smith", "No Name", "Aroha Smith")
    assert list(result.whole_placeholder) == [True, True, False]


def test_whitespace_in_the_full_name_is_reported_on_the_whole_value() -> None:
    result = split("  Aroha   Kahu ", "Aroha Kahu")
    assert list(result.whitespace) == [True, False]
    assert result.first[0] == "Aroha" and result.last[0] == "Kahu"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["Aroha", "Mere", "te", "Van", "de", "la", "Smith", "Ngāti"]),
            min_size=2,
            max_size=5,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_full_name_parts_put_back_together_give_the_name(names: list[list[str]]) -> None:
    texts = [" ".join(words) for words in names]
    result = split(*texts)
    for row, words in enumerate(names):
        assert f"{result.first[row]} {result.last[row]}" == texts[row]
        assert result.first[row].split()[0] == words[0]  # the first word always stays a given name
        assert result.last[row].split()[-1] == words[-1]


# --- folding ----------------------------------------------------------------------------------------------


def test_folding_ignores_case_macrons_accents_and_spacing() -> None:
    folded = fold_for_comparison(np.array(["Ngāio  Te Whare", "ngaio te whare", "ZOË", "zoe"], dtype=object))
    assert folded[0] == folded[1] and folded[2] == folded[3]


def test_folding_treats_okina_and_curly_apostrophes_as_one() -> None:
    folded = fold_for_comparison(np.array(["Faʻamoe", "Fa'amoe", "Fa’amoe"], dtype=object))
    assert len(set(folded)) == 1


def test_folding_keeps_none_and_different_names_apart() -> None:
    folded = fold_for_comparison(np.array([None, "Aroha", "Arohanui"], dtype=object))
    assert folded[0] is None and folded[1] != folded[2]

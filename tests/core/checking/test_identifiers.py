"""NHI, IRD and SWN checks against docs/identifiers.md: its test vectors, and property tests that compare the
vectorised column check with a plain implementation of the spec's algorithms written here, independently."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.checking.identifiers import (
    check_identifiers,
    clean_identifier,
    ird_is_valid,
    nhi_check_character,
    nhi_is_valid,
    swn_is_valid,
)
from core.errors import InputError
from core.reading.table import CellKind

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
VALID_OLD_NHI = ["ZZZ0016", "ZZZ0024", "ZAA0067", "JBX3656", "EPT6335", "CGC2720"]
VALID_NEW_NHI = ["ZZZ00AC", "ZBN77VL", "ZHW58CV", "ZDR69YX", "AAA01AY"]
VALID_IRD = ["49091850", "35901981", "49098576", "136410132"]


# --- an independent reading of the spec -------------------------------------------------------------------


def spec_clean(value: str) -> str:
    return value.upper().replace(" ", "").replace("-", "")


def spec_value(char: str) -> int:
    return int(char) if char.isdigit() else LETTERS.index(char) + 1


def spec_nhi(value: str) -> str:
    """ "invalid_format", "bad_check", "test_number" or "valid" for one NHI, straight from the spec."""
    s = spec_clean(value)
    letters_ok = len(s) == 7 and all(c in LETTERS for c in s[:3]) and all(c in "0123456789" for c in s[3:5])
    old = letters_ok and s[5] in "0123456789" and s[6] in "0123456789"
    new = letters_ok and s[5] in LETTERS and s[6] in LETTERS
    if not (old or new):
        return "invalid_format"
    total = sum(spec_value(c) * w for c, w in zip(s[:6], (7, 6, 5, 4, 3, 2), strict=True))
    if old:
        r = total % 11
        check = None if r == 0 else (0 if 11 - r == 10 else 11 - r)
        passes = check is not None and str(check) == s[6]
    else:
        passes = LETTERS[23 - total % 23 - 1] == s[6]
    if not passes:
        return "bad_check"
    return "test_number" if s[0] == "Z" else "valid"


def spec_ird(value: str) -> str:
    s = spec_clean(value)
    if not (len(s) in (8, 9) and all(c in "0123456789" for c in s) and 10_000_000 <= int(s) <= 150_000_000):
        return "invalid_format"
    digits = [int(c) for c in s.zfill(9)]
    for weights in ((3, 2, 7, 6, 5, 4, 3, 2), (7, 4, 3, 2, 5, 2, 7, 6)):
        r = sum(d * w for d, w in zip(digits[:8], weights, strict=True)) % 11
        check = 0 if r == 0 else 11 - r
        if check != 10:
            return "valid" if check == digits[8] else "bad_check"
    return "bad_check"


def outcome(result, row: int) -> str:
    if result.invalid_format[row]:
        return "invalid_format"
    if result.bad_check[row]:
        return "bad_check"
    if result.test_number[row]:
        return "test_number"
    assert result.valid[row]
    return "valid"


def text_column(*values: str | None) -> tuple[np.ndarray, np.ndarray]:
    kinds = [CellKind.EMPTY if v is None else CellKind.TEXT for v in values]
    return np.array(values, dtype=object), np.array(kinds, dtype=np.uint8)


def check_texts(values: list[str], id_type: str):
    return check_identifiers(*text_column(*values), id_type)


# --- NHI --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nhi", VALID_OLD_NHI + VALID_NEW_NHI)
def test_spec_valid_nhi_vectors_pass_their_check(nhi: str) -> None:
    assert nhi_is_valid(nhi)
    result = check_texts([nhi], "NHI")
    assert not result.invalid_format[0] and not result.bad_check[0]


@pytest.mark.parametrize("nhi", ["JBX3656", "EPT6335", "CGC2720", "AAA01AY"])
def test_real_valid_nhi_is_usable_for_linking(nhi: str) -> None:
    result = check_texts([nhi], "NHI")
    assert result.valid[0] and not result.test_number[0]


@pytest.mark.parametrize("nhi", ["ZZZ0016", "ZZZ0024", "ZAA0067", "ZZZ00AC", "ZBN77VL", "ZHW58CV", "ZDR69YX"])
def test_z_nhi_that_passes_its_check_is_a_test_number_not_usable(nhi: str) -> None:
    result = check_texts([nhi], "NHI")
    assert result.test_number[0] and not result.valid[0] and not result.bad_check[0]


@pytest.mark.parametrize("nhi", ["ZZZ0044", "DAB8233", "JBX3657", "ZZZ00AA", "ZHW58CZ"])
def test_spec_wrong_check_character_vectors_are_bad_check(nhi: str) -> None:
    assert not nhi_is_valid(nhi)
    result = check_texts([nhi], "NHI")
    assert result.bad_check[0] and not result.invalid_format[0] and not result.valid[0]


def test_z_nhi_that_fails_its_check_is_bad_check_only() -> None:
    result = check_texts(["ZZZ0044"], "NHI")
    assert result.bad_check[0] and not result.test_number[0]


def test_old_format_remainder_zero_has_no_check_digit() -> None:
    assert nhi_check_character("DAB823") is None


@pytest.mark.parametrize("nhi", ["ZZZ001", "ZZI0016", "ZZO0016", "ZZZ00016", "1ZZ0016", "ZZZA016", "ZZZ0A16"])
def test_wrong_shape_nhi_is_invalid_format(nhi: str) -> None:
    assert not nhi_is_valid(nhi)
    result = check_texts([nhi], "NHI")
    assert result.invalid_format[0] and not result.bad_check[0] and not result.valid[0]


def test_new_format_check_letter_i_or_o_is_invalid_format() -> None:
    result = check_texts(["ZZZ00AI", "ZZZ00AO"], "NHI")
    assert result.invalid_format.all()


@pytest.mark.parametrize(
    ("written", "clean"),
    [("jbx3656", "JBX3656"), ("JBX 3656", "JBX3656"), ("jbx-36-56", "JBX3656"), (" aaa01ay ", "AAA01AY")],
)
def test_lower_case_spaces_and_dashes_are_removed_and_reported(written: str, clean: str) -> None:
    result = check_texts([written], "NHI")
    assert result.normalised[0] == clean
    assert result.reformatted[0] and result.valid[0]


def test_clean_value_is_not_reported_reformatted() -> None:
    result = check_texts(["JBX3656"], "NHI")
    assert not result.reformatted[0]


def test_reformatted_is_not_reported_when_the_cleaned_value_is_still_malformed() -> None:
    result = check_texts(["jbx 365"], "NHI")
    assert result.invalid_format[0] and not result.reformatted[0]


def test_reformatted_is_reported_with_a_wrong_check_character() -> None:
    result = check_texts(["jbx 3657"], "NHI")
    assert result.reformatted[0] and result.bad_check[0]


def test_empty_and_whitespace_only_cells_are_empty_not_invalid() -> None:
    result = check_texts([None, "   ", "", " - "], "NHI")
    assert result.empty.all()
    assert not (result.invalid_format | result.bad_check | result.valid).any()
    assert all(value is None for value in result.normalised)


def test_long_value_is_invalid_format() -> None:
    result = check_texts(["JBX3656JBX3656JBX3656"], "NHI")
    assert result.invalid_format[0]


def test_value_padded_with_many_spaces_is_still_read() -> None:
    result = check_texts(["    JBX3656            "], "NHI")
    assert result.valid[0] and result.normalised[0] == "JBX3656"


def test_non_ascii_look_alike_letters_are_invalid_format() -> None:
    result = check_texts(["ÀBX3656", "JBX３６５６"], "NHI")
    assert result.invalid_format.all()


def test_nhi_in_a_number_cell_is_invalid_format() -> None:
    result = check_identifiers(
        np.array([1234567.0], dtype=object), np.array([CellKind.NUMBER], np.uint8), "NHI"
    )
    assert result.invalid_format[0] and result.normalised[0] == "1234567"


def test_mixed_column_gives_one_answer_a_row() -> None:
    values = ["JBX3656", None, "jbx 3656", "ZZZ0016", "JBX3657", "ZZI0016", "  "]
    result = check_texts(values, "NHI")
    assert list(result.valid) == [True, False, True, False, False, False, False]
    assert list(result.empty) == [False, True, False, False, False, False, True]
    assert list(result.test_number) == [False, False, False, True, False, False, False]
    assert list(result.bad_check) == [False, False, False, False, True, False, False]
    assert list(result.invalid_format) == [False, False, False, False, False, True, False]


# --- IRD and SWN ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ird", VALID_IRD)
def test_spec_valid_ird_vectors_are_valid(ird: str) -> None:
    assert ird_is_valid(ird)
    assert check_texts([ird], "IRD").valid[0]


def test_ird_with_wrong_check_digit_is_bad_check() -> None:
    assert not ird_is_valid("136410133")
    result = check_texts(["136410133"], "IRD")
    assert result.bad_check[0] and not result.invalid_format[0]


@pytest.mark.parametrize("ird", ["9125568", "150000001", "1234567890", "4909185A", "009091850"])
def test_ird_out_of_range_or_wrong_length_is_invalid_format(ird: str) -> None:
    assert not ird_is_valid(ird)
    assert check_texts([ird], "IRD").invalid_format[0]


def test_eight_digit_ird_is_written_with_its_leading_zero() -> None:
    result = check_texts(["49091850", "049-091-850"], "IRD")
    assert list(result.normalised) == ["049091850", "049091850"]
    assert list(result.reformatted) == [False, True]


def test_ird_in_a_number_cell_reads_as_its_digits() -> None:
    values = np.array([49091850.0, 136410132], dtype=object)
    result = check_identifiers(values, np.full(2, CellKind.NUMBER, np.uint8), "IRD")
    assert list(result.normalised) == ["049091850", "136410132"]
    assert result.valid.all() and not result.reformatted.any()


def first_ird_where(primary_is_ten: bool, secondary_is_ten: bool) -> str:
    """The first IRD body whose primary and secondary checks are 10 as asked, with its check digit (or 0)."""
    for body in range(1_000_000, 15_000_000):
        digits = [int(c) for c in f"{body:08d}"]
        checks = []
        for weights in ((3, 2, 7, 6, 5, 4, 3, 2), (7, 4, 3, 2, 5, 2, 7, 6)):
            r = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
            checks.append(0 if r == 0 else 11 - r)
        if (checks[0] == 10) == primary_is_ten and (checks[1] == 10) == secondary_is_ten:
            check = checks[1] if primary_is_ten and not secondary_is_ten else 0
            return f"{body:08d}{check}"
    raise AssertionError("no such body in range")


def test_ird_whose_primary_check_is_ten_uses_the_secondary_weights() -> None:
    ird = first_ird_where(primary_is_ten=True, secondary_is_ten=False)
    assert spec_ird(ird) == "valid"
    assert ird_is_valid(ird) and check_texts([ird], "IRD").valid[0]


def test_ird_whose_both_checks_are_ten_is_never_valid() -> None:
    body = first_ird_where(primary_is_ten=True, secondary_is_ten=True)[:8]
    result = check_texts([body + str(d) for d in range(10)], "IRD")
    assert result.bad_check.all() and not result.valid.any()


def test_nine_digit_swn_is_valid_whatever_its_digits() -> None:
    result = check_texts(["292043640", "000000000", "343-060-893"], "SWN")
    assert result.valid.all() and not result.bad_check.any()
    assert list(result.reformatted) == [False, False, True]
    assert swn_is_valid("999999999")


@pytest.mark.parametrize("swn", ["29204364", "2920436401", "29204364A"])
def test_swn_not_nine_digits_is_invalid_format(swn: str) -> None:
    assert not swn_is_valid(swn)
    assert check_texts([swn], "SWN").invalid_format[0]


def test_swn_in_a_number_cell_is_read_as_digits() -> None:
    result = check_identifiers(
        np.array([292043640.0], dtype=object), np.array([CellKind.NUMBER], np.uint8), "SWN"
    )
    assert result.valid[0] and result.normalised[0] == "292043640"


def test_other_identifiers_are_well_formed_but_never_link() -> None:
    result = check_texts(["W32354", "anything at all", None], "OTHER")
    assert not result.invalid_format.any() and not result.bad_check.any() and not result.valid.any()
    assert list(result.empty) == [False, False, True]
    assert list(result.normalised) == ["W32354", "ANYTHINGATALL", None]


def test_unknown_identifier_type_is_an_input_error() -> None:
    with pytest.raises(InputError, match="NHI, SWN, IRD or OTHER"):
        check_texts(["JBX3656"], "PASSPORT")


# --- properties -------------------------------------------------------------------------------------------

digits_st = st.sampled_from("0123456789")
letters_st = st.sampled_from(LETTERS)
old_nhi = st.tuples(
    st.text(LETTERS, min_size=3, max_size=3), st.text("0123456789", min_size=4, max_size=4)
).map("".join)
new_nhi = st.tuples(
    st.text(LETTERS, min_size=3, max_size=3),
    st.text("0123456789", min_size=2, max_size=2),
    letters_st,
    letters_st,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(old_nhi, new_nhi), min_size=1, max_size=40))
def test_nhi_column_check_agrees_with_the_spec_algorithm(nhis: list[str]) -> None:
    result = check_texts(nhis, "NHI")
    assert [outcome(result, i) for i in range(len(nhis))] == [spec_nhi(n) for n in nhis]
    assert [nhi_is_valid(n) for n in nhis] == [spec_nhi(n) in ("valid", "test_number") for n in nhis]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text("ABCIOXZ019 -abio", max_size=10), min_size=1, max_size=40))
def test_nhi_shapes_agree_with_the_spec(values: list[str]) -> None:
    result = check_texts(values, "NHI")
    for row, value in enumerate(values):
        if spec_clean(value) == "":
            assert result.empty[row]
        else:
            assert outcome(result, row) == spec_nhi(value)
            assert result.reformatted[row] == (
                spec_clean(value) != value and spec_nhi(value) != "invalid_format"
            )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(LETTERS, min_size=3, max_size=3), st.integers(0, 99), letters_st),
        min_size=1,
        max_size=40,
    )
)
def test_new_nhi_valid_only_under_the_2022_mod_24_draft_is_bad_check(
    bodies: list[tuple[str, int, str]],
) -> None:
    mod_24_numbers = []
    for letters, number, fifth in bodies:
        body = f"{letters}{number:02d}{fifth}"
        total = sum(spec_value(c) * w for c, w in zip(body, (7, 6, 5, 4, 3, 2), strict=True))
        check_24 = 24 - total % 24  # 1..24: the draft's letter
        if LETTERS[check_24 - 1] != LETTERS[23 - total % 23 - 1]:
            mod_24_numbers.append(body + LETTERS[check_24 - 1])
    if mod_24_numbers:
        result = check_texts(mod_24_numbers, "NHI")
        assert result.bad_check.all() and not result.valid.any() and not result.test_number.any()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 999_999_999), min_size=1, max_size=40), st.sampled_from(["", "-", " "]))
def test_ird_column_check_agrees_with_the_spec_algorithm(numbers: list[int], separator: str) -> None:
    texts = [str(n) if separator == "" else separator.join((str(n)[:3], str(n)[3:])) for n in numbers]
    result = check_texts(texts, "IRD")
    assert [outcome(result, i) for i in range(len(texts))] == [spec_ird(t) for t in texts]
    assert [ird_is_valid(t) for t in texts] == [spec_ird(t) == "valid" for t in texts]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(10_000_000, 150_000_000), min_size=1, max_size=40))
def test_ird_number_cells_agree_with_their_text(numbers: list[int]) -> None:
    as_numbers = check_identifiers(
        np.array([float(n) for n in numbers], dtype=object),
        np.full(len(numbers), CellKind.NUMBER, np.uint8),
        "IRD",
    )
    as_text = check_texts([str(n) for n in numbers], "IRD")
    assert list(as_numbers.valid) == list(as_text.valid)
    assert list(as_numbers.normalised) == list(as_text.normalised)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text("0123456789 -x", max_size=12), min_size=1, max_size=40))
def test_swn_shape_is_nine_digits_after_cleaning(values: list[str]) -> None:
    result = check_texts(values, "SWN")
    for row, value in enumerate(values):
        clean = spec_clean(value)
        if clean:
            assert result.valid[row] == (len(clean) == 9 and clean.isdigit())
            assert result.invalid_format[row] == (not result.valid[row])


@given(
    st.text(st.characters(codec="utf-8"), max_size=14)
    | st.text("abcXYZ0123456789 -\u2013\u00a0\t", max_size=14)
)
def test_clean_identifier_drops_exactly_spaces_and_dashes_and_upper_cases(value: str) -> None:
    """Its shortcut for values with nothing to drop gives what the general clean-up gives."""
    assert clean_identifier(value) == re.sub(r"[\s\-\u2010-\u2015\u2212]+", "", value.upper())

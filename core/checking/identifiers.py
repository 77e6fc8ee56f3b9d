"""NZ identifier checks (NHI, IRD, SWN) per docs/identifiers.md, one value at a time and over a whole column.

The scalar functions are the plain reading of the spec, kept for tests and for clarity. `check_identifiers`
does the same over a column with numpy: the values are laid out as fixed-width strings viewed as one uint8
array per character position, characters are classified and valued by arithmetic on those arrays, and the
weighted sums are sums of whole arrays, so a million identifiers are checked without a Python loop per value.
Only values that are not already clean (lower case, spaces, dashes) go through pandas string methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.checking.cells import cell_texts, error_code_texts, kind_mask, row_of_each
from core.errors import InputError
from core.reading.table import CellKind

ID_TYPES = ("NHI", "SWN", "IRD", "OTHER")
LINKING_ID_TYPES = ("NHI", "SWN", "IRD")

NHI_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O; A=1 ... Z=24
NHI_WEIGHTS = (7, 6, 5, 4, 3, 2)
IRD_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
IRD_SECONDARY_WEIGHTS = (7, 4, 3, 2, 5, 2, 7, 6)
IRD_MIN, IRD_MAX = 10_000_000, 150_000_000
TEST_NHI_PREFIX = "Z"

# What the clean-up removes: whitespace of any kind, the hyphen-minus and the Unicode dashes.
_REMOVED_BY_CLEANUP = r"[\s\-\u2010-\u2015\u2212]+"
_CLEANUP = re.compile(_REMOVED_BY_CLEANUP)
_WIDTH = 10  # longer than any well-formed identifier, so a longer value shows in the last column
_PACKED_CHARS = 9  # characters of 7 bits that fit in one int64 (see value_codes)

_CHAR_VALUE = {letter: index + 1 for index, letter in enumerate(NHI_LETTERS)} | {str(d): d for d in range(10)}


# ---------------------------------------------------------------------------------------------------------
# Scalar reference checks
# ---------------------------------------------------------------------------------------------------------


def clean_identifier(value: str) -> str:
    """Upper-case and drop spaces and dashes: "abc-1234 " -> "ABC1234"."""
    if value.isalnum():  # nothing to drop, as with nearly every identifier typed: no regex needed
        return value.upper()
    return _CLEANUP.sub("", value.upper())


def _is_nhi_char(char: str) -> bool:
    return char in NHI_LETTERS


def nhi_is_well_formed(value: str) -> bool:
    """AAANNNC (old) or AAANNAX (new) once cleaned; letters never I or O."""
    s = clean_identifier(value)
    if len(s) != 7 or not all(_is_nhi_char(c) for c in s[:3]) or not all(c.isdigit() for c in s[3:5]):
        return False
    old = s[5].isdigit() and s[6].isdigit()
    new = _is_nhi_char(s[5]) and _is_nhi_char(s[6])
    return bool(s.isascii() and (old or new))


def nhi_check_character(first_six: str) -> str | None:
    """The check character for an NHI's first six characters; None where no check character exists.

    Old format (6th char a digit): mod 11, remainder 0 means invalid, 10 becomes 0.
    New format (6th char a letter): 23 - (sum mod 23), as the letter with that value (A to Y).
    """
    s = clean_identifier(first_six)
    if len(s) != 6 or any(c not in _CHAR_VALUE for c in s):
        return None
    total = sum(_CHAR_VALUE[c] * w for c, w in zip(s, NHI_WEIGHTS, strict=True))
    if s[5].isdigit():
        remainder = total % 11
        if remainder == 0:
            return None
        check = 11 - remainder
        return "0" if check == 10 else str(check)
    return NHI_LETTERS[23 - total % 23 - 1]


def nhi_passes_check(value: str) -> bool:
    """Well-formed with the right check character (test numbers included)."""
    s = clean_identifier(value)
    return nhi_is_well_formed(s) and nhi_check_character(s[:6]) == s[6]


def nhi_is_test_number(value: str) -> bool:
    """A well-formed NHI starting with Z that passes its check: reserved for testing."""
    s = clean_identifier(value)
    return s.startswith(TEST_NHI_PREFIX) and nhi_passes_check(s)


def nhi_is_valid(value: str) -> bool:
    """Passes the NHI check (a Z test number passes too; `check_identifiers` keeps those from linking)."""
    return nhi_passes_check(value)


def ird_is_well_formed(value: str) -> bool:
    """8 or 9 digits once cleaned, worth 10,000,000 to 150,000,000."""
    s = clean_identifier(value)
    return len(s) in (8, 9) and s.isascii() and s.isdigit() and IRD_MIN <= int(s) <= IRD_MAX


def ird_check_digit(first_eight: str) -> int | None:
    """The IRD check digit for the first eight digits (left-padded); None where both weightings give 10."""
    digits = [int(c) for c in first_eight]
    for weights in (IRD_WEIGHTS, IRD_SECONDARY_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            return check
    return None


def ird_is_valid(value: str) -> bool:
    """Well-formed IRD number whose 9th digit (after left-padding to nine) is its check digit."""
    if not ird_is_well_formed(value):
        return False
    s = clean_identifier(value).zfill(9)
    return ird_check_digit(s[:8]) == int(s[8])


def swn_is_valid(value: str) -> bool:
    """Nine digits once cleaned: MSD publishes no check-digit algorithm, so the shape is all there is."""
    s = clean_identifier(value)
    return len(s) == 9 and s.isascii() and s.isdigit()


# ---------------------------------------------------------------------------------------------------------
# Column check
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierColumn:
    """Per-row results of checking one identifier column (every array has one element a row)."""

    # object: cleaned text (IRD left-padded to 9 digits when well-formed); None if empty
    normalised: np.ndarray
    empty: np.ndarray  # bool: empty cell or only spaces/dashes (id_missing)
    # bool: case, spaces or dashes had to change to make it well-formed (id_reformatted)
    reformatted: np.ndarray
    invalid_format: np.ndarray  # bool: id_invalid_format
    bad_check: np.ndarray  # bool: id_bad_check_digit
    test_number: np.ndarray  # bool: id_test_number (a Z... NHI that passes its check)
    valid: np.ndarray  # bool: well-formed, right check character, not a test number: usable for linking
    # int64: equal normalised values have equal codes (0 up), different values different ones; -1 if None
    codes: np.ndarray
    error_code: np.ndarray  # bool: a text cell that is a spreadsheet error code (#N/A, ...), spaces aside
    # int64: the normalised value's first nine characters packed 7 bits each (0 if None), and whether that is
    # the whole value (nine ASCII characters or fewer): a number that stands for the value across checks
    packed: np.ndarray | None = None
    packed_whole: np.ndarray | None = None


@dataclass(frozen=True)
class _ShapeCheck:
    well_formed: np.ndarray
    bad_check: np.ndarray
    test_number: np.ndarray


def check_identifiers(values: np.ndarray, kinds: np.ndarray, id_type: str) -> IdentifierColumn:
    """Clean and check a column of identifiers of one type (NHI, SWN, IRD or OTHER)."""
    if id_type not in ID_TYPES:
        raise InputError(f"The identifier type {id_type!r} is not known: choose NHI, SWN, IRD or OTHER.")
    kinds = np.asarray(kinds, dtype=np.uint8)
    n = len(kinds)
    present = np.flatnonzero(~kind_mask(kinds, CellKind.EMPTY))
    cleaned, changed, chars = _clean_texts(
        _texts_of(np.asarray(values, dtype=object)[present], kinds[present])
    )
    lengths = np.count_nonzero(chars, axis=0)
    has_value = lengths > 0  # a value of only spaces or dashes counts as empty
    if not has_value.all():
        present, cleaned, changed = present[has_value], cleaned[has_value], changed[has_value]
        chars, lengths = chars[:, has_value], lengths[has_value]
    empty = np.ones(n, dtype=bool)
    empty[present] = False
    normalised = np.full(n, None, dtype=object)
    flags = {
        name: np.zeros(n, dtype=bool)
        for name in ("reformatted", "invalid_format", "bad_check", "test_number")
    }
    valid = np.zeros(n, dtype=bool)
    codes = np.full(n, -1, dtype=np.int64)
    error_code = _error_code_cells(values, kinds, present, chars)
    packed, packed_whole = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if id_type == "OTHER":
        normalised[present] = cleaned  # any value is well-formed; none links
        codes[present] = value_codes(cleaned, chars, packed, packed_whole, present)
        return IdentifierColumn(
            normalised=normalised, empty=empty, valid=valid, codes=codes, error_code=error_code,
            packed=packed, packed_whole=packed_whole, **flags,
        )  # fmt: skip
    shape = {"NHI": _check_nhi, "IRD": _check_ird, "SWN": _check_swn}[id_type](chars, lengths)
    if id_type == "IRD":
        cleaned, chars = _pad_ird(cleaned, chars, lengths, shape.well_formed)
    normalised[present] = cleaned
    codes[present] = value_codes(cleaned, chars, packed, packed_whole, present)
    flags["reformatted"][present] = changed & shape.well_formed
    flags["invalid_format"][present] = ~shape.well_formed
    flags["bad_check"][present] = shape.bad_check
    flags["test_number"][present] = shape.test_number
    valid[present] = shape.well_formed & ~shape.bad_check & ~shape.test_number
    return IdentifierColumn(
        normalised=normalised, empty=empty, valid=valid, codes=codes, error_code=error_code,
        packed=packed, packed_whole=packed_whole, **flags,
    )  # fmt: skip


def _texts_of(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """The `cell_texts` of cells taken out of a column (no empty one among them), without copying them again.

    Which cells are empty is told by their kinds, not by looking at the cells: each look at every cell of a
    100,000-row column costs several milliseconds.
    """
    if (kind_mask(kinds, CellKind.TEXT) | kind_mask(kinds, CellKind.ERROR)).all():
        return cells  # the usual column: its texts are the cells, already a copy of their own
    return cell_texts(cells, kinds)


def _error_code_cells(
    values: np.ndarray, kinds: np.ndarray, present: np.ndarray, chars: np.ndarray
) -> np.ndarray:
    """Text cells that are a spreadsheet error code once trimmed, found without a look at every cell.

    Such a cell cleans to the code itself (the spaces around it go, the code is upper case already), so its
    cleaned value starts with "#": only those few cells are tested, against the rule itself.
    """
    found = np.zeros(len(kinds), dtype=bool)
    maybe = present[(chars[0] == ord("#")) & kind_mask(np.asarray(kinds)[present], CellKind.TEXT)]
    found[maybe] = error_code_texts(np.asarray(values, dtype=object)[maybe])
    return found


def value_codes(
    strings: np.ndarray,
    chars: np.ndarray,
    packed_out: np.ndarray | None = None,
    whole_out: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Codes of the strings (0 up): equal strings get equal codes, different strings different ones.

    Hashing a column of distinct strings is slow, so the first nine characters of each string (its
    `_char_columns`, 7 bits a character) are packed into one int64 and those are hashed instead. Equal strings
    pack alike, but strings that differ only after the ninth character, in non-ASCII characters (all 127 there)
    or by NUL characters (which look like the end of the string there) can pack alike too: the rows whose
    packed number is shared are compared as strings, and coded by their strings where any of them differ.
    With `packed_out`, the packed numbers are also put at `rows` of it, and whether each is the whole value
    at `rows` of `whole_out` (what changes.py keys people by, across checks).
    """
    packed = np.zeros(len(strings), dtype=np.int64)
    for position in range(_PACKED_CHARS):
        packed = (packed << 7) | chars[position]
    if packed_out is not None:
        packed_out[rows] = packed
        whole_out[rows] = (chars[_PACKED_CHARS] == 0) & (chars[:_PACKED_CHARS] != 127).all(axis=0)
    codes, uniques = pd.factorize(packed)
    codes = codes.astype(np.int64)
    shared = np.flatnonzero(np.bincount(codes, minlength=len(uniques))[codes] > 1)
    if len(shared):
        one_row = row_of_each(codes, len(uniques))  # a row of each packed number: any one will do
        if not np.equal(strings[shared], strings[one_row[codes[shared]]]).all():
            exact, _ = pd.factorize(np.asarray(strings[shared], dtype=object))
            codes[shared] = len(uniques) + exact
    return codes


def _is_digit(chars: np.ndarray) -> np.ndarray:
    return (chars >= ord("0")) & (chars <= ord("9"))


def _is_nhi_letter(chars: np.ndarray) -> np.ndarray:
    return (chars >= ord("A")) & (chars <= ord("Z")) & (chars != ord("I")) & (chars != ord("O"))


def _char_values(chars: np.ndarray) -> np.ndarray:
    """NHI character values: digits as themselves, A=1 ... Z=24 skipping I and O (others meaningless)."""
    codes = chars.astype(np.int32)
    letters = codes - (ord("A") - 1) - (codes > ord("I")) - (codes > ord("O"))
    return np.where(codes <= ord("9"), codes - ord("0"), letters)


def _char_columns(texts: np.ndarray) -> np.ndarray:
    """(_WIDTH, n) uint8: the ASCII code at each position of each value, 0 past its end, 127 for non-ASCII.

    A value longer than _WIDTH is cut off, so it shows as a non-zero code in the last position.
    """
    codes = np.asarray(texts, dtype=object).astype(f"U{_WIDTH}").view(np.uint32).reshape(len(texts), _WIDTH)
    return np.ascontiguousarray(np.minimum(codes, 127).astype(np.uint8).T)


def _clean_texts(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cleaned, changed, character columns of cleaned): upper-cased, spaces and dashes dropped.

    Values that are already clean (the usual case) are kept as the same objects and laid out only once.
    """
    chars = _char_columns(texts)
    clean = _is_digit(chars) | ((chars >= ord("A")) & (chars <= ord("Z"))) | (chars == 0)
    needs_cleaning = np.flatnonzero(~clean.all(axis=0) | (chars[-1] != 0))
    cleaned = texts.copy()
    changed = np.zeros(len(texts), dtype=bool)
    if len(needs_cleaning):
        originals = texts[needs_cleaning]
        fixed = (
            pd.Series(originals, dtype=object).str.upper().str.replace(_REMOVED_BY_CLEANUP, "", regex=True)
        )
        fixed = fixed.to_numpy(dtype=object)
        cleaned[needs_cleaning] = fixed
        changed[needs_cleaning] = fixed != originals
        chars[:, needs_cleaning] = _char_columns(fixed)
    return cleaned, changed, chars


def _check_nhi(chars: np.ndarray, lengths: np.ndarray) -> _ShapeCheck:
    letter, digit, value = _is_nhi_letter(chars[:7]), _is_digit(chars[:7]), _char_values(chars[:7])
    base = (lengths == 7) & letter[0] & letter[1] & letter[2] & digit[3] & digit[4]
    old = base & digit[5] & digit[6]
    new = base & letter[5] & letter[6]
    total = sum(weight * value[position] for position, weight in enumerate(NHI_WEIGHTS))
    remainder = total % 11
    old_check = np.where(remainder == 1, 0, 11 - remainder)  # 11 - 1 == 10 is written 0
    passes = (old & (remainder != 0) & (old_check == value[6])) | (new & ((23 - total % 23) == value[6]))
    well_formed = old | new
    test = passes & (chars[0] == ord(TEST_NHI_PREFIX))
    return _ShapeCheck(well_formed, well_formed & ~passes, test)


def _nine_digits(chars: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(well-shaped, digits): 8 or 9 ASCII digits, and each such value as nine digits (9, n), left-padded with 0.

    Digits of rows that are not well-shaped are meaningless; callers use them only where the shape is right.
    """
    is_digit = _is_digit(chars[:9])
    shaped = ((lengths == 8) & is_digit[:8].all(axis=0)) | ((lengths == 9) & is_digit.all(axis=0))
    digits = chars[:9] - np.uint8(ord("0"))  # wraps around for non-digits, which are never used
    shifted = np.zeros_like(digits)
    shifted[1:] = digits[:8]
    return shaped, np.where(lengths == 8, shifted, digits).astype(np.int16)


def _check_ird(chars: np.ndarray, lengths: np.ndarray) -> _ShapeCheck:
    shaped, digits = _nine_digits(chars, lengths)
    number = sum(digits[position].astype(np.int64) * 10 ** (8 - position) for position in range(9))
    well_formed = shaped & (number >= IRD_MIN) & (number <= IRD_MAX)
    check = _ird_check(digits, IRD_WEIGHTS)
    check = np.where(check == 10, _ird_check(digits, IRD_SECONDARY_WEIGHTS), check)
    passes = check == digits[8]  # check 10 (both weightings) never equals a digit
    nothing = np.zeros(len(lengths), dtype=bool)
    return _ShapeCheck(well_formed, well_formed & ~passes, nothing)


def _ird_check(digits: np.ndarray, weights: tuple[int, ...]) -> np.ndarray:
    remainder = sum(weight * digits[position] for position, weight in enumerate(weights)) % 11
    return np.where(remainder == 0, 0, 11 - remainder)


def _check_swn(chars: np.ndarray, lengths: np.ndarray) -> _ShapeCheck:
    nine_digits = (lengths == 9) & _is_digit(chars[:9]).all(axis=0)
    nothing = np.zeros(len(lengths), dtype=bool)
    return _ShapeCheck(nine_digits, nothing, nothing)


def _pad_ird(
    cleaned: np.ndarray, chars: np.ndarray, lengths: np.ndarray, well_formed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Well-formed 8-digit IRD numbers written with their leading zero, so 49091850 and 049-091-850 compare equal.

    Returns the values and their character columns, both padded.
    """
    short = np.flatnonzero(well_formed & (lengths == 8))
    if not len(short):
        return cleaned, chars
    padded = np.full((len(short), 9), ord("0"), dtype=np.uint32)
    padded[:, 1:] = chars[:8, short].T
    cleaned = cleaned.copy()
    cleaned[short] = padded.view("U9").ravel().astype(object)
    chars = chars.copy()
    chars[1:9, short] = chars[:8, short]
    chars[0, short] = ord("0")
    return cleaned, chars

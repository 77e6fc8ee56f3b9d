"""Names: trimming, the placeholder and character checks of docs/rules.md, full-name splitting, folding.

Letters of every script, macrons, the ʻokina (U+02BB), apostrophes and hyphens are kept as they are: the
only change made to a name is whitespace (trimmed, inner runs collapsed to one space), which is reported.
All work is done once per distinct value and mapped back to the rows; regexes run only on the few values
a cheap test picks out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.checking.cells import DistinctTexts, distinct_texts, fold_series, for_each_distinct, none_mask
from core.reading.table import CellKind

PLACEHOLDER_NAMES = frozenset(
    {
        "unknown", "unk", "test", "testing", "baby", "infant", "anon", "anonymous", "client", "patient",
        "n/a", "na", "none", "nil", "null", "xxx", "no name", "-", "?",
    }
)  # fmt: skip
PLACEHOLDER_PREFIXES = ("baby of ", "twin ")
# Beyond the exact list: a value of up to 12 characters made only of the stand-in marks ("--", "??", "-?-") or
# of three or more x's.
_STAND_IN_MARKS = "-?.*_ "
_LONGEST_PLACEHOLDER = 12

NAME_PARTICLES = ("te", "ngā", "ngāti", "van", "von", "de", "da", "di", "du", "le", "la", "mac", "mc", "st")
# Each particle also without its macron ("nga", "ngati") and "st." with its full stop, compared lower-cased.
_PARTICLE_WORDS = np.array(sorted({*NAME_PARTICLES, "nga", "ngati", "st."}), dtype=np.dtypes.StringDType())
_LONGEST_PARTICLE = max(len(word) for word in _PARTICLE_WORDS)
_FAMILY_COMMA_GIVEN = r"^(?P<last>[^,]*),(?P<first>.*)\Z"

# A digit, the listed symbols, the replacement character (a macron lost in an old CSV), a control character.
_BAD_CHARACTER = r'[\d@#$%^&*_=+<>\[\]{}|\\/;:"!?\ufffd\x00-\x1f\x7f-\x9f]'
_INITIAL_ONLY = r"[^\W\d_]\.?"
# Apostrophe-like marks compared as one: ' ʻ ’ ‘ ` ´ ʼ
_APOSTROPHES = "[\u02bb\u2019\u2018`\u00b4\u02bc]"


@dataclass(frozen=True)
class NameColumn:
    """Per-row results of cleaning one name column (every array has one element a row)."""

    cleaned: np.ndarray  # object: trimmed, inner whitespace runs as one space; None when empty
    missing: np.ndarray  # bool: name_missing
    placeholder: np.ndarray  # bool: name_placeholder
    bad_character: np.ndarray  # bool: name_bad_character (never where placeholder fires)
    initial_only: np.ndarray  # bool: name_initial_only
    whitespace: np.ndarray  # bool: name_whitespace (leading, trailing or doubled spaces removed)


@dataclass(frozen=True)
class FullNameSplit:
    """A full-name column split into first and last name parts, ready for `clean_names`."""

    first: np.ndarray  # object: given name(s); None where absent
    last: np.ndarray  # object: family name with its particles; None where absent (a single word)
    first_kinds: np.ndarray  # uint8 CellKind: TEXT where first is present, else EMPTY
    last_kinds: np.ndarray  # uint8 CellKind: TEXT where last is present, else EMPTY
    whole_placeholder: np.ndarray  # bool: name_placeholder tested on the whole value
    whitespace: np.ndarray  # bool: name_whitespace on the whole value (the parts come out already clean)


def squeeze_whitespace(texts: pd.Series) -> pd.Series:
    """Trim and collapse every inner run of whitespace (tabs, no-break spaces too) to one space.

    Done with str.split/join, one C call each per distinct value: a regex here costs five times as much.
    """
    values = texts.to_numpy(dtype=object)
    return pd.Series([" ".join(value.split()) for value in values], index=texts.index, dtype=object)


def is_placeholder(cleaned: pd.Series) -> pd.Series:
    """Whether each squeezed value is a stand-in rather than a name (see PLACEHOLDER_NAMES).

    Beyond the prefixes, only short values can be stand-ins, so the other tests run on those alone.
    """
    folded = cleaned.str.casefold()
    found = folded.str.startswith(PLACEHOLDER_PREFIXES).to_numpy(dtype=bool, copy=True)
    short = np.flatnonzero((folded.str.len() <= _LONGEST_PLACEHOLDER).to_numpy(dtype=bool))
    few = folded.iloc[short]
    marks_only = (few.str.strip(_STAND_IN_MARKS) == "") & (few != "")
    xs_only = (few.str.strip("x") == "") & (few.str.len() >= 3)
    found[short] |= (few.isin(PLACEHOLDER_NAMES) | (few == "baby of") | marks_only | xs_only).to_numpy(
        dtype=bool
    )
    return pd.Series(found, index=cleaned.index)


# What a cell with no text gives: a missing name and no other finding (keys are NameColumn's fields).
_NO_NAME = {
    "cleaned": None,
    "missing": True,
    "placeholder": False,
    "bad_character": False,
    "initial_only": False,
    "whitespace": False,
}


def clean_names(values: np.ndarray, kinds: np.ndarray, distinct: DistinctTexts | None = None) -> NameColumn:
    """Trim a name column and find missing, placeholder, bad-character and initial-only names.

    `distinct` is the column's `distinct_texts` when the caller has made it already (the check makes it once
    a column, for this and for its error-code test).
    """
    if distinct is None:
        distinct = distinct_texts(values, kinds)
    return NameColumn(**for_each_distinct(distinct, _examine_names, _NO_NAME))


def _examine_names(distinct: pd.Series) -> dict[str, np.ndarray]:
    cleaned = squeeze_whitespace(distinct)
    blank = (cleaned == "").to_numpy(dtype=bool)
    placeholder = is_placeholder(cleaned).to_numpy(dtype=bool) & ~blank
    bad = cleaned.str.contains(_BAD_CHARACTER, regex=True).to_numpy(dtype=bool) & ~placeholder
    return {
        "cleaned": np.where(blank, None, cleaned.to_numpy(dtype=object)),
        "missing": blank,
        "placeholder": placeholder,
        "bad_character": bad,
        "initial_only": _initial_only(cleaned),
        "whitespace": (cleaned != distinct).to_numpy(dtype=bool) & ~blank,
    }


def _initial_only(cleaned: pd.Series) -> np.ndarray:
    """One letter of a cased script ("J", "k."): a single Chinese character is a whole name, not an initial."""
    short = cleaned[(cleaned.str.len() <= 2).to_numpy(dtype=bool)]
    one_letter = short.str.fullmatch(_INITIAL_ONLY) & (short.str.upper() != short.str.lower())
    return cleaned.index.isin(short.index[one_letter.to_numpy(dtype=bool)])


# What a cell with no text gives: no parts and no finding (keys are FullNameSplit's fields).
_NO_FULL_NAME = {
    "first": None,
    "last": None,
    "first_kinds": np.uint8(CellKind.EMPTY),
    "last_kinds": np.uint8(CellKind.EMPTY),
    "whole_placeholder": False,
    "whitespace": False,
}


def split_full_names(
    values: np.ndarray, kinds: np.ndarray, distinct: DistinctTexts | None = None
) -> FullNameSplit:
    """Split "Given Family" (family = last word with its particles) or "Family, Given" into two parts.

    `distinct` is the column's `distinct_texts` when the caller has made it already.
    """
    if distinct is None:
        distinct = distinct_texts(values, kinds)
    return FullNameSplit(**for_each_distinct(distinct, _split, _NO_FULL_NAME))


def _kinds_of(parts: np.ndarray) -> np.ndarray:
    return np.where(none_mask(parts), np.uint8(CellKind.EMPTY), np.uint8(CellKind.TEXT)).astype(np.uint8)


def _split(distinct: pd.Series) -> dict[str, np.ndarray]:
    cleaned = squeeze_whitespace(distinct)
    first = cleaned.to_numpy(dtype=object, copy=True)  # a single word is a first name
    last = np.full(len(cleaned), None, dtype=object)
    has_comma = cleaned.str.contains(",", regex=False).to_numpy(dtype=bool)
    rows = np.flatnonzero(has_comma)
    if len(rows):
        parts = cleaned.iloc[rows].str.extract(_FAMILY_COMMA_GIVEN)
        first[rows] = parts["first"].str.strip().to_numpy(dtype=object)
        last[rows] = parts["last"].str.strip().to_numpy(dtype=object)
    rows = np.flatnonzero(~has_comma & cleaned.str.contains(" ", regex=False).to_numpy(dtype=bool))
    if len(rows):
        first[rows], last[rows] = _given_then_family(cleaned.to_numpy(dtype=object)[rows])
    blank = (cleaned == "").to_numpy(dtype=bool)
    first, last = _none_where_blank(first), _none_where_blank(last)
    return {
        "first": first,
        "last": last,
        "first_kinds": _kinds_of(first),
        "last_kinds": _kinds_of(last),
        "whole_placeholder": is_placeholder(cleaned).to_numpy(dtype=bool) & ~blank,
        "whitespace": (cleaned != distinct).to_numpy(dtype=bool) & ~blank,
    }


def _given_then_family(names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) of squeezed names of two or more words: the last word, and the particles just before it."""
    space = np.array(" ", dtype=np.dtypes.StringDType())
    first, _, last = np.strings.rpartition(names.astype(np.dtypes.StringDType()), space)
    open_rows = np.arange(len(names))
    while len(open_rows):  # one pass per particle: "Ludwig van Beethoven", then "Maria de la Cruz"
        before, found, word = np.strings.rpartition(first[open_rows], space)
        candidate = (found == " ") & (np.strings.str_len(word) <= _LONGEST_PARTICLE)
        particle = candidate.copy()
        particle[candidate] = np.isin(np.strings.lower(word[candidate]), _PARTICLE_WORDS)
        open_rows = open_rows[particle]
        last[open_rows] = np.strings.add(np.strings.add(word[particle], space), last[open_rows])
        first[open_rows] = before[particle]
    return first.astype(object), last.astype(object)


def _none_where_blank(parts: np.ndarray) -> np.ndarray:
    present = ~pd.isna(parts) & (parts != "")
    return np.where(present, parts, None)


def fold_for_comparison(values: np.ndarray) -> np.ndarray:
    """Values in the form rows are compared in: casefolded, macrons and accents dropped, apostrophes alike.

    "Ngāio  Te Whare" and "ngaio te whare" fold the same; None stays None. Done once per distinct value.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    distinct = pd.Series(uniques, dtype=object).astype(str)
    folded = fold_series(distinct.str.replace(_APOSTROPHES, "'", regex=True)).to_numpy(dtype=object)
    result = np.full(len(codes), None, dtype=object)
    present = codes >= 0
    result[present] = folded[codes[present]]
    return result
